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
    """Freeze the line of games that just locked and publish the weekly lines that are due; make the
    picks the missed-picks rules make; grade any settled game a lost message left behind."""
    from django.utils import timezone

    from .grading import (
        auto_pick_locked_games,
        freeze_lines_at_lock,
        grade_missed_games,
        void_picks_moved_out_of_their_week,
    )
    from .lines import publish_weekly_lines
    from .survivor import auto_pick_missed_weeks

    frozen = freeze_lines_at_lock()
    published = publish_weekly_lines(now=timezone.now())
    auto_picks = auto_pick_locked_games()
    survivor_auto_picks = auto_pick_missed_weeks(now=timezone.now())
    moved = void_picks_moved_out_of_their_week(now=timezone.now())
    graded = grade_missed_games()
    return {
        "lines_frozen": frozen,
        "weekly_lines_published": published,
        "auto_picks": auto_picks,
        "kept_picks_voided": moved,
        "survivor_auto_picks": survivor_auto_picks,
        "games_graded": [r.game_id for r in graded if r.picks_graded],
    }


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def send_pick_reminders() -> dict:
    """Email members with picks missing before their week's first lock; each reminder at most once."""
    from django.utils import timezone

    from .reminders import send_due_reminders

    result = send_due_reminders(now=timezone.now())
    return {"sent": result.sent, "already_reminded": result.already_reminded, "failed": result.failed}


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30, expires=30)
def publish_live_standings(espn_ids: list[str]) -> int:
    """Recompute and push the live standings of every league these changed games touch, once each."""
    from .standings_stream import publish_standings_for

    return publish_standings_for(espn_ids=espn_ids)
