"""The "what if" form on the league page, in a real headless Chromium: chosen outcomes, new standings, no reload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from espn.snapshots import Phase
from games.models import Game, Season, Team
from picks.models import Entry, Pick, PickemLeague

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def game(season, home, away, *, kickoff, phase=Phase.SCHEDULED, score=(None, None), espn_id):
    teams = [
        Team.objects.get_or_create(
            espn_league="football/nfl", espn_id=a, defaults={"abbreviation": a, "display_name": a}
        )[0]
        for a in (home, away)
    ]
    return Game.objects.create(
        espn_id=espn_id, espn_league="football/nfl", season=season, season_type=2, week=1, kickoff=kickoff,
        home_team=teams[0], away_team=teams[1], home_score=score[0], away_score=score[1], phase=phase,
        state="in" if phase == Phase.LIVE else "pre", status_name="STATUS_SCHEDULED", period=2, display_clock="3:00",
        content_hash="t", last_changed_at=kickoff,
    )  # fmt: skip


def league_with_a_live_game(now):
    """ann has the home sides, bob the away sides, of a live game (KC 10-7 BUF) and one to come."""
    ann, bob = (get_user_model().objects.create_user(name, password="x-long-password") for name in ("ann", "bob"))
    season = Season.objects.create(espn_league="football/nfl", year=now.year if now.month > 2 else now.year - 1)
    league = PickemLeague.objects.create(
        name="Office", espn_league="football/nfl", season_year=season.year, commissioner=ann
    )
    live = game(season, "KC", "BUF", kickoff=now - timedelta(hours=1), phase=Phase.LIVE, score=(10, 7), espn_id="1")
    late = game(season, "SF", "DAL", kickoff=now + timedelta(hours=3), espn_id="2")
    for user, side in ((ann, "home"), (bob, "away")):
        entry = Entry.objects.create(league=league, user=user, name=user.username)
        for g in (live, late):
            team = g.home_team if side == "home" else g.away_team
            Pick.objects.create(entry=entry, game=g, team=team, season_type=2, week=1)
    return league, ann, live, late


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_what_if_shows_the_standings_that_would_follow_without_a_reload(live_server, browser_page, screenshot):
    league, ann, live, late = league_with_a_live_game(timezone.now())
    page = browser_page
    signed_in(page, live_server, ann)

    page.goto(f"{live_server.url}/picks/leagues/{league.pk}/?view=week&week=regular-1")
    expect(page.locator("table.standings").first).to_contain_text("%")
    page.evaluate("window.__notReloaded = true")
    form = page.locator("#what-if-form")
    form.locator(f'fieldset[data-game-id="{live.pk}"] input[value="away"]').check()
    form.locator(f'fieldset[data-game-id="{late.pk}"] input[value="away"]').check()
    form.get_by_role("button", name="Show standings").click()

    result = page.locator("#what-if-result table")
    expect(result.locator("tbody tr").first).to_have_text("bob2100%")
    expect(result.locator("tbody tr").nth(1)).to_contain_text("ann0")
    assert page.evaluate("window.__notReloaded") is True
    assert page.js_errors == []
    screenshot(page, "what-if")


def test_the_chance_to_win_follows_the_live_score_without_a_reload(live_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = 1  # the page re-reads the standings this often while games are on
    league, ann, live, _ = league_with_a_live_game(timezone.now())
    page = browser_page
    signed_in(page, live_server, ann)
    page.goto(f"{live_server.url}/picks/leagues/{league.pk}/?view=week&week=regular-1")
    mine = page.locator("#standings tr.me td[data-chance]")
    before = int(mine.inner_text().rstrip("%"))
    assert before > 50  # ann has KC, up 10-7

    live.home_score, live.away_score, live.period, live.display_clock = 10, 35, 4, "1:00"
    live.save(update_fields=["home_score", "away_score", "period", "display_clock"])

    expect(mine).not_to_have_text(f"{before}%", timeout=20_000)
    assert int(mine.inner_text().rstrip("%").lstrip("<")) < 50
    assert page.js_errors == []


def test_a_standings_page_opened_before_kickoff_follows_the_games_once_they_start(live_server, browser_page, settings):
    settings.POLL_LIVE_SECONDS = settings.POLL_IDLE_SECONDS = 1  # how often the page looks, live and before
    now = timezone.now()
    league, ann, first, _ = league_with_a_live_game(now)
    Game.objects.filter(pk=first.pk).update(
        phase=Phase.SCHEDULED, state="pre", home_score=None, away_score=None, kickoff=now + timedelta(minutes=30)
    )
    page = browser_page
    signed_in(page, live_server, ann)
    page.goto(f"{live_server.url}/picks/leagues/{league.pk}/?view=week&week=regular-1")
    mine = page.locator("#standings tr.me td[data-chance]")
    before = mine.inner_text()
    assert before == "50%"  # two coin flips still to play

    # ESPN starts it early, and ann's KC runs away with it.
    Game.objects.filter(pk=first.pk).update(
        phase=Phase.LIVE, state="in", home_score=35, away_score=0, period=4, display_clock="1:00"
    )
    expect(mine).not_to_have_text(before, timeout=20_000)
    assert int(mine.inner_text().rstrip("%")) == 75  # the first won; the second a coin flip, a tie shared
    assert page.js_errors == []
