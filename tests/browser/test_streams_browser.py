"""Pushed pages in real Chromium, served by uvicorn (a stream needs ASGI: the test server is WSGI).

The web runs as its own process on the test database and the test Redis; the test ingests and
publishes polls itself, as the worker would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from config.redis_client import cache_redis
from config.redis_keys import STREAM_SUBSCRIBERS_KEY
from devtools import embedded_redis
from games.api import game_detail_payload
from games.ingest import ingest_snapshots
from games.models import Game, Play
from games.plays import store_plays
from games.summary_fetch import announce_plays
from picks import tasks as picks_tasks
from picks.models import Entry, Pick, PickemLeague
from tests.celery_queue import take_queued
from tests.e2e.conftest import REPO, database_url
from tests.games.seed import NFL_LIVE_DAY, NO_AT_ATL, payload, set_score

from .test_live_pages import poll_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asgi_server(tmp_path):
    """uvicorn serving config.asgi on a free loopback port; its log is shown if it fails to start."""
    port = embedded_redis.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("POLL_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "true",  # static files from the app folders, as in the test server
        "POLL_LIVE_SECONDS": "1",
    }
    log_path = tmp_path / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--lifespan", "off", "--timeout-graceful-shutdown", "1"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/health/?checks=redis", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"uvicorn did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)  # waiting on a real process to come up
    yield url
    process.terminate()
    process.wait(timeout=15)


def requests_to(page, path: str) -> list[str]:
    found: list[str] = []
    page.on("request", lambda request: found.append(request.url) if request.url.split("?")[0].endswith(path) else None)
    return found


def test_live_page_shows_a_pushed_score_change_without_polling(asgi_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = 1
    now = timezone.now()
    moment = poll_now(payload(NFL_LIVE_DAY), now=now)
    game = Game.objects.get(espn_id=NO_AT_ATL)
    page = browser_page
    polls = requests_to(page, "/api/games/live/")
    streams = requests_to(page, "/api/games/live/stream/")

    page.goto(f"{asgi_server}/live/")
    card = page.locator(f"#game-{game.pk}")
    expect(card.locator(".team.away .score")).to_have_text("24")
    expect(page.locator("#feed-updated")).to_contain_text("updated", timeout=10_000)  # the stream's snapshot
    assert len(streams) == 1
    polls_when_connected = len(polls)

    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)
    poll_now(changed, now=now + timedelta(seconds=2), rebase_to=moment)

    expect(card.locator(".team.away .score")).to_have_text("31", timeout=10_000)
    expect(card).to_have_attribute("aria-label", "New Orleans Saints 31, Atlanta Falcons 26, live, 0:48 - 4th")
    expect(page.locator("#score-announcer")).to_contain_text("NO 31, ATL 26")
    page.wait_for_timeout(3_000)  # longer than the polling fallback's first delay: it must not have started
    assert polls == [] and polls_when_connected == 0
    assert len(streams) == 1  # one connection, never re-opened
    assert page.js_errors == []


def test_live_page_falls_back_to_polling_while_the_stream_fails(asgi_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = 1
    now = timezone.now()
    moment = poll_now(payload(NFL_LIVE_DAY), now=now)
    game = Game.objects.get(espn_id=NO_AT_ATL)
    page = browser_page
    page.route("**/api/games/live/stream/**", lambda route: route.fulfill(status=503, body="unavailable"))
    polls = requests_to(page, "/api/games/live/")

    page.goto(f"{asgi_server}/live/")
    card = page.locator(f"#game-{game.pk}")
    expect(card.locator(".team.away .score")).to_have_text("24")

    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)
    poll_now(changed, now=now + timedelta(seconds=2), rebase_to=moment)

    expect(card.locator(".team.away .score")).to_have_text("31", timeout=20_000)
    assert polls, "the page should have polled /api/games/live/"
    assert page.js_errors == []


def test_league_page_live_standings_move_when_a_score_changes(asgi_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = 1
    now = timezone.now()
    moment = poll_now(payload(NFL_LIVE_DAY), now=now)
    game = Game.objects.select_related("season").get(espn_id=NO_AT_ATL)  # NO 24, ATL 26, live
    users = get_user_model().objects
    ann, bob = users.create_user("ann", password="x-long-pass-1"), users.create_user("bob", password="x-long-pass-2")
    league = PickemLeague.objects.create(
        name="Sunday friends", espn_league=game.espn_league, season_year=game.season.year, commissioner=ann
    )
    for user, team in ((ann, game.home_team), (bob, game.away_team)):
        entry = Entry.objects.create(league=league, user=user, name=user.username, joined_at=now - timedelta(days=1))
        Pick.objects.create(entry=entry, game=game, team=team, season_type=game.season_type, week=game.week)
    bob_entry = Entry.objects.get(league=league, user=bob)
    picks_tasks.publish_live_standings(espn_ids=[NO_AT_ATL])  # what the worker did after the last poll
    session = Client()
    session.force_login(ann)
    page = browser_page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": asgi_server}]
    )  # fmt: skip

    polls = requests_to(page, f"/api/picks/leagues/{league.pk}/standings/")
    with page.expect_response(lambda response: "/standings/stream/" in response.url):
        page.goto(f"{asgi_server}/picks/leagues/{league.pk}/")
    bob_live = page.locator(f'tr[data-entry-id="{bob_entry.pk}"] [data-live-points]')
    expect(bob_live).to_have_text(re.compile(r"^0 "))

    take_queued("picks.tasks.publish_live_standings")
    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)  # NO ahead now: bob's pick
    poll_now(changed, now=now + timedelta(seconds=2), rebase_to=moment)
    [(args, kwargs)] = take_queued("picks.tasks.publish_live_standings")  # the poll asked a worker
    picks_tasks.publish_live_standings(*args, **kwargs)  # ... which runs it

    expect(bob_live).to_have_text(re.compile(r"^1 "), timeout=10_000)
    ann_live = page.locator(f'tr[data-entry-id="{Entry.objects.get(league=league, user=ann).pk}"] [data-live-points]')
    expect(ann_live).to_have_text(re.compile(r"^0 "))
    assert polls == []  # one mechanism: while the stream is up the standings API is not polled
    assert page.js_errors == []


def test_game_page_shows_a_pushed_score_before_its_next_poll(asgi_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = 1
    now = timezone.now()
    moment = poll_now(payload(NFL_LIVE_DAY), now=now)
    game = Game.objects.get(espn_id=NO_AT_ATL)
    page = browser_page
    details = requests_to(page, f"/api/games/{game.pk}/")

    with page.expect_response(lambda response: f"/api/games/{game.pk}/stream/" in response.url):
        page.goto(f"{asgi_server}/games/{game.pk}/")
    away_score = page.locator("#game-teams .team").first.locator(".score")
    expect(away_score).to_have_text("24")

    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)
    poll_now(changed, now=now + timedelta(seconds=2), rebase_to=moment)

    expect(away_score).to_have_text("31", timeout=8_000)  # the page's own poll comes every 15 s
    assert details == []
    assert page.js_errors == []


def replayed_summaries(espn_id: str = "401547417"):
    """A recorded game's replay, and what the worker does for it as a followed game at a moment:
    store its summary's plays and publish the new watermark."""
    from espn.parsing import parse_summary
    from espn.replay import ManualClock, ReplayConfig
    from espn.replay.server import Replay

    start = timezone.now() - timedelta(hours=1)
    clock = ManualClock(start)
    replay = Replay(ReplayConfig(start=start, game_ids=(espn_id,)), clock=clock)

    def store_as_of(moment) -> tuple[Game, int]:
        clock.set(moment)
        _, document = replay.summary("football/nfl", {"event": espn_id})
        moment_summary = parse_summary(document, "football/nfl")
        ingest_snapshots([moment_summary.game], now=moment)
        game = Game.objects.get(espn_id=espn_id)
        stored = store_plays(game.pk, moment_summary, now=moment)
        announce_plays(cache_redis(), game.pk, stored.watermark)
        return game, stored.watermark

    return replay.games[0], store_as_of


