"""GET /api/status/: the poller's health and what it has been doing, for operators and dashboards."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import redis
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.redis_client import cache_redis
from config.redis_keys import POLL_HISTORY_LENGTH

from .poller import read_poller_state

log = logging.getLogger(__name__)


def poller_status(client: redis.Redis, *, now: datetime) -> dict:
    poller = read_poller_state(client, now=now, history=POLL_HISTORY_LENGTH)
    last_poll, state, history = poller.last_poll, poller.live_state or {}, poller.history
    requests = sum(entry.get("requests") or 0 for entry in history)
    failed = sum(len(entry.get("errors") or []) for entry in history)
    polls_with_errors = sum(1 for entry in history if entry.get("errors"))
    age = None
    if last_poll:
        age = round((now - datetime.fromisoformat(last_poll["started_at"])).total_seconds(), 1)
    return {
        "healthy": poller.health.ok,  # the rule /health/ applies too
        "problems": poller.health.problems,
        "last_poll": {
            "started_at": last_poll["started_at"] if last_poll else None,
            "age_seconds": age,
            "duration_seconds": last_poll.get("duration_seconds") if last_poll else None,
            "requests": last_poll.get("requests") if last_poll else None,
            "changed": last_poll.get("changed") if last_poll else None,
            "errors": last_poll.get("errors", []) if last_poll else [],
        },
        "polling": {
            "regime": state.get("regime"),
            "interval_seconds": state.get("interval_seconds"),
            "reason": state.get("reason"),
            "next_poll_at": state.get("next_poll_at"),
            "live_count": state.get("live_count"),
            "games_today": state.get("games_today"),
        },
        "breaker": poller.breaker.as_dict(),
        "recent_polls": {
            "polls": len(history),
            "polls_with_errors": polls_with_errors,
            "espn_requests": requests,
            "espn_errors": failed,
            "error_rate": round(failed / requests, 4) if requests else 0.0,
        },
        "followed_games": poller.tracking,
    }


class StatusApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema_serializer(component_name="PollerStatus")
    class OutputSerializer(serializers.Serializer):
        healthy = serializers.BooleanField(
            help_text="a recent poll without errors and the ESPN breaker not open: the rule of /health/"
        )
        problems = serializers.ListField(child=serializers.CharField())
        last_poll = inline_serializer(
            "LastPoll",
            {
                "started_at": serializers.DateTimeField(allow_null=True),
                "age_seconds": serializers.FloatField(allow_null=True),
                "duration_seconds": serializers.FloatField(allow_null=True),
                "requests": serializers.IntegerField(allow_null=True),
                "changed": serializers.IntegerField(allow_null=True),
                "errors": serializers.ListField(child=serializers.CharField()),
            },
        )
        polling = inline_serializer(
            "Polling",
            {
                "regime": serializers.CharField(allow_null=True, help_text="live, idle or offseason"),
                "interval_seconds": serializers.IntegerField(allow_null=True),
                "reason": serializers.CharField(allow_null=True),
                "next_poll_at": serializers.DateTimeField(allow_null=True),
                "live_count": serializers.IntegerField(allow_null=True),
                "games_today": serializers.IntegerField(allow_null=True),
            },
        )
        breaker = inline_serializer(
            "Breaker",
            {
                "state": serializers.CharField(help_text="closed, open or half-open"),
                "consecutive_failures": serializers.IntegerField(),
                "opened_at": serializers.DateTimeField(allow_null=True),
            },
        )
        recent_polls = inline_serializer(
            "RecentPolls",
            {
                "polls": serializers.IntegerField(),
                "polls_with_errors": serializers.IntegerField(),
                "espn_requests": serializers.IntegerField(),
                "espn_errors": serializers.IntegerField(),
                "error_rate": serializers.FloatField(help_text="failed ESPN calls / ESPN requests, recent polls"),
            },
        )
        followed_games = inline_serializer(
            "FollowedGames",
            {
                "at": serializers.DateTimeField(help_text="when the tracker last looked"),
                "statuses": serializers.DictField(
                    child=serializers.IntegerField(), help_text="followed games by tracking status"
                ),
                "alerts": serializers.DictField(
                    child=serializers.IntegerField(),
                    help_text="games per stuck-game alert: live_too_long, not_started, ungraded, failing",
                ),
                "needs_attention": serializers.ListField(
                    child=serializers.DictField(), help_text="games with an alert or a failed record"
                ),
            },
            allow_null=True,
            help_text="the tracker's last report (null when the worker has not reported for 5 minutes)",
        )

    @extend_schema(summary="The poller's health", responses={200: OutputSerializer, 503: None})
    def get(self, request):
        try:
            status = poller_status(cache_redis(), now=timezone.now())
        except (redis.RedisError, json.JSONDecodeError, KeyError, ValueError) as exc:
            log.warning("status: cannot read the poller's state: %s", exc)
            return Response({"healthy": False, "problems": [f"poller state unreadable: {exc}"]}, status=503)
        return Response(self.OutputSerializer(status).data)
