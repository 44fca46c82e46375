"""Pick submission: a member's picks and tiebreaker guess for a week, all saved or none.

Every rule is checked before anything is written: a rejected submission changes nothing and says
why, game by game (`PicksRejected`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from games.models import Game, espn_league_label

from .errors import PickemError
from .leagues import require_own_entry
from .locking import is_locked, lock_reason
from .models import ChangeSource, Entry, Pick, PickChange, PickResult, WeeklyTiebreaker
from .selectors import league_games, tiebreak_game, week_games
from .weeks import Week

MAX_TIEBREAK_GUESS = 300
LOCK_CODES = frozenset({"locked", "tiebreaker_locked"})


@dataclass(frozen=True)
class PickProblem:
    code: str
    message: str
    game_id: int | None = None  # None: the tiebreaker, or the request as a whole


class PicksRejected(PickemError):
    """One or more picks break a rule; none of the submitted picks was saved."""

    def __init__(self, problems: Sequence[PickProblem]) -> None:
        self.problems = list(problems)
        only_late = all(p.code in LOCK_CODES for p in self.problems)
        self.status = 409 if only_late else 400
        count = len(self.problems)
        summary = "picks are locked" if only_late else "picks could not be saved"
        super().__init__(
            f"Nothing was saved: {count} {summary}." if count > 1 else f"Nothing was saved: {self.problems[0].message}",
            code="too_late" if only_late else "invalid_picks",
        )

    def body(self) -> dict:
        errors = [{"game_id": p.game_id, "code": p.code, "message": p.message} for p in self.problems]
        return {**super().body(), "errors": errors}


@dataclass(frozen=True)
class PickInput:
    game_id: int
    team_id: int
    confidence: int | None = None


@dataclass(frozen=True)
class TiebreakerInput:
    week: Week
    guess: int


@dataclass
class SubmitResult:
    created: list[int] = field(default_factory=list)  # game ids
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    tiebreaker_changed: bool = False

    @property
    def saved(self) -> int:
        return len(self.created) + len(self.changed) + int(self.tiebreaker_changed)


def submit_picks(
    *,
    user: User,
    entry: Entry,
    picks: Sequence[PickInput],
    tiebreaker: TiebreakerInput | None = None,
    now: datetime | None = None,
    source: str = ChangeSource.WEB,
) -> SubmitResult:
    """Save a member's picks (and tiebreaker guess): all of them, or none if any breaks a rule.

    A pick equal to the one already saved is no change and is accepted even once its game has
    locked, so a form that sends every game back is not refused for the games already played.
    """
    now = now or timezone.now()
    require_own_entry(entry, user)
    with transaction.atomic():
        # One submission per entry at a time: the confidence checks below read the entry's other picks.
        Entry.objects.select_for_update().filter(pk=entry.pk).values_list("pk", flat=True).first()
        plan = PicksPlan(entry, now=now)
        plan.check_picks(picks)
        if tiebreaker is not None:
            plan.check_tiebreaker(tiebreaker)
        if plan.problems:
            raise PicksRejected(plan.problems)
        return plan.write(user=user, tiebreaker=tiebreaker, source=source)


class PicksPlan:
    """Validates a submission against the entry's league and saved picks, then writes it in bulk."""

    def __init__(self, entry: Entry, *, now: datetime) -> None:
        self.entry = entry
        self.league = entry.league
        self.now = now
        self.problems: list[PickProblem] = []
        self.games: dict[int, Game] = {}
        self.saved: dict[int, Pick] = {}  # game id -> saved pick, for the submitted games and their weeks
        self.wanted: dict[int, PickInput] = {}  # game id -> input that changes something
        self.result = SubmitResult()
        self.tiebreak_saved: WeeklyTiebreaker | None = None
        self.replaced: list[Pick] = []  # survivor: the week's earlier pick, on another game

    def problem(self, code: str, message: str, game_id: int | None = None) -> None:
        self.problems.append(PickProblem(code=code, message=message, game_id=game_id))

    def check_picks(self, picks: Sequence[PickInput]) -> None:
        ids = [p.game_id for p in picks]
        self.games = Game.objects.select_related("home_team", "away_team", "season").in_bulk(ids)
        seen: set[int] = set()
        for pick in picks:
            if pick.game_id in seen:
                self.problem("duplicate_game", f"Game {pick.game_id} appears twice: one pick per game.", pick.game_id)
                continue
            seen.add(pick.game_id)
            self.check_game_and_team(pick)
        if self.problems:
            return
        weeks = {week_of(self.games[p.game_id]) for p in picks}
        self.load_saved(ids, weeks)
        for pick in picks:
            game = self.games[pick.game_id]
            saved = self.saved.get(game.pk)
            if saved is not None and saved.team_id == pick.team_id and saved.confidence == pick.confidence:
                self.result.unchanged.append(game.pk)
                continue
            if is_locked(game, self.now):
                self.problem("locked", f"Too late to pick {game}: {lock_reason(game, self.now)}.", game.pk)
                continue
            self.wanted[game.pk] = pick
        if self.league.uses_confidence and not self.problems:
            self.check_confidence(weeks)
        if self.league.is_survivor and not self.problems and self.wanted:
            self.check_survivor()

    def check_survivor(self) -> None:
        """One team a week, each team once a season, only while alive; a new pick of the week replaces
        the old one while the old one's game has not locked."""
        from .survivor import SURVIVOR_SEASON_TYPES, entry_state

        state = entry_state(self.entry)
        if state is not None and not state.alive:
            self.problem("eliminated", f"{self.entry.name} is out of this survivor pool: no more picks.")
            return
        season_picks = list(Pick.objects.filter(entry=self.entry).select_related("game", "team"))
        by_week: dict[Week, list[int]] = defaultdict(list)
        for game_id in self.wanted:
            by_week[week_of(self.games[game_id])].append(game_id)
        for week, game_ids in by_week.items():
            label = week.label(self.league.espn_league)
            if week.season_type not in SURVIVOR_SEASON_TYPES:
                self.problem("not_a_survivor_week", f"{label} is not part of the survivor pool.", game_ids[0])
                continue
            if len(game_ids) > 1:
                for game_id in game_ids:
                    message = f"Survivor: pick one team in {label}, not {len(game_ids)}."
                    self.problem("one_team_a_week", message, game_id)
                continue
            game_id = game_ids[0]
            team_id = self.wanted[game_id].team_id
            for saved in season_picks:
                saved_week = Week(saved.season_type, saved.week)
                if saved_week != week and saved.team_id == team_id and saved.result != PickResult.VOID:
                    self.problem(
                        "team_used",
                        f"You used {saved.team.display_name} in {saved_week.label(self.league.espn_league)}: "
                        "each team once a season.",
                        game_id,
                    )
                elif saved_week == week and saved.game_id != game_id:
                    if is_locked(saved.game, self.now):
                        self.problem(
                            "locked",
                            f"Your {label} pick ({saved.team.display_name}) is locked: "
                            f"{lock_reason(saved.game, self.now)}.",
                            game_id,
                        )
                    else:
                        self.replaced.append(saved)

    def check_game_and_team(self, pick: PickInput) -> None:
        game = self.games.get(pick.game_id)
        league = self.league
        if game is None:
            self.problem("unknown_game", f"There is no game {pick.game_id}.", pick.game_id)
            return
        if game.espn_league != league.espn_league:
            self.problem(
                "other_espn_league",
                f"{game} is a {espn_league_label(game.espn_league)} game; "
                f"this league picks {league.espn_league_label} games.",
                game.pk,
            )
            return
        if game.season.year != league.season_year or game.week is None:
            self.problem("other_season", f"{game} is not a game of this league's {league.season_year} season.", game.pk)
            return
        if pick.team_id not in (game.home_team_id, game.away_team_id):
            self.problem(
                "team_not_in_game",
                f"That team does not play in {game}: pick {game.away_team} or {game.home_team}.",
                game.pk,
            )
            return
        if game.home_team.is_placeholder or game.away_team.is_placeholder:
            self.problem("teams_undecided", f"The teams of {game} are not decided yet.", game.pk)
            return
        if league.uses_confidence and pick.confidence is None:
            self.problem("confidence_required", f"Give your pick of {game} a confidence weight.", game.pk)
        elif not league.uses_confidence and pick.confidence is not None:
            self.problem(
                "confidence_not_allowed",
                "This league scores straight up: picks take no confidence weight.",
                game.pk,
            )

    def load_saved(self, game_ids: list[int], weeks: set[Week]) -> None:
        in_weeks = Q()
        for week in weeks:
            in_weeks |= Q(season_type=week.season_type, week=week.number)
        found = Pick.objects.filter(entry=self.entry).filter(Q(game_id__in=game_ids) | in_weeks).select_related("game")
        self.saved = {pick.game_id: pick for pick in found}

    def check_confidence(self, weeks: set[Week]) -> None:
        """Each pick of a week gets its own weight, from 1 to the number of games that week."""
        in_weeks = Q()
        for week in weeks:
            in_weeks |= Q(season_type=week.season_type, week=week.number)
        sizes = {
            Week(row["season_type"], row["week"]): row["games"]
            for row in league_games(self.league)
            .filter(in_weeks)
            .values("season_type", "week")
            .annotate(games=Count("pk"))
            .order_by()
        }
        weights: dict[Week, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for game_id, pick in self.saved.items():
            if game_id not in self.wanted and pick.confidence is not None:
                weights[Week(pick.season_type, pick.week)][pick.confidence].append(game_id)
        for game_id, wanted in self.wanted.items():
            weight = wanted.confidence
            if weight is None:  # refused before (confidence_required): not reached
                continue
            game = self.games[game_id]
            week = week_of(game)
            top = sizes.get(week, 0)
            if not 1 <= weight <= top:
                self.problem(
                    "confidence_out_of_range",
                    f"Weights in {week.label(self.league.espn_league)} run from 1 to {top}: "
                    f"{weight} is not one of them ({game}).",
                    game_id,
                )
                continue
            weights[week][weight].append(game_id)
        for week, by_weight in weights.items():
            for weight, game_ids in sorted(by_weight.items()):
                if len(game_ids) < 2:
                    continue
                names = " and ".join(self.game_name(gid) for gid in game_ids)
                label = week.label(self.league.espn_league)
                for game_id in game_ids:
                    if game_id in self.wanted:
                        self.problem(
                            "confidence_duplicate",
                            f"Weight {weight} is given twice in {label} ({names}): "
                            "each pick of a week needs its own weight.",
                            game_id,
                        )

    def game_name(self, game_id: int) -> str:
        game = self.games.get(game_id)
        if game is None:
            saved = self.saved.get(game_id)
            game = saved.game if saved is not None else None
        return str(game) if game is not None else f"game {game_id}"

    def check_tiebreaker(self, tiebreaker: TiebreakerInput) -> None:
        if not 0 <= tiebreaker.guess <= MAX_TIEBREAK_GUESS:
            self.problem("tiebreaker_invalid", f"The tiebreaker is a total of points from 0 to {MAX_TIEBREAK_GUESS}.")
            return
        week = tiebreaker.week
        last = tiebreak_game(list(week_games(self.league, week)))
        if last is None:
            self.problem("tiebreaker_no_game", f"{week.label(self.league.espn_league)} has no game to guess.")
            return
        self.tiebreak_saved = WeeklyTiebreaker.objects.filter(
            entry=self.entry, season_type=week.season_type, week=week.number
        ).first()
        if self.tiebreak_saved is not None and self.tiebreak_saved.guess == tiebreaker.guess:
            return
        if is_locked(last, self.now):
            self.problem(
                "tiebreaker_locked",
                f"Too late to change the tiebreaker: {lock_reason(last, self.now)} ({last}).",
            )

    def change(self, user: User, source: str, week: Week, **what: object) -> PickChange:
        """A line of the entry's change history, made now by `user` through `source`."""
        return PickChange(
            entry=self.entry, changed_by=user, changed_at=self.now, source=source, season_type=week.season_type,
            week=week.number, **what,
        )  # fmt: skip

    def write(self, *, user: User, tiebreaker: TiebreakerInput | None, source: str) -> SubmitResult:
        changes: list[PickChange] = [
            self.change(
                user, source, Week(old.season_type, old.week), game_id=old.game_id, old_team_id=old.team_id,
                new_team_id=None,
            )
            for old in self.replaced
        ]  # fmt: skip
        if self.replaced:
            Pick.objects.filter(pk__in=[old.pk for old in self.replaced]).delete()
        new, changed = [], []
        for game_id, wanted in self.wanted.items():
            week = week_of(self.games[game_id])
            saved = self.saved.get(game_id)
            changes.append(
                self.change(
                    user,
                    source,
                    week,
                    game_id=game_id,
                    old_team_id=saved.team_id if saved else None,
                    new_team_id=wanted.team_id,
                    old_confidence=saved.confidence if saved else None,
                    new_confidence=wanted.confidence,
                )
            )
            if saved is None:
                new.append(
                    Pick(
                        entry=self.entry,
                        game_id=game_id,
                        team_id=wanted.team_id,
                        confidence=wanted.confidence,
                        season_type=week.season_type,
                        week=week.number,
                        created_at=self.now,
                        updated_at=self.now,
                    )
                )
                self.result.created.append(game_id)
                continue
            saved.team_id, saved.confidence, saved.updated_at = wanted.team_id, wanted.confidence, self.now
            saved.season_type, saved.week = week.season_type, week.number
            saved.result, saved.points, saved.graded_at = PickResult.PENDING, 0, None
            changed.append(saved)
            self.result.changed.append(game_id)
        if changed and self.league.uses_confidence:
            # Weights may be swapped between picks: clear them first so that no row meets the
            # "distinct weight per week" constraint half-way through the update.
            Pick.objects.filter(pk__in=[p.pk for p in changed]).update(confidence=None)
        if changed:
            Pick.objects.bulk_update(
                changed,
                [
                    "team",
                    "confidence",
                    "updated_at",
                    "season_type",
                    "week",
                    "result",
                    "points",
                    "graded_at",
                ],
            )
        if new:
            Pick.objects.bulk_create(new)
        if tiebreaker is not None and not self.problems:
            self.write_tiebreaker(tiebreaker, user=user, source=source, changes=changes)
        if changes:
            PickChange.objects.bulk_create(changes)
        return self.result

    def write_tiebreaker(
        self, tiebreaker: TiebreakerInput, *, user: User, source: str, changes: list[PickChange]
    ) -> None:
        saved = self.tiebreak_saved
        if saved is not None and saved.guess == tiebreaker.guess:
            return
        week = tiebreaker.week
        changes.append(
            self.change(
                user, source, week, game=None, old_guess=saved.guess if saved else None, new_guess=tiebreaker.guess
            )
        )
        if saved is None:
            WeeklyTiebreaker.objects.create(
                entry=self.entry,
                season_type=week.season_type,
                week=week.number,
                guess=tiebreaker.guess,
                updated_at=self.now,
            )
        else:
            saved.guess, saved.updated_at = tiebreaker.guess, self.now
            saved.save(update_fields=["guess", "updated_at"])
        self.result.tiebreaker_changed = True


def week_of(game: Game) -> Week:
    """The week of a game a pick may be made on (check_game_and_team refuses a game without one)."""
    if game.week is None:
        raise ValueError(f"{game} has no week: it cannot be picked")
    return Week(game.season_type, game.week)