def test_game_page_shows_a_newly_stored_play_by_push_without_asking_for_plays(asgi_server, browser_page):
    game_replayed, store_as_of = replayed_summaries()
    game, _ = store_as_of(game_replayed.moment_of_play(40))
    page = browser_page
    plays_polls = requests_to(page, f"/api/games/{game.pk}/plays/")
    with page.expect_response(lambda response: f"/api/games/{game.pk}/stream/" in response.url):
        page.goto(f"{asgi_server}/games/{game.pk}/")
    expect(page.locator("#plays li")).to_have_count(41)
    key = STREAM_SUBSCRIBERS_KEY.format(game_id=game.pk)
    deadline = time.monotonic() + 10
    while cache_redis().get(key) != b"1" and time.monotonic() < deadline:
        time.sleep(0.05)  # the stream's first bytes reach the page after the count
    assert cache_redis().get(key) == b"1"  # the worker now fetches this game at the live cadence

    store_as_of(game_replayed.moment_of_play(44))

    expect(page.locator("#plays li")).to_have_count(45, timeout=10_000)
    newest = game_replayed.recording.plays[44]["text"]
    expect(page.locator("#plays li").first).to_contain_text(newest[:40])
    page.evaluate("window.Scores.pollGameNow()")  # the page's own 15 s poll: state only while pushed
    page.wait_for_timeout(500)
    assert plays_polls == []
    assert page.js_errors == []
    page.close()
    deadline = time.monotonic() + 10
    while cache_redis().get(key) is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # the server sees the disconnect
    assert cache_redis().get(key) is None


