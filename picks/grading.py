"""Grading: every pick on a game that went final gets its result and points, exactly once.

- Set-based: one UPDATE of the game's picks (and on a correction one INSERT ... SELECT for
  the audit trail), whatever the number of picks. The outcome of a side (home or away) under
  a rule (straight up or against the spread) is the same for every pick on it, so Python
  decides it once and the database applies it with CASE expressions. Only the picks whose
  grade changes are written.
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

from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from espn.snapshots import Phase
from games import metrics
from games.models import Game

from .locking import locked_q
from .models import (
    CorrectedPick,
    Entry,
    GameGrading,
    GameLine,
    GradingOutcome,
    Pick,
    PickemLeague,
    PickResult,
    ScoreCorrection,
)

log = logging.getLogger(__name__)

VOID_PHASES = (Phase.POSTPONED, Phase.CANCELED)
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


def freeze_lines(game_ids: Iterable[int], *, now: datetime) -> None:
    """Freeze the current line of these (locked) games, unless already frozen. Never moves a line."""
    rows = [
        GameLine(game_id=pk, spread=spread, frozen_at=now)
        for pk, spread in Game.objects.filter(pk__in=list(game_ids), pickem_line__isnull=True).values_list(
            "pk", "spread"
        )
    ]
    if rows:
        GameLine.objects.bulk_create(rows, ignore_conflicts=True)


def freeze_last_open_lines(last_open_spreads: dict[int, Decimal | None], *, now: datetime) -> int:
    """Freeze, for games that are locking now, the spread each had while still open (unless frozen).

    Called in the transaction that writes the locking games, before their new spread is written:
    a poll that sees the kickoff and a moved line at once still freezes the line before the kickoff.
    """
    with_picks = (
        Game.objects.filter(pk__in=list(last_open_spreads), pickem_line__isnull=True)
        .filter(Exists(Pick.objects.filter(game_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    rows = [GameLine(game_id=pk, spread=last_open_spreads[pk], frozen_at=now) for pk in with_picks]
    if rows:
        GameLine.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def freeze_lines_at_lock(*, now: datetime | None = None) -> int:
    """Freeze the line of every locked game that has picks and no frozen line yet (a periodic sweep)."""
    now = now or timezone.now()
    candidates = list(
        Game.objects.filter(locked_q(now), pickem_line__isnull=True, kickoff__gte=now - FREEZE_LOOKBACK)
        .filter(Exists(Pick.objects.filter(game_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if candidates:
        freeze_lines(candidates, now=now)
    return len(candidates)


def target_of(game: Game) -> tuple[str, int | None, int | None] | None:
    """What the game should be graded on now, or None while it is not settled."""
    if game.phase in VOID_PHASES:
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
            .only("pk", "phase", "home_score", "away_score", "home_team_id", "away_team_id", "spread")
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
        line = None
        if outcome == GradingOutcome.FINAL:
            freeze_lines([game_id], now=now)
            line = GameLine.objects.filter(game_id=game_id).values_list("spread", flat=True).first()
        graded = grade_picks(game, Outcomes.of(game, target, line), line=line, now=now)
        GameGrading.objects.filter(game_id=game_id).update(picks_graded=graded)
        if before[0] and tuple(before) != target:  # graded before on another result: a correction
            record_correction(game, before=before, after=target, line=line, now=now)
    log.info("graded picks game=%s outcome=%s picks=%d", game_id, outcome, graded)
    metrics.record_grading(outcome, graded)
    return GradingResult(game_id, outcome=outcome, picks_graded=graded)


@dataclass(frozen=True)
class Outcomes:
    """The result of a pick on each side of a game, straight up and against the spread.

    The same for every pick on a side under one rule, so Python decides them once and the SQL
    only picks one per row with a CASE. None: the game is void (every pick is void).
    """

    straight_up: tuple[str, str] | None  # (home pick's result, away pick's result)
    against_spread: tuple[str, str] | None

    @classmethod
    def of(cls, game: Game, target: tuple, line: Decimal | None) -> Outcomes:
        outcome, home_score, away_score = target
        if outcome == GradingOutcome.VOID:
            return cls(None, None)
        # No line (or a pick'em line): against the spread grades the same as straight up.
        return cls(side_results(home_score, away_score), side_results(home_score, away_score, line))

    @property
    def by_rule(self) -> bool:
        """Whether the league's rule matters: only then does the SQL join the pick to its league."""
        return self.straight_up != self.against_spread


