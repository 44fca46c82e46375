"""GET /api/games/live/: bytes from Redis, one round trip, ETag and 304, no database on a warm cache."""

from __future__ import annotations

import gzip
from datetime import timedelta

import orjson
import pytest
import redis
import redis.asyncio as aioredis
import time_machine
from django.urls import reverse

from config.redis_client import cache_redis
from config.redis_keys import LIVE_FEED_KEY, NEXT_POLL_KEY
from games import live_feed
from games.api import GameOutputSerializer
from tests.asgi_calls import asgi_request
from tests.games.seed import fresh_live_feed_process_state  # noqa: F401  (autouse)

from .seed import (
    CFB_LIVE_DAY,
    NFL_LIVE_DAY,
    NO_AT_ATL,
    SUNDAY_2022,
    ingest,
    ingest_fixture,
    payload,
    publish,
    scoreboard_snapshots,
    set_score,
)

pytestmark = pytest.mark.django_db

URL = reverse("api-games-live")


@pytest.fixture
def sunday():
    with time_machine.travel(SUNDAY_2022, tick=False):
        yield SUNDAY_2022


@pytest.fixture
def polled(sunday):
    """NFL week 1 Sunday, ingested and published as one poll would."""
    publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=sunday), now=sunday)
    return sunday


def score_of(body: bytes, espn_id: str) -> tuple[int, int]:
    game = next(g for g in orjson.loads(body)["games"] if g["espn_id"] == espn_id)
    return game["away"]["score"], game["home"]["score"]


def test_serves_todays_games_from_redis_without_a_query(client, polled, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = orjson.loads(response.content)
    # The Eastern day of 2022-09-11: 14 of the 16 games (Thursday's and Monday's are other days).
    assert document["day"] == "2022-09-11"
    assert len(document["games"]) == 14
    assert document["live_count"] == 8
    assert [g["kickoff"] for g in document["games"]] == sorted(g["kickoff"] for g in document["games"])
    assert score_of(response.content, NO_AT_ATL) == (24, 26)
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')


def test_each_game_has_the_documented_shape(client, polled):
    document = orjson.loads(client.get(URL).content)
    for game in document["games"]:
        assert GameOutputSerializer(game).data == game


def test_repeat_request_with_the_etag_answers_304_without_a_body(client, polled, django_assert_num_queries):
    etag = client.get(URL)["ETag"]

    with django_assert_num_queries(0):
        response = client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize("form", ["W/{etag}", '"stale", {etag}', "*"])
def test_if_none_match_compares_weakly_and_accepts_lists_and_star(client, polled, form):
    etag = client.get(URL)["ETag"]

    response = client.get(URL, HTTP_IF_NONE_MATCH=form.format(etag=etag))

    assert response.status_code == 304


def test_a_stale_etag_gets_the_full_body(client, polled):
    response = client.get(URL, HTTP_IF_NONE_MATCH='"0123456789abcdef0123456789abcdef"')

    assert response.status_code == 200
    assert len(orjson.loads(response.content)["games"]) == 14


def test_etag_changes_when_a_score_changes_and_not_otherwise(client, polled):
    first = client.get(URL)
    publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=polled), now=polled)  # nothing new
    assert client.get(URL)["ETag"] == first["ETag"]

    later = polled + timedelta(seconds=10)
    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)
    publish(ingest(scoreboard_snapshots(changed, "football/nfl"), now=later), now=later)

    response = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    assert score_of(response.content, NO_AT_ATL) == (31, 26)


def test_cache_control_follows_the_time_left_before_the_next_poll(client, polled, settings):
    # A poll just ran with games live: the next one is POLL_LIVE_SECONDS away.
    max_age = int(client.get(URL)["Cache-Control"].split("max-age=")[1])
    assert live_feed.MAX_AGE_MIN <= max_age <= min(settings.POLL_LIVE_SECONDS, live_feed.MAX_AGE_LIVE)

    cache_redis().delete(NEXT_POLL_KEY)  # poll due now
    assert client.get(URL)["Cache-Control"] == f"public, max-age={live_feed.MAX_AGE_MIN + 0}"


@pytest.mark.parametrize(
    ("pttl_ms", "live_count", "expected"),
    [
        (-2, 3, 2),
        (0, 0, 2),
        (4_000, 3, 6),
        (9_500, 3, 10),
        (300_000, 3, 10),
        (300_000, 0, 60),
        (20_000, 0, 22),
    ],
)
def test_max_age_is_time_to_next_poll_plus_slack_capped(pttl_ms, live_count, expected, settings):
    settings.POLL_LIVE_SECONDS = 10
    assert live_feed.max_age_for(pttl_ms, live_count) == expected


def test_max_age_while_live_never_exceeds_the_live_interval(settings):
    settings.POLL_LIVE_SECONDS = 4
    assert live_feed.max_age_for(4_000, 3) == 4


def test_missing_feed_is_rebuilt_from_the_database_once(client, polled, django_assert_max_num_queries):
    cache_redis().delete(LIVE_FEED_KEY)

    with django_assert_max_num_queries(1):
        rebuilt = client.get(URL)
    with django_assert_max_num_queries(0):
        again = client.get(URL, HTTP_IF_NONE_MATCH=rebuilt["ETag"])

    assert rebuilt.status_code == 200 and len(orjson.loads(rebuilt.content)["games"]) == 14
    assert again.status_code == 304
    assert cache_redis().ttl(LIVE_FEED_KEY) > 0


