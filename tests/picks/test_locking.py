"""A pick is accepted only while its game has not started, by the clock and by ESPN (whichever first)."""

from datetime import timedelta

import pytest

from espn.snapshots import Phase
from picks.locking import is_locked, lock_reason
from picks.models import Pick, PickChange, WeeklyTiebreaker
from picks.submission import PickInput, PicksRejected, TiebreakerInput, submit_picks
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_user, set_result

pytestmark = pytest.mark.django_db
WEEK1 = Week(2, 1)


@pytest.fixture
def ann_entry():
    league = make_league()
    return entry_of(league, make_user("ann"))


def submit(entry, *picks, now=NOW, tiebreaker=None):
    return submit_picks(user=entry.user, entry=entry, picks=list(picks), tiebreaker=tiebreaker, now=now)


def test_is_locked_by_the_clock_or_by_espn_whichever_comes_first():
    game = make_game(kickoff=NOW + timedelta(minutes=10))
    assert not is_locked(game, NOW)
    assert is_locked(game, game.kickoff)  # at kickoff sharp
    game.phase = Phase.LIVE  # ESPN starts it early
    assert is_locked(game, NOW)
    assert lock_reason(game, NOW) == "the game has started"
    for phase in (Phase.POSTPONED, Phase.CANCELED, Phase.FINAL, Phase.SUSPENDED):
        game.phase = phase
        assert is_locked(game, NOW)


def test_pick_is_accepted_before_kickoff_and_can_change_freely(ann_entry):
    game = make_game(kickoff=NOW + timedelta(hours=1))
    result = submit(ann_entry, PickInput(game.pk, game.home_team_id))
    assert result.created == [game.pk]
    result = submit(ann_entry, PickInput(game.pk, game.away_team_id), now=NOW + timedelta(minutes=59))
    assert result.changed == [game.pk]
    assert Pick.objects.get(entry=ann_entry, game=game).team_id == game.away_team_id


def test_pick_after_kickoff_is_refused_with_a_clear_error_and_changes_nothing(ann_entry):
    started = make_game(home="SH", away="SA", kickoff=NOW - timedelta(minutes=1))
    later = make_game(home="LH", away="LA", kickoff=NOW + timedelta(hours=3))

    with pytest.raises(PicksRejected) as caught:
        submit(ann_entry, PickInput(later.pk, later.home_team_id), PickInput(started.pk, started.home_team_id))

    error = caught.value
    assert error.status == 409
    assert [(p.code, p.game_id) for p in error.problems] == [("locked", started.pk)]
    assert "Too late to pick SA @ SH: the game kicked off at 11:59 UTC." in error.problems[0].message
    assert not Pick.objects.exists()  # the valid pick of the same submission was not saved either
    assert not PickChange.objects.exists()


def test_pick_is_refused_once_espn_reports_the_game_started_even_before_the_clock(ann_entry):
    game = make_game(kickoff=NOW + timedelta(minutes=5))
    set_result(game, phase=Phase.LIVE, home_score=0, away_score=0)
    with pytest.raises(PicksRejected) as caught:
        submit(ann_entry, PickInput(game.pk, game.home_team_id))
    assert caught.value.problems[0].message.endswith("the game has started.")


def test_a_postponed_game_takes_no_picks(ann_entry):
    game = make_game(kickoff=NOW + timedelta(days=1))
    set_result(game, phase=Phase.POSTPONED)
    with pytest.raises(PicksRejected, match="postponed"):
        submit(ann_entry, PickInput(game.pk, game.home_team_id))


def test_a_locked_pick_cannot_change_but_sending_it_unchanged_is_no_error(ann_entry):
    early = make_game(home="EH", away="EA", kickoff=NOW + timedelta(minutes=30))
    late = make_game(home="LH", away="LA", kickoff=NOW + timedelta(hours=4))
    submit(ann_entry, PickInput(early.pk, early.home_team_id))
    after_kickoff = early.kickoff + timedelta(minutes=1)

    with pytest.raises(PicksRejected):
        submit(ann_entry, PickInput(early.pk, early.away_team_id), now=after_kickoff)
    result = submit(
        ann_entry,
        PickInput(early.pk, early.home_team_id),
        PickInput(late.pk, late.away_team_id),
        now=after_kickoff,
    )

    assert result.unchanged == [early.pk]
    assert result.created == [late.pk]
    assert Pick.objects.get(game=early).team_id == early.home_team_id


def test_tiebreaker_locks_with_the_weeks_last_game(ann_entry):
    make_game(home="EH", away="EA", kickoff=NOW + timedelta(hours=1))
    last = make_game(home="LH", away="LA", kickoff=NOW + timedelta(hours=8))
    submit(ann_entry, tiebreaker=TiebreakerInput(WEEK1, 44), now=NOW + timedelta(hours=2))  # first game started
    assert WeeklyTiebreaker.objects.get(entry=ann_entry).guess == 44

    with pytest.raises(PicksRejected) as caught:
        submit(ann_entry, tiebreaker=TiebreakerInput(WEEK1, 51), now=last.kickoff)
    assert caught.value.status == 409
    assert caught.value.problems[0].code == "tiebreaker_locked"
    assert WeeklyTiebreaker.objects.get(entry=ann_entry).guess == 44