class PickSQL:
    """SQL over `p` (a pick of the game) and, when the rule matters, `l` (its league): the result
    and points these outcomes give a pick. Each method appends its parameters in order of use."""

    def __init__(self, game: Game, outcomes: Outcomes) -> None:
        self.game, self.outcomes = game, outcomes
        self.pick = connection.ops.quote_name(Pick._meta.db_table)

    def result(self, params: list) -> str:
        if self.outcomes.straight_up is None:
            params.append(PickResult.VOID)
            return "%s"
        sides = []
        for side, team_id in enumerate((self.game.home_team_id, self.game.away_team_id)):
            straight_up, against_spread = self.outcomes.straight_up[side], self.outcomes.against_spread[side]
            if straight_up == against_spread:
                params.extend([team_id, straight_up])
                sides.append("WHEN %s THEN %s")
            else:
                params.extend([team_id, against_spread, straight_up])
                sides.append("WHEN %s THEN CASE WHEN l.against_spread THEN %s ELSE %s END")
        params.append(PickResult.VOID)  # a team no longer in the game
        return f"CASE p.team_id {' '.join(sides)} ELSE %s END"

    def points(self, params: list) -> str:
        """A correct pick scores its confidence weight, or one point in a straight-up league."""
        result = self.result(params)
        params.append(PickResult.WIN)
        return f"CASE WHEN {result} = %s THEN COALESCE(p.confidence, 1) ELSE 0 END"

    def league(self) -> str:
        """The tables to join to a pick for its league's rule; none when the rule does not matter."""
        if not self.outcomes.by_rule:
            return ""
        entry, league = (connection.ops.quote_name(m._meta.db_table) for m in (Entry, PickemLeague))
        return f"{entry} e JOIN {league} l ON l.id = e.league_id"

    def where(self, params: list) -> str:
        params.append(self.game.pk)
        return "p.game_id = %s AND e.id = p.entry_id" if self.league() else "p.game_id = %s"


# Enough for the hash join of a game's picks to their leagues to fit in memory: a million picks
# take about 75 MB (PostgreSQL gives a hash twice work_mem). Set for the grading transaction only.
GRADING_WORK_MEM = "64MB"


def grade_picks(game: Game, outcomes: Outcomes, *, line: Decimal | None, now: datetime) -> int:
    """Grade every pick on the game in one UPDATE; returns how many picks the game has.

    One pass with the league's rule joined in (never a pass per rule), and only the picks whose
    grade changes are written: a regrade rewrites the flipped picks alone, and an unchanged pick
    keeps the `graded_at` of its grade. None of the columns written is indexed: with the free
    space the table keeps in each page, the updates are HOT (no index entry added).
    """
    sql = PickSQL(game, outcomes)
    params: list = []
    assignments = f"result = {sql.result(params)}, points = {sql.points(params)}, line_at_lock = %s, graded_at = %s"
    params += [line, now]
    league = sql.league()
    where = sql.where(params)
    # Only the picks whose grade changes (IS DISTINCT FROM: a NULL line is a line too; SQLite says IS NOT).
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    changed = f"p.result <> {sql.result(params)} OR p.points <> {sql.points(params)} OR p.line_at_lock {distinct} %s"
    params.append(line)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # on every grading: the same queries whatever the rules
            cursor.execute(f"SET LOCAL work_mem = '{GRADING_WORK_MEM}'")
        cursor.execute(
            f"UPDATE {sql.pick} AS p SET {assignments} {'FROM ' + league if league else ''} "  # noqa: S608 - tables and fixed fragments
            f"WHERE {where} AND ({changed})",
            params,
        )
    # What the grading covered: every pick of the game, rewritten or already right.
    return Pick.objects.filter(game_id=game.pk).count()


def record_correction(game: Game, *, before: tuple, after: tuple, line: Decimal | None, now: datetime) -> None:
    """Keep, for the audit trail, the regrade of a game and every pick whose result it changed.

    Runs after the picks are regraded: a pick's result before is what the old score gives its side
    (the line is frozen, so the same line), and one INSERT ... SELECT copies the changed ones
    whatever their number.
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
    if line is None and old_outcome == GradingOutcome.FINAL:  # voided now: the line it was graded on
        line = GameLine.objects.filter(game_id=game.pk).values_list("spread", flat=True).first()
    sql = PickSQL(game, Outcomes.of(game, before, line))
    params: list = [correction.pk]
    old_result, old_points = sql.result(params), sql.points(params)
    league = sql.league()
    where = sql.where(params)
    changed = f"p.result <> {sql.result(params)}"
    table = connection.ops.quote_name(CorrectedPick._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(CorrectedPick._meta.get_field(name).column)
        for name in ("correction", "entry", "team", "old_result", "new_result", "old_points", "new_points")
    )
    with connection.cursor() as cursor:  # in the grading's transaction: with its work_mem
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - the models' tables and fixed fragments
            f"SELECT %s, p.entry_id, p.team_id, {old_result}, p.result, {old_points}, p.points "
            f"FROM {sql.pick} AS p{', ' + league if league else ''} WHERE {where} AND {changed}",
            params,
        )


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
    """Settled games with picks whose grading is missing or stale (a missed announcement, a crash)."""
    has_picks = Exists(Pick.objects.filter(game_id=OuterRef("pk")))
    games = Game.objects.all() if among is None else Game.objects.filter(pk__in=list(among))
    graded_final = Q(
        pickem_grading__outcome=GradingOutcome.FINAL,
        pickem_grading__home_score=F("home_score"),
        pickem_grading__away_score=F("away_score"),
    )
    finals = games.filter(has_picks, phase=Phase.FINAL, home_score__isnull=False, away_score__isnull=False)
    finals = finals.exclude(graded_final)
    voids = games.filter(has_picks, phase__in=VOID_PHASES).exclude(pickem_grading__outcome=GradingOutcome.VOID)
    return sorted({*finals.values_list("pk", flat=True), *voids.values_list("pk", flat=True)})


def grade_missed_games(*, now: datetime | None = None) -> list[GradingResult]:
    return grade_games(games_needing_grading(), now=now)
