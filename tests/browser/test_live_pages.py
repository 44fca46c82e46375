"""The pages in a real headless Chromium: live updates without a reload, the chart, screenshots."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from games.models import Game, Play
from games.plays import store_plays
from tests.games.seed import (
    NFL_LIVE_DAY,
    NO_AT_ATL,
    REPO_DOCS_SCREENSHOT,
    SUNDAY_2022,
    fresh_live_feed_process_state,  # noqa: F401  (autouse)
    ingest,
    payload,
    publish,
    rebased,
    recording_moment_today,
    scoreboard_snapshots,
    set_score,
    summary,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def poll_now(data: dict, *, now, rebase_to=None) -> datetime:
    """What one poll does, with the recording's Sunday afternoon moved to `rebase_to` (default: today, near now)."""
    snapshots = scoreboard_snapshots(data, "football/nfl")
    rebase_to = rebase_to or recording_moment_today(snapshots, recorded_at=SUNDAY_2022, now=now)
    publish(ingest(rebased(snapshots, recorded_at=SUNDAY_2022, now=rebase_to), now=now), now=now)
    return rebase_to


def test_live_page_shows_a_score_change_without_a_reload(live_server, browser_page, screenshot, settings):
    settings.POLL_LIVE_SECONDS = 1  # the feed's max-age follows the poll interval: keep the test short
    now = timezone.now()
    moment = poll_now(payload(NFL_LIVE_DAY), now=now)
    game = Game.objects.get(espn_id=NO_AT_ATL)
    page = browser_page

    page.goto(f"{live_server.url}/live/")
    card = page.locator(f"#game-{game.pk}")
    expect(card).to_have_attribute("aria-label", "New Orleans Saints 24, Atlanta Falcons 26, live, 0:48 - 4th")
    expect(card.locator(".team.away .score")).to_have_text("24")
    expect(page.locator("#group-live .game-card")).to_have_count(8)
    untouched = page.locator("#group-final .game-card").first
    page.evaluate("window.__notReloaded = true")
    untouched.evaluate("card => { card.dataset.paintedBefore = 'yes'; }")

    changed = set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31)
    poll_now(changed, now=now + timedelta(seconds=2), rebase_to=moment)

    expect(card.locator(".team.away .score")).to_have_text("31", timeout=20_000)
    expect(card).to_have_attribute("aria-label", "New Orleans Saints 31, Atlanta Falcons 26, live, 0:48 - 4th")
    assert page.evaluate("window.__notReloaded") is True
    expect(untouched).to_have_attribute("data-painted-before", "yes")  # only the changed card was repainted
    expect(page.locator("#score-announcer")).to_contain_text("NO 31, ATL 26")
    assert page.js_errors == []
    # Kickoff times were rewritten in the viewer's zone (UTC here) by localtime.js.
    expect(page.locator("time[data-localtime]").first).to_have_attribute("title", re.compile(r"GMT$"))
    shot = screenshot(page, "live")
    if os.environ.get("UPDATE_README_SCREENSHOT"):  # a test run must not change tracked files
        shutil.copyfile(shot, REPO_DOCS_SCREENSHOT)


def test_live_page_fits_a_phone(live_server, browser_page, screenshot):
    poll_now(payload(NFL_LIVE_DAY), now=timezone.now())
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/live/")

    expect(page.locator("#group-live .game-card")).to_have_count(8)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "live-phone")


def test_game_page_draws_the_win_probability_chart(live_server, browser_page, screenshot):
    final = summary()
    ingest([final.game], now=final.game.kickoff)
    game = Game.objects.get(espn_id=final.game.espn_id)
    store_plays(game.pk, final, now=timezone.now())
    page = browser_page

    page.goto(f"{live_server.url}/games/{game.pk}/")

    line = page.locator("#wp-chart polyline.line")
    expect(line).to_have_attribute("data-points", "186")  # one point per stored play
    points = line.get_attribute("points").split()
    assert len(points) == 186
    assert float(points[-1].split(",")[1]) < 30  # ATL won: the line ends near the top (home 100%)
    expect(page.locator("#wp-caption")).to_have_text("Final: Atlanta Falcons won 25\N{EN DASH}24.")
    expect(page.locator("#scoring-plays li")).to_have_count(10)
    expect(page.locator("#plays li").first).to_contain_text("END GAME")
    plays = page.locator("#plays li")
    total = plays.count()
    assert total > 100
    expect(page.locator("#plays li:visible")).to_have_count(25)  # the latest plays; the rest behind a button
    numbers = page.locator("#plays li:visible").evaluate_all("items => items.map(item => item.value)")
    assert numbers == list(range(total, total - 25, -1))  # the plays keep their numbers, newest first
    page.get_by_role("button", name=f"Show all {total} plays").click()
    expect(page.locator("#plays li:visible")).to_have_count(total)
    expect(page.get_by_role("button", name="Show the latest 25 plays")).to_have_attribute("aria-expanded", "true")
    assert page.js_errors == []
    screenshot(page, "game", full_page=False)  # 186 plays: the top of the page is the picture


