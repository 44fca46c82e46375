"""Pick'em API: one APIView per endpoint, input and output serializers, rules in `leagues` and `submission`.

Status codes: 400 bad input, 403 not yours (or not a member, or not logged in), 404 no such
thing, 409 too late (the game or the tiebreaker game has locked, the season has started) or not
possible in the current state (the league's entries per member reached, nothing to buy back). Errors read
{"detail": "...", "code": "...", "errors": [{"game_id": .., "code": .., "message": ..}]}; a bad
parameter or field is a key of its own. Views do not catch errors: config/api_errors.py's handler answers
DRF's errors and the rules' PickemErrors.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.validators import MaxValueValidator
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.query_params import validate_query

from . import leagues, reminders, submission
from .chance import ChoiceError, week_chances
from .models import (
    MAX_DROPPED_WEEKS,
    MAX_ENTRIES_PER_MEMBER,
    MAX_SURVIVOR_LIVES,
    PICKEM_ESPN_LEAGUES,
    ChangeSource,
    Entry,
    LineLock,
    MissedPicks,
    PickemLeague,
    PoolType,
    PostponedGames,
    ScoringMode,
    SurvivorAllOut,
    SurvivorMissedWeek,
    Weekday,
)
from .presenters import game_data, standings_data, week_data, what_if_data
from .queries import MAX_ID, StandingsQuerySerializer, WeekQuerySerializer, read_week, week_field
from .selectors import (
    current_week,
    league_members,
    own_entry_ids,
    picks_grid,
    user_entries,
    week_board,
)
from .standings import season_standings, week_standings
from .weeks import Week

# --------------------------------------------------------------------------- shared shapes


class SignedInRequest(Request):
    """A request IsAuthenticated has let through (every view here): its user is signed in, never anonymous."""

    user: User


@extend_schema_serializer(component_name="PickemProblem")
class ProblemSerializer(serializers.Serializer):
    game_id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="PickemError")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: as a class attribute, "errors" would stand for the serializer's own errors.
        return {**super().get_fields(), "errors": ProblemSerializer(many=True, required=False)}


# A time of day without a UTC offset: OpenAPI's "time" format (RFC 3339's full-time) demands one, so
# a client validating "12:00:00" against it would refuse our own answers. The pattern is what the field reads.
WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


@extend_schema_field({"type": "string", "pattern": WALL_CLOCK_PATTERN, "example": "12:00:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on the league's wall clock (US Eastern), as HH:MM[:SS]."""


class TextField(serializers.CharField):
    """A JSON string, and only that: DRF's CharField would take 0 or 1.5 and store "0" or "1.5"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """A JSON integer, and only that: DRF's IntegerField would also take "3", 3.0 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class SeasonYearField(WholeNumberField):
    """A season from 2000 to next year's (leagues.league_create's rule, which checks it): the schema's
    maximum is worked out each time the schema is served, so that it stays true as the years go by."""

    def __init__(self, **kwargs):
        super().__init__(min_value=2000, **kwargs)
        # IntegerField fixed a maximum from the year this was built in: the service checks the real one.
        self.validators = [v for v in self.validators if not isinstance(v, MaxValueValidator)]

    @property
    def max_value(self) -> int:
        return timezone.now().year + 1

    @max_value.setter
    def max_value(self, value) -> None:
        pass  # set by IntegerField.__init__; the maximum moves with the calendar


