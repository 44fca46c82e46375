"""Celery tasks: thin wrappers over `grading`."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def grade_games(game_ids: list[int]) -> list[int]:
    """Grade games the ingest announced (gone final, corrected, voided); idempotent, so safe to redeliver."""
    from .grading import grade_games as grade

    return [result.game_id for result in grade(game_ids) if result.picks_graded]


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def picks_housekeeping() -> dict:
    """Freeze the line of games that just locked; grade any settled game a lost message left behind."""
    from .grading import freeze_lines_at_lock, grade_missed_games

    frozen = freeze_lines_at_lock()
    graded = grade_missed_games()
    return {"lines_frozen": frozen, "games_graded": [r.game_id for r in graded if r.picks_graded]}


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def send_pick_reminders() -> dict:
    """Email members with picks missing before their week's first lock; each reminder at most once."""
    from django.utils import timezone

    from .reminders import send_due_reminders

    result = send_due_reminders(now=timezone.now())
    return {"sent": result.sent, "already_reminded": result.already_reminded, "failed": result.failed}
