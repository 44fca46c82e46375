from django.contrib import admin

from config.redis_client import cache_redis

from . import live_state
from .models import Game, Season, Team


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
    list_display = (
        "__str__", "espn_league", "kickoff", "week", "phase", "short_detail",
        "away_score", "home_score", "last_changed_at",
    )  # fmt: skip
    list_filter = ("espn_league", "phase", "season", "week")
    search_fields = ("espn_id", "name", "short_name", "home_team__display_name", "away_team__display_name")
    list_select_related = ("home_team", "away_team", "season")
    raw_id_fields = ("home_team", "away_team", "possession_team", "season")
    date_hierarchy = "kickoff"
    change_list_template = "admin/games/game/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "poller": poller_status()}
        return super().changelist_view(request, extra_context=extra_context)


def poller_status() -> dict:
    """What an operator needs at a glance: the interval and why, the last poll, the breaker."""
    from espn.breaker import read_breaker

    try:
        client = cache_redis()
        return {
            "live_state": live_state.read_json(client, live_state.LIVE_STATE_KEY),
            "last_poll": live_state.read_json(client, live_state.LAST_POLL_KEY),
            "breaker": read_breaker(client),
            "history": live_state.poll_history(client, limit=10),
        }
    except Exception as exc:
        return {"error": f"Redis unavailable: {exc}"}
