"""The chance to win and the "what if" on the league page (the form also works without JavaScript)."""

from datetime import timedelta

import pytest

from espn.snapshots import Phase

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_league_page_shows_chances_and_answers_a_what_if_without_javascript(client):
    ann, bob = make_user("ann"), make_user("bob")
    league = make_league(ann)
    game = make_game(home="NH", away="NA", kickoff=NOW + timedelta(hours=3), spread="-7")
    live = make_game(
        home="LH", away="LA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=0, away_score=0
    )
    make_pick(entry_of(league, ann), game, "home"), make_pick(entry_of(league, ann), live, "home")
    make_pick(entry_of(league, bob), game, "away"), make_pick(entry_of(league, bob), live, "away")
    client.force_login(ann)

    page = client.get(f"/picks/leagues/{league.pk}/?view=week&week=regular-1").content.decode()
    assert '<abbr title="chance to win the week, from the games left">Win</abbr>' in page
    assert 'id="what-if-form"' in page and f'name="outcome-{game.pk}"' in page

    page = client.get(
        f"/picks/leagues/{league.pk}/",
        {"view": "week", "week": "regular-1", f"outcome-{game.pk}": "away", f"outcome-{live.pk}": "away"},
    ).content.decode()
    assert "Standings if so" in page
    assert '<tr><th scope="row">bob</th><td>2</td><td>100%</td></tr>' in page
