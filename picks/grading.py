"""Grading: every pick on a game that went final gets its result and points, exactly once.

- Set-based: one UPDATE of the game's picks (and on a correction one INSERT ... SELECT for
  the audit trail), whatever the number of picks and of leagues' rules. The outcome of a side
  (home or away) on a line is the same for every pick on it, so Python decides it once per line
  in use (straight up, the kickoff line, each weekly publication) and the database chooses one
  per pick from its league with CASE expressions. Only the picks whose grade changes are written.
- Exactly once: the game's row is locked (serialising graders and the ingest writing it)
  and a `GameGrading` marker is claimed with a conditional UPDATE that only matches when
  the game's current result differs from what it was last graded on. A repeated or
  concurrent call finds nothing to claim; an ESPN score correction is a new result and
  regrades; a postponed or cancelled game voids its picks.
- Against the spread: graded on `GameLine`, the line frozen when the game locked (never
  the line after). The ingest announces, inside its transaction and before writing, the
  games it is locking with the spread each had while open (`freeze_last_open_lines`): a
  poll that brings the kickoff and a moved line at once cannot slip the moved line in. A
  game that locks by the clock between polls keeps its last open spread until a poll
  changes it, so the sweep (`freeze_lines_at_lock`) and grading freeze that one. A
  `GameLine` is written once and never moved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from games.models import Game, Phase

from . import metrics
from .lines import (
    AT_KICKOFF,
    STRAIGHT_UP,
    GameWeek,
    LineRule,
    lines_at_lock,
    spreads_with_summary_fallback,
    weekly_settings_with_picks,
)
from .locking import locked_q
from .missed import auto_pick_favourites
from .models import (
    CorrectedPick,
    Entry,
    GameGrading,
    GameLine,
    GradingOutcome,
    LineLock,
    MissedPicks,
    Pick,
    PickemLeague,
    PickResult,
    PoolType,
    PostponedGames,
    ScoreCorrection,
)
from .sql import quoted_columns, quoted_table

log = logging.getLogger(__name__)

# The sweep looks at recent games only; an older one missed by it is frozen when it is graded.
FREEZE_LOOKBACK = timedelta(days=7)
ZERO = Decimal(0)


@dataclass(frozen=True)
class GradingResult:
    game_id: int
    outcome: str = ""  # "final", "void" or "" when nothing was graded
    picks_graded: int = 0
    skipped: str = ""  # why nothing was graded


def side_results(home_score: int, away_score: int, home_line: Decimal | None = None) -> tuple[str, str]:
    """(home pick's result, away pick's result) for a final score, optionally against the home line.

    The line is the home team's spread (negative = home favoured): home -3 must win by more than 3.
    """
    line = home_line or ZERO
    adjusted = Decimal(home_score - away_score) + line
    if adjusted > 0:
        return PickResult.WIN, PickResult.LOSS
    if adjusted < 0:
        return PickResult.LOSS, PickResult.WIN
    return PickResult.PUSH, PickResult.PUSH


def win_points() -> Coalesce:
    """A correct pick scores its confidence weight, or one point in a straight-up league."""
    return Coalesce(F("confidence"), Value(1), output_field=IntegerField())


def freeze_lines(game_ids: Iterable[int], *, now: datetime, fetch_missing: bool = False) -> None:
    """Freeze the current line of these (locked) games, unless already frozen. Never moves a line.

    `fetch_missing`: a game the scoreboard gave no odds takes its summary's line (`pickcenter`), an
    HTTP request each: only outside a transaction (the sweep), never while grading holds a row lock.
    """
    games = Game.objects.filter(pk__in=list(game_ids), pickem_line__isnull=True)
    if fetch_missing:  # only a line someone is graded against is worth a request
        ats_picks = Pick.objects.filter(game_id=OuterRef("pk"), entry__league__against_spread=True)
        games = games.annotate(needs_line=Exists(ats_picks))
    found = list(games)
    spreads = {g.pk: g.spread for g in found}
    if fetch_missing:
        needing = (g for g in found if g.spread is None and cast(Any, g).needs_line)  # annotated above
        spreads |= spreads_with_summary_fallback(needing)
    rows = [GameLine(game_id=pk, spread=spread, frozen_at=now) for pk, spread in spreads.items()]
    if rows:
        GameLine.objects.bulk_create(rows, ignore_conflicts=True)


def freeze_last_open_lines(last_open_spreads: dict[int, Decimal | None], *, now: datetime) -> int:
    """Freeze, for games that are locking now, the spread each had while still open (unless frozen).

    Called in the transaction that writes the locking games, before their new spread is written:
    a poll that sees the kickoff and a moved line at once still freezes the line before the kickoff.
    """
    # A game without a line is left to the sweep, which asks its summary for one before giving up.
    with_line = [pk for pk, spread in last_open_spreads.items() if spread is not None]
    with_picks = (
        Game.objects.filter(pk__in=with_line, pickem_line__isnull=True)
        .filter(Exists(Pick.objects.filter(game_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    rows = [GameLine(game_id=pk, spread=last_open_spreads[pk], frozen_at=now) for pk in with_picks]
    if rows:
        GameLine.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


AUTO_PICK_LOOKBACK = timedelta(days=1)


def auto_pick_locked_games(*, now: datetime | None = None) -> int:
    """The missed-picks favourite for games that locked lately, in leagues that have the rule (a sweep)."""
    now = now or timezone.now()
    if not PickemLeague.objects.filter(missed_picks=MissedPicks.FAVOURITE, pool_type=PoolType.PICKEM).exists():
        return 0
    recent = Game.objects.filter(locked_q(now), kickoff__gte=now - AUTO_PICK_LOOKBACK).exclude(week=None)
    return auto_pick_favourites(recent.values_list("pk", flat=True), now=now)


def freeze_lines_at_lock(*, now: datetime | None = None) -> int:
    """Freeze the line of every locked game that has picks and no frozen line yet (a periodic sweep)."""
    now = now or timezone.now()
    candidates = list(
        Game.objects.filter(locked_q(now), pickem_line__isnull=True, kickoff__gte=now - FREEZE_LOOKBACK)
        .filter(Exists(Pick.objects.filter(game_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if candidates:
        freeze_lines(candidates, now=now, fetch_missing=True)
    return len(candidates)


def target_of(game: Game) -> tuple[str, int | None, int | None] | None:
    """What the game should be graded on now, or None while it is not settled."""
    if game.phase in Phase.VOID:
        return GradingOutcome.VOID, None, None
    if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
        return GradingOutcome.FINAL, game.home_score, game.away_score
    return None


def grade_game(game_id: int, *, now: datetime | None = None, force: bool = False) -> GradingResult:
    """Grade (or void) every pick on one game, unless it was already graded on this result.

    `force` regrades even so (the admin's "regrade" action, or picks added behind the rules' back).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes graders of one game take turns, and read the score the ingest committed last.
        game = (
            Game.objects.select_for_update()
            .only(
                "pk",
                "phase",
                "home_score",
                "away_score",
                "home_team_id",
                "away_team_id",
                "spread",
                "espn_league",
                "season_id",
                "season_type",
                "week",
                "kickoff",
            )
            .filter(pk=game_id)
            .first()
        )
        if game is None:
            return GradingResult(game_id, skipped="no such game")
        target = target_of(game)
        if target is None:
            return GradingResult(game_id, skipped=f"game is {game.phase}")
        outcome, home_score, away_score = target
        GameGrading.objects.bulk_create([GameGrading(game_id=game_id)], ignore_conflicts=True)
        before = GameGrading.objects.values_list("outcome", "home_score", "away_score").get(game_id=game_id)
        claim = GameGrading.objects.filter(game_id=game_id)
        if not force:
            claim = claim.exclude(outcome=outcome, home_score=home_score, away_score=away_score)
        claimed = claim.update(
            outcome=outcome,
            home_score=home_score,
            away_score=away_score,
            graded_at=now,
            times_graded=F("times_graded") + 1,
        )
        if not claimed:
            return GradingResult(game_id, outcome=outcome, skipped="already graded on this result")
        lines = None
        if outcome == GradingOutcome.VOID:
            graded = void_picks(game_id, now=now, phase=game.phase)
        else:
            lines = grading_lines(game, now=now)
            graded = grade_picks(game, lines, now=now)
            if before[0] == GradingOutcome.VOID:  # postponed, then played: in its week, or void after all
                void_picks_of_another_week(game, now=now)
        GameGrading.objects.filter(game_id=game_id).update(picks_graded=graded)
        if before[0] and tuple(before) != target:  # graded before on another result: a correction
            record_correction(game, before=before, after=target, now=now, lines=lines)
    log.info("graded picks game=%s outcome=%s picks=%d", game_id, outcome, graded)
    metrics.record_grading(outcome, graded)
    return GradingResult(game_id, outcome=outcome, picks_graded=graded)


