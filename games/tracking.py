"""One record per followed game, from its schedule to its final, and the alerts for games that look stuck.

A game is followed from the day before its kickoff until a day after; its record moves
scheduled -> awaiting kickoff (10 minutes before) -> live -> final | postponed | cancelled, or
failed while fetching its summary keeps failing. Each status keeps when it began; the summary
fetcher (games.summary_fetch) records the last successful fetch, consecutive failures, the last
error and the retries.

Alerts, raised and cleared here (logged once each way), reported in /health/ as warnings, in
/api/status/, /metrics and the admin:
- live_too_long: live longer than its sport's safety limit (TRACKING_LIVE_LIMIT_HOURS);
- not_started: still scheduled TRACKING_NOT_STARTED_MINUTES after kickoff;
- ungraded: final, but its picks not graded TRACKING_UNGRADED_MINUTES after the final;
- failing: TRACKING_MAX_FAILURES summary fetches in a row failed.

A sync costs the same few queries however many games are followed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from config.redis_keys import TRACKING_REPORT_KEY, TRACKING_REPORT_TTL
from espn.snapshots import Phase

from .leagues import tracked_leagues
from .models import Game, GameTracking, TrackingStatus

log = logging.getLogger(__name__)

AWAITING_LEAD = timedelta(minutes=10)
FOLLOW_WINDOW = timedelta(hours=36)  # games with a kickoff this close to now have a record
ENDED = frozenset({TrackingStatus.FINAL, TrackingStatus.POSTPONED, TrackingStatus.CANCELLED})
SINCE_FIELD: dict[str, str] = {
    TrackingStatus.SCHEDULED: "scheduled_since",
    TrackingStatus.AWAITING_KICKOFF: "awaiting_since",
    TrackingStatus.LIVE: "live_since",
    TrackingStatus.FINAL: "ended_at",
    TrackingStatus.POSTPONED: "ended_at",
    TrackingStatus.CANCELLED: "ended_at",
    TrackingStatus.FAILED: "status_since",  # not an end: a fetch that works again makes it live
}
ALERTS = {
    "live_too_long": "live longer than its sport's safety limit",
    "not_started": "still scheduled well after its kickoff",
    "ungraded": "final, but its picks are not graded",
    "failing": "its summary fetches keep failing",
}
UPDATE_FIELDS = ["status", "status_since", "scheduled_since", "awaiting_since", "live_since", "ended_at", "alerts"]

# Who can say which final games still have ungraded picks (games knows nothing of picks: the picks
# app registers its check when it loads). Each takes game ids and returns those not graded.
ungraded_checks: list[Callable[[list[int]], set[int]]] = []


def register_ungraded_check(check: Callable[[list[int]], set[int]]) -> None:
    if check not in ungraded_checks:
        ungraded_checks.append(check)


@dataclass
class TrackingSync:
    followed: int = 0
    created: int = 0
    changed: int = 0
    raised: list[tuple[int, str]] = field(default_factory=list)
    cleared: list[tuple[int, str]] = field(default_factory=list)
    report: dict = field(default_factory=dict)


def live_limits() -> dict[str, timedelta]:
    """TRACKING_LIVE_LIMIT_HOURS ("football=5,basketball=4") as sport -> limit."""
    limits = {}
    for entry in settings.TRACKING_LIVE_LIMIT_HOURS:
        sport, _, hours = entry.partition("=")
        try:
            limits[sport.strip()] = timedelta(hours=float(hours))
        except ValueError:
            log.warning("TRACKING_LIVE_LIMIT_HOURS: %r is not sport=hours; ignored", entry)
    return limits


def live_limit(espn_league: str, limits: dict[str, timedelta]) -> timedelta:
    return limits.get(espn_league.split("/")[0], limits.get("football", timedelta(hours=5)))


def status_of(game: Game, now: datetime, failing: bool) -> str:
    if game.phase == Phase.FINAL:
        return TrackingStatus.FINAL
    if game.phase == Phase.POSTPONED:
        return TrackingStatus.POSTPONED
    if game.phase == Phase.CANCELED:
        return TrackingStatus.CANCELLED
    if game.phase in (Phase.LIVE, Phase.SUSPENDED):
        return TrackingStatus.FAILED if failing else TrackingStatus.LIVE
    if now >= game.kickoff - AWAITING_LEAD:
        return TrackingStatus.AWAITING_KICKOFF
    return TrackingStatus.SCHEDULED


def followed_games(now: datetime) -> list[Game]:
    """Games of the tracked leagues near now, any game live, and any whose record says live or has an alert."""
    near = Q(kickoff__gte=now - FOLLOW_WINDOW, kickoff__lte=now + FOLLOW_WINDOW)
    live = Q(phase__in=[Phase.LIVE, Phase.SUSPENDED])
    alerted = Q(tracking__isnull=False) & ~Q(tracking__alerts={})  # (a game without a record is not "alerted")
    recorded = Q(tracking__status__in=[TrackingStatus.LIVE, TrackingStatus.FAILED]) | alerted
    fields = ("pk", "espn_id", "espn_league", "kickoff", "phase", "final_at")
    return list(
        Game.objects.filter(Q(espn_league__in=tracked_leagues()) & (near | live) | recorded).only(*fields).distinct()
    )


def sync_tracking(*, now: datetime, client: redis.Redis | None = None) -> TrackingSync:
    """Bring every followed game's record up to date, raise and clear alerts, publish the report."""
    games = followed_games(now)
    result = TrackingSync(followed=len(games))
    limits = live_limits()
    with transaction.atomic():
        records = GameTracking.objects.select_for_update().in_bulk([g.pk for g in games])
        missing = [GameTracking(game_id=g.pk, status_since=now) for g in games if g.pk not in records]
        if missing:
            GameTracking.objects.bulk_create(missing, ignore_conflicts=True)
            records = GameTracking.objects.select_for_update().in_bulk([g.pk for g in games])
            result.created = len(missing)
        finals = [g.pk for g in games if g.phase == Phase.FINAL and g.final_at is not None]
        ungraded = ungraded_among(finals, now=now)
        changed = []
        for game in games:
            record = records[game.pk]
            before = dict(record.alerts)
            advanced = advance(record, game, now=now)
            alerts = alerts_of(record, game, now=now, limits=limits, ungraded=ungraded)
            record.alerts = {code: record.alerts.get(code, now.isoformat()) for code in alerts}
            if advanced or record.alerts != before:
                changed.append(record)
                note_alert_changes(game, before, record.alerts, result)
        if changed:
            GameTracking.objects.bulk_update(changed, UPDATE_FIELDS)
        result.changed = len(changed)
    result.report = tracking_report(now=now)
    publish_report(result.report, client)
    return result