def final_game_page(page, live_server) -> Game:
    final = summary()
    ingest([final.game], now=final.game.kickoff)
    game = Game.objects.get(espn_id=final.game.espn_id)
    store_plays(game.pk, final, now=timezone.now())
    page.goto(f"{live_server.url}/games/{game.pk}/")
    expect(page.locator("#wp-chart polyline.line")).to_have_attribute("data-points", "186")
    return game


def test_win_probability_chart_reads_on_a_phone_in_game_time_and_team_colours(live_server, browser_page, screenshot):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    final_game_page(page, live_server)

    # Labels are drawn at their real size: at least 11 px on screen, however narrow the phone.
    sizes = page.locator("#wp-chart text").evaluate_all(
        "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize) * n.getScreenCTM().a)"
    )
    assert len(sizes) >= 7 and min(sizes) >= 11, sizes  # ATL, 50%, GB, Q1-Q4
    expect(page.locator("#wp-chart text.period-label")).to_have_text(["Q1", "Q2", "Q3", "Q4"])
    # The teams' colours: ATL (home, a71930) above the 50% line, GB (away, 204e32) below.
    expect(page.locator("#wp-chart polygon.area.home")).to_have_attribute("fill", "#a71930")
    expect(page.locator("#wp-chart polygon.area.away")).to_have_attribute("fill", "#204e32")
    # Game time, not play count: the second half's kickoff sits at the middle of the plot.
    where = page.evaluate(
        """() => {
          const data = JSON.parse(document.getElementById('game-data').textContent);
          const frame = document.querySelector('#wp-chart rect.frame');
          const x0 = +frame.getAttribute('x'), width = +frame.getAttribute('width');
          const line = document.querySelector('#wp-chart polyline.line');
          const xs = line.getAttribute('points').split(' ').map(p => +p.split(',')[0]);
          const third = data.win_probability.findIndex(p => p.period === 3);
          return {third, share: (xs[third] - x0) / width, lastShare: (xs[xs.length - 1] - x0) / width};
        }"""
    )
    assert where["third"] > 0 and abs(where["share"] - 0.5) < 0.01, where
    assert abs(where["lastShare"] - 1) < 0.01, where  # the last play at 0:00 of the 4th
    # A final game says so once, and who won, not "ATL 100%".
    status = page.locator("#game-status").inner_text()
    assert status.lower().count("final") == 1, status
    expect(page.locator("#wp-caption")).to_have_text("Final: Atlanta Falcons won 25\N{EN DASH}24.")
    assert "100%" not in page.locator("#wp-desc").text_content()
    assert page.js_errors == []
    page.locator("#wp-heading").scroll_into_view_if_needed()
    screenshot(page, "game-chart-phone", full_page=False)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(300)  # redrawn at the new width
    sizes = page.locator("#wp-chart text").evaluate_all(
        "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize) * n.getScreenCTM().a)"
    )
    assert min(sizes) >= 11 and max(sizes) < 16, sizes
    screenshot(page, "game-chart-laptop", full_page=False)