class TrueFalseField(serializers.BooleanField):
    """JSON true or false, and only that: DRF's BooleanField would also take 0, "yes" or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ExactChoiceField(serializers.ChoiceField):
    """One of the choices as the schema gives it: 2 for a weekday, not "2" (which DRF would match)."""

    def to_internal_value(self, data):
        if not any(type(data) is type(key) and data == key for key in self.choices):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, naming them: a misspelt rule is an error, not a silent default."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


@extend_schema_serializer(component_name="PickemLeagueRules")
class RulesSerializer(StrictSerializer):
    """The league rules (see the README): set at creation, changeable until the season's first lock."""

    pool_type = ExactChoiceField(choices=PoolType.choices, required=False)
    scoring = ExactChoiceField(choices=ScoringMode.choices, required=False)
    against_spread = TrueFalseField(required=False)
    entries_per_member = WholeNumberField(min_value=1, max_value=MAX_ENTRIES_PER_MEMBER, required=False)
    missed_picks = ExactChoiceField(choices=MissedPicks.choices, required=False)
    line_lock = ExactChoiceField(choices=LineLock.choices, required=False)
    line_weekday = ExactChoiceField(
        choices=Weekday.choices, required=False, help_text="weekly line lock: 0 Monday ... 6 Sunday, US Eastern"
    )
    line_time = WallClockTimeField(required=False, help_text="weekly line lock: time of day, US Eastern")
    postponed_games = ExactChoiceField(choices=PostponedGames.choices, required=False)
    drop_lowest_weeks = WholeNumberField(min_value=0, max_value=MAX_DROPPED_WEEKS, required=False)
    survivor_lives = WholeNumberField(min_value=1, max_value=MAX_SURVIVOR_LIVES, required=False)
    survivor_tie_costs_life = TrueFalseField(required=False)
    survivor_buyback_until_week = WholeNumberField(
        min_value=1, max_value=25, required=False, allow_null=True, help_text="null: no buy-back"
    )
    survivor_missed_week = ExactChoiceField(choices=SurvivorMissedWeek.choices, required=False)
    survivor_all_out = ExactChoiceField(choices=SurvivorAllOut.choices, required=False)


@extend_schema_serializer(component_name="PickemLeague")
class LeagueSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    espn_league = serializers.CharField()
    season_year = serializers.IntegerField()
    scoring = serializers.CharField()
    against_spread = serializers.BooleanField()
    commissioner_id = serializers.IntegerField()
    pool_type = serializers.CharField()
    entries_per_member = serializers.IntegerField()
    missed_picks = serializers.CharField()
    line_lock = serializers.CharField()
    line_weekday = serializers.IntegerField()
    line_time = WallClockTimeField()
    postponed_games = serializers.CharField()
    drop_lowest_weeks = serializers.IntegerField()
    survivor_lives = serializers.IntegerField()
    survivor_tie_costs_life = serializers.BooleanField()
    survivor_buyback_until_week = serializers.IntegerField(allow_null=True)
    survivor_missed_week = serializers.CharField()
    survivor_all_out = serializers.CharField()


@extend_schema_serializer(component_name="PickemWeek")
class WeekSerializer(serializers.Serializer):
    slug = serializers.CharField()
    season_type = serializers.IntegerField()
    number = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: as a class attribute, "label" would stand for the field's own label.
        return {**super().get_fields(), "label": serializers.CharField()}


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="bad input: nothing changed"),
    403: OpenApiResponse(ErrorSerializer, description="not logged in, not a member, or not your entry"),
    404: OpenApiResponse(ErrorSerializer, description="no such entry or league"),
}


def own_entry(request: SignedInRequest, entry_id: int) -> Entry:
    entry = get_object_or_404(Entry.objects.select_related("league"), pk=entry_id)
    leagues.require_own_entry(entry, request.user)
    return entry


def member_league(request: SignedInRequest, league_id: int) -> tuple[PickemLeague, Entry]:
    league = get_object_or_404(PickemLeague, pk=league_id)
    return league, leagues.require_member(league, request.user)


# --------------------------------------------------------------------------- entries and picks


@extend_schema_serializer(component_name="PickemPickInput")
class PickInputSerializer(serializers.Serializer):
    # Bounded by what the database holds: a larger number is a 400 naming the field, never a failed query.
    game_id = WholeNumberField(min_value=1, max_value=MAX_ID)
    team_id = WholeNumberField(min_value=1, max_value=MAX_ID)
    confidence = WholeNumberField(
        required=False, allow_null=True, min_value=0, max_value=32767, help_text="confidence leagues only"
    )


