"""GET /api/games/live/stream/ and GET /api/games/<id>/stream/ as Server-Sent Events (games/streams.py does the work).

DRF views are synchronous, and a stream must not hold a thread: each endpoint is a DRF class only
so that drf-spectacular documents it; the URL is served by the class's async `serve`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.ratelimit import client_address

from . import game_stream, streams

LAST_EVENT_ID_PARAMS = [
    OpenApiParameter(
        "Last-Event-ID",
        str,
        OpenApiParameter.HEADER,
        description="The id of the last event received (browsers send it when they reconnect). The "
        "current version: nothing is re-sent; any other: a fresh snapshot first.",
    ),
    OpenApiParameter(
        "last_event_id", str, description="The same as Last-Event-ID, for clients that cannot set headers."
    ),
]


def sse_response(body: AsyncIterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    for name, value in streams.HEADERS.items():
        response[name] = value
    return response


def too_many_streams(wait: int) -> JsonResponse:
    detail = f"Too many streams from this address. Try again in {wait} seconds; meanwhile poll the JSON endpoints."
    return JsonResponse({"code": "throttled", "detail": detail}, status=429, headers={"Retry-After": str(wait)})


def last_event_id(request: HttpRequest) -> int | None:
    return streams.parse_last_event_id(request.headers.get("Last-Event-ID") or request.GET.get("last_event_id"))


class StreamApiView(APIView):
    """Describes an SSE endpoint to the schema; `as_view()` serves it with the async `serve`."""

    @classmethod
    def as_view(cls, **initkwargs):
        async def view(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET"])
            if not hasattr(request, "scope"):
                # Under WSGI (runserver, the test server) Django would buffer the endless stream in a
                # thread; refuse at once, and pages poll instead.
                return JsonResponse({"detail": "Streams need the ASGI server (see the README)."}, status=503)
            address = client_address(request)
            wait = await streams.admission_wait(address)
            release = streams.hub().hold_place(address) if not wait else None
            if release is None:
                return too_many_streams(wait or streams.REFUSED_RETRY_SECONDS)
            try:
                response = await cls.serve(request, *args, **kwargs)
            except BaseException:
                release()
                raise
            if not response.streaming:  # refused (not a member, no such league): no stream held
                release()
                return response
            response.streaming_content = streams.counted(response.streaming_content, release)
            return response

        view.cls = cls  # what drf-spectacular reads
        view.initkwargs = initkwargs
        view.__doc__ = cls.__doc__
        return view

    @staticmethod
    async def serve(request: HttpRequest, *args, **kwargs):
        raise NotImplementedError


class LiveGamesStreamApi(StreamApiView):
    """Today's games pushed as they change, in the shape of GET /api/games/live/."""

    permission_classes = (AllowAny,)

    @extend_schema(
        summary="Live games as Server-Sent Events",
        description=(
            "An SSE stream (`text/event-stream`). First `event: snapshot` with `id:` the feed's version and "
            "`data:` the whole GET /api/games/live/ document; then, after each poll that changed something, "
            '`event: games` with `data: {"live_count": n, "games": [changed games]}` (the same game shape), or '
            "another `snapshot` when a game left the feed. A comment line (`: heartbeat`) every 15 s keeps "
            "proxies from closing an idle stream. Reconnect with Last-Event-ID: the current version re-sends "
            "nothing, an older one gets a fresh snapshot. Never reads the database."
        ),
        parameters=LAST_EVENT_ID_PARAMS,
        responses={(200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="SSE events")},
    )
    def get(self, request):  # pragma: no cover - documentation only; `serve` answers
        raise NotImplementedError

    @staticmethod
    async def serve(request: HttpRequest) -> StreamingHttpResponse:
        return sse_response(streams.live_events(last_event_id(request)))


class GameStreamApi(StreamApiView):
    """One game's state and plays pushed as they are stored (games/game_stream.py)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        summary="One game's state and plays as Server-Sent Events",
        description=(
            "An SSE stream (`text/event-stream`). First `event: snapshot` with `id:` the plays watermark (the "
            'highest play sequence stored) and `data: {"game": <game>, "plays": [...], "watermark": n, ...}`: the '
            "game in the shape of GET /api/games/live/, and its last 50 plays in game order (the shape of GET "
            "/api/games/<id>/plays/). Then `event: plays` (`id:` its last play, the new watermark unless more than "
            '500 came at once, `data: {"plays": [new plays], "watermark": n, ...}`) each time the worker stores new '
            "plays (with their win probability), and `event: game` (no id, `data:` the game) each time a poll "
            "changes its score, status or situation. A snapshot and a plays event also carry `win_probability` "
            "(the points of their plays) and `win_probability_chart` (the chart's caption and axis after them, as "
            "GET /api/games/<id>/ gives them; null when the plays have no win probability). A heartbeat comment "
            "every 15 s. Reconnect with Last-Event-ID: the snapshot then carries only the plays after it. While "
            "connected the game counts as watched, so the worker fetches its plays at the live cadence. A play "
            "ESPN corrects under the same watermark is not pushed. "
            "404 for no such game."
        ),
        parameters=LAST_EVENT_ID_PARAMS,
        responses={
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="SSE events"),
            404: OpenApiResponse(description="No such game"),
        },
    )
    def get(self, request, pk):  # pragma: no cover - documentation only; `serve` answers
        raise NotImplementedError

    @staticmethod
    async def serve(request: HttpRequest, pk: int):
        body = await game_stream.game_events(pk, last_event_id(request))
        if body is None:
            return JsonResponse({"detail": "No such game."}, status=404)
        return sse_response(body)
