"""Forms of the pick'em pages. They only shape input; the rules live in `leagues` and `submission`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.utils import timezone

from .models import (
    MAX_DROPPED_WEEKS,
    MAX_ENTRIES_PER_MEMBER,
    MAX_SURVIVOR_LIVES,
    PICKEM_ESPN_LEAGUES,
    LineLock,
    MissedPicks,
    PoolType,
    PostponedGames,
    ScoringMode,
    SurvivorAllOut,
    SurvivorMissedWeek,
    Weekday,
)
from .selectors import WeekBoard
from .submission import MAX_TIEBREAK_GUESS, PickInput, TiebreakerInput


class SignupForm(UserCreationForm):
    """A username, an optional email address (where pick reminders go) and a password twice: Django's own form."""

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = "Optional: where pick reminders go."


class ReminderEmailForm(forms.Form):
    email = forms.EmailField(label="Email address for reminders")


def default_season_year() -> int:
    """NFL and college seasons are named for the year they start: before July, last year's."""
    today = timezone.now()
    return today.year if today.month >= 7 else today.year - 1


def rule_fields() -> dict[str, forms.Field]:
    """The league rules' fields, shared by the create and settings forms (`leagues.RULE_FIELDS`)."""
    radio = forms.RadioSelect
    return {
        "pool_type": forms.ChoiceField(
            choices=PoolType.choices, widget=radio, initial=PoolType.PICKEM, label="Pool type"
        ),
        "scoring": forms.ChoiceField(
            choices=ScoringMode.choices, widget=radio, initial=ScoringMode.STRAIGHT_UP, label="Scoring"
        ),
        "against_spread": forms.BooleanField(
            required=False,
            label="Against the spread",
            help_text="A pick wins if its team covers ESPN's line as it stood when the line locked.",
        ),
        "entries_per_member": forms.IntegerField(
            min_value=1, max_value=MAX_ENTRIES_PER_MEMBER, initial=1, label="Entries per member"
        ),
        "missed_picks": forms.ChoiceField(
            choices=MissedPicks.choices, widget=radio, initial=MissedPicks.NONE, label="Missed picks"
        ),
        "line_lock": forms.ChoiceField(
            choices=LineLock.choices, widget=radio, initial=LineLock.KICKOFF, label="Against the spread: line lock"
        ),
        "line_weekday": forms.TypedChoiceField(
            choices=Weekday.choices, coerce=int, initial=Weekday.TUESDAY, label="Weekly line lock: day (US Eastern)"
        ),
        "line_time": forms.TimeField(
            initial="12:00", label="Weekly line lock: time (US Eastern)", widget=forms.TimeInput(attrs={"type": "time"})
        ),
        "postponed_games": forms.ChoiceField(
            choices=PostponedGames.choices, widget=radio, initial=PostponedGames.VOID, label="Postponed games"
        ),
        "drop_lowest_weeks": forms.IntegerField(
            min_value=0,
            max_value=MAX_DROPPED_WEEKS,
            initial=0,
            label="Season standings: drop each member's lowest weeks",
        ),
        "survivor_lives": forms.IntegerField(
            min_value=1, max_value=MAX_SURVIVOR_LIVES, initial=1, label="Survivor: lives"
        ),
        "survivor_tie_costs_life": forms.BooleanField(required=False, label="Survivor: a tie costs a life"),
        "survivor_buyback_until_week": forms.IntegerField(
            min_value=1,
            max_value=25,
            required=False,
            label="Survivor: buy-back allowed until week",
            help_text="Empty: no buy-back. An eliminated entry may buy one life back up to this regular-season week.",
        ),
        "survivor_missed_week": forms.ChoiceField(
            choices=SurvivorMissedWeek.choices,
            widget=radio,
            initial=SurvivorMissedWeek.LOSS,
            label="Survivor: a missed week",
        ),
        "survivor_all_out": forms.ChoiceField(
            choices=SurvivorAllOut.choices,
            widget=radio,
            initial=SurvivorAllOut.CO_WINNERS,
            label="Survivor: when all who remain fall in the same week",
        ),
    }


class RulesForm(forms.Form):
    """Rule fields left out of a request keep their value (the default, or the league's): only what is
    sent changes. A browser sends them all; an unticked box is sent as nothing and means "no"."""

    def rule_bound_fields(self) -> list:
        return [self[name] for name in rule_fields()]

    def setup_rule_fields(self) -> None:
        for name, field in rule_fields().items():
            field.required = False
            self.fields[name] = field

    def rules_sent(self) -> dict:
        sent = {}
        for name in rule_fields():
            field = self.fields[name]
            if field.disabled or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if isinstance(field, forms.BooleanField) or self.add_prefix(name) in self.data:
                if value in (None, "") and name != "survivor_buyback_until_week":
                    continue
                sent[name] = value
        return sent

    def service_arguments(self) -> dict:
        plain = {k: v for k, v in self.cleaned_data.items() if k not in rule_fields()}
        return {**plain, **self.rules_sent()}


class LeagueForm(RulesForm):
    name = forms.CharField(max_length=80, label="League name")
    espn_league = forms.ChoiceField(choices=PICKEM_ESPN_LEAGUES, label="Games from")
    season_year = forms.IntegerField(min_value=2000, max_value=2100, label="Season", initial=default_season_year)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_rule_fields()