@extend_schema_serializer(component_name="PickemTiebreakerInput")
class TiebreakerInputSerializer(serializers.Serializer):
    week = week_field(help_text="e.g. regular-3")
    guess = WholeNumberField(
        min_value=0, max_value=submission.MAX_TIEBREAK_GUESS, help_text="total points of the week's last game"
    )

    def validate_week(self, value: str) -> Week:
        return Week.parse(value)


class EntryListApi(APIView):
    """My pick'em entries, one per league I belong to."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemEntryListOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemEntryListOutputEntry")
        class EntrySerializer(serializers.Serializer):
            id = serializers.IntegerField(source="pk")
            name = serializers.CharField(help_text="the entry's name: a member may hold several")
            league = LeagueSerializer()

        entries = EntrySerializer(many=True)

    @extend_schema(
        summary="My entries (a league may allow several per member)",
        responses={200: OutputSerializer, 403: ERRORS[403]},
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(self.OutputSerializer({"entries": user_entries(request.user)}).data)


class EntryGamesApi(APIView):
    """The week's games to pick, with my picks, lock state and how each pick is doing now."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemEntryGamesOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemEntryGamesOutputGame")
        class GameSerializer(serializers.Serializer):
            @extend_schema_serializer(component_name="PickemEntryGamesOutputGameSide")
            class SideSerializer(serializers.Serializer):
                team_id = serializers.IntegerField()
                abbreviation = serializers.CharField()
                name = serializers.CharField()
                score = serializers.IntegerField(allow_null=True)

            @extend_schema_serializer(component_name="PickemEntryGamesOutputGamePick")
            class PickSerializer(serializers.Serializer):
                team_id = serializers.IntegerField()
                confidence = serializers.IntegerField(allow_null=True)
                result = serializers.CharField()
                points = serializers.IntegerField()
                auto = serializers.BooleanField(help_text="made for the member by the missed-picks rule")
                line_at_lock = serializers.DecimalField(
                    5,
                    1,
                    allow_null=True,
                    coerce_to_string=False,
                    help_text="once graded, the line at lock by the league's rule (home team's spread), the one "
                    "an against-the-spread pick is graded on; null while pending, when void, or with no line by lock",
                )

            @extend_schema_serializer(component_name="PickemEntryGamesOutputGameStatus")
            class StatusSerializer(serializers.Serializer):
                code = serializers.CharField(help_text="none, picked, live-win, live-loss, live-push, win, ...")
                text = serializers.CharField(help_text='in words: "Picked", "Winning", "Win", ...')
                display = serializers.CharField(
                    help_text='what the pick page shows: `text`, and a won pick\'s points ("Win · 3 pts")'
                )

            game_id = serializers.IntegerField()
            espn_id = serializers.CharField()
            name = serializers.CharField()
            kickoff = serializers.DateTimeField()
            phase = serializers.CharField()
            status_detail = serializers.CharField()
            locked = serializers.BooleanField()
            lock_reason = serializers.CharField()
            line = serializers.DecimalField(
                5, 1, allow_null=True, coerce_to_string=False, help_text="home team's spread (negative = favoured)"
            )
            line_locked = serializers.BooleanField(help_text="the weekly line is published: it is the one graded")
            graded_straight_up = serializers.BooleanField(
                help_text="against the spread, but no line by lock: graded straight up"
            )
            is_tiebreak = serializers.BooleanField()
            home = SideSerializer()
            away = SideSerializer()
            pick = PickSerializer(allow_null=True)
            score_text = serializers.CharField(
                help_text="what the pick page shows of the score, away team first, with `status_detail` "
                '("NO 24 \N{EN DASH} 26 ATL · 0:48 - 4th"); empty before kickoff'
            )
            status = StatusSerializer()

        @extend_schema_serializer(component_name="PickemEntryGamesOutputTiebreaker")
        class TiebreakerSerializer(serializers.Serializer):
            game_id = serializers.IntegerField(allow_null=True)
            guess = serializers.IntegerField(allow_null=True)
            locked = serializers.BooleanField()

        entry_id = serializers.IntegerField()
        entry_name = serializers.CharField()
        league = LeagueSerializer()
        week = WeekSerializer(allow_null=True)
        weeks = serializers.ListField(child=serializers.CharField())
        games = GameSerializer(many=True)
        tiebreaker = TiebreakerSerializer(allow_null=True)

    @extend_schema(
        summary="The week's games to pick, with my picks and each game's lock state",
        parameters=[WeekQuerySerializer],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: SignedInRequest, entry_id: int) -> Response:
        entry = own_entry(request, entry_id)
        week = read_week(validate_query(WeekQuerySerializer, request), entry.league)
        league = entry.league
        body = {
            "entry_id": entry.pk,
            "entry_name": entry.name,
            "league": league,
            "week": None,
            "weeks": [],
            "games": [],
            "tiebreaker": None,
        }
        if week is not None:
            board = week_board(entry, week, now=timezone.now())
            body.update(
                week=week_data(week, league),
                weeks=[w.slug for w in board.weeks],
                games=[game_data(row, against_spread=league.against_spread) for row in board.rows],
                tiebreaker={
                    "game_id": board.tiebreak.pk if board.tiebreak else None,
                    "guess": board.tiebreak_guess,
                    "locked": board.tiebreak_locked,
                },
            )
        return Response(self.OutputSerializer(body).data)