def grading_lines(game: Game, *, now: datetime) -> Lines:
    """Freeze the game's line and make the picks its leagues' rules make, then what grading needs of the rules."""
    freeze_lines([game.pk], now=now)
    auto_pick_favourites([game.pk], now=now)  # a game is never graded without the picks its rules make
    return Lines(line_groups(game), keeping_leagues_exist(game))


@dataclass(frozen=True)
class LineGroup:
    """The picks graded on one line: `rule` picks them by their league (SQL over `l`, with `params`)."""

    rule: str
    params: tuple
    line: Decimal | None  # graded against (None: straight up)


@dataclass(frozen=True)
class Lines:
    """What of its leagues' rules grading a game needs: the lines its picks are graded on, and whether
    a kept postponed pick may have to be voided (its league keeps such picks in their week only)."""

    groups: list[LineGroup]
    keeping: bool


def line_condition(rule: LineRule) -> tuple[str, tuple]:
    """SQL over `l` (a pick's league) matching the leagues whose picks `rule` grades, given the rules
    before it in `line_groups` did not match: it mirrors `LineRule.of`, and what the group is graded on
    comes from `lines.line_at_lock`, the rule every reader of a pick's line goes through
    (`selectors.pick_lines`); `test_line_at_lock` checks them against each other for every rule."""
    if not rule.against_spread:
        return "NOT l.against_spread", ()
    if rule.weekly is not None:
        weekday, at = rule.weekly
        condition = "l.against_spread AND l.line_lock = %s AND l.line_weekday = %s AND l.line_time = %s"
        return condition, (LineLock.WEEKLY, weekday, connection.ops.adapt_timefield_value(at))
    return "TRUE", ()  # the rest: against the spread, locked at kickoff


