"""A survivor pool in a real headless Chromium: pick a team, see it saved, used teams greyed, the standings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from espn.snapshots import Phase
from picks import leagues
from picks.grading import grade_game
from tests.picks.factories import PASSWORD, entry_of, make_game, make_pick, make_user, set_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_member_plays_a_survivor_week_in_the_browser(live_server, browser_page, screenshot):
    now = timezone.now()
    ann_user = make_user("ann")
    league = leagues.league_create(
        commissioner=ann_user, name="Last one standing", espn_league="football/nfl", season_year=2025,
        pool_type="survivor", survivor_lives=2, now=now - timedelta(days=30),
    )  # fmt: skip
    ann = entry_of(league, ann_user)
    bob = entry_of(league, make_user("bob"))
    played = make_game(home="KC", away="BAL", week=1, kickoff=now - timedelta(days=3))
    make_pick(ann, played, "home"), make_pick(bob, played, "away")
    set_result(played, home_score=27, away_score=20)
    grade_game(played.pk, now=now)
    kc_game = make_game(home="DEN", away="KC", week=2, kickoff=now + timedelta(days=2), spread="3")
    make_game(home="PHI", away="DAL", week=2, kickoff=now + timedelta(days=2, hours=3), spread="-7")
    page = browser_page

    log_in(page, live_server.url, "ann")
    page.goto(f"{live_server.url}/picks/?entry={ann.pk}&week=regular-2")
    expect(page.locator(".survivor-status")).to_contain_text("ann is alive · 2 lives left")
    kc = page.locator(f"#team-{kc_game.pk}-{kc_game.away_team_id}")
    expect(kc).to_be_disabled()  # KC was used in week 1
    expect(page.locator(f"#game-{kc_game.pk}")).to_contain_text("used")
    page.get_by_label("PHI team").check()
    page.get_by_role("button", name="Save pick").click()
    expect(page.locator(".survivor-form legend")).to_contain_text("(your pick: PHI team)")
    screenshot(page, "survivor-pick")

    page.goto(f"{live_server.url}/picks/leagues/{league.pk}/?view=season")
    table = page.locator("table.survivor-standings")
    expect(table.locator("tr", has_text="bob")).to_contain_text("1")  # one life left after BAL lost
    expect(table.locator("tr", has_text="ann")).to_contain_text("Alive")
    expect(table.locator("tr", has_text="ann")).to_contain_text("KC")
    expect(table.locator("tr", has_text="ann")).not_to_contain_text("PHI")  # not locked yet: hidden from others
    assert page.js_errors == []
    screenshot(page, "survivor-standings")


def test_on_a_phone_the_chance_to_survive_shows_and_follows_the_live_score(
    live_server, browser_page, screenshot, settings
):
    settings.POLL_LIVE_SECONDS = 1  # the page re-reads the standings this often while games are on
    now = timezone.now()
    ann_user = make_user("ann")
    league = leagues.league_create(
        commissioner=ann_user, name="Last one standing", espn_league="football/nfl", season_year=2025,
        pool_type="survivor", now=now - timedelta(days=30),
    )  # fmt: skip
    ann = entry_of(league, ann_user)
    live = make_game(home="KC", away="BAL", week=1, kickoff=now - timedelta(hours=1))
    make_pick(ann, live, "home")
    set_result(live, phase=Phase.LIVE, home_score=10, away_score=7)
    live.period, live.display_clock = 2, "3:00"
    live.save(update_fields=["period", "display_clock"])
    later = make_game(home="PHI", away="DAL", week=1, kickoff=now + timedelta(hours=3))
    make_pick(entry_of(league, make_user("bob")), later, "away")  # hidden from ann until it locks
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "ann")
    page.goto(f"{live_server.url}/picks/leagues/{league.pk}/?view=week&week=regular-1")
    survive = page.locator("table.survivor-standings tr.me th [data-chance-survive]")
    expect(survive).to_be_visible()  # under the name on a phone, as the chance to win is
    assert survive.bounding_box()["x"] + survive.bounding_box()["width"] <= 390  # no scrolling sideways to it
    before = int(survive.inner_text().rstrip("%"))
    assert before > 50  # KC up 10-7
    expect(page.locator("#what-if-form")).to_have_count(0)  # the pick'em what-if has nothing to say here
    expect(page.locator(".live-note")).to_have_count(0)  # no "Live" column to explain

    bobs_pick = page.locator("table.survivor-standings tr", has_text="bob").locator("td[data-week-pick]")
    expect(bobs_pick).to_have_text("hidden")

    live.home_score, live.away_score, live.period, live.display_clock = 10, 35, 4, "1:00"
    live.save(update_fields=["home_score", "away_score", "period", "display_clock"])
    later.phase, later.state = Phase.LIVE, "in"  # ESPN starts it early: bob's pick locks, and shows
    later.save(update_fields=["phase", "state"])
    expect(survive).not_to_have_text(f"{before}%", timeout=20_000)
    assert int(survive.inner_text().rstrip("%").lstrip("<")) < 50
    expect(bobs_pick).to_have_text("DAL", timeout=20_000)
    assert page.js_errors == []
    screenshot(page, "survivor-standings-phone")
