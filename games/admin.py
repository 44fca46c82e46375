"""The season's control room: games with filters, search and actions, and the poller's panel.

On the games list an operator sees the polling interval and why, the last polls, the ESPN
circuit breaker (with a button to reset it) and a link to django-celery-beat's schedules; the
actions re-poll selected games from ESPN and regrade their picks.
"""

import logging
from datetime import UTC, datetime

import redis
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.redis_client import cache_redis
from espn.client import EspnError

from . import live_state
from .models import EspnLeague, Game, Season, Team

log = logging.getLogger(__name__)

MAX_REPOLL = 25  # one ESPN request each, from the web process: a handful, not a season


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ("__str__", "espn_league", "year")
    list_filter = ("espn_league",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("display_name", "abbreviation", "espn_league", "espn_id", "is_placeholder")
    list_filter = ("espn_league", "is_placeholder")
    search_fields = ("display_name", "abbreviation", "espn_id")


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    # Short columns, so that all of them fit a laptop screen beside the filters; times say their zone.
    list_display = ("matchup", "league", "kickoff_utc", "week", "status", "score", "last_changed_utc")
    list_filter = ("espn_league", "phase", "season", "season_type", "week")
    search_fields = ("espn_id", "name", "short_name", "home_team__display_name", "away_team__display_name")
    list_select_related = ("home_team", "away_team", "season")
    raw_id_fields = ("home_team", "away_team", "possession_team", "season")
    date_hierarchy = "kickoff"
    change_list_template = "admin/games/game/change_list.html"
    actions = ["repoll_from_espn", "regrade_picks"]

    @admin.display(description="Game", ordering="short_name")
    def matchup(self, game: Game) -> str:
        return game.short_name or str(game)

    @admin.display(description="League", ordering="espn_league")
    def league(self, game: Game) -> str:
        return EspnLeague(game.espn_league).label if game.espn_league in EspnLeague.values else game.espn_league

    @admin.display(description="Kickoff (UTC)", ordering="kickoff")
    def kickoff_utc(self, game: Game) -> str:
        return utc_text(game.kickoff, "%-d %b %Y, %H:%M UTC")

    @admin.display(description="Status", ordering="phase")
    def status(self, game: Game) -> str:
        return f"{game.phase}: {game.short_detail}" if game.short_detail else game.phase

    @admin.display(description="Score (away-home)")
    def score(self, game: Game) -> str:
        return (
            "-"
            if game.away_score is None or game.home_score is None
            else f"{game.away_score}\N{EN DASH}{game.home_score}"
        )

    @admin.display(description="Last changed (UTC)", ordering="last_changed_at")
    def last_changed_utc(self, game: Game) -> str:
        return utc_text(game.last_changed_at, "%-d %b, %H:%M:%S UTC")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "poller": poller_status(),
            "has_change_permission": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        reset = self.admin_site.admin_view(self.reset_breaker_view)
        return [path("breaker/reset/", reset, name="games_game_breaker_reset"), *super().get_urls()]

    @admin.action(description="Re-poll the selected games from ESPN", permissions=["change"])
    def repoll_from_espn(self, request: HttpRequest, queryset: QuerySet[Game]) -> None:
        from .polling import update_single_game

        espn_ids = list(queryset.order_by("kickoff").values_list("espn_id", flat=True)[: MAX_REPOLL + 1])
        if len(espn_ids) > MAX_REPOLL:
            self.message_user(request, f"Select at most {MAX_REPOLL} games to re-poll at once.", messages.ERROR)
            return
        changed, failed = 0, []
        for espn_id in espn_ids:
            try:
                changed += bool(update_single_game(espn_id).changed)
            except EspnError as exc:
                failed.append(f"{espn_id}: {exc}")
        log.info("games re-polled from the admin", extra={"user": request.user.get_username(), "games": len(espn_ids)})
        self.message_user(request, f"Re-polled {len(espn_ids)} game(s) from ESPN: {changed} changed.")
        for failure in failed:
            self.message_user(request, f"ESPN failed for game {failure}", messages.WARNING)

    @admin.action(description="Regrade the picks on the selected games", permissions=["change"])
    def regrade_picks(self, request: HttpRequest, queryset: QuerySet[Game]) -> None:
        # The admin is where the apps meet: games itself knows nothing of picks, so import at call time.
        from picks.admin import regrade

        regrade(request, set(queryset.values_list("pk", flat=True)), self)

    def reset_breaker_view(self, request: HttpRequest) -> HttpResponse:
        return reset_breaker_view(request, self)


@require_POST
def reset_breaker_view(request: HttpRequest, model_admin: GameAdmin) -> HttpResponse:
    """Close the ESPN breaker now (after fixing what tripped it), rather than waiting out its timeout."""
    from espn.breaker import read_breaker, reset_breaker

    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    try:
        before = read_breaker(cache_redis())["state"]
        reset_breaker(cache_redis())
    except redis.RedisError as exc:
        model_admin.message_user(request, f"Breaker not reset: Redis unavailable ({exc}).", messages.ERROR)
    else:
        user = request.user.get_username()
        log.warning("espn circuit breaker reset from the admin", extra={"user": user, "was": before})
        model_admin.message_user(request, f"ESPN circuit breaker reset (it was {before}).", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:games_game_changelist"))


def utc_text(when: datetime | None, fmt: str) -> str:
    return when.astimezone(UTC).strftime(fmt) if when else "-"


TIME_FIELDS = ("started_at", "next_poll_at", "at", "opened_at")


def with_times(record: dict | None) -> dict | None:
    """The record with its ISO timestamps as datetimes, for the template to show as times of day."""
    if record is None:
        return None
    return {
        key: datetime.fromisoformat(value) if key in TIME_FIELDS and isinstance(value, str) else value
        for key, value in record.items()
    }


def poller_status() -> dict:
    """What an operator needs at a glance: the interval and why, the last polls, the breaker."""
    from espn.breaker import read_breaker

    try:
        client = cache_redis()
        history = [with_times(entry) for entry in live_state.poll_history(client, limit=10)]
        for entry in history:
            entry["ok"] = not entry.get("errors")
        return {
            "live_state": with_times(live_state.read_json(client, live_state.LIVE_STATE_KEY)),
            "last_poll": with_times(live_state.read_json(client, live_state.LAST_POLL_KEY)),
            "last_ok_poll": with_times(live_state.read_json(client, live_state.LAST_OK_POLL_KEY)),
            "breaker": with_times(read_breaker(client)),
            "history": history,
            "health": live_state.read_poller_health(client, now=timezone.now()),  # the rule of /health/
        }
    except (redis.RedisError, ValueError) as exc:  # the admin page must render even with Redis down
        return {"error": f"Redis unavailable: {exc}"}
