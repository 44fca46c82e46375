"""The /live/ and /games/<id>/ pages, and the fixed-bytes view the benchmark compares the live API with.

Both pages render from the same payloads the API serves (the live feed, `game_payload`), so the
server's first paint and the script's later repaints show the same thing.
"""

from __future__ import annotations

import orjson
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import live_feed, selectors
from .api import game_detail_payload
from .presenters import GROUPS, chart_data, linescore_rows


def grouped_cards(games: list[dict]) -> list[dict]:
    """The live page's sections, each with its games (their `display` block says which section)."""
    return [
        {"key": key, "label": label, "cards": [g for g in games if g["display"]["group"] == key]}
        for key, label, _ in GROUPS
    ]


@require_safe
def live_page(request: HttpRequest) -> HttpResponse:
    feed = live_feed.current_feed()
    document = orjson.loads(feed.body)
    context = {
        "groups": grouped_cards(document["games"]),
        "feed": document,
        "etag": live_feed.etag_header(feed.etag, gzipped=False),
        "stale": feed.stale,
    }
    return render(request, "games/live.html", context)


@require_safe
def game_page(request: HttpRequest, pk: int) -> HttpResponse:
    game = selectors.game_by_id(pk)
    if game is None:
        raise Http404("No such game.")
    detail = game_detail_payload(game, plays_limit=500)
    context = {
        "game": detail,
        "linescore_rows": linescore_rows(detail),
        "chart": chart_data(detail),
    }
    return render(request, "games/game.html", context)


def schema_operations(schema: dict) -> list[dict]:
    """The OpenAPI schema as a list of operations a template can show."""
    operations = []
    for route, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "required": p.get("required", False),
                    "type": p.get("schema", {}).get("type", ""),
                    "enum": p.get("schema", {}).get("enum", []),
                    "description": p.get("description", ""),
                }
                for p in operation.get("parameters", [])
            ]
            responses = [
                {"code": code, "description": answer.get("description", "")}
                for code, answer in operation.get("responses", {}).items()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": route,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "responses": responses,
                    "anchor": operation.get("operationId", f"{method}-{route}"),
                }
            )
    return operations


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """A readable page of the OpenAPI schema, served without any script or asset from elsewhere."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    context = {"info": schema.get("info", {}), "operations": schema_operations(schema)}
    return render(request, "games/api_docs.html", context)


_fixed_bodies: dict[int, bytes] = {}
FIXED_ETAG = '"fixed"'
FIXED_MIN_BYTES, FIXED_MAX_BYTES = 2, 4_000_000


@require_safe
def bench_fixed_bytes(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: a fixed byte string of the requested size, through the same stack.

    Answers 304 to `If-None-Match: "fixed"`, the yardstick for the live endpoint's 304 path; 400 naming
    `bytes` when it is not a whole number from 2 to 4,000,000.
    """
    if request.META.get("HTTP_IF_NONE_MATCH") == FIXED_ETAG:
        return HttpResponseNotModified(headers={"ETag": FIXED_ETAG})
    # Read by hand rather than through a serializer: the yardstick must cost what the stack costs, no more.
    raw = request.GET.get("bytes", "1024")
    size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else 0
    if not FIXED_MIN_BYTES <= size <= FIXED_MAX_BYTES:
        message = f"A whole number from {FIXED_MIN_BYTES} to {FIXED_MAX_BYTES}."
        return JsonResponse({"code": "invalid", "detail": "Invalid input: see bytes.", "bytes": [message]}, status=400)
    body = _fixed_bodies.get(size)
    if body is None:
        body = _fixed_bodies.setdefault(size, b'"' + b"x" * (size - 2) + b'"')
    return HttpResponse(body, content_type="application/json", headers={"ETag": FIXED_ETAG})
