"""The query parameters of the pick'em pages and API, each declared once.

The API's query serializers (`WeekQuerySerializer`, `StandingsQuerySerializer`) are the pages' too:
a page's serializer extends them with what only the page takes (`?entry=`, `?page=`, the what-if
form's `outcome-<game id>`). config/query_params.py reads them: strictly for the API, forgivingly
(unknown parameters ignored, empty ones not given) for a page; a bad one is a 400 either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.query_params import given_times_message, page_field

from .chance import AWAY, HOME
from .models import PickemLeague
from .selectors import current_week
from .weeks import Week

MAX_ID = 2**63 - 1  # what the database's ids hold: a larger number is a 400 naming it, never a failed query
WEEK_PATTERN = r"^(pre|regular|post|off)-[0-9]{1,2}$"


def week_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(
        WEEK_PATTERN,
        error_messages={"invalid": "Not a week: use e.g. regular-3, pre-1 or post-2."},
        **kwargs,
    )


@extend_schema_serializer(component_name="PickemWeekQuery")
class WeekQuerySerializer(serializers.Serializer):
    week = week_field(required=False, help_text="e.g. regular-3, pre-1, post-2; default: the current week")

    def validate_week(self, value: str) -> Week:
        return Week.parse(value)


@extend_schema_serializer(component_name="PickemStandingsQuery")
class StandingsQuerySerializer(WeekQuerySerializer):
    view = serializers.ChoiceField(
        choices=["week", "season"],
        required=False,
        default="week",
        error_messages={"invalid_choice": '"{input}" is not a view; use week or season.'},
    )


def read_week(params: dict, league: PickemLeague, now: datetime | None = None) -> Week | None:
    """The ?week= asked for, else the league's current week."""
    return params.get("week") or current_week(league, now or timezone.now())


# --------------------------------------------------------------------------- the pages' own


def id_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


class MyPicksQuery(WeekQuerySerializer):
    """/picks/: the week, and which of my entries: ?entry=, else my entry in ?league=, else my first
    (a well-formed id that is not mine falls through, as a link to an entry since removed does)."""

    entry = id_field("one of my entries")
    league = id_field("a league I have an entry in")


class AuditQuery(serializers.Serializer):
    page = page_field()


OUTCOME_PREFIX = "outcome-"  # the what-if form's outcome-<game id>=home|away (empty: undecided)


def outcome_param(game_id: int | str) -> str:
    return f"{OUTCOME_PREFIX}{game_id}"


class LeagueQuery(StandingsQuerySerializer):
    """A league's page: the standings' week and view, the table's page, and the what-if form's
    outcome-<game id> parameters, validated as `outcomes` (game id -> home or away)."""

    page = page_field()

    def to_internal_value(self, data: QueryDict) -> dict:
        outcomes: dict[int, str] = {}
        errors: dict = {}
        for name, values in data.lists():
            if not name.startswith(OUTCOME_PREFIX):
                continue
            game_id, side = name.removeprefix(OUTCOME_PREFIX), values[-1]
            if len(values) > 1:
                errors[name] = [given_times_message(len(values))]
            elif not (game_id.isascii() and game_id.isdigit() and 1 <= int(game_id) <= MAX_ID):
                errors[name] = [f'"{game_id[:40]}" is not a game id.']
            elif side not in (HOME, AWAY):
                errors[name] = [f'"{side[:40]}" is not an outcome: use {HOME} or {AWAY}.']
            else:
                outcomes[int(game_id)] = side
        try:
            validated = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = {**cast(dict, exc.detail), **errors}
        if errors:
            raise serializers.ValidationError(errors)
        return {**validated, "outcomes": outcomes}