class EntryBuyBackApi(APIView):
    """Survivor: buy an eliminated entry back in with one life, once, up to the league's buy-back week."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemEntryBuyBackOutput")
    class OutputSerializer(serializers.Serializer):
        entry_id = serializers.IntegerField(source="pk")
        entry_name = serializers.CharField(source="name")
        buybacks = serializers.IntegerField()

    @extend_schema(
        summary="Survivor: buy back in",
        request=None,
        responses={
            200: OutputSerializer,
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer, description="past the buy-back week, no buy-back rule, still alive or bought back"
            ),
        },
    )
    def post(self, request: SignedInRequest, entry_id: int) -> Response:
        entry = own_entry(request, entry_id)
        leagues.entry_buy_back(entry=entry, user=request.user)
        return Response(self.OutputSerializer(entry).data)


class EntryPicksApi(APIView):
    """Submit picks (and the week's tiebreaker guess): all of them are saved, or none.

    200 with what changed; 400 bad input; 403 not your entry; 409 a game (or the tiebreaker game) has locked.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemEntryPicksInput")
    class InputSerializer(serializers.Serializer):
        picks: serializers.ListSerializer[dict] = serializers.ListSerializer(
            child=PickInputSerializer(), required=False, max_length=500
        )
        tiebreaker = TiebreakerInputSerializer(required=False, allow_null=True)

    @extend_schema_serializer(component_name="PickemEntryPicksOutput")
    class OutputSerializer(serializers.Serializer):
        created = serializers.ListField(child=serializers.IntegerField(), help_text="game ids")
        changed = serializers.ListField(child=serializers.IntegerField())
        unchanged = serializers.ListField(child=serializers.IntegerField())
        tiebreaker_changed = serializers.BooleanField()

    @extend_schema(
        summary="Submit picks (all or nothing) until each game locks",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS, 409: OpenApiResponse(ErrorSerializer, description="too late")},
    )
    def post(self, request: SignedInRequest, entry_id: int) -> Response:
        entry = own_entry(request, entry_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        picks = data.validated_data.get("picks") or []
        tiebreaker = data.validated_data.get("tiebreaker")
        if not picks and tiebreaker is None:
            raise exceptions.ValidationError("Send at least one pick or a tiebreaker.")
        result = submission.submit_picks(
            user=request.user,
            entry=entry,
            picks=[submission.PickInput(**p) for p in picks],
            tiebreaker=submission.TiebreakerInput(**tiebreaker) if tiebreaker else None,
            now=timezone.now(),
            source=ChangeSource.API,
        )
        return Response(self.OutputSerializer(result).data)


# --------------------------------------------------------------------------- leagues


class LeagueStandingsApi(APIView):
    """Standings for a week (default) or the season, with the live projection while games are on."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeagueStandingsOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemLeagueStandingsOutputRow")
        class RowSerializer(serializers.Serializer):
            rank = serializers.IntegerField()
            entry_id = serializers.IntegerField()
            entry_name = serializers.CharField()
            username = serializers.CharField()
            points = serializers.IntegerField()
            wins = serializers.IntegerField()
            losses = serializers.IntegerField()
            pushes = serializers.IntegerField()
            tiebreak_guess = serializers.IntegerField(allow_null=True, help_text="hidden until the game locks")
            tiebreak_distance = serializers.IntegerField(allow_null=True)
            live_points = serializers.IntegerField(help_text="points picks on live games would add if they ended now")
            projected_points = serializers.IntegerField()
            live_rank = serializers.IntegerField()
            missed_week = serializers.BooleanField(help_text="week view: no pick, scored the week's lowest minus one")
            dropped_weeks = serializers.ListField(
                child=serializers.CharField(), help_text="season view: the entry's lowest weeks left out"
            )
            alive = serializers.BooleanField(allow_null=True, help_text="survivor: still in (null in a pick'em)")
            lives_left = serializers.IntegerField(allow_null=True, help_text="survivor")
            teams_used = serializers.ListField(child=serializers.CharField(), help_text="survivor: in week order")
            fell_in = serializers.CharField(allow_null=True, help_text="survivor: the week it fell")
            week_pick = serializers.CharField(
                allow_null=True, help_text="survivor, week view: the week's team (another's once its game locked)"
            )
            chance_week = serializers.FloatField(
                allow_null=True, help_text="week view: the chance (0-1) to win the week, from the games left"
            )
            chance_survive = serializers.FloatField(
                allow_null=True,
                help_text="survivor, week view: the chance (0-1) the entry survives the week (its pick wins); "
                "null when eliminated, in the season view, or while another's pick is hidden",
            )
            chance_season = serializers.FloatField(
                allow_null=True,
                help_text="the chance (0-1) to win the season; only in the season's last week with games left",
            )

        @extend_schema_serializer(component_name="PickemLeagueStandingsOutputTiebreak")
        class TiebreakSerializer(serializers.Serializer):
            game_id = serializers.IntegerField()
            name = serializers.CharField()
            total = serializers.IntegerField(allow_null=True)

        @extend_schema_serializer(component_name="PickemLeagueStandingsOutputWinner")
        class WinnerSerializer(serializers.Serializer):
            entry_id = serializers.IntegerField()
            entry_name = serializers.CharField()
            username = serializers.CharField()
            points = serializers.IntegerField()

        league = LeagueSerializer()
        view = serializers.ChoiceField(choices=["week", "season"])
        week = WeekSerializer(allow_null=True)
        live_games = serializers.IntegerField()
        tiebreak = TiebreakSerializer(allow_null=True)
        week_complete = serializers.BooleanField(
            allow_null=True,
            help_text="week view: every game of the week is final, postponed or cancelled and graded "
            "(null in the season view)",
        )
        season_complete = serializers.BooleanField(
            allow_null=True,
            help_text="season view: the postseason is played, every game settled and graded (null in the week view)",
        )
        winners = WinnerSerializer(
            many=True,
            help_text="once complete: the members ranked first after the tiebreaker (several: co-winners); "
            "empty before",
        )
        chance_method = serializers.CharField(
            allow_null=True, help_text='"exact" (every outcome counted) or "sampled" (10,000 seeded samples)'
        )
        rows = RowSerializer(many=True)

    @extend_schema(
        summary="Standings for the week or the season, with the live projection and each member's chance to win",
        parameters=[StandingsQuerySerializer],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: SignedInRequest, league_id: int) -> Response:
        league, _ = member_league(request, league_id)
        params = validate_query(StandingsQuerySerializer, request)
        week = read_week(params, league)
        season = params["view"] == "season" or week is None
        standings = season_standings(league) if season or week is None else week_standings(league, week)
        chances = week_chances(league, week) if week is not None and not league.is_survivor else None
        body = standings_data(
            standings, viewer_entry_ids=own_entry_ids(league, request.user), now=timezone.now(), chances=chances
        )
        return Response(self.OutputSerializer(body).data)


class LeagueWhatIfApi(APIView):
    """The standings that would follow chosen outcomes of the week's games not yet final, and the chances then."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemWhatIfInput")
    class InputSerializer(serializers.Serializer):
        week = week_field(required=False, help_text="e.g. regular-3; default: the current week")
        outcomes = serializers.DictField(
            child=serializers.CharField(),
            help_text='game id -> "home" or "away": the side whose pick wins (against the spread: covers)',
        )

        def validate_week(self, value: str) -> Week:
            return Week.parse(value)

    @extend_schema_serializer(component_name="PickemWhatIfOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemWhatIfOutputGame")
        class GameSerializer(serializers.Serializer):
            game_id = serializers.IntegerField()
            name = serializers.CharField()
            home = serializers.CharField()
            away = serializers.CharField()
            chosen = serializers.CharField(allow_null=True)
            home_pick_wins = serializers.FloatField(help_text="the chance a pick on the home side wins")

        @extend_schema_serializer(component_name="PickemWhatIfOutputRow")
        class RowSerializer(serializers.Serializer):
            rank = serializers.IntegerField()
            entry_id = serializers.IntegerField()
            entry_name = serializers.CharField()
            username = serializers.CharField()
            points = serializers.IntegerField(help_text="points already certain plus what the chosen outcomes add")
            chance_week = serializers.FloatField()
            chance_season = serializers.FloatField(allow_null=True)

        week = WeekSerializer()
        chance_method = serializers.CharField()
        games = GameSerializer(many=True, help_text="the week's games not yet final")
        rows = RowSerializer(many=True)

    @extend_schema(
        summary="What if: standings and chances after chosen outcomes of games not yet final",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def post(self, request: SignedInRequest, league_id: int) -> Response:
        league, _ = member_league(request, league_id)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        week = given.validated_data.get("week") or current_week(league, timezone.now())
        if week is None:
            raise exceptions.ValidationError({"week": ["This league has no games yet."]})
        try:
            chances = week_chances(league, week, chosen=given.validated_data["outcomes"])
        except ChoiceError as exc:
            raise exceptions.ValidationError({exc.field: [str(exc)]}) from None
        return Response(self.OutputSerializer(what_if_data(league, chances)).data)


class LeagueRemindersApi(APIView):
    """The commissioner's view of who has not picked the current week, and "send the reminder now"."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemRemindersOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemRemindersOutputMember")
        class MemberSerializer(serializers.Serializer):
            user_id = serializers.IntegerField()
            username = serializers.CharField()
            missing = serializers.IntegerField(help_text="picks still to make on the week's open games")
            reminded_at = serializers.DateTimeField(allow_null=True, help_text="this week's reminder, if any")
            reminders_off = serializers.BooleanField(source="opted_out")
            has_email = serializers.BooleanField()

        week = WeekSerializer(allow_null=True)
        members = MemberSerializer(many=True, help_text="members with picks missing on games still open")
        sent = serializers.IntegerField(required=False, help_text="POST: reminders sent now")
        already_reminded = serializers.IntegerField(required=False, help_text="POST: reminded earlier this week")
        failed = serializers.IntegerField(required=False)

    def commissioner_league(self, request: SignedInRequest, league_id: int) -> PickemLeague:
        league = get_object_or_404(PickemLeague, pk=league_id)
        leagues.require_commissioner(league, request.user)
        return league

    def body(self, league: PickemLeague, week: Week | None, now, **extra) -> dict:
        members = reminders.missing_pickers(league, week, now) if week else []
        return {"week": week_data(week, league), "members": members, **extra}

    @extend_schema(
        summary="Who has not picked the current week (commissioner)", responses={200: OutputSerializer, **ERRORS}
    )
    def get(self, request: SignedInRequest, league_id: int) -> Response:
        league = self.commissioner_league(request, league_id)
        now = timezone.now()
        return Response(self.OutputSerializer(self.body(league, current_week(league, now), now)).data)

    @extend_schema(
        summary="Send the current week's pick reminder now (commissioner; at most once per member and week)",
        request=None,
        responses={200: OutputSerializer, **ERRORS},
    )
    def post(self, request: SignedInRequest, league_id: int) -> Response:
        league = self.commissioner_league(request, league_id)
        now = timezone.now()
        week = current_week(league, now)
        result = reminders.send_reminders(league, week, now=now) if week else reminders.ReminderResult()
        body = self.body(league, week, now, **result.__dict__)
        return Response(self.OutputSerializer(body).data)


class LeaguePicksApi(APIView):
    """Members' picks of a week; another member's pick shows only once its game has locked."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeaguePicksOutput")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="PickemLeaguePicksOutputGame")
        class GameSerializer(serializers.Serializer):
            game_id = serializers.IntegerField()
            name = serializers.CharField()

        @extend_schema_serializer(component_name="PickemLeaguePicksOutputMember")
        class MemberSerializer(serializers.Serializer):
            @extend_schema_serializer(component_name="PickemLeaguePicksOutputMemberCell")
            class CellSerializer(serializers.Serializer):
                game_id = serializers.IntegerField()
                hidden = serializers.BooleanField()
                team = serializers.CharField(allow_null=True)
                confidence = serializers.IntegerField(allow_null=True)
                result = serializers.CharField(allow_null=True)

            entry_id = serializers.IntegerField()
            entry_name = serializers.CharField()
            username = serializers.CharField()
            tiebreak_guess = serializers.IntegerField(allow_null=True)
            picks = CellSerializer(many=True)

        league = LeagueSerializer()
        week = WeekSerializer(allow_null=True)
        games = GameSerializer(many=True)
        members = MemberSerializer(many=True)

    @extend_schema(
        summary="The league's picks grid, each game's picks revealed once it locks",
        parameters=[WeekQuerySerializer],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: SignedInRequest, league_id: int) -> Response:
        league, _ = member_league(request, league_id)
        week = read_week(validate_query(WeekQuerySerializer, request), league)
        body: dict = {"league": league, "week": None, "games": [], "members": []}
        if week is not None:
            members = league_members(league)
            grid = picks_grid(
                league, week, members, viewer_entry_ids=own_entry_ids(league, request.user), now=timezone.now()
            )
            body.update(
                week=week_data(week, league),
                games=[{"game_id": g.pk, "name": str(g)} for g in grid.games],
                members=[
                    {
                        "entry_id": row.entry_id,
                        "entry_name": row.entry_name,
                        "username": row.username,
                        "tiebreak_guess": row.tiebreak_guess,
                        "picks": [
                            {
                                "game_id": game.pk,
                                "hidden": cell.hidden,
                                "team": cell.team_abbreviation or None,
                                "confidence": cell.confidence,
                                "result": cell.result or None,
                            }
                            for game, cell in zip(grid.games, row.cells, strict=True)
                        ],
                    }
                    for row in grid.rows
                ],
            )
        return Response(self.OutputSerializer(body).data)


