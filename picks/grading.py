"""Grading: every pick on a game that went final gets its result and points, exactly once.

- Set-based: a handful of UPDATE statements per game, whatever the number of picks. The
  outcome of a side (home or away) is the same for every pick on it, so Python decides it
  once and the database applies it with CASE expressions.
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
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
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


def result_updates(game: Game, line: Decimal | None, score: tuple[int, int] | None = None) -> dict:
    """The column values of one UPDATE: a result and points per side, void for a team not in the game.

    `score` (home, away) replaces the game's own: what the picks were graded on before a correction.
    """
    home_score, away_score = score or (game.home_score, game.away_score)
    home_result, away_result = side_results(home_score, away_score, line)

    def points(result: str):
        return win_points() if result == PickResult.WIN else Value(0)

    return {
        "result": Case(
            When(team_id=game.home_team_id, then=Value(home_result)),
            When(team_id=game.away_team_id, then=Value(away_result)),
            default=Value(PickResult.VOID),
        ),
        "points": Case(
            When(team_id=game.home_team_id, then=points(home_result)),
            When(team_id=game.away_team_id, then=points(away_result)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    }


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
        graded = void_picks(game_id, now=now) if outcome == GradingOutcome.VOID else grade_final_picks(game, now=now)
        GameGrading.objects.filter(game_id=game_id).update(picks_graded=graded)
        if before[0] and tuple(before) != target:  # graded before on another result: a correction
            record_correction(game, before=before, after=target, now=now)
    log.info("graded picks game=%s outcome=%s picks=%d", game_id, outcome, graded)
    metrics.record_grading(outcome, graded)
    return GradingResult(game_id, outcome=outcome, picks_graded=graded)


def void_picks(game_id: int, *, now: datetime) -> int:
    return Pick.objects.filter(game_id=game_id).update(result=PickResult.VOID, points=0, graded_at=now)


def grade_final_picks(game: Game, *, now: datetime) -> int:
    freeze_lines([game.pk], now=now)
    line = GameLine.objects.filter(game_id=game.pk).values_list("spread", flat=True).first()
    picks = Pick.objects.filter(game_id=game.pk)
    common = {"line_at_lock": line, "graded_at": now}
    if not line:  # no line (or a pick'em line): against the spread grades the same as straight up
        return picks.update(**result_updates(game, None), **common)
    # (NOT) EXISTS, never NOT IN: PostgreSQL plans it as an anti-join, linear whatever the number of
    # entries, where NOT IN turns into a subquery rescanned for every pick once it outgrows work_mem.
    against_spread = Exists(Entry.objects.filter(pk=OuterRef("entry_id"), league__against_spread=True))
    graded = picks.filter(~against_spread).update(**result_updates(game, None), **common)
    graded += picks.filter(against_spread).update(**result_updates(game, line), **common)
    return graded


def record_correction(game: Game, *, before: tuple, after: tuple, now: datetime) -> ScoreCorrection:
    """Keep, for the audit trail, the regrade of a game and every pick whose result it changed.

    Runs after the picks are regraded: a pick's result before is what the old score gives its side
    (the line is frozen, so the same line), and INSERT ... SELECT copies the changed ones whatever
    their number, in a constant number of queries.
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
    picks = Pick.objects.filter(game_id=game.pk)
    if old_outcome == GradingOutcome.VOID:
        copy_changed_picks(correction, picks, {"result": Value(PickResult.VOID), "points": Value(0)})
        return correction
    line = GameLine.objects.filter(game_id=game.pk).values_list("spread", flat=True).first()
    if not line:
        copy_changed_picks(correction, picks, result_updates(game, None, (old_home, old_away)))
        return correction
    against_spread = Exists(Entry.objects.filter(pk=OuterRef("entry_id"), league__against_spread=True))
    copy_changed_picks(correction, picks.filter(~against_spread), result_updates(game, None, (old_home, old_away)))
    copy_changed_picks(correction, picks.filter(against_spread), result_updates(game, line, (old_home, old_away)))
    return correction


def copy_changed_picks(correction: ScoreCorrection, picks: QuerySet[Pick], old: dict) -> None:
    """INSERT INTO corrected picks SELECT the picks whose result differs from their `old` one."""
    changed = (
        picks.annotate(old_result=old["result"], old_points=old["points"], correction_ref=Value(correction.pk))
        .exclude(result=F("old_result"))
        .values_list("correction_ref", "entry_id", "team_id", "old_result", "result", "old_points", "points")
        .order_by()
    )
    select, params = changed.query.sql_with_params()
    table = connection.ops.quote_name(CorrectedPick._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(CorrectedPick._meta.get_field(name).column)
        for name in ("correction", "entry", "team", "old_result", "new_result", "old_points", "new_points")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


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


def games_needing_grading() -> list[int]:
    """Settled games with picks whose grading is missing or stale (a missed announcement, a crash)."""
    has_picks = Exists(Pick.objects.filter(game_id=OuterRef("pk")))
    graded_final = Q(
        pickem_grading__outcome=GradingOutcome.FINAL,
        pickem_grading__home_score=F("home_score"),
        pickem_grading__away_score=F("away_score"),
    )
    finals = Game.objects.filter(has_picks, phase=Phase.FINAL, home_score__isnull=False, away_score__isnull=False)
    finals = finals.exclude(graded_final)
    voids = Game.objects.filter(has_picks, phase__in=VOID_PHASES).exclude(pickem_grading__outcome=GradingOutcome.VOID)
    return sorted({*finals.values_list("pk", flat=True), *voids.values_list("pk", flat=True)})


def grade_missed_games(*, now: datetime | None = None) -> list[GradingResult]:
    return grade_games(games_needing_grading(), now=now)
