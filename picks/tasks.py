"""Celery tasks: thin wrappers. Grading itself runs on the ingest signal; this is the safety net."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def picks_housekeeping() -> dict:
    """Freeze the line of games that just locked; grade any settled game a lost signal left behind."""
    from .grading import freeze_lines_at_lock, grade_missed_games

    frozen = freeze_lines_at_lock()
    graded = grade_missed_games()
    return {"lines_frozen": frozen, "games_graded": [r.game_id for r in graded if r.picks_graded]}