class LeagueJoinApi(APIView):
    """Join a pick'em league with its invite code: 201 joined, 200 already a member, 400 wrong code."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeagueJoinInput")
    class InputSerializer(serializers.Serializer):
        invite_code = TextField(max_length=64)

    @extend_schema_serializer(component_name="PickemLeagueJoinOutput")
    class OutputSerializer(serializers.Serializer):
        entry_id = serializers.IntegerField()
        league = LeagueSerializer()
        created = serializers.BooleanField()

    @extend_schema(
        summary="Join a pick'em league with its invite code",
        request=InputSerializer,
        responses={201: OutputSerializer, 200: OutputSerializer, **ERRORS},
    )
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = leagues.league_join(user=request.user, invite_code=data.validated_data["invite_code"])
        body = self.OutputSerializer({"entry_id": entry.pk, "league": entry.league, "created": created}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LeagueCreateApi(APIView):
    """Create a pick'em or survivor league with its rules; I am its commissioner and first member."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeagueCreateInput")
    class InputSerializer(RulesSerializer):
        name = TextField(max_length=80)
        espn_league = ExactChoiceField(choices=PICKEM_ESPN_LEAGUES)
        season_year = SeasonYearField()

    @extend_schema_serializer(component_name="PickemLeagueCreateOutput")
    class OutputSerializer(serializers.Serializer):
        entry_id = serializers.IntegerField()
        league = LeagueSerializer()

    @extend_schema(
        summary="Create a league with its rules",
        request=InputSerializer,
        responses={201: OutputSerializer, **ERRORS},
    )
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        league = leagues.league_create(commissioner=request.user, **data.validated_data)
        entry = Entry.objects.get(league=league, user=request.user)
        body = self.OutputSerializer({"entry_id": entry.pk, "league": league}).data
        return Response(body, status=status.HTTP_201_CREATED)


