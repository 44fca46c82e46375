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
  the line after). ESPN stops sending odds at kickoff and the ingest keeps the last line
  it knew, so a game's spread once locked is its line at lock; `freeze_lines` copies it
  into `GameLine` the first time the picks app sees the game locked and never moves it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from espn.snapshots import Phase
from games import metrics
from games.models import Game

from .locking import locked_q
from .models import Entry, GameGrading, GameLine, GradingOutcome, Pick, PickResult

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


def result_updates(game: Game, line: Decimal | None) -> dict:
    """The column values of one UPDATE: a result and points per side, void for a team not in the game."""
    home_result, away_result = side_results(game.home_score, game.away_score, line)

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
    ats_entries = Entry.objects.filter(league__against_spread=True).values("pk")
    graded = picks.exclude(entry_id__in=ats_entries).update(**result_updates(game, None), **common)
    graded += picks.filter(entry_id__in=ats_entries).update(**result_updates(game, line), **common)
    return graded


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