def test_a_pushed_scoring_play_joins_the_game_pages_scoring_plays_at_once(asgi_server, browser_page):
    game_replayed, store_as_of = replayed_summaries()
    scoring = [i for i, play in enumerate(game_replayed.recording.plays) if play.get("scoringPlay")]
    game, _ = store_as_of(game_replayed.moment_of_play(scoring[1] - 1))  # one scoring play stored
    page = browser_page
    state_polls = requests_to(page, f"/api/games/{game.pk}/")
    with page.expect_response(lambda response: f"/api/games/{game.pk}/stream/" in response.url):
        page.goto(f"{asgi_server}/games/{game.pk}/")
    expect(page.locator("#scoring-plays li.scoring-play")).to_have_count(1)

    store_as_of(game_replayed.moment_of_play(scoring[1]))  # the next one

    expect(page.locator("#scoring-plays li.scoring-play")).to_have_count(2, timeout=10_000)
    newest = game_replayed.recording.plays[scoring[1]]["text"]
    expect(page.locator("#scoring-plays li").last).to_contain_text(newest[:40])
    assert state_polls == []  # pushed, not polled (the page's own poll comes every 15 s)
    assert page.js_errors == []


def stored_points(game: Game) -> int:
    return Play.objects.filter(game=game, home_win_pct__isnull=False).count()


def test_a_pushed_play_moves_the_win_probability_chart_at_once(asgi_server, browser_page):
    game_replayed, store_as_of = replayed_summaries()
    game, _ = store_as_of(game_replayed.moment_of_play(40))
    page = browser_page
    state_polls = requests_to(page, f"/api/games/{game.pk}/")
    with page.expect_response(lambda response: f"/api/games/{game.pk}/stream/" in response.url):
        page.goto(f"{asgi_server}/games/{game.pk}/")
    line = page.locator("#wp-chart polyline.line")
    expect(line).to_have_attribute("data-points", str(stored_points(game)))
    expect(page.locator("#plays li")).to_have_count(41)  # the stream's snapshot is in (it repeats known points)

    store_as_of(game_replayed.moment_of_play(60))

    expect(line).to_have_attribute("data-points", str(stored_points(game)), timeout=10_000)
    # The caption and the axis are the server's, as the game's detail says after the same plays.
    chart = game_detail_payload(Game.objects.get(pk=game.pk), plays_limit=0)["win_probability_chart"]
    assert chart["caption"].startswith("After the latest play: ")
    expect(page.locator("#wp-caption")).to_have_text(chart["caption"])
    expect(page.locator("#wp-desc")).to_have_text(chart["caption"])
    expect(page.locator("#wp-chart text.period-label")).to_have_text(chart["period_labels"])
    assert state_polls == []  # pushed, not polled (the page's own poll comes every 15 s)
    assert page.js_errors == []
