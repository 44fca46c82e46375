"""Reads for the pick'em pages and API: a league's games and weeks, a member's week, the picks grid."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from games.models import Game, Phase

from .lines import NOT_PUBLISHED, GameWeek, LineRule, line_at_lock, lines_at_lock, published_at_moments
from .locking import is_locked, lock_reason
from .models import CorrectedPick, Entry, Pick, PickemLeague, PickResult, ScoreCorrection, WeeklyTiebreaker
from .weeks import Week

# A game ESPN still calls scheduled days after its kickoff is stale data, not the current week.
CURRENT_WEEK_LOOKBACK = timedelta(days=4)


def league_games(league: PickemLeague) -> QuerySet[Game]:
    """The games a pick'em league follows: its ESPN league's games of its season."""
    return Game.objects.filter(espn_league=league.espn_league, season__year=league.season_year)


def with_lines(games: QuerySet[Game]) -> QuerySet[Game]:
    """Adds the line frozen at kickoff, when there is one (read by `kickoff_line`)."""
    return games.annotate(frozen_at=F("pickem_line__frozen_at"), frozen_spread=F("pickem_line__spread"))


def week_games(league: PickemLeague, week: Week) -> QuerySet[Game]:
    """A week's games in kickoff order, teams loaded, with their lines."""
    games = league_games(league).filter(season_type=week.season_type, week=week.number)
    return with_lines(games).select_related("home_team", "away_team").order_by("kickoff", "espn_id")


def kickoff_line(game: Game) -> Decimal | None:
    """The game's line at kickoff as known now: the one frozen as it locked (`GameLine`), else ESPN's
    current one standing in until it is frozen. Not a pick's line: which line a pick uses depends on its
    league's rule (`league_lines`, `lines.line_at_lock`)."""
    # Annotations of `with_lines`: a game read without them has no frozen line.
    if getattr(game, "frozen_at", None) is not None:
        frozen: Decimal | None = getattr(game, "frozen_spread", None)
        return frozen
    return game.spread


def league_weeks(league: PickemLeague) -> list[Week]:
    rows = (
        league_games(league)
        .exclude(week=None)
        .values_list("season_type", "week")
        .distinct()
        .order_by("season_type", "week")
    )
    return [Week(season_type, number) for season_type, number in rows if number is not None]


def current_week(league: PickemLeague, now: datetime) -> Week | None:
    """The week of the next game still to finish; else the week last played; else the first."""
    games = league_games(league).exclude(week=None).values_list("season_type", "week")
    found = (
        games.filter(phase__in=Phase.UNSETTLED, kickoff__gte=now - CURRENT_WEEK_LOOKBACK).order_by("kickoff").first()
        or games.exclude(phase=Phase.SCHEDULED).order_by("-kickoff").first()
        or games.order_by("kickoff").first()
    )
    if found is None:
        return None
    season_type, number = found
    return Week(season_type, number) if number is not None else None


def tiebreak_game(games: Sequence[Game]) -> Game | None:
    """The week's last game (latest kickoff) that will be played: its total points break ties."""
    candidates = [g for g in games if g.phase not in Phase.VOID]
    return max(candidates, key=lambda g: (g.kickoff, g.espn_id)) if candidates else None


def member_entries(league: PickemLeague, user) -> list[Entry]:
    """`user`'s active entries in `league`, oldest first; empty: not a member."""
    return list(Entry.objects.active().filter(league=league, user=user).order_by("pk"))


async def is_member(league_id: int, user) -> bool:
    return await Entry.objects.active().filter(league_id=league_id, user=user).aexists()


def is_commissioner(league: PickemLeague, user) -> bool:
    return league.commissioner_id == user.pk


def league_members(league: PickemLeague) -> list[tuple[int, str, str]]:
    """(entry id, username, entry name) of every active entry, by entry name."""
    members = Entry.objects.active().filter(league=league).order_by("name")
    return list(members.values_list("pk", "user__username", "name"))


def own_entry_ids(league: PickemLeague, user) -> set[int]:
    """Every entry of `user` in `league`: with several entries, each one's own picks are the viewer's."""
    return set(Entry.objects.active().filter(league=league, user=user).values_list("pk", flat=True))


def user_entries(user) -> list[Entry]:
    """A member's active entries, their leagues loaded, newest league first (a league's entries in order made)."""
    return list(
        Entry.objects.active()
        .filter(user=user)
        .select_related("league")
        .order_by("-league__created_at", "league_id", "pk")
    )


# --------------------------------------------------------------------------- a member's week


@dataclass
class GameRow:
    game: Game
    pick: Pick | None
    locked: bool
    lock_reason: str
    line: Decimal | None
    is_tiebreak: bool = False
    line_locked: bool = False  # the weekly line has been published: it no longer moves

    @property
    def pickable(self) -> bool:
        return not self.locked and not (self.game.home_team.is_placeholder or self.game.away_team.is_placeholder)