def test_the_game_page_shows_the_servers_period_names_and_caption_after_a_poll(live_server, browser_page):
    """Two overtimes (a postseason game): the score by period and the chart's axis name them as the server
    does ("OT1", "OT2"; the script once said "OT", "OT2"), and the caption is the server's."""
    page = browser_page
    game = final_game_page(page, live_server)
    expect(page.locator("#linescore thead th")).to_have_text(["Team", "1", "2", "3", "4", "Total"])
    last = Play.objects.filter(game=game).order_by("-sequence").first()
    for n, period in enumerate((5, 6), start=1):
        Play.objects.create(
            game=game, sequence=last.sequence + n, espn_id=f"ot{n}", period=period, clock="5:00", text=f"OT play {n}",
            home_win_pct=0.9, content_hash="t", stored_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
    game.home_linescores, game.away_linescores = [*game.home_linescores, 0, 3], [*game.away_linescores, 0, 0]
    game.home_score = 28
    game.save(update_fields=["home_linescores", "away_linescores", "home_score"])

    page.evaluate("window.Scores.pollGameNow()")

    expect(page.locator("#linescore thead th")).to_have_text(["Team", "1", "2", "3", "4", "OT1", "OT2", "Total"])
    expect(page.locator("#wp-chart text.period-label")).to_have_text(["Q1", "Q2", "Q3", "Q4", "OT1", "OT2"])
    expect(page.locator("#wp-caption")).to_have_text("Final: Atlanta Falcons won 28\N{EN DASH}24.")
    expect(page.locator("#linescore tbody tr").nth(1).locator("td")).to_have_count(7)  # 6 periods and the total
    assert page.js_errors == []


def test_a_live_game_page_adds_the_new_plays_without_a_reload(live_server, browser_page):
    from espn.parsing import parse_summary
    from espn.replay import ManualClock, ReplayConfig
    from espn.replay.server import Replay

    start = timezone.now() - timedelta(hours=1)
    clock = ManualClock(start)
    replay = Replay(ReplayConfig(start=start, game_ids=("401547417",)), clock=clock)
    game_replayed = replay.games[0]

    def store_as_of(moment: datetime) -> Game:
        clock.set(moment)
        _, document = replay.summary("football/nfl", {"event": "401547417"})
        moment_summary = parse_summary(document, "football/nfl")
        ingest([moment_summary.game], now=moment)
        game = Game.objects.get(espn_id="401547417")
        store_plays(game.pk, moment_summary, now=moment)
        return game

    first_half = game_replayed.moment_of_play(40)
    game = store_as_of(first_half)
    page = browser_page
    page.goto(f"{live_server.url}/games/{game.pk}/")
    expect(page.locator("#plays li")).to_have_count(41)
    page.evaluate("window.__notReloaded = true")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    store_as_of(game_replayed.moment_of_play(44))
    page.evaluate("window.Scores.pollGameNow()")

    expect(page.locator("#plays li")).to_have_count(45)
    newest = game_replayed.recording.plays[44]["text"]
    expect(page.locator("#plays li").first).to_contain_text(newest[:40])
    assert page.evaluate("window.__notReloaded") is True
    assert page.js_errors == []
    # Only what is new: the plays after the last one shown, and the game without its plays.
    cursor = game_replayed.recording.plays[40]["sequenceNumber"]
    assert any(f"/api/games/{game.pk}/plays/?limit=500&after_seq={int(cursor)}" in url for url in asked), asked
    assert any(url.endswith(f"/api/games/{game.pk}/?plays=0") for url in asked), asked


def test_without_javascript_the_pages_promise_only_what_they_do(live_server, chromium, browser_page, settings):
    """No script, no automatic updates, no conversion to the viewer's zone and no chart: the page says so."""
    poll_now(payload(NFL_LIVE_DAY), now=timezone.now())
    final = summary()
    ingest([final.game], now=final.game.kickoff)
    game = Game.objects.get(espn_id=final.game.espn_id)
    store_plays(game.pk, final, now=timezone.now())
    scripted = browser_page  # (its fixture also serves static files without a manifest)
    unscripted = chromium.new_context(java_script_enabled=False, locale="en-US", timezone_id="UTC").new_page()
    try:
        for page, runs_scripts in ((scripted, True), (unscripted, False)):
            page.goto(f"{live_server.url}/live/")
            expect(page.locator("#feed-updated")).to_be_visible(visible=runs_scripts)
            expect(page.get_by_text("reload the page for the latest scores")).to_be_visible(visible=not runs_scripts)
            footer = page.locator(".site-footer")
            zone = "Times shown in your time zone" if runs_scripts else "Times shown in UTC"
            expect(footer).to_contain_text(zone, use_inner_text=True)  # (what is rendered, not hidden text)
            page.goto(f"{live_server.url}/games/{game.pk}/")
            expect(page.locator("#wp-chart")).to_be_visible(visible=runs_scripts)
            expect(page.locator("#wp-caption")).to_have_text("Final: Atlanta Falcons won 25\N{EN DASH}24.")
    finally:
        unscripted.context.close()


def test_a_scheduled_game_page_keeps_its_kickoff_in_the_viewers_time_zone(live_server, chromium):
    """The page's updates (poll or stream) redraw the status: the kickoff stays local, not ESPN's Eastern text."""
    poll_now(payload(NFL_LIVE_DAY), now=timezone.now())
    game = Game.objects.filter(phase="scheduled").order_by("kickoff").first()
    assert game is not None and re.search(r"E[SD]T", game.status_detail)  # ESPN's words: "at 4:25 PM EDT"
    page = chromium.new_context(locale="en-US", timezone_id="America/Los_Angeles").new_page()
    try:
        page.goto(f"{live_server.url}/games/{game.pk}/")
        status = page.locator("#game-status time")
        expect(status).to_contain_text(re.compile(r"P[SD]T"))
        page.locator("#game-status .detail").evaluate("detail => { detail.dataset.drawnBefore = 'yes'; }")
        page.evaluate("window.Scores.pollGameNow()")
        expect(page.locator("#game-status .detail:not([data-drawn-before])")).to_be_attached()  # redrawn
        expect(status).to_contain_text(re.compile(r"P[SD]T"))
        assert not re.search(r"E[SD]T", page.locator("#game-status").inner_text())
    finally:
        page.context.close()
