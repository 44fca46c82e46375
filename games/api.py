"""The games API: one APIView per endpoint, each with its own input and output serializers.

Games are represented by `game_shape.game_payload()`, the same dict the live feed and the
streams hold; the output serializers declare that shape for the schema and check it.
"""

from __future__ import annotations

import gzip
import logging
import time
from typing import TYPE_CHECKING

import orjson
import redis
from asgiref.sync import sync_to_async
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.compression import accepts_gzip
from config.query_params import page_field, validate_query
from config.ratelimit import client_address, parse_rate
from espn.snapshots import Pause, Phase

from . import live_feed, selectors
from .game_shape import game_payload
from .presenters import win_probability_chart

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- shared shapes


class TeamSideOutputSerializer(serializers.Serializer):
    espn_id = serializers.CharField()
    abbreviation = serializers.CharField()
    display_name = serializers.CharField()
    short_name = serializers.CharField()
    color = serializers.CharField(help_text="hex without #, from ESPN; may be empty")
    alternate_color = serializers.CharField()
    logo_url = serializers.CharField(help_text="ESPN's logo; optional, pages do not need it")
    is_placeholder = serializers.BooleanField(help_text="a team still to be decided")
    score = serializers.IntegerField(allow_null=True)
    linescores = serializers.ListField(child=serializers.IntegerField(), help_text="points per period")


class StatusOutputSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=[p.value for p in Phase])
    state = serializers.CharField(help_text="ESPN's pre, in or post")
    name = serializers.CharField(help_text="ESPN's status name, as ESPN sends it")
    pause = serializers.ChoiceField(
        choices=[p.value for p in Pause], help_text="halftime or end_of_period while live and stopped; else empty"
    )
    detail = serializers.CharField()
    short_detail = serializers.CharField()
    period = serializers.IntegerField()
    display_clock = serializers.CharField()


class SituationOutputSerializer(serializers.Serializer):
    possession_team_espn_id = serializers.CharField(allow_null=True)
    down = serializers.IntegerField(allow_null=True)
    distance = serializers.IntegerField(allow_null=True)
    yard_line = serializers.IntegerField(allow_null=True)
    down_distance_text = serializers.CharField()
    possession_text = serializers.CharField()
    is_red_zone = serializers.BooleanField()
    last_play = serializers.CharField()


class OddsOutputSerializer(serializers.Serializer):
    details = serializers.CharField(help_text='e.g. "TB -2.5"')
    spread = serializers.FloatField(allow_null=True, help_text="home team's view: negative = home favoured")
    over_under = serializers.FloatField(allow_null=True)


class SideDisplayOutputSerializer(serializers.Serializer):
    badge_bg = serializers.CharField(help_text="the badge's background, #rrggbb from the team's colour")
    badge_fg = serializers.CharField(help_text="#000000 or #ffffff, whichever contrasts more with badge_bg")
    winner = serializers.BooleanField(help_text="final and ahead")
    has_ball = serializers.BooleanField()
    score_text = serializers.CharField(help_text='the score as shown; "" before kickoff')


class DisplayOutputSerializer(serializers.Serializer):
    """What the pages show, worked out once by the server (games/presenters.py); scripts only paint it."""

    group = serializers.ChoiceField(choices=["live", "upcoming", "final"], help_text="the live page's section")
    marker = serializers.CharField(help_text='the status in a word: LIVE, HALFTIME, FINAL, ...; "" before kickoff')
    detail = serializers.CharField(help_text='status.short_detail, or "" when it only repeats the marker')
    full_detail = serializers.CharField(help_text='status.detail, or "" when it only repeats the marker')
    aria_label = serializers.CharField(help_text="the game in words, for screen readers")
    odds_text = serializers.CharField(help_text='e.g. "Line TB -2.5, O/U 45.5" before kickoff; else ""')
    situation_text = serializers.CharField(help_text="down and distance while live; else empty")
    red_zone = serializers.BooleanField()
    period_labels = serializers.ListField(
        child=serializers.CharField(),
        help_text='the score by period\'s headings, one per period with a line score: "1".."4", then "OT" '
        '(one overtime) or "OT1", "OT2", ...',
    )
    away = SideDisplayOutputSerializer()
    home = SideDisplayOutputSerializer()


class GameOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    espn_id = serializers.CharField()
    espn_league = serializers.CharField(help_text="e.g. football/nfl")
    league_label = serializers.CharField()
    season = serializers.IntegerField()
    season_type = serializers.IntegerField(help_text="1 preseason, 2 regular, 3 postseason")
    week = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    short_name = serializers.CharField()
    kickoff = serializers.DateTimeField()
    home = TeamSideOutputSerializer()
    away = TeamSideOutputSerializer()
    status = StatusOutputSerializer()
    situation = SituationOutputSerializer(allow_null=True, help_text="football, while live")
    odds = OddsOutputSerializer(allow_null=True)
    venue = serializers.CharField()
    venue_city = serializers.CharField()
    broadcast = serializers.CharField()
    last_changed_at = serializers.DateTimeField()
    final_at = serializers.DateTimeField(allow_null=True)
    display = DisplayOutputSerializer()


class StrictBooleanField(serializers.BooleanField):
    """Only true/false/1/0: "maybe" or "yes" is a mistake to report, not a value to guess."""

    default_error_messages = {"invalid": "Must be true or false."}
    default_empty_html = serializers.empty  # absent from a query string = not given (DRF's default: False)
    TRUE_VALUES = {"true", "True", "1", True}
    FALSE_VALUES = {"false", "False", "0", False}
    NULL_VALUES = set()


def choice_error(values: list[str]) -> dict[str, StrOrPromise]:
    return {"invalid_choice": '"{input}" is not allowed; use one of: ' + ", ".join(values) + "."}


class GamePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            last = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            page = request.query_params.get(self.page_query_param)
            raise exceptions.NotFound(f"page {page} is past the last page, {last}.") from None


# --------------------------------------------------------------------------- GET /api/games/


class GameListApi(APIView):
    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer):
        date = serializers.DateField(
            required=False, input_formats=["%Y-%m-%d"], help_text="an Eastern calendar day, YYYY-MM-DD"
        )
        league = serializers.ChoiceField(choices=[], required=False, help_text="an ESPN league, e.g. football/nfl")
        season = serializers.IntegerField(required=False, min_value=1869, max_value=2200)
        week = serializers.IntegerField(required=False, min_value=0, max_value=30)
        team = serializers.RegexField(
            r"^[^\x00-\x1f]+$",  # no control characters (PostgreSQL refuses NUL)
            required=False,
            max_length=64,
            trim_whitespace=False,
            help_text="abbreviation or ESPN team id",
        )
        state = serializers.ChoiceField(
            choices=[p.value for p in Phase],
            required=False,
            help_text="the game's state",
            error_messages=choice_error([p.value for p in Phase]),
        )
        live = StrictBooleanField(required=False, help_text="true: only live games; false: none live")
        page = page_field()
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=GamePagination.max_page_size)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # The leagues known now (configuration may add some), in the schema's enum as in validation.
            known = selectors.known_espn_leagues()
            self.fields["league"].choices = known
            self.fields["league"].error_messages["invalid_choice"] = (
                '"{input}" is not a known ESPN league; use one of: ' + ", ".join(known) + "."
            )

    # Named components: four nested classes called OutputSerializer would all be "Output" in the schema.
    @extend_schema_serializer(component_name="GameListItem")
    class OutputSerializer(GameOutputSerializer):
        pass

    @extend_schema_serializer(component_name="GameListPage")
    class PageSerializer(serializers.Serializer):
        count = serializers.IntegerField(help_text="games matching the filters")
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = GameOutputSerializer(many=True)

    @extend_schema(
        summary="Games, filtered and paginated",
        operation_id="games_list",  # a page object, not a list: spectacular would call it games_retrieve
        parameters=[InputSerializer],
        responses={
            200: PageSerializer,
            400: OpenApiResponse(description="a bad parameter, named"),
            404: OpenApiResponse(description="a page past the last one"),
        },
    )
    def get(self, request):
        params = validate_query(self.InputSerializer, request)
        filters = selectors.GameFilters(
            day=params.get("date"),
            espn_league=params.get("league"),
            season=params.get("season"),
            week=params.get("week"),
            team=params.get("team"),
            phase=params.get("state"),
            live=params.get("live"),
        )
        paginator = GamePagination()
        page = paginator.paginate_queryset(selectors.games(filters), request, view=self)
        data = self.OutputSerializer([game_payload(game) for game in page], many=True).data
        return paginator.get_paginated_response(data)