class LeagueSettingsApi(APIView):
    """A league and its rules; the commissioner renames it any time and changes the rules until the first lock."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeagueSettingsInput")
    class InputSerializer(RulesSerializer):
        name = TextField(max_length=80, required=False)

    @extend_schema_serializer(component_name="PickemLeagueSettingsOutput")
    class OutputSerializer(serializers.Serializer):
        league = LeagueSerializer()
        changed = serializers.ListField(child=serializers.CharField(), help_text="the fields changed")
        rules_locked = serializers.BooleanField(help_text="a game has locked: the rules can no longer change")

    @extend_schema(summary="A league and its rules", responses={200: OutputSerializer, **ERRORS})
    def get(self, request: SignedInRequest, league_id: int) -> Response:
        league, _ = member_league(request, league_id)
        locked = leagues.league_started(league, now=timezone.now())
        return Response(self.OutputSerializer({"league": league, "changed": [], "rules_locked": locked}).data)

    @extend_schema(
        summary="Rename the league or change its rules (409 naming the rule once the season has started)",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer, description="the season has started: the rule named can no longer change"
            ),
        },
    )
    def patch(self, request: SignedInRequest, league_id: int) -> Response:
        league = get_object_or_404(PickemLeague, pk=league_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        changed = leagues.league_update_settings(league=league, user=request.user, now=now, **data.validated_data)
        locked = leagues.league_started(league, now=now)
        return Response(self.OutputSerializer({"league": league, "changed": changed, "rules_locked": locked}).data)


class LeagueEntriesApi(APIView):
    """Add another entry of mine to a league, with its own name, up to the league's entries per member."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PickemLeagueEntryInput")
    class InputSerializer(StrictSerializer):
        name = TextField(max_length=40)

    @extend_schema_serializer(component_name="PickemLeagueEntryOutput")
    class OutputSerializer(serializers.Serializer):
        entry_id = serializers.IntegerField(source="pk")
        name = serializers.CharField()

    @extend_schema(
        summary="Add an entry",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="the league's entries per member reached"),
        },
    )
    def post(self, request: SignedInRequest, league_id: int) -> Response:
        league = get_object_or_404(PickemLeague, pk=league_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = leagues.entry_add(league=league, user=request.user, name=data.validated_data["name"])
        return Response(self.OutputSerializer(entry).data, status=status.HTTP_201_CREATED)
