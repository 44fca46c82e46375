"""Celery tasks: thin wrappers over `grading`."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def grade_games(game_ids: list[int]) -> list[int]:
    """Grade games the ingest announced (gone final, corrected, voided); idempotent, so safe to redeliver."""
    from .grading import grade_games as grade
    from .standings_stream import publish_standings_for

    graded = [result.game_id for result in grade(game_ids) if result.picks_graded]
    if graded:  # the projection's points move from "live" to graded
        publish_standings_for(game_ids=graded)
    return graded


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def picks_housekeeping() -> dict:
    """Freeze the line of games that just locked; grade any settled game a lost message left behind."""
    from .grading import freeze_lines_at_lock, grade_missed_games

    frozen = freeze_lines_at_lock()
    graded = grade_missed_games()
    return {"lines_frozen": frozen, "games_graded": [r.game_id for r in graded if r.picks_graded]}


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30, expires=30)
def publish_live_standings(espn_ids: list[str]) -> int:
    """Recompute and push the live standings of every league these changed games touch, once each."""
    from .standings_stream import publish_standings_for

    return publish_standings_for(espn_ids=espn_ids)