def line_groups(game: Game) -> list[LineGroup]:
    """The picks on a game by the line they are graded on, first matching rule first; the last is the rest.

    A small fixed number per game whatever the number of picks: straight up; against each weekly
    publication in use; against the line frozen at kickoff. No line (or a pick'em line): straight up.
    Queries: the weekly settings in use, then `lines_at_lock`'s (at most three).
    """
    weekly = [LineRule(True, (weekday, at)) for weekday, at in weekly_settings_with_picks(game)]
    rules = [STRAIGHT_UP, *weekly, AT_KICKOFF]
    at_lock = lines_at_lock((GameWeek.of(game), rule) for rule in rules)
    return [LineGroup(*line_condition(rule), rule.graded_on(at_lock[(game.pk, rule)])) for rule in rules]


class PickSQL:
    """SQL over `p` (a pick of the game) and, when the league's rules matter, `l` (its league): the
    result, points and line a grading gives a pick. Each method appends its parameters in order of use.

    The outcome of a side under one line is the same for every pick on it, so Python decides it once
    per line group and the SQL only chooses one per row with a CASE: a fixed number of branches.
    """

    def __init__(self, game: Game, lines: Lines | None, score: tuple[int, int] | None = None) -> None:
        """`lines` None: the game is void. `score` (home, away): another than the game's (a correction's)."""
        self.game = game
        self.void = lines is None
        self.groups: list[LineGroup] = lines.groups if lines is not None else []
        self.keeping = lines is not None and lines.keeping
        self.sides: list[tuple[str, str]] = []  # (home's result, away's result) per line group
        if lines is not None:
            home, away = score or (game.home_score, game.away_score)
            if home is None or away is None:
                raise ValueError(f"game {game.pk} has no score to grade on")
            self.sides = [side_results(home, away, g.line) for g in self.groups]
        self.pick = quoted_table(Pick)

    def by_group(self, values: list, params: list) -> str:
        """One value per line group: a literal when they agree, else a CASE over the league's rules."""
        if all(v == values[-1] for v in values):
            params.append(values[-1])
            return "%s"
        branches = []
        for group, value in zip(self.groups[:-1], values[:-1], strict=True):
            if value != values[-1]:
                params.extend([*group.params, value])
                branches.append(f"WHEN {group.rule} THEN %s")
        params.append(values[-1])
        return f"CASE {' '.join(branches)} ELSE %s END"

    def result(self, params: list) -> str:
        if self.void:
            params.append(PickResult.VOID)
            return "%s"
        moved = ""
        if self.keeping:  # a kept pick whose game was rescheduled into another week: void after all
            params.extend([PostponedGames.KEEP_SAME_WEEK, self.game.season_type, self.game.week, PickResult.VOID])
            moved = "WHEN l.postponed_games = %s AND NOT COALESCE(p.season_type = %s AND p.week = %s, FALSE) THEN %s "
        sides = []
        for side, team_id in enumerate((self.game.home_team_id, self.game.away_team_id)):
            params.append(team_id)
            sides.append(f"WHEN p.team_id = %s THEN {self.by_group([s[side] for s in self.sides], params)}")
        params.append(PickResult.VOID)  # a team no longer in the game
        return f"CASE {moved}{' '.join(sides)} ELSE %s END"

    def points(self, params: list) -> str:
        """A correct pick scores its confidence weight, or one point in a straight-up league."""
        result = self.result(params)
        params.append(PickResult.WIN)
        return f"CASE WHEN {result} = %s THEN COALESCE(p.confidence, 1) ELSE 0 END"

    def by_rule(self) -> bool:
        """Whether the league's rules matter: only then does the SQL join the pick to its league."""
        if self.void:
            return False
        return self.keeping or len(set(self.sides)) > 1

    def league(self) -> str:
        """The tables to join to a pick for its league's rules; none when they do not matter."""
        if not self.by_rule():
            return ""
        entry, league = quoted_table(Entry), quoted_table(PickemLeague)
        return f"{entry} e JOIN {league} l ON l.id = e.league_id"

    def where(self, params: list) -> str:
        params.append(self.game.pk)
        return "p.game_id = %s AND e.id = p.entry_id" if self.league() else "p.game_id = %s"


