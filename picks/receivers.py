"""Listeners to what `games` announces. Thin: the work is in `grading`."""

from __future__ import annotations

from .grading import GradingResult, grade_games


def grade_announced_games(
    sender: object,
    *,
    final_ids: list[int] = (),  # type: ignore[assignment]
    corrected_ids: list[int] = (),  # type: ignore[assignment]
    voided_ids: list[int] = (),  # type: ignore[assignment]
    **kwargs: object,
) -> list[GradingResult]:
    """Sent after the ingest commits: grade the games gone final, regrade corrections, void the rest."""
    return grade_games([*final_ids, *corrected_ids, *voided_ids])
