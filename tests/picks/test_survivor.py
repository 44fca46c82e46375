"""Survivor pools: one team a week, each team once, lives, ties, missed weeks, buy-backs and the last survivors."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from espn.snapshots import Phase
from picks import leagues
from picks.grading import grade_game
from picks.models import Pick, PickChange, PickemLeague, PickResult
from picks.standings import season_standings, week_standings
from picks.submission import PickInput, PicksRejected, submit_picks
from picks.survivor import auto_pick_missed_weeks, survivor_table
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db
W1, W2, W3 = Week(2, 1), Week(2, 2), Week(2, 3)


def survivor_league(commissioner=None, **rules):
    return leagues.league_create(
        commissioner=commissioner or make_user("commish"),
        name="Last one standing",
        espn_league="football/nfl",
        season_year=2025,
        pool_type="survivor",
        now=NOW - timedelta(days=30),
        **rules,
    )


def week_of_games(week: Week, pairs, *, start):
    return [
        make_game(home=home, away=away, week=week.number, kickoff=start + timedelta(hours=3 * n), spread=spread)
        for n, (home, away, spread) in enumerate(pairs)
    ]


def finish(game, home, away):
    set_result(game, home_score=home, away_score=away)
    grade_game(game.pk, now=NOW)


def state(league, name):
    table = survivor_table(league)
    return next(e for e in table.entries.values() if e.entry_name == name)


@pytest.fixture
def two_weeks():
    week1 = week_of_games(
        W1, [("KC", "BAL", "-3"), ("PHI", "DAL", "-7"), ("BUF", "NYJ", "-6")], start=NOW - timedelta(days=2)
    )
    week2 = week_of_games(W2, [("KC", "PHI", "-1"), ("DAL", "NYJ", "2.5")], start=NOW + timedelta(days=3))
    return week1, week2


# --------------------------------------------------------------------------- picking


def test_one_team_a_week_each_team_once_and_a_new_pick_replaces_the_weeks_old_one(two_weeks):
    week1, week2 = two_weeks
    league = survivor_league()
    ann_user = make_user("ann")
    ann = entry_of(league, ann_user)
    make_pick(ann, week1[0], "home")  # KC in week 1
    finish(week1[0], 27, 20)

    with pytest.raises(PicksRejected) as two:
        submit_picks(
            user=ann_user, entry=ann, now=NOW,
            picks=[PickInput(week2[0].pk, week2[0].away_team_id), PickInput(week2[1].pk, week2[1].home_team_id)],
        )  # fmt: skip
    assert {p.code for p in two.value.problems} == {"one_team_a_week"}
    with pytest.raises(PicksRejected) as used:
        submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(week2[0].pk, week2[0].home_team_id)])
    assert [p.code for p in used.value.problems] == ["team_used"] and used.value.status == 400

    submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(week2[0].pk, week2[0].away_team_id)])
    submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(week2[1].pk, week2[1].home_team_id)])

    week2_picks = list(Pick.objects.filter(entry=ann, week=2).values_list("game_id", "team__abbreviation"))
    assert week2_picks == [(week2[1].pk, "DAL")]
    assert PickChange.objects.filter(entry=ann, game=week2[0], new_team=None).exists()  # the replaced pick, audited


def test_the_weeks_pick_cannot_move_off_a_game_that_has_locked(two_weeks):
    week1, _ = two_weeks
    league = survivor_league()
    ann_user = make_user("ann")
    ann = entry_of(league, ann_user)
    first, _, last = week1
    set_result(first, phase=Phase.LIVE, home_score=0, away_score=0)
    make_pick(ann, first, "home")
    with pytest.raises(PicksRejected) as caught:
        submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(last.pk, last.home_team_id)])
    assert [p.code for p in caught.value.problems] == ["locked"]


def test_an_eliminated_entry_cannot_pick(two_weeks):
    week1, week2 = two_weeks
    league = survivor_league()
    ann_user = make_user("ann")
    ann = entry_of(league, ann_user)
    make_pick(ann, week1[0], "home")
    finish(week1[0], 10, 20)
    with pytest.raises(PicksRejected) as caught:
        submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(week2[1].pk, week2[1].home_team_id)])
    assert [p.code for p in caught.value.problems] == ["eliminated"]


# --------------------------------------------------------------------------- lives, ties, missed weeks


def test_a_loss_costs_a_life_and_the_entry_falls_when_none_is_left(two_weeks):
    week1, _ = two_weeks
    league = survivor_league(survivor_lives=2)
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    make_pick(ann, week1[0], "away")  # BAL loses
    make_pick(bob, week1[1], "home")  # PHI wins
    finish(week1[0], 27, 20)
    assert (state(league, "ann").lives_left, state(league, "ann").alive) == (1, True)
    assert state(league, "bob").lives_left == 2


@pytest.mark.parametrize(("tie_costs", "lives_left"), [(False, 1), (True, 0)])
def test_a_tie_costs_a_life_only_by_rule(two_weeks, tie_costs, lives_left):
    week1, _ = two_weeks
    league = survivor_league(survivor_tie_costs_life=tie_costs)
    ann = entry_of(league, make_user("ann"))
    make_pick(ann, week1[0], "home")
    finish(week1[0], 20, 20)
    assert state(league, "ann").lives_left == lives_left


def test_a_missed_week_counts_as_a_loss_once_the_week_is_decided(two_weeks):
    week1, _ = two_weeks
    league = survivor_league()
    entry_of(league, make_user("ann"))
    bob = entry_of(league, make_user("bob"))
    make_pick(bob, week1[1], "home")
    finish(week1[0], 27, 20), finish(week1[1], 30, 10)
    assert state(league, "ann").alive  # the week is not over: ann's miss is not counted yet
    finish(week1[2], 21, 3)
    out = state(league, "ann")
    assert (out.alive, out.fell_in) == (False, W1)
    assert state(league, "bob").alive


def test_a_missed_week_picks_the_first_unused_favourite_by_rule(two_weeks):
    week1, _ = two_weeks
    league = survivor_league(survivor_missed_week="favourite")
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    make_pick(bob, week1[1], "home")
    with time_machine.travel(week1[2].kickoff, tick=False):
        assert auto_pick_missed_weeks(now=week1[2].kickoff) == 2  # ann and the commissioner
    auto = Pick.objects.get(entry=ann)
    assert (auto.game_id, auto.team.abbreviation, auto.auto) == (week1[0].pk, "KC", True)  # KC -3, the first game
    finish(week1[0], 27, 20), finish(week1[1], 30, 10), finish(week1[2], 21, 3)
    assert Pick.objects.get(entry=ann).result == PickResult.WIN
    assert state(league, "ann").alive
    assert auto_pick_missed_weeks(now=week1[2].kickoff) == 0  # once


def test_a_missed_weeks_favourite_is_picked_once_espn_has_started_the_last_game_before_its_kickoff(two_weeks):
    week1, _ = two_weeks
    league = survivor_league(survivor_missed_week="favourite")
    ann = entry_of(league, make_user("ann"))
    early = week1[2].kickoff - timedelta(minutes=5)
    finish(week1[0], 27, 20), finish(week1[1], 30, 10)
    assert auto_pick_missed_weeks(now=early) == 0  # the last game is still to start
    set_result(week1[2], phase=Phase.LIVE, home_score=0, away_score=0)  # ESPN: under way a few minutes early
    assert auto_pick_missed_weeks(now=early) == 2  # ann and the commissioner
    assert Pick.objects.get(entry=ann).auto


# --------------------------------------------------------------------------- the end of the pool


def test_the_pool_ends_with_its_last_survivor_and_week_winners_are_who_came_through(two_weeks):
    week1, week2 = two_weeks
    league = survivor_league()
    league.entries.all().delete()
    ann, bob, cat = (entry_of(league, make_user(n)) for n in ("ann", "bob", "cat"))
    make_pick(ann, week1[0], "home"), make_pick(bob, week1[1], "home"), make_pick(cat, week1[2], "away")
    finish(week1[0], 27, 20), finish(week1[1], 30, 10)
    assert (week_standings(league, W1).complete, season_standings(league).complete) == (False, False)
    finish(week1[2], 21, 3)  # cat (NYJ) falls
    week = week_standings(league, W1)
    assert week.complete and [r.entry_name for r in week.winners] == ["ann", "bob"]
    assert season_standings(league).winners == []

    make_pick(ann, week2[0], "away"), make_pick(bob, week2[1], "away")  # PHI, NYJ
    finish(week2[0], 24, 27), finish(week2[1], 17, 14)  # PHI wins, NYJ loses
    season = season_standings(league)
    assert season.complete and [r.entry_name for r in season.winners] == ["ann"]
    rows = {r.entry_name: r for r in season.rows}
    assert (rows["ann"].rank, rows["ann"].teams_used, rows["ann"].alive) == (1, ["KC", "PHI"], True)
    assert (rows["bob"].fell_in, rows["cat"].fell_in, rows["bob"].rank, rows["cat"].rank) == (W2, W1, 2, 3)


@pytest.mark.parametrize(
    ("rule", "winners", "ended"), [("co_winners", ["ann", "bob"], True), ("stay_alive", [], False)]
)
def test_when_all_who_remain_fall_in_the_same_week(two_weeks, rule, winners, ended):
    week1, _ = two_weeks
    league = survivor_league(survivor_all_out=rule)
    league.entries.all().delete()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    make_pick(ann, week1[0], "away"), make_pick(bob, week1[1], "away")
    finish(week1[0], 27, 20), finish(week1[1], 30, 10), finish(week1[2], 21, 3)
    season = season_standings(league)
    assert season.complete is ended
    assert [r.entry_name for r in season.winners] == winners
    assert all(r.alive is (rule == "stay_alive") for r in season.rows)


# --------------------------------------------------------------------------- buy-back


def test_an_eliminated_entry_buys_back_once_until_the_chosen_week(two_weeks):
    week1, week2 = two_weeks
    league = survivor_league(survivor_buyback_until_week=2)
    ann_user = make_user("ann")
    ann = entry_of(league, ann_user)
    api = APIClient()
    api.force_authenticate(ann_user)
    with time_machine.travel(NOW, tick=False):
        alive = api.post(f"/api/picks/entries/{ann.pk}/buy-back/")
        assert (alive.status_code, alive.json()["code"]) == (409, "still_alive")  # not now: nothing wrong with the ask
        make_pick(ann, week1[0], "away")
        finish(week1[0], 27, 20)
        assert not state(league, "ann").alive
        response = api.post(f"/api/picks/entries/{ann.pk}/buy-back/")
        assert response.status_code == 200 and response.json()["buybacks"] == 1
        again = api.post(f"/api/picks/entries/{ann.pk}/buy-back/")
        assert again.status_code == 409
        assert (state(league, "ann").alive, state(league, "ann").lives_left) == (True, 1)
        submit_picks(user=ann_user, entry=ann, now=NOW, picks=[PickInput(week2[1].pk, week2[1].home_team_id)])
    late = make_game(home="SEA", away="LAR", week=3, kickoff=NOW + timedelta(days=10))
    league2 = survivor_league(make_user("zed"), survivor_buyback_until_week=1)
    bob_user = make_user("bob")
    bob = entry_of(league2, bob_user)
    make_pick(bob, week1[1], "away")
    finish(week1[1], 30, 10)
    with time_machine.travel(late.kickoff - timedelta(days=1), tick=False):
        closed = APIClient()
        closed.force_authenticate(bob_user)
        assert closed.post(f"/api/picks/entries/{bob.pk}/buy-back/").status_code == 409


# --------------------------------------------------------------------------- constant queries


def test_survivor_grading_and_standings_cost_no_query_per_entry():
    def queries(members: int) -> tuple[int, int]:
        week = Week(2, members)
        games = week_of_games(week, [(f"H{members}{n}", f"A{members}{n}", "-3") for n in range(3)], start=NOW)
        league = survivor_league(make_user(f"c{members}"))
        for i in range(members):
            make_pick(entry_of(league, make_user(f"m{members}-{i}")), games[i % 3], "home" if i % 2 else "away")
        with CaptureQueriesContext(connection) as grading:
            for game in games:
                set_result(game, home_score=20, away_score=10)
                grade_game(game.pk, now=NOW)
        with CaptureQueriesContext(connection) as standing:
            season_standings(league), week_standings(league, week)
        assert week_standings(league, week).complete
        return len(grading), len(standing)

    assert queries(3) == queries(15)


# --------------------------------------------------------------------------- pages and API


def test_the_survivor_pages_and_api_show_status_and_hide_open_picks(client, two_weeks):
    week1, week2 = two_weeks
    ann_user = make_user("ann")
    league = survivor_league(ann_user)
    ann = entry_of(league, ann_user)
    bob = entry_of(league, make_user("bob"))
    make_pick(ann, week1[0], "home"), make_pick(bob, week1[1], "away")
    finish(week1[0], 27, 20), finish(week1[1], 30, 10), finish(week1[2], 21, 3)
    make_pick(ann, week2[1], "home")  # DAL in week 2, not locked yet
    client.force_login(ann_user)
    with time_machine.travel(NOW, tick=False):
        pick_page = client.get(f"/picks/?entry={ann.pk}&week=regular-2").content.decode()
        season_page = client.get(f"/picks/leagues/{league.pk}/?view=season").content.decode()
        zed = make_user("zed")
        leagues.league_join(user=zed, invite_code=league.invite_code)
        api = APIClient()
        api.force_authenticate(zed)
        rows = {
            r["entry_name"]: r
            for r in api.get(f"/api/picks/leagues/{league.pk}/standings/?week=regular-2").json()["rows"]
        }
    assert "ann is alive" in pick_page and 'name="team"' in pick_page
    assert "Eliminated in Week 1" in season_page
    assert (rows["bob"]["alive"], rows["bob"]["fell_in"], rows["bob"]["lives_left"]) == (False, "regular-1", 0)
    assert (rows["ann"]["teams_used"], rows["ann"]["week_pick"]) == (["KC"], None)  # DAL: hidden until it locks


def test_the_survivor_pick_page_saves_one_team(client, two_weeks):
    _, week2 = two_weeks
    ann_user = make_user("ann")
    league = survivor_league(ann_user)
    ann = entry_of(league, ann_user)
    client.force_login(ann_user)
    game = week2[1]
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"/picks/?entry={ann.pk}&week=regular-2", {"team": f"{game.pk}-{game.away_team_id}"})
    assert response.status_code == 302
    assert list(Pick.objects.filter(entry=ann).values_list("game_id", "team_id")) == [(game.pk, game.away_team_id)]


def test_a_pick_on_a_postponed_game_costs_no_life(two_weeks):
    week1, _ = two_weeks
    league = survivor_league()
    ann = entry_of(league, make_user("ann"))
    make_pick(ann, week1[0], "home")
    set_result(week1[0], phase=Phase.POSTPONED)
    grade_game(week1[0].pk, now=NOW)
    finish(week1[1], 30, 10), finish(week1[2], 21, 3)
    assert Pick.objects.get(entry=ann).result == PickResult.VOID
    assert state(league, "ann").alive


def test_a_survivor_week_of_real_espn_finals_through_ingest(django_capture_on_commit_callbacks):
    from espn.parsing import parse_scoreboard
    from games.ingest import ingest_snapshots
    from games.models import Game
    from tests.celery_queue import run_queued_grading
    from tests.espn_fixtures import load_fixture

    from .test_ingest_grading import FINAL_DAY, as_scheduled

    final_payload = load_fixture(FINAL_DAY)  # 13 real finals of 2024 week 15
    before = parse_scoreboard(as_scheduled(final_payload), "football/nfl")
    first_kickoff = min(g.kickoff for g in before.games)
    ingest_snapshots(before.games, now=first_kickoff - timedelta(hours=2))
    league = leagues.league_create(
        commissioner=make_user("commish"), name="Real week", espn_league="football/nfl", season_year=2024,
        pool_type="survivor", now=first_kickoff - timedelta(days=3),
    )  # fmt: skip
    league.entries.all().delete()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    entry_of(league, make_user("cat"))  # misses the week
    final = {g.espn_id: g for g in parse_scoreboard(final_payload, "football/nfl").games}
    games = list(Game.objects.filter(season__year=2024, week=15).order_by("kickoff", "espn_id"))
    won = next(g for g in games if final[g.espn_id].home.score > final[g.espn_id].away.score)
    lost = next(g for g in games if g.pk != won.pk and final[g.espn_id].home.score > final[g.espn_id].away.score)
    with time_machine.travel(first_kickoff - timedelta(hours=1), tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(won.pk, won.home_team_id)])
        submit_picks(user=bob.user, entry=bob, picks=[PickInput(lost.pk, lost.away_team_id)])

    with django_capture_on_commit_callbacks(execute=True):
        ingest_snapshots(list(final.values()), now=first_kickoff + timedelta(hours=12))
    run_queued_grading()

    season = season_standings(league)
    rows = {r.entry_name: r for r in season.rows}
    assert rows["ann"].alive and (rows["bob"].fell_in, rows["cat"].fell_in) == (Week(2, 15), Week(2, 15))
    assert season.complete and [r.entry_name for r in season.winners] == ["ann"]


# --------------------------------------------------------------------------- chance to survive


def test_each_alive_entrys_chance_to_survive_a_real_week_then_its_result(django_capture_on_commit_callbacks):
    from espn.parsing import parse_scoreboard
    from games.ingest import ingest_snapshots
    from games.models import Game
    from picks.chance import forecast
    from tests.celery_queue import run_queued_grading
    from tests.espn_fixtures import load_fixture

    from .test_ingest_grading import FINAL_DAY, as_scheduled

    final_payload = load_fixture(FINAL_DAY)  # 13 real finals of 2024 week 15
    before = parse_scoreboard(as_scheduled(final_payload), "football/nfl")
    first_kickoff = min(g.kickoff for g in before.games)
    ingest_snapshots(before.games, now=first_kickoff - timedelta(hours=2))
    ann_user = make_user("ann")
    league = leagues.league_create(
        commissioner=ann_user, name="Real week", espn_league="football/nfl", season_year=2024,
        pool_type="survivor", entries_per_member=2, now=first_kickoff - timedelta(days=3),
    )  # fmt: skip
    league.entries.all().delete()
    ann, bob = entry_of(league, ann_user), entry_of(league, make_user("bob"))
    ann2 = leagues.entry_add(user=ann_user, league=league, name="ann 2", now=first_kickoff - timedelta(days=2))
    entry_of(league, make_user("cat"))  # no pick
    games = list(Game.objects.filter(season__year=2024, week=15).order_by("kickoff", "espn_id"))
    lined = games[0]
    Game.objects.filter(pk=lined.pk).update(spread=Decimal("-6.5"))  # a line before kickoff: a win probability
    lined.refresh_from_db()
    other = next(g for g in games if g.pk != lined.pk and g.kickoff == lined.kickoff)
    with time_machine.travel(first_kickoff - timedelta(hours=1), tick=False):
        submit_picks(user=ann_user, entry=ann, picks=[PickInput(lined.pk, lined.home_team_id)])
        submit_picks(user=bob.user, entry=bob, picks=[PickInput(lined.pk, lined.away_team_id)])
        submit_picks(user=ann_user, entry=ann2, picks=[PickInput(other.pk, other.home_team_id)])
        rows = {r.entry_name: r for r in week_standings(league, Week(2, 15)).rows}
        mine, theirs = APIClient(), APIClient()
        mine.force_authenticate(ann_user), theirs.force_authenticate(bob.user)
        url = f"/api/picks/leagues/{league.pk}/standings/?week=regular-15"
        as_ann = {r["entry_name"]: r for r in mine.get(url).json()["rows"]}
        as_bob = {r["entry_name"]: r for r in theirs.get(url).json()["rows"]}

    home = forecast(lined).home_pick_wins()
    assert home != 0.5  # the line moves it off a coin flip
    assert rows["ann"].chance_survive == pytest.approx(home) and rows["bob"].chance_survive == pytest.approx(1 - home)
    assert rows["cat"].chance_survive == 0.0  # no pick: a missed week is a loss
    # Both of ann's entries are hers: their open picks and chances show to her, not to bob.
    assert as_ann["ann 2"]["week_pick"] == other.home_team.abbreviation
    assert as_ann["ann 2"]["chance_survive"] == pytest.approx(rows["ann 2"].chance_survive)
    assert as_ann["ann"]["chance_survive"] == pytest.approx(home)
    assert (as_bob["ann 2"]["week_pick"], as_bob["ann 2"]["chance_survive"]) == (None, None)
    assert as_bob["bob"]["chance_survive"] == pytest.approx(1 - home)

    final = parse_scoreboard(final_payload, "football/nfl").games
    with django_capture_on_commit_callbacks(execute=True):
        ingest_snapshots(final, now=first_kickoff + timedelta(hours=12))
    run_queued_grading()
    result = next(g for g in final if g.espn_id == lined.espn_id)
    home_won = result.home.score > result.away.score
    after = {r.entry_name: r for r in week_standings(league, Week(2, 15)).rows}
    winner, loser = ("ann", "bob") if home_won else ("bob", "ann")
    assert (after[winner].chance_survive, after[loser].chance_survive) == (1.0, None)  # the fallen: none
    assert after["cat"].chance_survive is None


def test_the_chance_to_survive_costs_no_query_per_entry_and_shows_on_the_page(client):
    def standings_queries(members: int) -> int:
        week = Week(2, members)
        games = week_of_games(week, [(f"H{members}{n}", f"A{members}{n}", "-3") for n in range(3)], start=NOW)
        set_result(games[0], phase=Phase.LIVE, home_score=7, away_score=0)
        league = survivor_league(make_user(f"c{members}"))
        for i in range(members):
            make_pick(entry_of(league, make_user(f"m{members}-{i}")), games[i % 3], "home" if i % 2 else "away")
        with CaptureQueriesContext(connection) as standing:
            rows = week_standings(league, week).rows
        picked = [row.chance_survive for row in rows if row.week_pick]
        assert len(picked) == members and all(0 < chance < 1 for chance in picked)
        return len(standing)

    assert standings_queries(3) == standings_queries(15)

    week = Week(2, 15)
    commish = get_user_model().objects.get(username="c15")
    league = PickemLeague.objects.get(commissioner=commish)
    client.force_login(commish)
    entry_of(league, commish)
    page = client.get(f"/picks/leagues/{league.pk}/?week={week.slug}").content.decode()
    assert "Survive</abbr>" in page and "data-chance-survive" in page
