"""Every pick change is kept: who, when, from what to what; the commissioner sees it."""

from datetime import timedelta

import pytest
import time_machine

from picks.models import PickChange, ScoringMode
from picks.submission import PickInput, PicksRejected, TiebreakerInput, submit_picks
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_user

pytestmark = pytest.mark.django_db


def test_each_change_is_recorded_from_what_to_what():
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    ann = entry_of(league, make_user("ann"))
    game = make_game(kickoff=NOW + timedelta(hours=2))
    submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id, 1)], now=NOW)
    later = NOW + timedelta(minutes=30)
    submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.away_team_id, 1)], now=later)
    submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.away_team_id, 1)], now=later)  # no change
    submit_picks(user=ann.user, entry=ann, picks=[], tiebreaker=TiebreakerInput(Week(2, 1), 42), now=later)

    changes = list(PickChange.objects.order_by("pk"))

    assert [(c.changed_by, c.changed_at, c.old_team_id, c.new_team_id, c.old_guess, c.new_guess) for c in changes] == [
        (ann.user, NOW, None, game.home_team_id, None, None),
        (ann.user, later, game.home_team_id, game.away_team_id, None, None),
        (ann.user, later, None, None, None, 42),
    ]
    assert [c.source for c in changes] == ["web"] * 3
    assert changes[2].is_tiebreaker


def test_a_refused_submission_leaves_no_trail():
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    game = make_game(kickoff=NOW - timedelta(minutes=1))
    with pytest.raises(PicksRejected):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)], now=NOW)
    assert not PickChange.objects.exists()


def test_the_commissioner_sees_the_audit_trail(client, settings):
    commissioner = make_user("cat")
    league = make_league(commissioner)
    bob = entry_of(league, make_user("bob"))
    game = make_game(kickoff=NOW + timedelta(hours=2))
    submit_picks(user=bob.user, entry=bob, picks=[PickInput(game.pk, game.home_team_id)], now=NOW)
    submit_picks(user=bob.user, entry=bob, picks=[PickInput(game.pk, game.away_team_id)], now=NOW)
    client.force_login(commissioner)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/picks/leagues/{league.pk}/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<td>bob</td>") == 4  # member and changed by, twice
    assert "<td>HOM</td>" in page and "<td>AWY</td>" in page
    assert "2025-09-07T12:00:00+00:00" in page
