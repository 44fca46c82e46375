"""Bad input gets a clear error and changes nothing; good input is saved whole."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games.models import EspnLeague
from picks import leagues
from picks.errors import NotAllowed, PickemError
from picks.models import Entry, Pick, PickChange, PickemLeague, ScoringMode, WeeklyTiebreaker
from picks.submission import PickInput, PicksRejected, TiebreakerInput, submit_picks
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_team, make_user

pytestmark = pytest.mark.django_db


def submit(entry, *picks, user=None, tiebreaker=None, now=NOW):
    return submit_picks(user=user or entry.user, entry=entry, picks=list(picks), tiebreaker=tiebreaker, now=now)


def assert_nothing_saved():
    assert not Pick.objects.exists()
    assert not PickChange.objects.exists()
    assert not WeeklyTiebreaker.objects.exists()


def rejected(entry, *picks, **kwargs) -> PicksRejected:
    with pytest.raises(PicksRejected) as caught:
        submit(entry, *picks, **kwargs)
    return caught.value


@pytest.fixture
def straight():
    league = make_league(name="straight")
    return entry_of(league, make_user("ann"))


@pytest.fixture
def confidence():
    league = make_league(name="weighted", scoring=ScoringMode.CONFIDENCE)
    return entry_of(league, make_user("ann"))


@pytest.fixture
def week_games():
    return [make_game(home=f"H{i}", away=f"A{i}", kickoff=NOW + timedelta(hours=2 + i)) for i in range(3)]


def test_picking_a_team_not_in_the_game_is_refused(straight, week_games):
    game, other = week_games[0], make_team("XYZ")
    error = rejected(straight, PickInput(week_games[1].pk, week_games[1].home_team_id), PickInput(game.pk, other.pk))
    assert error.status == 400
    assert [(p.code, p.game_id) for p in error.problems] == [("team_not_in_game", game.pk)]
    assert error.problems[0].message == "That team does not play in A0 @ H0: pick A0 team or H0 team."
    assert_nothing_saved()


def test_a_game_of_another_espn_league_is_refused(straight):
    college = make_game(
        home="OSU", away="MICH", espn_league=EspnLeague.COLLEGE_FOOTBALL, kickoff=NOW + timedelta(days=1)
    )
    error = rejected(straight, PickInput(college.pk, college.home_team_id))
    assert error.problems[0].code == "other_espn_league"
    assert "is a College football game; this league picks NFL games" in error.problems[0].message
    assert_nothing_saved()


def test_a_game_of_another_season_is_refused(straight):
    old = make_game(season_year=2024, kickoff=NOW + timedelta(days=1))
    assert rejected(straight, PickInput(old.pk, old.home_team_id)).problems[0].code == "other_season"


def test_an_unknown_game_and_a_game_picked_twice_are_refused(straight, week_games):
    game = week_games[0]
    error = rejected(straight, PickInput(999999, 1), PickInput(game.pk, game.home_team_id), PickInput(game.pk, 1))
    assert [p.code for p in error.problems] == ["unknown_game", "duplicate_game"]
    assert_nothing_saved()


def test_someone_elses_entry_is_forbidden(straight, week_games):
    bob = make_user("bob")
    with pytest.raises(NotAllowed) as caught:
        submit(straight, PickInput(week_games[0].pk, week_games[0].home_team_id), user=bob)
    assert caught.value.status == 403
    assert caught.value.code == "not_your_entry"
    assert_nothing_saved()


def test_a_removed_member_cannot_pick(straight, week_games):
    leagues.member_remove(league=straight.league, entry_id=straight.pk, user=straight.league.commissioner, now=NOW)
    straight.refresh_from_db()
    with pytest.raises(NotAllowed, match="removed you"):
        submit(straight, PickInput(week_games[0].pk, week_games[0].home_team_id))


def test_confidence_weights_must_be_distinct_within_the_week(confidence, week_games):
    a, b = week_games[0], week_games[1]
    error = rejected(confidence, PickInput(a.pk, a.home_team_id, 2), PickInput(b.pk, b.home_team_id, 2))
    assert [p.code for p in error.problems] == ["confidence_duplicate", "confidence_duplicate"]
    assert "Weight 2 is given twice in Week 1 (A0 @ H0 and A1 @ H1)" in error.problems[0].message
    assert_nothing_saved()


def test_confidence_weight_clashing_with_a_saved_pick_is_refused(confidence, week_games):
    a, b = week_games[0], week_games[1]
    submit(confidence, PickInput(a.pk, a.home_team_id, 3))
    error = rejected(confidence, PickInput(b.pk, b.away_team_id, 3))
    assert [(p.code, p.game_id) for p in error.problems] == [("confidence_duplicate", b.pk)]
    assert Pick.objects.count() == 1


def test_confidence_weights_can_be_swapped_in_one_submission(confidence, week_games):
    a, b = week_games[0], week_games[1]
    submit(confidence, PickInput(a.pk, a.home_team_id, 1), PickInput(b.pk, b.home_team_id, 2))
    result = submit(confidence, PickInput(a.pk, a.home_team_id, 2), PickInput(b.pk, b.home_team_id, 1))
    assert sorted(result.changed) == sorted([a.pk, b.pk])
    assert dict(Pick.objects.values_list("game_id", "confidence")) == {a.pk: 2, b.pk: 1}


def test_confidence_weight_must_be_within_the_weeks_game_count(confidence, week_games):
    game = week_games[0]
    assert rejected(confidence, PickInput(game.pk, game.home_team_id, 4)).problems[0].code == "confidence_out_of_range"
    assert rejected(confidence, PickInput(game.pk, game.home_team_id, 0)).problems[0].code == "confidence_out_of_range"
    assert rejected(confidence, PickInput(game.pk, game.home_team_id)).problems[0].code == "confidence_required"
    assert_nothing_saved()


def test_straight_up_picks_take_no_weight(straight, week_games):
    game = week_games[0]
    assert rejected(straight, PickInput(game.pk, game.home_team_id, 1)).problems[0].code == "confidence_not_allowed"


def test_tiebreaker_guess_must_be_a_plausible_total(straight, week_games):
    error = rejected(straight, tiebreaker=TiebreakerInput(Week(2, 1), 301))
    assert error.problems[0].code == "tiebreaker_invalid"
    assert rejected(straight, tiebreaker=TiebreakerInput(Week(2, 9), 40)).problems[0].code == "tiebreaker_no_game"
    assert_nothing_saved()


def test_an_entry_in_two_leagues_picks_separately(week_games):
    ann = make_user("ann")
    straight = entry_of(make_league(name="a"), ann)
    weighted = entry_of(make_league(name="b", scoring=ScoringMode.CONFIDENCE), ann)
    game = week_games[0]
    submit(straight, PickInput(game.pk, game.home_team_id))
    submit(weighted, PickInput(game.pk, game.away_team_id, 3))
    assert set(Pick.objects.values_list("entry_id", "team_id", "confidence")) == {
        (straight.pk, game.home_team_id, None),
        (weighted.pk, game.away_team_id, 3),
    }


def test_changing_a_pick_resets_a_stale_result(straight, week_games):
    game = week_games[0]
    pick = make_pick(straight, game, "home")
    Pick.objects.filter(pk=pick.pk).update(result="void", graded_at=NOW)  # e.g. postponed, now rescheduled
    submit(straight, PickInput(game.pk, game.away_team_id))
    pick.refresh_from_db()
    assert (pick.result, pick.graded_at, pick.team_id) == ("pending", None, game.away_team_id)


def test_submitting_takes_as_many_queries_for_three_picks_as_for_one(confidence, week_games):
    one = [PickInput(week_games[0].pk, week_games[0].home_team_id, 1)]
    three = [PickInput(g.pk, g.home_team_id, i + 1) for i, g in enumerate(week_games)]
    with CaptureQueriesContext(connection) as first:
        submit(confidence, *one)
    Pick.objects.all().delete()
    with CaptureQueriesContext(connection) as second:
        submit(confidence, *three)
    assert len(first) == len(second)


# --------------------------------------------------------------------------- leagues and members


def test_create_league_makes_the_commissioner_a_member():
    ann = make_user("ann")
    league = leagues.league_create(
        commissioner=ann, name=" Office pool ", espn_league=EspnLeague.NFL, season_year=2025, now=NOW
    )
    assert league.name == "Office pool"
    assert Entry.objects.filter(league=league, user=ann).exists()
    assert len(league.invite_code) >= 12


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "name_required"),
        ({"espn_league": "basketball/nba"}, "espn_league_unknown"),
        ({"season_year": 1990}, "season_out_of_range"),
        ({"scoring": "points"}, "scoring_unknown"),
    ],
)
def test_create_league_refuses_bad_settings(changes, code):
    values = {"name": "x", "espn_league": EspnLeague.NFL, "season_year": 2025, **changes}
    with pytest.raises(PickemError) as caught:
        leagues.league_create(commissioner=make_user("ann"), now=NOW, **values)
    assert caught.value.code == code
    assert not PickemLeague.objects.exists()


def test_join_with_the_invite_code_once():
    league = make_league()
    bob = make_user("bob")
    entry, created = leagues.league_join(user=bob, invite_code=league.invite_code, now=NOW)
    again, created_again = leagues.league_join(user=bob, invite_code=league.invite_code, now=NOW)
    assert (created, created_again, again.pk) == (True, False, entry.pk)


def test_join_with_a_wrong_invite_code_is_refused():
    make_league()
    with pytest.raises(PickemError) as caught:
        leagues.league_join(user=make_user("bob"), invite_code="not-a-code", now=NOW)
    assert caught.value.code == "invalid_invite_code"
    assert Entry.objects.filter(user__username="bob").count() == 0


def test_removed_member_cannot_rejoin_with_the_link():
    league = make_league()
    bob = make_user("bob")
    entry, _ = leagues.league_join(user=bob, invite_code=league.invite_code, now=NOW)
    leagues.member_remove(league=league, entry_id=entry.pk, user=league.commissioner, now=NOW)
    with pytest.raises(NotAllowed):
        leagues.league_join(user=bob, invite_code=league.invite_code, now=NOW)


def test_only_the_commissioner_removes_members_and_not_themselves():
    league = make_league()
    bob_entry = entry_of(league, make_user("bob"))
    with pytest.raises(NotAllowed):
        leagues.member_remove(league=league, entry_id=bob_entry.pk, user=bob_entry.user, now=NOW)
    commissioner_entry = Entry.objects.get(league=league, user=league.commissioner)
    with pytest.raises(PickemError, match="cannot remove themselves"):
        leagues.member_remove(league=league, entry_id=commissioner_entry.pk, user=league.commissioner, now=NOW)
    leagues.member_remove(league=league, entry_id=bob_entry.pk, user=league.commissioner, now=NOW)
    bob_entry.refresh_from_db()
    assert bob_entry.removed_at == NOW


def test_settings_change_before_the_season_but_not_after():
    league = make_league()
    game = make_game(kickoff=NOW + timedelta(days=1))
    changed = leagues.league_update_settings(
        league=league, user=league.commissioner, scoring=ScoringMode.CONFIDENCE, against_spread=True, now=NOW
    )
    assert sorted(changed) == ["against_spread", "scoring"]
    with pytest.raises(PickemError) as caught:
        leagues.league_update_settings(league=league, user=league.commissioner, against_spread=False, now=game.kickoff)
    assert (caught.value.status, caught.value.field) == (409, "against_spread")
    assert leagues.league_update_settings(league=league, user=league.commissioner, name="Renamed", now=game.kickoff)
    league.refresh_from_db()
    assert (league.name, league.against_spread) == ("Renamed", True)


def test_settings_are_the_commissioners_alone():
    league = make_league()
    with pytest.raises(NotAllowed):
        leagues.league_update_settings(league=league, user=make_user("bob"), name="Mine", now=NOW)


def test_switching_to_straight_up_clears_the_weights(week_games):
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    ann = entry_of(league, make_user("ann"))
    make_pick(ann, week_games[0], "home", confidence=2)
    leagues.league_update_settings(league=league, user=league.commissioner, scoring=ScoringMode.STRAIGHT_UP, now=NOW)
    assert Pick.objects.get().confidence is None


def test_a_new_invite_code_retires_the_old_one():
    league = make_league()
    old = league.invite_code
    new = leagues.league_new_invite_code(league=league, user=league.commissioner)
    assert new != old
    with pytest.raises(PickemError):
        leagues.league_join(user=make_user("bob"), invite_code=old, now=NOW)