def keeping_leagues_exist(game: Game) -> bool:
    """Whether a league of the game's sport keeps postponed picks (the rule that may void a moved pick)."""
    return PickemLeague.objects.filter(
        espn_league=game.espn_league, postponed_games=PostponedGames.KEEP_SAME_WEEK
    ).exists()


# Enough for the hash join of a game's picks to their leagues to fit in memory: a million picks
# take about 75 MB (PostgreSQL gives a hash twice work_mem). Set for the grading transaction only.
GRADING_WORK_MEM = "64MB"


def set_grading_work_mem() -> None:
    if connection.vendor == "postgresql":  # on every grading: the same queries whatever the rules
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{GRADING_WORK_MEM}'")


def grade_picks(game: Game, lines: Lines, *, now: datetime) -> int:
    """Grade every pick on the game in one UPDATE; returns how many picks the game has.

    One pass with the league's rules joined in (never a pass per rule or per line), and only the
    picks whose grade changes are written: a regrade rewrites the flipped picks alone, and an
    unchanged pick keeps the `graded_at` of its grade. None of the columns written is indexed:
    with the free space the table keeps in each page, the updates are HOT (no index entry added).
    """
    sql = PickSQL(game, lines)
    params: list = []
    assignments = f"result = {sql.result(params)}, points = {sql.points(params)}, graded_at = %s"
    params.append(now)
    league = sql.league()
    where = sql.where(params)
    # Only the picks whose grade changes. The line is not written: it is derived (`selectors.pick_lines`).
    changed = f"p.result <> {sql.result(params)} OR p.points <> {sql.points(params)}"
    set_grading_work_mem()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {sql.pick} AS p SET {assignments} {'FROM ' + league if league else ''} "  # noqa: S608 - tables and fixed fragments
            f"WHERE {where} AND ({changed})",
            params,
        )
    # What the grading covered: every pick of the game, rewritten or already right.
    return Pick.objects.filter(game_id=game.pk).count()


def void_picks(game_id: int, *, now: datetime, phase: str = Phase.CANCELED) -> int:
    """Void the game's picks; a postponed game's picks stay pending in leagues that keep them for a
    rescheduling within the same week. Only the picks not void already are written; returns how
    many picks the game's voiding covers."""
    picks = Pick.objects.filter(game_id=game_id)
    if phase == Phase.POSTPONED:
        picks = picks.filter(~Exists(keeping_leagues()))
    set_grading_work_mem()
    picks.exclude(result=PickResult.VOID, points=0).update(result=PickResult.VOID, points=0, graded_at=now)
    return picks.count()


def void_picks_of_another_week(game: Game, *, now: datetime) -> int:
    """Picks made for the week a postponed game was in, when it is played in another: void in every league
    (grading's pass voids those of leagues keeping postponed picks; this, the others'). One UPDATE, on
    this rare path only."""
    picks = Pick.objects.filter(game_id=game.pk)
    if game.week is not None:  # (a game ESPN gives no week is in no pick's week)
        picks = picks.exclude(season_type=game.season_type, week=game.week)
    return picks.exclude(result=PickResult.VOID, points=0).update(result=PickResult.VOID, points=0, graded_at=now)


