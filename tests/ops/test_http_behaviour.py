"""What clients, proxies and load balancers rely on: HEAD, CORS for the ETag path, gzip by q-value."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from django.http import HttpResponse, StreamingHttpResponse

from config.compression import GZipMiddleware, accepts_gzip

pytestmark = pytest.mark.django_db


def page_urls(league, entry, game) -> list[str]:
    return [
        "/live/",
        f"/games/{game.pk}/",
        "/api/docs/",
        "/health/",
        "/metrics",
        "/accounts/login/",
        "/picks/",
        "/picks/join/",
        f"/picks/join/{league.invite_code}/",
        "/picks/leagues/new/",
        f"/picks/leagues/{league.pk}/",
        f"/picks/leagues/{league.pk}/settings/",
        f"/picks/leagues/{league.pk}/audit/",
        "/api/games/",
        "/api/games/live/",
        f"/api/games/{game.pk}/",
        "/api/status/",
        "/api/schema/",
        f"/api/picks/entries/{entry.pk}/games/",
        f"/api/picks/leagues/{league.pk}/standings/",
    ]


def test_head_answers_like_get_without_a_body_on_every_page(member, redis_client):
    client, league, entry, game = member
    for url in page_urls(league, entry, game):
        got, head = client.get(url), client.head(url)

        assert head.status_code == got.status_code != 405, url
        assert head["Content-Type"] == got["Content-Type"], url
        assert head.content == b"", url


def test_head_on_sign_up_and_health_for_an_anonymous_probe(client, redis_client):
    for url in ("/accounts/signup/", "/health/", "/metrics", "/live/"):
        assert client.head(url).status_code == client.get(url).status_code != 405, url


def test_cors_lets_other_origins_revalidate_the_live_feed(client, db, settings, redis_client):
    settings.CORS_ALLOWED_ORIGINS = ["https://scores.example"]

    preflight = client.options(
        "/api/games/live/",
        HTTP_ORIGIN="https://scores.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    answer = client.get("/api/games/live/", HTTP_ORIGIN="https://scores.example")

    assert "if-none-match" in preflight["Access-Control-Allow-Headers"].lower()
    exposed = {name.strip().lower() for name in answer["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-scores-stale"} <= exposed


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("GZIP;Q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("deflate, gzip;q=0, *;q=1", False),  # named beats the wildcard
        ("*", True),
        ("*;q=0", False),
        ("br", False),
        ("", False),
        ("identity", False),
        ("x-gzip", True),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, expected):
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize("url", ["/api/games/live/", "/api/schema/", "/live/"])
def test_gzip_refused_with_q_zero_gets_a_plain_body(client, db, redis_client, url):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip;q=0")

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert "accept-encoding" in response["Vary"].lower()


def test_pages_are_served_gzipped_like_the_api(member, redis_client):
    client, league, _entry, game = member
    for url in ("/live/", f"/games/{game.pk}/", "/picks/", f"/picks/leagues/{league.pk}/", "/api/games/"):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert gzip.decompress(response.content).lstrip()[:1] in (b"<", b"{"), url


def event_stream(chunks: list[bytes], *, asynchronous: bool) -> StreamingHttpResponse:
    async def produce():
        for chunk in chunks:
            yield chunk

    return StreamingHttpResponse(produce() if asynchronous else iter(chunks), content_type="text/event-stream")


@pytest.mark.parametrize("asynchronous", [False, True])
def test_event_streams_are_never_gzipped_so_each_event_leaves_when_written(rf, asynchronous):
    events = [b"id: 1\nevent: snapshot\ndata: {}\n\n", b": heartbeat\n\n", b"id: 2\nevent: games\ndata: {}\n\n"]
    request = rf.get("/api/games/live/stream/", HTTP_ACCEPT_ENCODING="gzip")

    response = GZipMiddleware(lambda request: event_stream(events, asynchronous=asynchronous))(request)

    assert "Content-Encoding" not in response
    if asynchronous:

        async def read():
            return [chunk async for chunk in response.streaming_content]

        assert asyncio.run(read()) == events
    else:
        assert list(response.streaming_content) == events  # one chunk per event, none held back


def test_other_answers_are_still_gzipped_by_the_same_middleware(rf):
    request = rf.get("/api/games/", HTTP_ACCEPT_ENCODING="gzip")

    response = GZipMiddleware(lambda request: HttpResponse(b"{}" + b" " * 500, content_type="application/json"))(
        request
    )

    assert response["Content-Encoding"] == "gzip"
