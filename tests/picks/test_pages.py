from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from espn.snapshots import Phase
from picks.models import Entry, Pick, PickemLeague, ScoringMode, WeeklyTiebreaker

from .factories import NOW, PASSWORD, entry_of, make_game, make_league, make_pick, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture(name="ann")
def signed_in(signed_in_ann):
    return signed_in_ann


@pytest.fixture
def games():
    live = make_game(
        home="EH", away="EA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=7, away_score=3
    )
    later = make_game(home="LH", away="LA", kickoff=NOW + timedelta(hours=3), spread="-2.5")
    return live, later


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("url", ["/picks/", "/picks/leagues/new/", "/picks/join/", "/picks/leagues/1/"])
def test_pick_pages_need_a_logged_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_sign_up_logs_in_and_goes_to_my_picks(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "dora", "password1": "a-long pass phrase", "password2": "a-long pass phrase"},
    )
    assert response.status_code == 302 and response["Location"] == "/picks/"
    assert "You are not in a pick'em league yet" in text(client.get("/picks/"))


def test_sign_up_with_mismatched_passwords_shows_the_error(client):
    response = client.post("/accounts/signup/", {"username": "dora", "password1": "a-long pass", "password2": "other"})
    assert response.status_code == 400
    assert "The two password fields didn" in text(response)
    assert not get_user_model().objects.filter(username="dora").exists()


def test_log_in_and_out(client):
    make_user("ann")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/picks/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/picks/").status_code == 302


def test_my_picks_shows_the_weeks_games_with_lock_state_and_live_status(client, ann, games):
    live, later = games
    league = make_league(ann, against_spread=True)
    make_pick(entry_of(league, ann), live, "home")

    response = client.get(f"/picks/?league={league.pk}")

    assert response.status_code == 200
    page = text(response)
    assert "Week 1" in page
    assert "EA team" in page and "LH team" in page
    assert "Locked: the game has started" in page
    assert "Winning" in page  # home up 7-3 with no line
    assert "Line: LH -2.5" in page
    assert f'datetime="{later.kickoff.isoformat()}"' in page
    assert f'name="game_{later.pk}"' in page
    assert 'name="tiebreaker"' in page


def test_submitting_the_form_saves_picks_and_the_tiebreaker(client, ann, games):
    _live, later = games
    league = make_league(ann)
    response = client.post(
        f"/picks/?league={league.pk}&week=regular-1",
        {f"game_{later.pk}": later.away_team_id, "tiebreaker": "44"},
    )
    assert response.status_code == 302
    assert Pick.objects.get(entry__user=ann).team_id == later.away_team_id
    assert WeeklyTiebreaker.objects.get(entry__user=ann).guess == 44
    assert "1 pick saved, tiebreaker saved." in text(client.get(response["Location"]))


def test_a_late_pick_on_the_page_shows_an_error_and_changes_nothing(client, ann, games):
    _live, later = games
    league = make_league(ann)
    url = f"/picks/?league={league.pk}&week=regular-1"
    client.get(url)  # the page was loaded before kickoff...
    with time_machine.travel(later.kickoff + timedelta(minutes=1), tick=False):  # ...and sent after
        response = client.post(url, {f"game_{later.pk}": later.home_team_id})
    assert response.status_code == 409
    assert "Too late to pick LA @ LH: the game kicked off at 15:00 UTC." in text(response)
    assert not Pick.objects.exists()


def test_a_late_change_via_a_stale_form_reports_the_lock(client, ann, games):
    _, later = games
    league = make_league(ann, scoring=ScoringMode.CONFIDENCE)
    other = make_game(home="OH", away="OA", kickoff=NOW + timedelta(hours=6))
    url = f"/picks/?league={league.pk}&week=regular-1"
    with time_machine.travel(later.kickoff - timedelta(seconds=1), tick=False):
        # The ESPN status flips to live between loading and sending: the page says so and saves nothing.
        later.phase = Phase.LIVE
        later.save(update_fields=["phase"])
        response = client.post(url, {f"game_{other.pk}": other.home_team_id, f"confidence_{other.pk}": "1"})
    assert response.status_code == 302  # other game saved fine: the locked one was not sent
    assert Pick.objects.filter(game=other).exists()