def keeping_leagues():
    """The pick's entry is in a league that keeps picks on a game postponed within the week."""
    return Entry.objects.filter(pk=OuterRef("entry_id"), league__postponed_games=PostponedGames.KEEP_SAME_WEEK)


def void_picks_moved_out_of_their_week(*, now: datetime) -> int:
    """Kept, still pending picks whose game was rescheduled into another week: void after all (one UPDATE).

    Grading a game voids its own such picks in its single pass.
    """
    moved = Game.objects.filter(pk=OuterRef("game_id")).exclude(
        season_type=OuterRef("season_type"), week=OuterRef("week")
    )
    picks = Pick.objects.filter(Exists(keeping_leagues()), Exists(moved), result=PickResult.PENDING)
    return picks.update(result=PickResult.VOID, points=0, graded_at=now)


def record_correction(
    game: Game, *, before: tuple, after: tuple, now: datetime, lines: Lines | None = None
) -> ScoreCorrection:
    """Keep, for the audit trail, the regrade of a game and every pick whose result it changed.

    Runs after the picks are regraded: a pick's result before is what the old score gives it under
    its league's line (the lines are frozen, so the same lines), and one INSERT ... SELECT copies the
    changed ones whatever their number. `lines`: the ones the regrade used, when it graded a final.
    """
    (old_outcome, old_home, old_away), (new_outcome, new_home, new_away) = before, after
    correction = ScoreCorrection.objects.create(
        game_id=game.pk,
        corrected_at=now,
        old_outcome=old_outcome,
        new_outcome=new_outcome,
        old_home_score=old_home,
        old_away_score=old_away,
        new_home_score=new_home,
        new_away_score=new_away,
    )
    if old_outcome != GradingOutcome.FINAL:
        lines = None
    elif lines is None:  # voided now: the lines it was graded on (frozen, so the same)
        lines = Lines(line_groups(game), keeping_leagues_exist(game))
    sql = PickSQL(game, lines, (old_home, old_away))
    params: list = [correction.pk]
    old_result, old_points = sql.result(params), sql.points(params)
    league = sql.league()
    where = sql.where(params)
    changed = f"p.result <> {sql.result(params)}"
    table = quoted_table(CorrectedPick)
    columns = quoted_columns(
        CorrectedPick, ("correction", "entry", "team", "old_result", "new_result", "old_points", "new_points")
    )
    with connection.cursor() as cursor:  # in the grading's transaction: with its work_mem
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - the models' tables and fixed fragments
            f"SELECT %s, p.entry_id, p.team_id, {old_result}, p.result, {old_points}, p.points "
            f"FROM {sql.pick} AS p{', ' + league if league else ''} WHERE {where} AND {changed}",
            params,
        )
    return correction


def grade_games(game_ids: Iterable[int], *, now: datetime | None = None) -> list[GradingResult]:
    """Grade several games, each in its own transaction: one failure does not hold back the others."""
    results = []
    for game_id in dict.fromkeys(game_ids):
        try:
            results.append(grade_game(game_id, now=now))
        except Exception:
            log.exception("grading failed game=%s", game_id)
            results.append(GradingResult(game_id, skipped="failed"))
    return results


def games_needing_grading(among: Iterable[int] | None = None) -> list[int]:
    """Settled games with picks whose grading is missing or stale (a missed announcement, a crash).

    `among`: only these games (the stuck-game alert asks about the finals it follows).
    """
    has_picks = Exists(Pick.objects.filter(game_id=OuterRef("pk")))
    games = Game.objects.all() if among is None else Game.objects.filter(pk__in=list(among))
    graded_final = Q(
        pickem_grading__outcome=GradingOutcome.FINAL,
        pickem_grading__home_score=F("home_score"),
        pickem_grading__away_score=F("away_score"),
    )
    finals = games.filter(has_picks, phase=Phase.FINAL, home_score__isnull=False, away_score__isnull=False)
    finals = finals.exclude(graded_final)
    voids = games.filter(has_picks, phase__in=Phase.VOID).exclude(pickem_grading__outcome=GradingOutcome.VOID)
    return sorted({*finals.values_list("pk", flat=True), *voids.values_list("pk", flat=True)})


def grade_missed_games(*, now: datetime | None = None) -> list[GradingResult]:
    return grade_games(games_needing_grading(), now=now)
