"""The pick'em pages in a real headless Chromium: a phone's width, live picks, locked weeks, live standings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from espn.snapshots import Phase
from picks.models import Pick, PickResult
from tests.picks.factories import make_game, make_pick

from .pickem import full_week, go_live, live_game, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

OVERFLOW = """() => {
  const boxes = [...document.querySelectorAll('.table-scroll')].map(box => {
    const hintId = box.getAttribute('data-scroll-hint');
    const hint = hintId && document.getElementById(hintId);
    return {
      label: box.getAttribute('aria-label'),
      scrolls: box.scrollWidth > box.clientWidth + 1,
      hinted: !!hint && !hint.hidden && hint.getBoundingClientRect().height > 0,
    };
  });
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth, boxes};
}"""


def test_standings_and_picks_grid_fit_a_phone(live_server, browser_page, screenshot):
    week = full_week(timezone.now())
    page = browser_page
    sign_in(page, live_server, week.me.user)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}{week.standings_url}")

    expect(page.locator("table.picks-grid tbody tr")).to_have_count(8)
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["viewport"], found  # nothing widens the page itself
    standings, grid = found["boxes"]
    assert not standings["scrolls"], standings  # the standings fit as they are: short headings, wrapping names
    assert grid["scrolls"] and grid["hinted"], grid  # 16 games cannot fit: it scrolls, and says so
    expect(page.locator("#grid-scroll-hint")).to_contain_text("Scroll sideways")
    # The member column stays in view while the games scroll under it.
    box = page.locator(".picks-grid")
    box.evaluate("table => table.parentElement.scrollLeft = 400")
    name = page.locator(".picks-grid tbody tr.me th[scope=row]")
    assert name.bounding_box()["x"] >= 0
    screenshot(page, "league-phone")

    page.set_viewport_size(LAPTOP)
    page.reload()
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["viewport"], found
    for scroll_box in found["boxes"]:
        assert not scroll_box["scrolls"] or scroll_box["hinted"], scroll_box
    screenshot(page, "league-laptop")


def test_a_week_with_every_game_locked_cannot_be_saved(live_server, browser_page, screenshot):
    week = full_week(timezone.now(), finals=2, live=1, scheduled=0)
    page = browser_page
    sign_in(page, live_server, week.me.user)

    page.goto(f"{live_server.url}/picks/")

    expect(page.locator(".pick-game")).to_have_count(3)
    expect(page.get_by_role("button", name="Save picks")).to_be_disabled()
    expect(page.locator("#all-locked")).to_contain_text("Every game this week has locked")


def test_scheduled_kickoff_shows_once_in_local_time(live_server, browser_page, screenshot):
    week = full_week(timezone.now(), finals=1, live=0, scheduled=1)
    scheduled = week.games[-1]
    # What ESPN sends before kickoff: 0-0 and the kickoff in US Eastern words.
    scheduled.home_score = scheduled.away_score = 0
    scheduled.short_detail = scheduled.status_detail = "9/7 - 9:10 AM EST"
    scheduled.save()
    page = browser_page
    sign_in(page, live_server, week.me.user)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/picks/")

    item = page.locator(f"#game-{scheduled.pk}")
    expect(item.locator("[data-score]")).to_have_text("")
    assert "EST" not in item.inner_text() and "0 \N{EN DASH} 0" not in item.inner_text()
    assert item.inner_text().count("UTC") == 1  # the browser's zone (UTC here), once
    expect(page.get_by_role("button", name="Save picks")).to_be_enabled()
    screenshot(page, "my-picks-phone")


def test_pick_page_follows_a_game_that_kicks_off_after_it_loaded(live_server, browser_page, screenshot, settings):
    settings.POLL_LIVE_SECONDS = 1
    now = timezone.now()
    week = full_week(now, finals=1, live=0, scheduled=0)
    losing = live_game("LH", "LA", kickoff=now - timedelta(minutes=30), home_score=3, away_score=10)
    make_pick(week.me, losing, "home")
    page = browser_page
    sign_in(page, live_server, week.me.user)
    answers = []
    page.on("response", lambda r: answers.append(r.status) if "/api/picks/entries/" in r.url else None)
    soon = make_game(home="KH", away="KA", kickoff=timezone.now() + timedelta(seconds=8))
    make_pick(week.me, soon, "home")

    page.goto(f"{live_server.url}/picks/")
    item = page.locator(f"#game-{soon.pk}")
    expect(item).to_have_class("pick-game status-picked")
    expect(page.locator(f"#game-{losing.pk}")).to_have_class("pick-game status-live-loss is-locked")
    go_live(soon, home_score=7, away_score=0)

    expect(item).to_have_class("pick-game status-live-win is-locked", timeout=20_000)
    expect(item.locator("[data-status]")).to_have_text("Winning")
    expect(item.locator("[data-score]")).to_have_text("KA 0 \N{EN DASH} 7 KH · 14:10 - 1st")
    # Every row shows the server's words as the API sends them (picks.js works none of them out).
    status_url = page.locator("form.pick-form").get_attribute("data-status-url")
    sent = page.evaluate("url => fetch(url, {credentials: 'same-origin'}).then(r => r.json())", status_url)
    for game in sent["games"]:
        row = page.locator(f"#game-{game['game_id']}")
        expect(row.locator("[data-score]")).to_have_text(game["score_text"])
        expect(row.locator("[data-status]")).to_have_text(game["status"]["display"])
    expect(item.locator("input[type=radio]").first).to_be_disabled()
    # Colour adds to the words: the winning card and the losing card look different from a plain one.
    colours = page.evaluate(
        "ids => ids.map(id => getComputedStyle(document.querySelector(`#game-${id} fieldset`)).borderLeftColor)",
        [soon.pk, losing.pk, week.games[0].pk],
    )
    assert colours[0] == "rgb(6, 95, 18)" and colours[1] == "rgb(170, 0, 0)" and colours[2] not in colours[:2]
    # Every game has now locked: nothing left to save.
    expect(page.get_by_role("button", name="Save picks")).to_be_disabled()
    # The game ends and the pick is graded: the next update shows the server's words, points and all.
    soon.phase, soon.state, soon.status_name, soon.short_detail = Phase.FINAL, "post", "STATUS_FINAL", "Final"
    soon.save()
    Pick.objects.filter(entry=week.me, game=soon).update(result=PickResult.WIN, points=1, graded_at=timezone.now())
    expect(item.locator("[data-status]")).to_have_text("Win · 1 pt", timeout=20_000)
    expect(item.locator("[data-score]")).to_have_text("KA 0 \N{EN DASH} 7 KH · Final")
    expect(item).to_have_class("pick-game status-win is-locked")
    # Unchanged answers come back as bodiless 304s (ETag / If-None-Match).
    page.wait_for_timeout(2500)
    assert 304 in answers, answers
    assert page.js_errors == []
    screenshot(page, "my-picks-live")


def test_standings_live_column_follows_the_score(live_server, browser_page, screenshot, settings):
    settings.POLL_LIVE_SECONDS = 1
    week = full_week(timezone.now(), finals=2, live=1, scheduled=1)
    game = next(g for g in week.games if g.phase == Phase.LIVE)
    page = browser_page
    sign_in(page, live_server, week.me.user)

    page.goto(f"{live_server.url}{week.standings_url}")
    mine = page.locator(f'#standings tr[data-entry-id="{week.me.pk}"] [data-live-points]')
    before = mine.inner_text()
    # ann picked the home team of the live game (full_week: member 0, game 0 → home); it now trails.
    game.home_score, game.away_score = 7, 21
    game.save(update_fields=["home_score", "away_score"])

    expect(mine).not_to_have_text(before, timeout=20_000)
    assert int(mine.inner_text().split()[0]) == int(before.split()[0]) - 1
    assert page.js_errors == []
