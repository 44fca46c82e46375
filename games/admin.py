"""The season's control room: games with filters, search and actions.

The action re-polls selected games from ESPN; pick'em's admin regrades them (picks.admin). The
poller's panel above the games list (interval, last polls, the ESPN breaker and its reset button)
is the ops app's (ops.admin).
"""

import logging
from datetime import UTC, datetime

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from espn.client import EspnError

from .models import EspnLeague, Game, GameTracking, Season, Team, TrackingStatus
from .tracking import ALERTS

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
    actions = ["repoll_from_espn"]

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


def utc_text(when: datetime | None, fmt: str) -> str:
    return when.astimezone(UTC).strftime(fmt) if when else "-"


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Followed games with a stuck-game alert or a failed record: what an operator should look at."""

    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("needs", "Needs attention"), ("fine", "Fine")]

    def queryset(self, request, queryset):
        needs = ~Q(alerts={}) | Q(status=TrackingStatus.FAILED)
        if self.value() == "needs":
            return queryset.filter(needs)
        if self.value() == "fine":
            return queryset.exclude(needs)
        return queryset


@admin.register(GameTracking)
class GameTrackingAdmin(admin.ModelAdmin):
    """Every followed game's record: its status and when each began, how fetching it goes, its alerts."""

    list_display = (
        "game", "espn_league", "kickoff", "status", "status_since", "live_since", "ended_at", "last_success_at",
        "consecutive_failures", "retries", "plays_stored", "alert_list", "last_error",
    )  # fmt: skip
    list_filter = (NeedsAttentionFilter, "status", "game__espn_league")
    search_fields = ("game__espn_id", "game__name", "game__short_name")
    list_select_related = ("game",)
    ordering = ("-game__kickoff",)
    readonly_fields = [field.name for field in GameTracking._meta.fields]

    @admin.display(ordering="game__espn_league", description="league")
    def espn_league(self, record: GameTracking) -> str:
        return record.game.espn_league

    @admin.display(ordering="game__kickoff")
    def kickoff(self, record: GameTracking) -> datetime:
        return record.game.kickoff

    @admin.display(description="alerts")
    def alert_list(self, record: GameTracking) -> str:
        return ", ".join(
            f"{ALERTS.get(code, code)} (since {since[11:16]} UTC)" for code, since in record.alerts.items()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the tracker creates records