# --------------------------------------------------------------------------- GET /api/games/live/


def throttle_live(request, now: float) -> None:
    """Raise live_feed.Throttled past the "live" rate for this client (see live_feed.WindowThrottle)."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get("live")
    if rate:
        limit, window = parse_rate(rate)
        live_feed.throttle.hit(client_address(request), limit=limit, window_seconds=window, now=now)


class LiveGamesApi(APIView):
    """The hottest endpoint: pre-rendered bytes from Redis, ETag and 304, no database query.

    Public data: no authentication (no session lookup). Throttled per client in process memory
    (live_feed.WindowThrottle) rather than by DRF's throttle classes, whose two Redis round trips
    per request would cost more than serving the answer.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema_serializer(component_name="LiveFeed")
    class OutputSerializer(serializers.Serializer):
        day = serializers.DateField(help_text="the Eastern calendar day the feed covers")
        live_count = serializers.IntegerField()
        games = GameOutputSerializer(many=True, help_text="kickoff order; live games of earlier days included")

    @extend_schema(
        summary="Today's games and any still live, from the poll's cache",
        description=(
            "Answers 304 Not Modified when If-None-Match names the current ETag. Cache-Control max-age "
            "follows the poller: the seconds before the next poll, at most 10 while games are live."
        ),
        parameters=[OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        responses={200: OutputSerializer, 304: OpenApiResponse(description="not modified"), 429: None},
    )
    def get(self, request):
        return self.serve(request)

    def dispatch(self, request, *args, **kwargs):
        # The hot path: a GET goes straight to serve(), without DRF's request wrapping, content
        # negotiation and response finalisation (a third of the cost of a cached answer).
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        return self.serve(request)

    @classmethod
    def as_view(cls, **initkwargs):
        """DRF's view for WSGI; its `asgi_view` is what the web's ASGI handler calls (config/asgi.py).

        Under ASGI Django hands a synchronous view to a thread and back on every request, which cost
        this endpoint most of its throughput; `aserve` needs no database and stays on the event loop.
        Under WSGI an async view would cost an event loop and a thread per request instead.
        """
        view = super().as_view(**initkwargs)
        drf_view = sync_to_async(view)

        async def asgi_view(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return await cls.aserve(request)
            return await drf_view(request, *args, **kwargs)

        view.asgi_view = asgi_view
        return view

    def serve(self, request) -> HttpResponse:
        tags, gzip_ok, now, refused = self.read_request(request)
        if refused is not None:
            return refused
        client = live_feed.feed_redis()
        redis_down = False
        try:
            read = live_feed.read_feed(client, known_etags=tags, gzip_ok=gzip_ok, now_epoch=now)
        except redis.RedisError:
            log.warning("live feed: Redis unavailable, serving from the database", exc_info=True)
            read, redis_down = None, True
        if read is None:
            read = self.rebuilt(None if redis_down else client, tags, gzip_ok)
        return self.answer(read, gzip_ok=gzip_ok, stale=redis_down)

    @classmethod
    async def aserve(cls, request) -> HttpResponse:
        tags, gzip_ok, now, refused = cls.read_request(request)
        if refused is not None:
            return refused
        stale = False
        try:
            read = await live_feed.aread_feed(
                live_feed.async_feed_redis(), known_etags=tags, gzip_ok=gzip_ok, now_epoch=now
            )
        except (redis.RedisError, OSError):
            log.warning("live feed: Redis unavailable, serving from the database", exc_info=True)
            stale, read = True, None
        if read is None:  # the cold path: the database, in Django's thread for sync code
            read = await sync_to_async(cls.rebuilt)(None if stale else live_feed.feed_redis(), tags, gzip_ok)
        return cls.answer(read, gzip_ok=gzip_ok, stale=stale)

    @staticmethod
    def read_request(request) -> tuple[list[str], bool, float, HttpResponse | None]:
        """The client's ETags, whether it takes gzip, now, and the 429 when it is over its rate."""
        meta = request.META
        tags = live_feed.parse_if_none_match(meta.get("HTTP_IF_NONE_MATCH", ""))
        gzip_ok = accepts_gzip(meta.get("HTTP_ACCEPT_ENCODING", ""))
        now = time.time()
        try:
            throttle_live(request, now)
        except live_feed.Throttled as exc:
            wait = exc.wait_seconds
            detail = f"Request was throttled. Expected available in {wait} seconds."
            refused = JsonResponse(
                {"code": "throttled", "detail": detail}, status=429, headers={"Retry-After": str(wait)}
            )
            return tags, gzip_ok, now, refused
        return tags, gzip_ok, now, None

    @staticmethod
    def answer(read: live_feed.FeedRead, *, gzip_ok: bool, stale: bool) -> HttpResponse:
        headers = {
            "ETag": live_feed.etag_header(read.etag, gzipped=gzip_ok),
            "Cache-Control": f"public, max-age={read.max_age}",
            "Vary": "Accept-Encoding",
        }
        if stale:  # Redis is down, so no poll runs: the database's scores are as of the last poll
            headers["X-Scores-Stale"] = "Redis unavailable; scores as of the last poll"
        if read.body is None:
            return HttpResponseNotModified(headers=headers)
        if gzip_ok:
            headers["Content-Encoding"] = "gzip"
        return HttpResponse(read.body, content_type="application/json", headers=headers)

    @staticmethod
    def rebuilt(client, tags: list[str], gzip_ok: bool) -> live_feed.FeedRead:
        feed = live_feed.rebuild_feed(client, now=timezone.now())
        matched = feed.etag in tags or "*" in tags
        return live_feed.FeedRead(
            etag=feed.etag,
            live_count=feed.live_count,
            max_age=live_feed.MAX_AGE_LIVE,
            body=None if matched else (feed.gzipped if gzip_ok else feed.body),
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # DRF would add "Vary: Accept" and "Allow"; this endpoint has one representation per encoding.
        if isinstance(response, Response):
            return super().finalize_response(request, response, *args, **kwargs)
        return response


# --------------------------------------------------------------------------- GET /api/games/<id>/


class PlayOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    sequence = serializers.IntegerField()
    period = serializers.IntegerField()
    period_label = serializers.CharField(
        help_text='the period by name, as the page shows it: "Q1".."Q4", then "OT" (or "OT1", "OT2", ... when '
        "the game went to more than one); by number where the league's regulation is not known"
    )
    clock = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField()
    home_score = serializers.IntegerField()
    away_score = serializers.IntegerField()
    scoring_play = serializers.BooleanField()
    team_espn_id = serializers.CharField()
    down_distance_text = serializers.CharField()


class WinProbabilityOutputSerializer(serializers.Serializer):
    play_id = serializers.CharField()
    period = serializers.IntegerField(allow_null=True)
    clock = serializers.CharField(required=False, help_text="the play's game clock, e.g. 12:34 (may be empty)")
    home = serializers.FloatField(help_text="home team's chance of winning after the play, 0..1")


class WinProbabilityChartOutputSerializer(serializers.Serializer):
    caption = serializers.CharField(
        help_text='the chart in words: "Final: <team> won 25\N{EN DASH}24." once final, else "After the latest play: '
        'ATL 62%, GB 38% to win."; "" before the first point'
    )
    period_labels = serializers.ListField(
        child=serializers.CharField(),
        help_text='the axis\'s period names, period 1 first: "Q1".."Q4", "OT" ...; regulation at least when the '
        "league's game clock is known",
    )


class SummaryStatusOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["stored", "none_yet", "not_started"],
        help_text="stored: plays from the database; none_yet: the worker has stored none; not_started: scheduled",
    )
    fetched_at = serializers.DateTimeField(allow_null=True, help_text="the worker's last successful summary fetch")
    plays_total = serializers.IntegerField()


def game_detail_payload(game, *, plays_limit: int) -> dict:
    """The game with its plays as stored by the worker (games.plays): the web process never asks ESPN."""
    from . import plays

    stored = plays.detail(game.pk, latest=plays_limit)
    if stored["plays_total"]:
        status = "stored"
    else:
        status = "not_started" if game.phase == Phase.SCHEDULED else "none_yet"
    payload = game_payload(game)
    return {
        **payload,
        "summary": {"status": status, "fetched_at": stored["fetched_at"], "plays_total": stored["plays_total"]},
        "plays": stored["plays"],
        "scoring_plays": stored["scoring_plays"],
        "win_probability": stored["win_probability"],
        "win_probability_chart": win_probability_chart(payload, stored["win_probability"]),
    }


class GameDetailApi(APIView):
    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer):
        plays = serializers.IntegerField(
            required=False, default=50, min_value=0, max_value=500, help_text="how many of the latest plays"
        )

    @extend_schema_serializer(component_name="GameDetail")
    class OutputSerializer(GameOutputSerializer):
        summary = SummaryStatusOutputSerializer(help_text="the plays the worker has stored")
        plays = PlayOutputSerializer(many=True, help_text="the latest plays, newest first")
        scoring_plays = PlayOutputSerializer(many=True, help_text="game order")
        win_probability = WinProbabilityOutputSerializer(many=True, help_text="one point per play, game order")
        win_probability_chart = WinProbabilityChartOutputSerializer(
            help_text="the chart's caption and axis, worked out by the server (pages only show them)"
        )

    @extend_schema(
        summary="One game with its situation, line scores, latest plays and win probability",
        parameters=[InputSerializer],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="a bad parameter, named"),
            404: None,
        },
    )
    def get(self, request, pk: int):
        params = validate_query(self.InputSerializer, request)
        game = selectors.game_by_id(pk)
        if game is None:
            raise Http404("No such game.")
        return Response(self.OutputSerializer(game_detail_payload(game, plays_limit=params["plays"])).data)