@dataclass
class WeekBoard:
    entry: Entry
    week: Week
    rows: list[GameRow]
    tiebreak: Game | None
    tiebreak_guess: int | None
    tiebreak_locked: bool
    weeks: list[Week] = field(default_factory=list)
    used_team_ids: set[int] = field(default_factory=set)  # survivor: teams picked in other weeks

    @property
    def survivor_pick(self) -> Pick | None:
        return next((row.pick for row in self.rows if row.pick is not None), None)

    @property
    def confidence_range(self) -> range:
        return range(1, len(self.rows) + 1)


def week_board(entry: Entry, week: Week, *, now: datetime) -> WeekBoard:

    league = entry.league
    games = list(week_games(league, week))
    picks = {p.game_id: p for p in Pick.objects.filter(entry=entry, game__in=[g.pk for g in games])}
    last = tiebreak_game(games)
    rows = [
        GameRow(
            game=g,
            pick=picks.get(g.pk),
            locked=is_locked(g, now),
            lock_reason=lock_reason(g, now),
            line=kickoff_line(g),
            is_tiebreak=last is not None and g.pk == last.pk,
        )
        for g in games
    ]
    guess = (
        WeeklyTiebreaker.objects.filter(entry=entry, season_type=week.season_type, week=week.number)
        .values_list("guess", flat=True)
        .first()
    )
    shown_lines(rows, LineRule.of_league(league), now=now)
    used: set[int] = set()
    if league.is_survivor:
        others = Pick.objects.filter(entry=entry).exclude(season_type=week.season_type, week=week.number)
        used = set(others.exclude(result=PickResult.VOID).values_list("team_id", flat=True))
    return WeekBoard(
        entry=entry,
        week=week,
        rows=rows,
        tiebreak=last,
        tiebreak_guess=guess,
        tiebreak_locked=last is None or is_locked(last, now),
        weeks=league_weeks(league),
        used_team_ids=used,
    )


def shown_lines(rows: list[GameRow], rule: LineRule, *, now: datetime) -> None:
    """Each row's line: the line at lock by the league's rule (`lines.line_at_lock`, as graded), ESPN's
    current line standing in for a kickoff line not frozen yet. A weekly lock's published line is shown,
    and the row's line locked, once it has been published (a week whose moment passed before the league
    chose the rule has none: its lines lock at kickoff). The rows are a whole week's. At most one query:
    the published lines."""
    games = [row.game for row in rows]
    published = published_at_moments(
        [(GameWeek.of(g), rule) for g in games], first_kickoffs=first_kickoffs_among(games), as_of=now
    )
    for row in rows:
        publication = published.get((row.game.pk, rule), NOT_PUBLISHED)
        row.line = line_at_lock(rule, kickoff_line(row.game), publication)
        row.line_locked = publication is not NOT_PUBLISHED


def league_lines(
    games: Sequence[Game], rule: LineRule, *, now: datetime, whole_weeks: bool = False
) -> dict[int, Decimal | None]:
    """Each game's line at lock (by game id) in a league with `rule`, as grading derives it
    (`lines.line_at_lock`) with what is known at `now`: a kickoff line not frozen yet is ESPN's current
    one (`kickoff_line`; read the games with `with_lines`), a weekly publication counts from its moment.
    The one way the pick page, the live standings and the chance to win read a pick's line.

    Queries: none for a league that locks at kickoff (or plays straight up); for a weekly lock the lines
    published, and the first kickoff of the games' weeks unless `whole_weeks` (`games` hold every game
    of their weeks: their first kickoffs are among them).
    """
    lines = lines_at_lock(
        [(GameWeek.of(g), rule) for g in games],
        kickoff_lines={g.pk: kickoff_line(g) for g in games},
        first_kickoffs=first_kickoffs_among(games) if whole_weeks else None,
        as_of=now,
    )
    return {g.pk: lines[(g.pk, rule)] for g in games}


def graded_lines(
    games: Sequence[Game], league: PickemLeague, *, now: datetime, whole_weeks: bool = False
) -> dict[int, Decimal | None]:
    """What a pick on each game would be graded on in `league` were it graded now (`league_lines`, then
    `LineRule.graded_on`): None straight up (a straight-up league, or no line by lock). Queries: as
    `league_lines`."""
    rule = LineRule.of_league(league)
    lines = league_lines(games, rule, now=now, whole_weeks=whole_weeks)
    return {pk: rule.graded_on(line) for pk, line in lines.items()}


def first_kickoffs_among(games: Iterable[Game]) -> dict[tuple[str, int, int, int | None], datetime]:
    """The earliest kickoff of each week among `games` (its first kickoff when they are the whole week)."""
    firsts: dict[tuple[str, int, int, int | None], datetime] = {}
    for game in map(GameWeek.of, games):
        firsts[game.week_key] = min(game.kickoff, firsts.get(game.week_key, game.kickoff))
    return firsts


@dataclass(frozen=True)
class PickLine:
    """A pick's line at lock by its league's rule, and what it is graded on."""

    rule: LineRule
    at_lock: Decimal | None  # home team's view; None: no line by lock (or the game has not locked yet)

    @property
    def graded_on(self) -> Decimal | None:
        """None: straight up (a straight-up league, or no line by lock)."""
        return self.rule.graded_on(self.at_lock)


