"""Listeners to what `games` announces. Thin: the work is in `grading`, run by a worker."""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError

from .grading import freeze_last_open_lines, games_needing_grading
from .tasks import grade_games, publish_live_standings

log = logging.getLogger(__name__)


def grade_announced_games(
    sender: object,
    *,
    final_ids: list[int] = (),  # type: ignore[assignment]
    corrected_ids: list[int] = (),  # type: ignore[assignment]
    voided_ids: list[int] = (),  # type: ignore[assignment]
    **kwargs: object,
) -> None:
    """Sent after the ingest commits: hand the games gone final, corrected or voided to a worker to grade.

    Off the poll, so that a poll's queries do not grow with the games that end in it. A message
    lost with the broker is not a lost grading: the housekeeping sweep finds ungraded games.
    """
    game_ids = [*final_ids, *corrected_ids, *voided_ids]
    if not game_ids:
        return
    try:
        grade_games.delay(game_ids)
    except OperationalError as exc:
        log.warning("grading not queued, the housekeeping sweep will grade games=%s error=%s", game_ids, exc)


def project_live_standings(sender: object, *, espn_ids: list[str] = (), **kwargs: object) -> None:  # type: ignore[assignment]
    """After a poll changed games: a worker recomputes the live standings of the leagues they touch."""
    if not espn_ids:
        return
    try:
        publish_live_standings.delay(espn_ids=list(espn_ids))
    except OperationalError as exc:
        log.warning("live standings not queued games=%s error=%s", espn_ids, exc)


def freeze_lines_of_locking_games(sender: object, *, last_open_spreads: dict, now, **kwargs: object) -> None:
    """Inside the ingest transaction: the line at lock is committed with the write that locks the game."""
    freeze_last_open_lines(last_open_spreads, now=now)


def ungraded_games(game_ids: list[int]) -> set[int]:
    """Of the games the stuck-game alert follows, those final but with their picks not graded."""
    return set(games_needing_grading(game_ids))
