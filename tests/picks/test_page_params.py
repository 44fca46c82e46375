"""The pick'em pages' query parameters, read through the same declared serializers as the API: a bad one
is a 400 page naming it (HTML, never JSON, never a 500); a good one, an unknown one or an empty one
changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from espn.snapshots import Phase
from picks.models import Pick

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture(name="ann")
def signed_in(signed_in_ann):
    return signed_in_ann


HUGE = "9" * 30
PAST_64_BITS = str(2**63)


@pytest.fixture
def league(ann):
    league = make_league(ann)
    entry = entry_of(league, ann)
    live = make_game(
        home="LH", away="LA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=7, away_score=3
    )
    later = make_game(home="NH", away="NA", kickoff=NOW + timedelta(hours=3))
    make_pick(entry, live, "home"), make_pick(entry, later, "away")
    bob = entry_of(league, make_user("bob"))
    make_pick(bob, live, "away"), make_pick(bob, later, "home")
    league.live, league.later = live, later
    return league


def assert_bad(response, name: str, reason: str = "") -> str:
    """A 400 page (a template, not JSON) naming the parameter, with a link to the page without it."""
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert response.templates[0].name == "bad_query.html"
    page = response.content.decode()
    assert f"<li><code>{name}</code>: " in page, page
    assert reason in page
    return page


# --------------------------------------------------------------------------- each page, each parameter


@pytest.mark.parametrize(
    ("query", "name", "reason"),
    [
        ("week=nonsense", "week", "Not a week: use e.g. regular-3"),
        ("week=regular-999", "week", "Not a week"),
        ("week=regular--1", "week", "Not a week"),
        ("week=" + "x" * 5000, "week", "Not a week"),
        ("entry=abc", "entry", "A valid integer is required."),
        ("entry=-1", "entry", "greater than or equal to 1"),
        ("entry=0", "entry", "greater than or equal to 1"),
        (f"entry={PAST_64_BITS}", "entry", "less than or equal to"),
        (f"entry={HUGE}", "entry", "less than or equal to"),
        ("entry=1e3", "entry", "A valid integer is required."),
        ("league=%20", "league", "A valid integer is required."),
        (f"league={HUGE}", "league", "less than or equal to"),
        ("entry=1&entry=2", "entry", "Given 2 times: give it once."),
        ("week=regular-1&week=regular-2", "week", "Given 2 times"),
    ],
)
def test_my_picks_bad_parameter_is_a_400_naming_it(client, league, query, name, reason):
    assert_bad(client.get(f"/picks/?{query}"), name, reason)


@pytest.mark.parametrize(
    ("query", "name", "reason"),
    [
        ("week=nonsense", "week", "Not a week"),
        ("view=AAA", "view", "&quot;AAA&quot; is not a view; use week or season."),
        ("view=Season", "view", "is not a view"),
        ("view=week&view=season", "view", "Given 2 times"),
        ("page=0", "page", "greater than or equal to 1"),
        ("page=-3", "page", "greater than or equal to 1"),
        ("page=abc", "page", "A valid integer is required."),
        ("page=" + "1" * 2000, "page", "String value too large."),
        ("outcome-abc=home", "outcome-abc", "&quot;abc&quot; is not a game id."),
        (f"outcome-{HUGE}=home", f"outcome-{HUGE}", "is not a game id."),
        ("outcome--5=home", "outcome--5", "is not a game id."),
    ],
)
def test_league_page_bad_parameter_is_a_400_naming_it(client, league, query, name, reason):
    assert_bad(client.get(f"/picks/leagues/{league.pk}/?{query}"), name, reason)


def test_a_what_if_outcome_that_is_not_home_or_away_is_a_400_naming_it(client, league):
    name = f"outcome-{league.later.pk}"
    for value in ("sideways", "HOME", "1"):
        assert_bad(client.get(f"/picks/leagues/{league.pk}/?{name}={value}"), name, "use home or away")
    page = client.get(f"/picks/leagues/{league.pk}/?{name}=home&{name}=away")
    assert_bad(page, name, "Given 2 times")


def test_a_what_if_outcome_of_a_game_not_open_this_week_is_a_400_naming_it(client, league):
    other_week = make_game(home="OH", away="OA", week=2, kickoff=NOW + timedelta(days=7))
    page = assert_bad(
        client.get(f"/picks/leagues/{league.pk}/?view=week&week=regular-1&outcome-{other_week.pk}=home"),
        f"outcome-{other_week.pk}",
        "is not a game of this week",
    )
    # The link drops only what was wrong.
    assert f'href="/picks/leagues/{league.pk}/?view=week&amp;week=regular-1"' in page
    league.later.phase = Phase.FINAL  # settled since the form was shown
    league.later.save(update_fields=["phase"])
    assert_bad(
        client.get(f"/picks/leagues/{league.pk}/?outcome-{league.later.pk}=home"),
        f"outcome-{league.later.pk}",
        "is already settled",
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [("page=0", "greater than or equal to 1"), ("page=x", "A valid integer"), ("page=1&page=2", "Given 2 times")],
)
def test_audit_page_bad_page_is_a_400_naming_it(client, league, query, reason):
    assert_bad(client.get(f"/picks/leagues/{league.pk}/audit/?{query}"), "page", reason)


def test_every_bad_parameter_is_named_and_the_link_keeps_the_good_ones(client, league):
    page = assert_bad(client.get(f"/picks/leagues/{league.pk}/?view=AAA&week=nope&page=2&utm_source=chat"), "view")
    assert "<li><code>week</code>: Not a week" in page
    assert f'href="/picks/leagues/{league.pk}/?page=2&amp;utm_source=chat"' in page
    assert "Open the page without them" in page


def test_parameters_echoed_on_the_400_page_are_escaped(client, league):
    payload = "<script>alert(1)</script>"
    response = client.get(f"/picks/leagues/{league.pk}/", {"view": payload, f"outcome-{payload}": "home"})
    page = assert_bad(response, "view")
    assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_bad_parameter_on_a_post_saves_nothing(client, league):
    later = league.later
    response = client.post(f"/picks/?week=nonsense&league={league.pk}", {f"game_{later.pk}": later.home_team_id})
    assert_bad(response, "week")
    assert Pick.objects.get(entry__user__username="ann", game=later).team_id == later.away_team_id


def test_signing_in_comes_before_reading_the_parameters(client):
    response = client.get("/picks/?week=nonsense")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- what does not change


def test_good_parameters_show_what_they_did(client, league, ann):
    second = make_league(ann, name="Second")
    second_entry = entry_of(second, ann)
    assert client.get(f"/picks/?league={second.pk}").context["entry"] == second_entry
    response = client.get(f"/picks/?entry={second_entry.pk}&week=regular-2")
    assert response.status_code == 200
    assert (response.context["entry"], response.context["week"].slug) == (second_entry, "regular-2")
    season = client.get(f"/picks/leagues/{league.pk}/?view=season&week=regular-1&page=1")
    assert season.status_code == 200 and "Season standings" in season.content.decode()
    assert season.context["view"] == "season"


def test_an_id_that_is_not_mine_still_shows_my_first_entry(client, league, ann):
    response = client.get(f"/picks/?entry={2**62}&league=12345")
    assert response.status_code == 200
    assert response.context["entry"] == entry_of(league, ann)


def standings_rows(response) -> tuple:
    rows = [(row.entry_id, row.rank, row.points) for row in response.context["standings_page"].object_list]
    return rows, response.context["week"], response.context["view"]


def test_unknown_and_empty_parameters_are_left_out(client, league):
    """Links pick up tracking parameters, and the what-if form (a GET form) sends its CSRF token and an
    empty value for each undecided game: a page shows what it would without them."""
    plain = client.get(f"/picks/leagues/{league.pk}/?view=week&week=regular-1")
    for query in (
        "view=week&week=regular-1&utm_source=chat&fbclid=x",
        f"view=week&week=regular-1&csrfmiddlewaretoken=abc&outcome-{league.later.pk}=&outcome-{league.live.pk}=",
        "view=week&week=",
        "view=week&week=regular-1&page=",
    ):
        response = client.get(f"/picks/leagues/{league.pk}/?{query}")
        assert response.status_code == 200, query
        assert "Standings if so" not in response.content.decode()
        assert standings_rows(response) == standings_rows(plain), query
    assert client.get("/picks/?week=&entry=&league=&ref=mail").status_code == 200


def test_a_page_past_the_last_shows_the_last_as_before(client, league):
    for page in ("2", "999", HUGE):
        response = client.get(f"/picks/leagues/{league.pk}/?page={page}")
        assert response.status_code == 200, page
        assert response.context["standings_page"].number == 1
    assert client.get(f"/picks/leagues/{league.pk}/audit/?page={HUGE}").status_code == 200


def test_chosen_outcomes_still_answer_the_what_if(client, league):
    live, later = league.live, league.later
    response = client.get(
        f"/picks/leagues/{league.pk}/",
        {"view": "week", "week": "regular-1", f"outcome-{live.pk}": "away", f"outcome-{later.pk}": "home"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Standings if so" in page
    assert '<tr><th scope="row">bob</th><td>2</td><td>100%</td></tr>' in page
    assert re.search(rf'name="outcome-{later.pk}" value="home" checked', page)