def pick_lines(picks: Iterable[Pick]) -> dict[int, PickLine]:
    """Each pick's line at lock (by pick id), derived as grading derives it (`lines.line_at_lock`):
    the line a graded pick was graded on. Never stored on the pick.

    A fixed number of queries whatever the number of picks, games and leagues: the picks' games and
    leagues' rules, then `lines_at_lock`'s (at most three).
    """
    found = Pick.objects.filter(pk__in=[pick.pk for pick in picks]).values_list(
        "pk",
        "game_id",
        "game__espn_league",
        "game__season_id",
        "game__season_type",
        "game__week",
        "game__kickoff",
        "entry__league__against_spread",
        "entry__league__line_lock",
        "entry__league__line_weekday",
        "entry__league__line_time",
    )
    keyed = {row[0]: (GameWeek(*row[1:7]), LineRule.of(*row[7:])) for row in found}
    lines = lines_at_lock(keyed.values())
    return {pk: PickLine(rule, lines[(game.pk, rule)]) for pk, (game, rule) in keyed.items()}


# --------------------------------------------------------------------------- the revealed picks grid


RESULT_MARKS: dict[str, str] = {
    PickResult.WIN: " ✓",
    PickResult.LOSS: " ✗",
    PickResult.PUSH: " =",
    PickResult.VOID: " ⊘",
}


@dataclass(frozen=True)
class GridCell:
    hidden: bool  # another member's pick on a game not locked yet
    team_abbreviation: str = ""
    confidence: int | None = None
    result: str = ""
    auto: bool = False  # made by the missed-picks rule

    @property
    def text(self) -> str:
        """What the grid shows, in words and marks (never colour alone)."""
        if self.hidden:
            return "hidden"
        if not self.team_abbreviation:
            return "—"
        weight = f" ({self.confidence})" if self.confidence else ""
        made = " (auto)" if self.auto else ""
        return f"{self.team_abbreviation}{weight}{made}{RESULT_MARKS.get(self.result, '')}"


@dataclass
class GridRow:
    entry_id: int
    username: str
    entry_name: str
    cells: list[GridCell]
    tiebreak_guess: int | None  # None when hidden or not given


@dataclass
class PicksGrid:
    games: list[Game]
    rows: list[GridRow]
    tiebreak: Game | None


def picks_grid(
    league: PickemLeague,
    week: Week,
    members: Sequence[tuple[int, str, str]],
    *,
    viewer_entry_ids: Collection[int],
    now: datetime,
    games: Sequence[Game] | None = None,
) -> PicksGrid:
    """Members' picks of a week, game by game; others' picks stay hidden until their game locks."""
    games = list(week_games(league, week)) if games is None else list(games)
    locked = {g.pk: is_locked(g, now) for g in games}
    entry_ids = [entry_id for entry_id, *_ in members]
    picks = {
        (entry_id, game_id): (abbreviation, confidence, result, auto)
        for entry_id, game_id, abbreviation, confidence, result, auto in Pick.objects.filter(
            entry_id__in=entry_ids, game_id__in=list(locked)
        ).values_list("entry_id", "game_id", "team__abbreviation", "confidence", "result", "auto")
    }
    last = tiebreak_game(games)
    reveal_guesses = last is not None and locked[last.pk]
    guesses = dict(
        WeeklyTiebreaker.objects.filter(
            entry_id__in=entry_ids, season_type=week.season_type, week=week.number
        ).values_list("entry_id", "guess")
    )
    rows = []
    for entry_id, username, entry_name in members:
        own = entry_id in viewer_entry_ids
        cells = []
        for game in games:
            found = picks.get((entry_id, game.pk))
            if not (own or locked[game.pk]):
                cells.append(GridCell(hidden=found is not None))
            elif found is None:
                cells.append(GridCell(hidden=False))
            else:
                team, confidence, result, auto = found
                cells.append(
                    GridCell(hidden=False, team_abbreviation=team, confidence=confidence, result=result, auto=auto)
                )
        guess = guesses.get(entry_id) if (own or reveal_guesses) else None
        rows.append(
            GridRow(entry_id=entry_id, username=username, entry_name=entry_name, cells=cells, tiebreak_guess=guess)
        )
    return PicksGrid(games=games, rows=rows, tiebreak=last)


def league_score_corrections(league: PickemLeague) -> list[ScoreCorrection]:
    """Regrades of games the league has picks on, newest first, each with the league's picks it changed."""
    league_picks = Pick.objects.filter(game_id=OuterRef("game_id"), entry__league=league)
    changed = CorrectedPick.objects.filter(entry__league=league).select_related("entry__user", "team")
    return list(
        ScoreCorrection.objects.filter(Exists(league_picks))
        .select_related("game__home_team", "game__away_team")
        .prefetch_related(Prefetch("picks", queryset=changed.order_by("entry__user__username"), to_attr="changed"))
        .order_by("-corrected_at", "-pk")
    )
