"""The admin's Games list in a real headless Chromium, at a laptop's and a phone's width."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from config.redis_client import cache_redis
from games import live_state
from tests.games.seed import (
    NFL_LIVE_DAY,
    SUNDAY_2022,
    fresh_live_feed_process_state,  # noqa: F401  (autouse)
    ingest,
    payload,
    publish,
    rebased,
    recording_moment_today,
    scoreboard_snapshots,
)

from .pickem import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/games/game/"
ESPN_TIMEOUT = (
    "scoreboard football/college-football: ReadTimeout(HTTPSConnectionPool(host='site.api.espn.com', "
    "port=443): Read timed out. (read timeout=5.0))"
)


@pytest.fixture
def operator(live_server, browser_page):
    """A superuser's browser, 16 games of a Sunday and a poll history with a long error in it."""
    now = timezone.now()
    snapshots = scoreboard_snapshots(payload(NFL_LIVE_DAY), "football/nfl")
    moment = recording_moment_today(snapshots, recorded_at=SUNDAY_2022, now=now)
    publish(ingest(rebased(snapshots, recorded_at=SUNDAY_2022, now=moment), now=now), now=now)
    live_state.record_last_poll(
        cache_redis(),
        {"started_at": now.isoformat(), "duration_seconds": 5.2, "requests": 3, "seen": 16, "changed": 0,
         "went_final": 0, "errors": [ESPN_TIMEOUT], "interval_seconds": 30, "regime": "live"},
    )  # fmt: skip
    user = get_user_model().objects.create_superuser("olga", "olga@example.com", "a-long pass phrase")
    sign_in(browser_page, live_server, user)
    return browser_page


LAYOUT = """() => {
  const table = document.getElementById('result_list');
  const add = document.querySelector('.object-tools a.addlink').getBoundingClientRect();
  const overlaps = [...document.querySelectorAll('#poller-status a, #poller-status input')].filter(link => {
    const r = link.getBoundingClientRect();
    return !(r.right <= add.left || r.left >= add.right || r.bottom <= add.top || r.top >= add.bottom);
  }).map(link => link.textContent || link.value);
  const scroller = table.closest('.results') || table.parentElement;
  return {
    page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    tableRight: table.getBoundingClientRect().right, tableScrolls: scroller.scrollWidth > scroller.clientWidth + 1,
    overlaps,
  };
}"""


def test_games_list_shows_every_column_on_a_laptop(live_server, operator, screenshot):
    page = operator
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(f"{live_server.url}{CHANGELIST}")

    expect(page.locator("#result_list tbody tr")).to_have_count(16)
    screenshot(page, "admin-games-laptop")
    layout = page.evaluate(LAYOUT)
    assert layout["page"] <= layout["viewport"], layout
    assert layout["tableRight"] <= layout["viewport"] and not layout["tableScrolls"], layout
    assert layout["overlaps"] == [], layout  # "Add game" covers none of the panel's links
    # Times say their zone.
    expect(page.locator("#result_list thead")).to_contain_text("Kickoff (UTC)")
    kickoffs = page.locator("#result_list td.field-kickoff_utc").all_inner_texts()
    assert kickoffs and all(text.endswith("UTC") for text in kickoffs), kickoffs


def test_games_list_poll_history_does_not_widen_a_phone(live_server, operator, screenshot):
    page = operator
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}{CHANGELIST}")

    expect(page.locator("#poll-history")).to_contain_text("Read timed out")
    screenshot(page, "admin-games-phone")
    layout = page.evaluate(LAYOUT)
    assert layout["page"] <= layout["viewport"], layout
    assert layout["overlaps"] == [], layout