# --------------------------------------------------------------------------- GET /api/games/<id>/plays/

PLAYS_GZIP_MIN_BYTES = 512  # below this gzip saves little


class StoredPlayOutputSerializer(PlayOutputSerializer):
    wallclock = serializers.DateTimeField(allow_null=True, help_text="when ESPN says the play happened")
    home_win_pct = serializers.FloatField(allow_null=True, help_text="home team's chance of winning after it, 0..1")


class PlaysApi(APIView):
    """A game's plays from the database, after a cursor: what a page that has seen plays up to N needs."""

    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer):
        after_seq = serializers.IntegerField(
            required=False, min_value=-1, help_text="the last sequence the client has; omitted: from the first play"
        )
        limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=500)

    @extend_schema_serializer(component_name="Plays")
    class OutputSerializer(serializers.Serializer):
        game_id = serializers.IntegerField()
        plays = StoredPlayOutputSerializer(many=True, help_text="game order, after `after_seq`")
        cursor = serializers.IntegerField(allow_null=True, help_text="pass as after_seq next time")
        has_more = serializers.BooleanField(help_text="more plays after these: ask again with the cursor")
        watermark = serializers.IntegerField(allow_null=True, help_text="the highest sequence stored")

    @extend_schema(
        summary="A game's plays after a cursor (ETag, 304, gzip)",
        description=(
            "Plays in game order with a sequence above `after_seq`, at most `limit`. Answers 304 Not "
            "Modified when If-None-Match names the current ETag, which changes whenever plays of the game "
            "are stored or corrected; gzip when the client accepts it."
        ),
        parameters=[
            InputSerializer,
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            200: OutputSerializer,
            304: OpenApiResponse(description="not modified"),
            400: OpenApiResponse(description="a bad parameter, named"),
            404: None,
        },
    )
    def get(self, request, pk: int):
        from . import plays

        params = validate_query(self.InputSerializer, request)
        after_seq, limit = params.get("after_seq"), params["limit"]
        version = plays.game_plays_version(pk)
        if version is None:
            raise Http404("No such game.")
        gzip_ok = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
        etag = f"plays-{pk}-{version.version}-{after_seq if after_seq is not None else 'start'}-{limit}"
        headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if etag in live_feed.parse_if_none_match(request.META.get("HTTP_IF_NONE_MATCH", "")):
            headers["ETag"] = live_feed.etag_header(etag, gzipped=gzip_ok)
            return HttpResponseNotModified(headers=headers)
        page = plays.plays_after(pk, after_seq, limit + 1)
        has_more = len(page) > limit
        page = page[:limit]
        document = {
            "game_id": pk,
            "plays": page,
            "cursor": page[-1]["sequence"] if page else after_seq,
            "has_more": has_more,
            "watermark": version.watermark,
        }
        body = orjson.dumps(document)
        gzipped = gzip_ok and len(body) >= PLAYS_GZIP_MIN_BYTES
        if gzipped:
            body = gzip.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        headers["ETag"] = live_feed.etag_header(etag, gzipped=gzipped)
        return HttpResponse(body, content_type="application/json", headers=headers)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            return super().finalize_response(request, response, *args, **kwargs)
        return response
