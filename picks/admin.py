from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from .errors import PickemError
from .grading import grade_game
from .leagues import RULE_FIELDS, clean_rules
from .models import Entry, GameGrading, GameLine, Pick, PickChange, PickemLeague, PublishedLine, WeeklyTiebreaker
from .selectors import pick_lines

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class MemberCount(TypedDict):
    member_count: int


def regrade(request: HttpRequest, game_ids: set[int], admin_site: admin.ModelAdmin) -> None:
    graded = 0
    for game_id in sorted(game_ids):
        result = grade_game(game_id, force=True)
        if result.skipped:
            admin_site.message_user(request, f"Game {game_id} not regraded: {result.skipped}.", messages.WARNING)
        graded += result.picks_graded
    admin_site.message_user(request, f"Regraded {len(game_ids)} game(s): {graded} pick(s).", messages.SUCCESS)


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    raw_id_fields = ("user",)
    fields = ("name", "user", "joined_at", "removed_at", "buybacks")
    show_change_link = True


class PickemLeagueAdminForm(forms.ModelForm):
    """The same rule checks as the pages and the API (a survivor pool has no pick'em scoring rules...)."""

    class Meta:
        model = PickemLeague
        fields = "__all__"  # noqa: DJ007 - the admin edits every field

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        rules = {name: data[name] for name in RULE_FIELDS if name in data}
        if len(rules) == len(RULE_FIELDS):
            try:
                clean_rules(rules, current=rules)
            except PickemError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(PickemLeague)
class PickemLeagueAdmin(admin.ModelAdmin):
    form = PickemLeagueAdminForm
    list_display = (
        "name",
        "espn_league",
        "season_year",
        "pool_type",
        "scoring",
        "against_spread",
        "commissioner",
        "members",
    )
    list_filter = ("espn_league", "season_year", "pool_type", "scoring", "against_spread")
    fieldsets = (
        (None, {"fields": ("name", "espn_league", "season_year", "commissioner", "invite_code", "created_at")}),
        ("Pool", {"fields": ("pool_type", "entries_per_member")}),
        ("Pick'em rules", {"fields": ("scoring", "against_spread", "missed_picks", "drop_lowest_weeks")}),
        ("Line lock (against the spread)", {"fields": ("line_lock", "line_weekday", "line_time")}),
        ("Postponed games", {"fields": ("postponed_games",)}),
        (
            "Survivor rules",
            {
                "fields": (
                    "survivor_lives",
                    "survivor_tie_costs_life",
                    "survivor_buyback_until_week",
                    "survivor_missed_week",
                    "survivor_all_out",
                )
            },
        ),
    )
    search_fields = ("name", "commissioner__username", "invite_code")
    raw_id_fields = ("commissioner",)
    list_select_related = ("commissioner",)
    inlines = [EntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PickemLeague]:
        return super().get_queryset(request).annotate(member_count=Count("entries", filter=Q(entries__removed_at=None)))

    @admin.display(ordering="member_count")
    def members(self, league: WithAnnotations[PickemLeague, MemberCount]) -> int:
        return league.member_count


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "league", "joined_at", "removed_at")
    list_filter = ("league__espn_league", "league__season_year")
    search_fields = ("name", "user__username", "league__name")
    raw_id_fields = ("user", "league")
    list_select_related = ("user", "league")


class PickChangeList(ChangeList):
    """Derives the line at lock of a page of picks at once (a fixed number of queries for the page)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        lines = pick_lines(self.result_list)
        for pick in self.result_list:
            pick.line = lines.get(pick.pk)


@admin.register(Pick)
class PickAdmin(admin.ModelAdmin):
    list_display = ("entry", "game", "team", "confidence", "auto", "result", "points", "line_at_lock", "graded_at")
    list_filter = ("result", "entry__league__espn_league", "season_type", "week")
    search_fields = ("entry__user__username", "entry__league__name", "game__espn_id", "game__short_name")
    raw_id_fields = ("entry", "game", "team")
    list_select_related = ("entry__user", "entry__league", "game", "team")
    readonly_fields = ("result", "points", "line_at_lock", "graded_at")
    actions = ["regrade_games"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PickChangeList

    @admin.display(description="line at lock")
    def line_at_lock(self, pick: Pick) -> Decimal | None:
        """The line at lock by the league's rule (home team's view), derived, as grading uses it."""
        line = pick.line if hasattr(pick, "line") else pick_lines([pick]).get(pick.pk)
        return line.at_lock if line is not None else None

    @admin.action(description="Regrade the games of the selected picks")
    def regrade_games(self, request: HttpRequest, queryset: QuerySet[Pick]) -> None:
        regrade(request, set(queryset.values_list("game_id", flat=True)), self)


@admin.register(GameGrading)
class GameGradingAdmin(admin.ModelAdmin):
    list_display = (
        "game",
        "outcome",
        "away_score",
        "home_score",
        "graded_at",
        "times_graded",
        "picks_graded",
    )
    list_filter = ("outcome",)
    search_fields = ("game__espn_id", "game__short_name")
    list_select_related = ("game",)
    raw_id_fields = ("game",)
    readonly_fields = ("outcome", "home_score", "away_score", "graded_at", "times_graded", "picks_graded")
    actions = ["regrade_games"]

    @admin.action(description="Regrade the selected games")
    def regrade_games(self, request: HttpRequest, queryset: QuerySet[GameGrading]) -> None:
        regrade(request, set(queryset.values_list("game_id", flat=True)), self)


@admin.register(GameLine)
class GameLineAdmin(admin.ModelAdmin):
    list_display = ("game", "spread", "frozen_at")
    search_fields = ("game__espn_id", "game__short_name")
    list_select_related = ("game",)
    raw_id_fields = ("game",)


@admin.register(PublishedLine)
class PublishedLineAdmin(admin.ModelAdmin):
    list_display = ("game", "published_at", "spread")
    search_fields = ("game__espn_id", "game__short_name")
    list_select_related = ("game",)
    raw_id_fields = ("game",)


@admin.register(PickChange)
class PickChangeAdmin(admin.ModelAdmin):
    list_display = (
        "changed_at",
        "entry",
        "changed_by",
        "source",
        "game",
        "old_team",
        "new_team",
        "old_guess",
        "new_guess",
    )
    list_filter = ("source", "entry__league")
    search_fields = ("entry__user__username", "entry__league__name", "game__espn_id")
    list_select_related = ("entry__user", "entry__league", "changed_by", "game", "old_team", "new_team")
    date_hierarchy = "changed_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PickChange | None = None) -> bool:
        return False  # the audit trail is read-only


@admin.register(WeeklyTiebreaker)
class WeeklyTiebreakerAdmin(admin.ModelAdmin):
    list_display = ("entry", "season_type", "week", "guess", "updated_at")
    raw_id_fields = ("entry",)
    list_select_related = ("entry__user", "entry__league")
