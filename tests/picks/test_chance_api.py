"""The chance to win in the standings API, and the "what if" endpoint."""

from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from espn.snapshots import Phase
from picks import leagues
from picks.models import WeeklyTiebreaker

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def setup():
    ann, bob = make_user("ann"), make_user("bob")
    league = make_league(ann)
    live = make_game(
        home="LH", away="LA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=14, away_score=0
    )
    late = make_game(home="NH", away="NA", kickoff=NOW + timedelta(hours=3), spread="-2.5")
    for entry, side in ((entry_of(league, ann), "home"), (entry_of(league, bob), "away")):
        make_pick(entry, live, side), make_pick(entry, late, side)
        WeeklyTiebreaker.objects.create(entry=entry, season_type=2, week=1, guess=40)
    client = APIClient()
    client.force_authenticate(ann)
    return client, league, live, late


def test_standings_show_each_members_chance_to_win(setup):
    client, league, _live, _late = setup
    body = client.get(f"/api/picks/leagues/{league.pk}/standings/?week=regular-1").json()
    chance = {row["username"]: row["chance_week"] for row in body["rows"]}
    assert body["chance_method"] == "exact"
    assert chance["ann"] > chance["bob"] > 0  # ann has the home side of a game her team leads 14-0
    assert sum(chance.values()) == pytest.approx(1.0)
    season = client.get(f"/api/picks/leagues/{league.pk}/standings/?view=season").json()
    assert all(row["chance_week"] is None for row in season["rows"])
    assert {row["username"]: row["chance_season"] for row in season["rows"]}["ann"] == pytest.approx(chance["ann"])


def test_what_if_returns_the_standings_that_would_follow(setup):
    client, league, live, late = setup
    url = f"/api/picks/leagues/{league.pk}/what-if/"
    body = client.post(url, {"outcomes": {str(live.pk): "away", str(late.pk): "away"}}, format="json").json()
    assert next((r["username"], r["rank"], r["points"], r["chance_week"]) for r in body["rows"]) == ("bob", 1, 2, 1.0)
    assert {g["game_id"]: g["chosen"] for g in body["games"]} == {live.pk: "away", late.pk: "away"}


def test_what_if_names_each_entry_of_a_member_with_several(setup):
    client, league, live, _late = setup
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    ann = league.commissioner
    second = leagues.entry_add(user=ann, league=league, name="ann · long shot", now=NOW)
    make_pick(second, live, "away")
    body = client.post(f"/api/picks/leagues/{league.pk}/what-if/", {"outcomes": {}}, format="json").json()
    assert sorted(row["entry_name"] for row in body["rows"]) == ["ann", "ann · long shot", "bob"]
    browser = Client()  # the page without JavaScript
    browser.force_login(ann)
    html = browser.get(f"/picks/leagues/{league.pk}/?view=week&week=regular-1&outcome-{live.pk}=away").content
    assert '<th scope="row">ann · long shot</th>' in html.decode()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "outcomes"),
        ({"outcomes": "home"}, "outcomes"),
        ({"outcomes": {"abc": "home"}}, "outcomes.abc"),
        ({"outcomes": {"{live}": "tie"}}, "outcomes.{live}"),
        ({"outcomes": {}, "week": "someday"}, "week"),
    ],
)
def test_what_if_rejects_bad_input_naming_the_field(setup, payload, field):
    client, league, live, _ = setup
    payload = {
        k: {kk.format(live=live.pk): vv for kk, vv in v.items()} if isinstance(v, dict) else v
        for k, v in payload.items()
    }
    response = client.post(f"/api/picks/leagues/{league.pk}/what-if/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field.format(live=live.pk) in body


def test_what_if_is_for_members_only(setup):
    _, league, _, _ = setup
    outsider = APIClient()
    outsider.force_authenticate(make_user("eve"))
    assert outsider.post(f"/api/picks/leagues/{league.pk}/what-if/", {"outcomes": {}}, format="json").status_code == 403