def advance(record: GameTracking, game: Game, *, now: datetime) -> bool:
    """Move the record to the game's status, noting when that began; True when anything changed."""
    failing = record.consecutive_failures >= settings.TRACKING_MAX_FAILURES
    status = status_of(game, now, failing)
    since = SINCE_FIELD[status]
    if status == record.status and getattr(record, since) is not None:
        return False
    first_seen = record.scheduled_since is None and record.awaiting_since is None and record.live_since is None
    if status != record.status:
        record.status = status
        record.status_since = now
    if status == TrackingStatus.LIVE and first_seen:
        setattr(record, since, min(now, game.kickoff))  # first seen already live: it began at kickoff at the latest
    else:
        setattr(record, since, now)
    return True


def alerts_of(
    record: GameTracking, game: Game, *, now: datetime, limits: dict[str, timedelta], ungraded: set[int]
) -> list[str]:
    alerts = []
    live_since = record.live_since if record.status in (TrackingStatus.LIVE, TrackingStatus.FAILED) else None
    if live_since and now - live_since > live_limit(game.espn_league, limits):
        alerts.append("live_too_long")
    if game.phase == Phase.SCHEDULED and now - game.kickoff > timedelta(minutes=settings.TRACKING_NOT_STARTED_MINUTES):
        alerts.append("not_started")
    ungraded_for = now - game.final_at if game.pk in ungraded and game.final_at else None
    if ungraded_for and ungraded_for > timedelta(minutes=settings.TRACKING_UNGRADED_MINUTES):
        alerts.append("ungraded")
    if record.consecutive_failures >= settings.TRACKING_MAX_FAILURES:
        alerts.append("failing")
    return alerts


def ungraded_among(game_ids: list[int], *, now: datetime) -> set[int]:
    if not game_ids:
        return set()
    found: set[int] = set()
    for check in ungraded_checks:
        found |= set(check(game_ids))
    return found


def note_alert_changes(game: Game, before: dict, after: dict, result: TrackingSync) -> None:
    """The log says it once when an alert starts and once when it clears."""
    for code in after.keys() - before.keys():
        result.raised.append((game.pk, code))
        log.warning(
            "game alert raised",
            extra={"game": game.espn_id, "league": game.espn_league, "alert": code, "meaning": ALERTS[code]},
        )
    for code in before.keys() - after.keys():
        result.cleared.append((game.pk, code))
        log.info("game alert cleared", extra={"game": game.espn_id, "league": game.espn_league, "alert": code})


# --------------------------------------------------------------------------- the report


def tracking_report(*, now: datetime) -> dict:
    """Counts by status (records of the follow window) and every game needing attention: two queries."""
    counts = dict(
        GameTracking.objects.filter(game__kickoff__gte=now - FOLLOW_WINDOW, game__kickoff__lte=now + FOLLOW_WINDOW)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    attention = (
        GameTracking.objects.filter(~Q(alerts={}) | Q(status=TrackingStatus.FAILED))
        .select_related("game")
        .order_by("game__kickoff")[:50]
    )
    games: list[dict[str, Any]] = [
        {
            "game_id": record.game_id,
            "espn_id": record.game.espn_id,
            "name": record.game.short_name or record.game.name,
            "status": record.status,
            "alerts": sorted(record.alerts),
            "consecutive_failures": record.consecutive_failures,
            "last_error": record.last_error,
            "last_success_at": record.last_success_at.isoformat() if record.last_success_at else None,
        }
        for record in attention
    ]
    alert_counts = Counter(code for game in games for code in game["alerts"])
    return {
        "at": now.isoformat(),
        "statuses": {status: counts.get(status, 0) for status in TrackingStatus.values},
        "alerts": {code: alert_counts.get(code, 0) for code in ALERTS},
        "needs_attention": games,
    }


def publish_report(report: dict, client: redis.Redis | None = None) -> None:
    from config.redis_client import cache_redis

    try:
        (client or cache_redis()).set(TRACKING_REPORT_KEY, json.dumps(report), ex=TRACKING_REPORT_TTL)
    except redis.RedisError as exc:
        log.warning("tracking report not published: Redis unavailable", extra={"error": str(exc)})


def warnings_of(report: dict | None) -> list[str]:
    """One line per alert, for /health/."""
    if not report:
        return []
    return [
        f"game {game['espn_id']} ({game['name']}): {ALERTS.get(code, code)}"
        for game in report["needs_attention"]
        for code in game["alerts"]
    ]