def test_rebuild_never_overwrites_a_newer_feed():
    client = cache_redis()
    with time_machine.travel(SUNDAY_2022, tick=False):
        newer = live_feed.publish_live_feed(client, now=SUNDAY_2022)
        older = live_feed.LiveFeed(b"{}", b"", "old", 0, newer.valid_until)
        assert live_feed.store_if_unchanged(client, older, expected_etag="") is False
        assert client.hget(LIVE_FEED_KEY, "etag").decode() == newer.etag


def test_the_feed_of_yesterday_is_rebuilt_after_eastern_midnight(client, polled):
    yesterday_etag = client.get(URL)["ETag"]

    with time_machine.travel(polled + timedelta(days=1), tick=False):
        response = client.get(URL)

    document = orjson.loads(response.content)
    assert response["ETag"] != yesterday_etag
    assert document["day"] == "2022-09-12"
    # Monday night's game, and Sunday's games still live (no poll since), nothing else.
    assert {g["status"]["phase"] for g in document["games"]} == {"live", "scheduled"}
    assert document["live_count"] == 8


def test_live_games_of_an_earlier_day_stay_in_the_feed(client, sunday):
    ingest_fixture(CFB_LIVE_DAY, "football/college-football", now=sunday)  # Saturday 2022-09-17 games
    publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=sunday), now=sunday)

    games = orjson.loads(client.get(URL).content)["games"]

    saturday = [g for g in games if g["espn_league"] == "football/college-football"]
    assert saturday and {g["status"]["phase"] for g in saturday} == {"live"}


def test_untracked_leagues_are_left_out(client, sunday, settings):
    settings.ESPN_LEAGUES = ["football/college-football?groups=80"]
    publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=sunday), now=sunday)

    assert orjson.loads(client.get(URL).content)["games"] == []


def test_gzip_is_served_precompressed_with_its_own_etag(client, polled):
    plain = client.get(URL)

    zipped = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] == plain["ETag"][:-1] + '-gz"'
    assert client.get(URL, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304


def dead_redis(monkeypatch) -> None:
    """Both of the endpoint's clients (the async one that reads, the sync one that rebuilds) point nowhere."""
    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.1, socket_connect_timeout=0.1)
    monkeypatch.setattr(live_feed, "feed_redis", lambda: dead)
    monkeypatch.setattr(live_feed, "async_feed_redis", dead_async_redis)


def dead_async_redis():
    client = aioredis.Redis(host="127.0.0.1", port=1, socket_timeout=0.1, socket_connect_timeout=0.1)
    live_feed._async_scripts[client] = client.register_script(live_feed._READ_SCRIPT)
    return client


def test_redis_down_serves_from_the_database(client, polled, monkeypatch):
    dead_redis(monkeypatch)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["X-Scores-Stale"].startswith("Redis unavailable")
    assert len(orjson.loads(response.content)["games"]) == 14
    assert client.get(URL, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_clients_are_throttled_without_a_round_trip(client, polled, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"live": "3/min"}}

    answers = [client.get(URL).status_code for _ in range(4)]
    other_client = client.get(URL, REMOTE_ADDR="10.0.0.9")

    assert answers == [200, 200, 200, 429]
    last = client.get(URL)
    assert last.status_code == 429 and 0 < int(last["Retry-After"]) <= 60
    assert "throttled" in last.json()["detail"]
    assert other_client.status_code == 200


def test_a_process_reuses_the_feed_it_read_for_a_moment(client, polled, settings, monkeypatch):
    settings.LIVE_FEED_LOCAL_SECONDS = 0.5
    first = client.get(URL)
    dead_redis(monkeypatch)  # any round trip would now fail over to the DB

    with time_machine.travel(polled + timedelta(seconds=0.2), tick=False):
        again = client.get(URL)
        not_modified = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert not_modified.status_code == 304


def asgi_get(application, path: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, dict, bytes]:
    status, sent_headers, body = asgi_request(application, "GET", path, headers=headers, host="127.0.0.1")
    return status, dict(sent_headers), body


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_live_feed_never_waits_for_the_sync_thread(monkeypatch):
    """Each hop into Django's thread for sync code costs the request a thread handoff; the hot path makes none."""
    from asgiref import sync

    from config.asgi import Handler

    with time_machine.travel(SUNDAY_2022, tick=False):
        publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022), now=SUNDAY_2022)
    hops: list[str] = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    application = Handler()

    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=1), tick=False):
        status, headers, body = asgi_get(application, URL, [(b"accept-encoding", b"gzip")])
        hops_200, hops[:] = list(hops), []
        status_304, _, _ = asgi_get(application, URL, [(b"if-none-match", headers[b"ETag"])])

    assert (status, status_304) == (200, 304)
    assert headers[b"Content-Encoding"] == b"gzip" and headers[b"X-Content-Type-Options"] == b"nosniff"
    assert len(orjson.loads(gzip.decompress(body))["games"]) == 14
    # Only the handler's own two, which no view or middleware can avoid: request_started's sync
    # receivers and the response's close().
    for found in (hops_200, hops):
        assert sorted(found) == ["HttpResponseBase.close", "Signal.asend.<locals>.sync_send"], found