class LeagueSettingsForm(RulesForm):
    name = forms.CharField(max_length=80, label="League name")

    def __init__(self, *args, rules_locked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_rule_fields()
        self.rules_locked = rules_locked
        if rules_locked:
            for name in rule_fields():
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        """A locked rule's field is disabled, so a browser does not send it; a request that still sends a
        different value is refused, naming the rule, rather than silently ignored."""
        super().clean()
        data = self.cleaned_data
        if not self.rules_locked:
            return data
        for name in rule_fields():
            field = self.fields[name]
            if self.add_prefix(name) not in self.data:
                continue
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            try:
                sent = field.clean(raw)
            except forms.ValidationError:
                sent = raw
            if sent != self.initial.get(name):
                self.add_error(name, f"The season has started: “{field.label}” can no longer change.")
        return data


class JoinForm(forms.Form):
    invite_code = forms.CharField(max_length=300, label="Invite code or link")

    def clean_invite_code(self) -> str:
        """Accept the code itself or the whole invite link."""
        value = self.cleaned_data["invite_code"].strip().rstrip("/")
        return value.rsplit("/", 1)[-1]


class WeekPicksForm(forms.Form):
    """One radio group (away / home) per game, a weight per game in a confidence league, the tiebreaker.

    Games that are locked get disabled fields: browsers do not send them and Django ignores them.
    """

    def __init__(self, board: WeekBoard, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.board = board
        league = board.entry.league
        weights = [("", "—")] + [(str(n), str(n)) for n in board.confidence_range]
        for row in board.rows:
            game, pick = row.game, row.pick
            self.fields[team_field(game.pk)] = forms.TypedChoiceField(
                label=str(game),
                choices=[(str(game.away_team_id), game.away_team.display_name),
                         (str(game.home_team_id), game.home_team.display_name)],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                initial=str(pick.team_id) if pick else None,
                disabled=not row.pickable,
            )  # fmt: skip
            if league.uses_confidence:
                self.fields[weight_field(game.pk)] = forms.TypedChoiceField(
                    label=f"Confidence for {game}",
                    choices=weights,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=str(pick.confidence) if pick and pick.confidence else "",
                    disabled=not row.pickable,
                )
        if board.tiebreak is not None:
            self.fields["tiebreaker"] = forms.IntegerField(
                label=f"Tiebreaker: total points in {board.tiebreak}",
                min_value=0,
                max_value=MAX_TIEBREAK_GUESS,
                required=False,
                initial=board.tiebreak_guess,
                disabled=board.tiebreak_locked,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for row in self.board.rows:
            pk = row.game.pk
            weight = data.get(weight_field(pk))
            if weight is not None and not data.get(team_field(pk)) and not self.fields[team_field(pk)].disabled:
                self.add_error(team_field(pk), "Choose a team to go with the weight.")
        return data

    def pick_inputs(self) -> list[PickInput]:
        """The picks sent. A locked game's field is disabled, but a stale page may still send it:
        pass it on as sent, so the rules can say it is too late (or see that nothing changed)."""
        picks = []
        for row in self.board.rows:
            pk = row.game.pk
            if self.fields[team_field(pk)].disabled:
                pick = self.sent_for_locked_game(row)
                if pick is not None:
                    picks.append(pick)
                continue
            team_id = self.cleaned_data.get(team_field(pk))
            if team_id:
                picks.append(PickInput(game_id=pk, team_id=team_id, confidence=self.cleaned_data.get(weight_field(pk))))
        return picks

    def sent_for_locked_game(self, row) -> PickInput | None:
        pk = row.game.pk
        team_id = raw_int(self.data.get(self.add_prefix(team_field(pk))))
        if team_id is None:
            return None
        confidence = None
        if weight_field(pk) in self.fields:
            confidence = raw_int(self.data.get(self.add_prefix(weight_field(pk))))
            if confidence is None and row.pick is not None:
                confidence = row.pick.confidence
        return PickInput(game_id=pk, team_id=team_id, confidence=confidence)

    def tiebreaker_input(self) -> TiebreakerInput | None:
        field = self.fields.get("tiebreaker")
        guess = self.cleaned_data.get("tiebreaker")
        if field is None or field.disabled or guess is None:
            return None
        return TiebreakerInput(week=self.board.week, guess=guess)

    def field_for_problem(self, game_id: int | None) -> str | None:
        if game_id is None:
            return "tiebreaker" if "tiebreaker" in self.fields else None
        name = team_field(game_id)
        return name if name in self.fields else None


class SurvivorPickForm(forms.Form):
    """Survivor: one team for the week, among the games not locked and the teams not used yet."""

    team = forms.ChoiceField(required=False, widget=forms.RadioSelect)

    def __init__(self, board: WeekBoard, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.board = board
        choices = []
        for row in board.rows:
            for team in (row.game.away_team, row.game.home_team):
                if row.pickable and team.pk not in board.used_team_ids:
                    choices.append((survivor_value(row.game.pk, team.pk), team.display_name))
        cast(forms.ChoiceField, self.fields["team"]).choices = choices
        pick = board.survivor_pick
        self.fields["team"].initial = survivor_value(pick.game_id, pick.team_id) if pick else None

    def pick_inputs(self) -> list[PickInput]:
        value = self.cleaned_data.get("team")
        if not value:
            return []
        game_id, team_id = (int(part) for part in value.split("-"))
        return [PickInput(game_id=game_id, team_id=team_id)]

    def tiebreaker_input(self) -> None:
        return None

    def field_for_problem(self, game_id: int | None) -> str | None:
        return "team"


def survivor_value(game_id: int, team_id: int) -> str:
    return f"{game_id}-{team_id}"


def raw_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def team_field(game_id: int) -> str:
    return f"game_{game_id}"


def weight_field(game_id: int) -> str:
    return f"confidence_{game_id}"