def test_bad_form_input_is_reported_by_the_game(client, ann, games):
    _, later = games
    league = make_league(ann, scoring=ScoringMode.CONFIDENCE)
    response = client.post(f"/picks/?league={league.pk}&week=regular-1", {f"game_{later.pk}": later.home_team_id})
    assert response.status_code == 400
    assert "Give your pick of LA @ LH a confidence weight." in text(response)
    assert not Pick.objects.exists()


def test_no_leagues_page_offers_create_and_join(client, ann):
    page = text(client.get("/picks/"))
    assert "Create a league" in page and "Join a league" in page


def test_create_league_from_the_page(client, ann):
    response = client.post(
        "/picks/leagues/new/",
        {
            "name": "Office",
            "espn_league": "football/nfl",
            "season_year": "2025",
            "scoring": "confidence",
            "against_spread": "on",
        },
    )
    league = PickemLeague.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/picks/leagues/{league.pk}/"
    assert (league.commissioner, league.scoring, league.against_spread) == (ann, "confidence", True)


def test_league_page_shows_standings_and_the_revealed_picks_grid(client, ann, games):
    live, later = games
    league = make_league(ann)
    bob = entry_of(league, make_user("bob"))
    make_pick(bob, live, "away")
    make_pick(bob, later, "home")

    response = client.get(f"/picks/leagues/{league.pk}/?week=regular-1")

    assert response.status_code == 200
    page = text(response)
    assert "Week 1 standings" in page
    assert "bob" in page and 'ann <span class="you">(you)</span>' in page
    assert "Live" in page  # a game is on: the live projection column shows
    assert ">EA</td>" in page or "EA</td>" in page  # bob's locked pick is revealed
    assert "hidden" in page  # bob's pick on the later game is not
    assert "LH</td>" not in page
    assert league.invite_code in page


def test_league_page_season_view(client, ann, games):
    league = make_league(ann)
    assert "Season standings" in text(client.get(f"/picks/leagues/{league.pk}/?view=season"))


def test_league_page_is_for_members(client, ann):
    league = make_league(make_user("cat"))
    response = client.get(f"/picks/leagues/{league.pk}/")
    assert response.status_code == 403
    assert "not a member" in text(response)


def test_join_by_invite_link(client, ann):
    league = make_league(make_user("cat"), name="Cat's pool")
    link = f"/picks/join/{league.invite_code}/"
    assert "Cat&#x27;s pool" in text(client.get(link))
    response = client.post("/picks/join/", {"invite_code": f"https://example.test{link}"})
    assert response.status_code == 302
    assert Entry.objects.filter(league=league, user=ann).exists()


def test_join_with_a_wrong_code_shows_an_error(client, ann):
    make_league(make_user("cat"))
    response = client.get("/picks/join/wrong-code/")
    assert response.status_code == 404
    assert "That invite link is not valid" in text(response)
    response = client.post("/picks/join/", {"invite_code": "wrong-code"})
    assert response.status_code == 400
    assert "No pick'em league has that invite code" in text(response).replace("&#x27;", "'")
    assert not Entry.objects.filter(user=ann).exists()


def test_commissioner_edits_settings_before_the_season(client, ann):
    league = make_league(ann)
    make_game(kickoff=NOW + timedelta(days=2))
    response = client.post(
        f"/picks/leagues/{league.pk}/settings/",
        {"name": "Renamed", "scoring": "confidence", "against_spread": "on"},
    )
    assert response.status_code == 302
    league.refresh_from_db()
    assert (league.name, league.scoring, league.against_spread) == ("Renamed", "confidence", True)


