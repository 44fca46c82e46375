"""Celery tasks: thin wrappers over plain functions that tests call directly."""

from celery import shared_task

# Polls are cheap to lose (the next tick is the retry): no acks_late, no autoretry.
# The hard limit stays below the poll lock's timeout so a killed poll frees the lock soon.


@shared_task(ignore_result=True, soft_time_limit=30, time_limit=40)
def poll_espn_scores(force: bool = False) -> dict:
    from .polling import poll_scoreboards

    result = poll_scoreboards(force=force)
    return {"skipped": result.skipped} if result.skipped else result.summary()


@shared_task(ignore_result=True, soft_time_limit=10, time_limit=20)
def adjust_polling_interval() -> dict:
    from .polling import refresh_live_state

    state = refresh_live_state()
    return {"regime": state.regime, "interval_seconds": state.interval_seconds, "reason": state.reason}


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def update_single_game(espn_id: str) -> list[str]:
    from .polling import update_single_game as update

    return update(espn_id).changed


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def sync_games_from_espn(espn_league: str, season: int | None = None, week: int | None = None) -> int:
    from .sync import sync_games

    return sum(step.changed for step in sync_games(espn_league=espn_league, season=season, week=week))


@shared_task(ignore_result=True, soft_time_limit=45, time_limit=55)
def follow_games() -> dict:
    """Tracking records, stuck-game alerts and the summaries (plays) of live games: games.summary_fetch."""
    from .summary_fetch import follow_games as follow

    result = follow()
    if result.skipped:
        return {"skipped": result.skipped}
    return {"fetched": result.fetched, "failed": result.failed, "plays_added": result.plays_added}