def test_rules_are_locked_once_the_season_started(client, ann, games):
    league = make_league(ann)
    page = text(client.get(f"/picks/leagues/{league.pk}/settings/"))
    assert "the scoring rules stay as they are" in page
    # A browser sends no disabled field: renaming still works.
    assert client.post(f"/picks/leagues/{league.pk}/settings/", {"name": "New name"}).status_code == 302
    # A request that sends a changed rule anyway is refused, naming the rule, and changes nothing.
    response = client.post(f"/picks/leagues/{league.pk}/settings/", {"name": "Other", "scoring": "confidence"})
    assert response.status_code == 400
    assert "“Scoring” can no longer change" in text(response)
    league.refresh_from_db()
    assert (league.name, league.scoring) == ("New name", "straight_up")


def test_commissioner_removes_a_member(client, ann):
    league = make_league(ann)
    bob = entry_of(league, make_user("bob"))
    response = client.post(f"/picks/leagues/{league.pk}/members/{bob.pk}/remove/")
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.removed_at is not None


def test_only_the_commissioner_has_the_tools(client, ann):
    league = make_league(make_user("cat"))
    me = entry_of(league, ann)
    assert client.get(f"/picks/leagues/{league.pk}/settings/").status_code == 403
    assert client.get(f"/picks/leagues/{league.pk}/audit/").status_code == 403
    assert client.post(f"/picks/leagues/{league.pk}/members/{me.pk}/remove/").status_code == 403
    assert client.post(f"/picks/leagues/{league.pk}/settings/invite/").status_code == 403
    me.refresh_from_db()
    assert me.removed_at is None


def standings_page_queries(client, league) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/picks/leagues/{league.pk}/?week=regular-1").status_code == 200
    return len(captured)


def test_league_page_takes_as_many_queries_for_30_members_as_for_3(client, ann, games):
    live, later = games
    leagues = []
    for size in (3, 30):
        league = make_league(ann, name=f"size {size}")
        for i in range(size):
            entry = entry_of(league, make_user(f"u{size}-{i}"))
            make_pick(entry, live, "home"), make_pick(entry, later, "away")
        leagues.append(league)
    assert standings_page_queries(client, leagues[0]) == standings_page_queries(client, leagues[1])


def test_pages_of_a_league_whose_season_has_no_games_yet(client, ann):
    league = make_league(ann, season_year=2024)
    page = text(client.get(f"/picks/?league={league.pk}"))
    assert "No NFL games of the 2024 season are known yet" in page
    assert client.get(f"/picks/leagues/{league.pk}/").status_code == 200
    bad_week = client.get(f"/picks/?league={league.pk}&week=nonsense")  # once a message on the page: now a 400
    assert bad_week.status_code == 400 and "<code>week</code>: Not a week" in text(bad_week)


def test_every_entry_of_mine_shows_its_own_open_picks_on_the_page_and_in_the_api(client, ann, games):
    _, later = games
    league = make_league(ann)
    second = Entry.objects.create(league=league, user=ann, joined_at=NOW, name="ann 2")
    make_pick(second, later, "home")  # not locked: mine, so shown to me; hidden from others
    bob = entry_of(league, make_user("bob"))
    make_pick(bob, later, "away")

    page = text(client.get(f"/picks/leagues/{league.pk}/?week=regular-1"))
    api = APIClient()
    api.force_authenticate(ann)
    grid = {
        m["entry_name"]: m for m in api.get(f"/api/picks/leagues/{league.pk}/picks/?week=regular-1").json()["members"]
    }

    assert "LH</td>" in page and "LA</td>" not in page  # my second entry's pick shows, bob's stays hidden
    second_cell = next(p for p in grid["ann 2"]["picks"] if p["game_id"] == later.pk)
    bob_cell = next(p for p in grid["bob"]["picks"] if p["game_id"] == later.pk)
    assert (second_cell["hidden"], second_cell["team"]) == (False, "LH")
    assert (bob_cell["hidden"], bob_cell["team"]) == (True, None)
