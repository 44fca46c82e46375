"""Every league rule, played on recorded ESPN games the real way: scoreboard JSON -> parsing -> ingest ->
grading after commit -> standings.

The games are real ESPN responses (tests/fixtures/espn/): the thirteen finals of NFL 2024 week 15,
Super Bowl LIX, and NFL 2022 week 1, where IND at HOU stood 20-20 late and ended 20-20 (the only tie
recorded here). What the recordings do not hold is laid over them, and said so where it is: the
scheduled shape before kickoff (`as_scheduled`), a line where a test needs one (`with_lines`), a
postponement and its new date.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from espn.parsing import parse_scoreboard
from games.ingest import ingest_snapshots
from games.models import Game
from picks import leagues
from picks.grading import void_picks_moved_out_of_their_week
from picks.lines import publish_weekly_lines
from picks.models import Pick, PickResult
from picks.standings import season_standings, week_standings
from picks.submission import PickInput, submit_picks
from picks.survivor import auto_pick_missed_weeks
from picks.weeks import Week
from tests.celery_queue import run_queued_grading
from tests.espn_fixtures import load_fixture

from .factories import make_user
from .test_ingest_grading import FINAL_DAY, as_scheduled

pytestmark = pytest.mark.django_db

SUPER_BOWL_LIX = "nfl/scoreboard-2024-postseason-superbowl-LIX-final.json"  # KC 22 @ PHI 40
WEEK1_2022 = "nfl/scoreboard-2022-wk01-20220911-live-mixed.json"  # IND 20 @ HOU 20 late, and two finals
W15, SB = Week(2, 15), Week(3, 5)
KC_AT_CLE = "401671854"  # KC 21 @ CLE 7: KC by 14
WSH_AT_NO = "401671737"  # WSH 20 @ NO 19
MIA_AT_HOU = "401671860"  # MIA 12 @ HOU 20
BAL_AT_NYG = "401671639"  # BAL 35 @ NYG 14
GB_AT_SEA = "401671796"  # GB 30 @ SEA 13, the week's last game
IND_AT_HOU = "401437637"


def events(payload: dict, *espn_ids: str) -> dict:
    kept = copy.deepcopy(payload)
    kept["events"] = [e for e in kept["events"] if e["id"] in espn_ids]
    return kept


def with_lines(payload: dict, lines: dict[str, str]) -> dict:
    """ESPN's odds block, as its scoreboard sends it, for the games given: espn id -> "KC -13.5"."""
    changed = copy.deepcopy(payload)
    for event in changed["events"]:
        if event["id"] not in lines:
            continue
        favourite, points = lines[event["id"]].split()
        competitors = event["competitions"][0]["competitors"]
        home = next(c for c in competitors if c["homeAway"] == "home")["team"]["abbreviation"]
        spread = float(points) if favourite == home else -float(points)
        event["competitions"][0]["odds"] = [{"details": lines[event["id"]], "spread": spread, "overUnder": 44.5}]
    return changed


def ended_tied(payload: dict, espn_id: str) -> dict:
    """The recorded game as it ended: the score it stood at, now final (IND-HOU 2022 ended 20-20 in overtime)."""
    changed = copy.deepcopy(payload)
    final_status = next(
        e["competitions"][0]["status"]
        for e in changed["events"]
        if e["competitions"][0]["status"]["type"]["name"] == "STATUS_FINAL"
    )
    for event in changed["events"]:
        if event["id"] == espn_id:
            event["competitions"][0]["status"] = copy.deepcopy(final_status)
    return changed


def postponed(payload: dict, espn_id: str) -> dict:
    changed = as_scheduled(payload)
    for event in changed["events"]:
        if event["id"] == espn_id:
            event["competitions"][0]["status"]["type"].update(
                {"id": "6", "name": "STATUS_POSTPONED", "state": "post", "completed": False,
                 "detail": "Postponed", "shortDetail": "Postponed"}
            )  # fmt: skip
    return changed


def moved(payload: dict, espn_id: str, *, by: timedelta, week: int | None = None) -> dict:
    """The game on its new date (and, when given, in another week)."""
    changed = copy.deepcopy(payload)
    for event in changed["events"]:
        if event["id"] == espn_id:
            kickoff = datetime.fromisoformat(event["date"].replace("Z", "+00:00")) + by
            event["date"] = event["competitions"][0]["date"] = kickoff.strftime("%Y-%m-%dT%H:%MZ")
            if week is not None:
                event["week"]["number"] = week
    return changed


class Recorded:
    """A recorded scoreboard, ingested as it stood before kickoff; `play` ingests the finals as a poll does."""

    def __init__(self, capture, payload: dict, *, lines: dict[str, str] | None = None):
        self.capture = capture
        self.payload = payload
        before = parse_scoreboard(with_lines(as_scheduled(payload), lines or {}), "football/nfl").games
        self.first_kickoff = min(g.kickoff for g in before)
        self.last_kickoff = max(g.kickoff for g in before)
        ingest_snapshots(before, now=self.first_kickoff - timedelta(days=6))

    def ingest(self, payload: dict, *, now: datetime) -> None:
        with self.capture(execute=True):
            ingest_snapshots(parse_scoreboard(payload, "football/nfl").games, now=now)
        run_queued_grading()

    def play(self, payload: dict | None = None) -> None:
        self.ingest(self.payload if payload is None else payload, now=self.last_kickoff + timedelta(hours=4))

    @staticmethod
    def game(espn_id: str) -> Game:
        return Game.objects.select_related("home_team", "away_team").get(espn_id=espn_id)


@pytest.fixture
def recorded(django_capture_on_commit_callbacks):
    def load(path: str = FINAL_DAY, *, only: tuple[str, ...] = (), lines: dict[str, str] | None = None) -> Recorded:
        payload = load_fixture(path)
        return Recorded(django_capture_on_commit_callbacks, events(payload, *only) if only else payload, lines=lines)

    return load


_bosses = itertools.count()


def league(year: int = 2024, *, before: datetime, **rules):
    made = leagues.league_create(
        commissioner=make_user(f"boss{next(_bosses)}"),
        name="Recorded", espn_league="football/nfl", season_year=year, now=before - timedelta(days=7), **rules,
    )  # fmt: skip
    made.entries.all().delete()  # the commissioner does not play here
    return made


def member(pool, name: str):
    entry, _ = leagues.league_join(user=make_user(name), invite_code=pool.invite_code, now=pool.created_at)
    return entry


def pick(entry, *picks: tuple[str, str], at: datetime, weights: tuple[int, ...] = ()) -> None:
    """(espn id, abbreviation) pairs, submitted through the rules an hour before the first kickoff."""
    chosen = []
    for n, (espn_id, team) in enumerate(picks):
        game = Recorded.game(espn_id)
        team_id = game.home_team_id if game.home_team.abbreviation == team else game.away_team_id
        chosen.append(PickInput(game.pk, team_id, weights[n] if weights else None))
    with time_machine.travel(at - timedelta(hours=1), tick=False):
        submit_picks(user=entry.user, entry=entry, picks=chosen)


def result(entry, espn_id: str) -> str:
    return Pick.objects.get(entry=entry, game__espn_id=espn_id).result


def rows(standings) -> dict:
    return {row.entry_name: row for row in standings.rows}


# --------------------------------------------------------------------------- pick'em


def test_confidence_against_the_spread_on_the_line_frozen_at_kickoff(recorded):
    week = recorded(lines={KC_AT_CLE: "KC -16.5", MIA_AT_HOU: "HOU -3.5", WSH_AT_NO: "NO -1.5"})
    pool = league(before=week.first_kickoff, scoring="confidence", against_spread=True)
    ann = member(pool, "ann")
    pick(ann, (KC_AT_CLE, "KC"), (MIA_AT_HOU, "HOU"), (WSH_AT_NO, "WSH"), at=week.first_kickoff, weights=(13, 12, 11))
    week.play()
    # KC won by 14, short of 16.5; HOU by 8 covered 3.5; WSH, +1.5, won outright.
    assert [result(ann, g) for g in (KC_AT_CLE, MIA_AT_HOU, WSH_AT_NO)] == ["loss", "win", "win"]
    assert rows(week_standings(pool, W15))["ann"].points == 12 + 11


def test_a_weekly_line_lock_grades_on_tuesdays_line_a_kickoff_lock_on_the_kickoff_line(recorded):
    week = recorded(only=(KC_AT_CLE,), lines={KC_AT_CLE: "KC -13.5"})  # Monday's line
    weekly = league(before=week.first_kickoff, against_spread=True, line_lock="weekly", line_weekday=1,
                    line_time=time(12, 0))  # fmt: skip
    kickoff = league(before=week.first_kickoff, against_spread=True)
    ann, bob = member(weekly, "ann"), member(kickoff, "bob")
    pick(ann, (KC_AT_CLE, "KC"), at=week.first_kickoff)
    pick(bob, (KC_AT_CLE, "KC"), at=week.first_kickoff)
    tuesday_noon = datetime(2024, 12, 10, 17, 0, tzinfo=UTC)  # 12:00 US Eastern
    assert publish_weekly_lines(now=tuesday_noon) == 1
    # By Saturday the line has moved past KC's margin; the week's games are as recorded.
    week.ingest(with_lines(as_scheduled(week.payload), {KC_AT_CLE: "KC -14.5"}), now=week.first_kickoff - timedelta(1))
    week.play()
    assert (result(ann, KC_AT_CLE), result(bob, KC_AT_CLE)) == ("win", "loss")  # 14 covers 13.5, not 14.5


def test_a_missed_pick_is_the_favourite_at_lock_or_the_home_team_without_a_line(recorded):
    week = recorded(only=(KC_AT_CLE, WSH_AT_NO), lines={KC_AT_CLE: "KC -4.5"})  # no line for WSH at NO
    pool = league(before=week.first_kickoff, missed_picks="favourite")
    ann = member(pool, "ann")
    week.play()
    made = {p.game.espn_id: (p.team.abbreviation, p.auto, p.result) for p in Pick.objects.filter(entry=ann)}
    assert made == {KC_AT_CLE: ("KC", True, "win"), WSH_AT_NO: ("NO", True, "loss")}


def test_a_whole_missed_week_scores_the_lowest_minus_one_and_entries_are_named(recorded):
    week = recorded()
    pool = league(before=week.first_kickoff, missed_picks="lowest_minus_one", entries_per_member=2)
    ann, bob = member(pool, "ann"), member(pool, "bob")
    member(pool, "cat")  # picks nothing
    long_shot = leagues.entry_add(user=ann.user, league=pool, name="ann · long shots", now=pool.created_at)
    games = list(Game.objects.filter(week=15).select_related("home_team", "away_team"))
    pick(ann, *[(g.espn_id, g.home_team.abbreviation) for g in games], at=week.first_kickoff)
    pick(long_shot, *[(g.espn_id, g.away_team.abbreviation) for g in games], at=week.first_kickoff)
    pick(bob, (KC_AT_CLE, "KC"), at=week.first_kickoff)  # one pick: not a missed week
    week.play()
    by_name = rows(week_standings(pool, W15))
    home_wins = sum(1 for g in Game.objects.filter(week=15) if g.home_score > g.away_score)
    assert by_name["ann"].points == home_wins and by_name["ann · long shots"].points == 13 - home_wins
    assert by_name["bob"].points == 1
    assert (by_name["cat"].points, by_name["cat"].missed_week) == (0, True)  # the lowest (bob's 1) minus one


def test_season_standings_drop_each_entrys_lowest_week(recorded):
    week15 = recorded(only=(KC_AT_CLE, WSH_AT_NO, BAL_AT_NYG))
    super_bowl = recorded(SUPER_BOWL_LIX)
    pool = league(before=week15.first_kickoff, drop_lowest_weeks=1)
    ann = member(pool, "ann")
    pick(ann, (KC_AT_CLE, "KC"), (WSH_AT_NO, "WSH"), (BAL_AT_NYG, "NYG"), at=week15.first_kickoff)  # 2 of 3
    week15.play()
    super_bowl_game = Game.objects.get(season_type=3)
    pick(ann, (super_bowl_game.espn_id, "KC"), at=super_bowl.first_kickoff)  # PHI won: 0 that week
    super_bowl.play()
    season = rows(season_standings(pool))["ann"]
    assert (season.points, season.dropped_weeks, season.record) == (2, [SB], "2-2")  # the record counts them all


def test_a_postponed_game_voids_its_picks_or_keeps_them_when_played_the_same_week(recorded):
    week = recorded(only=(KC_AT_CLE, WSH_AT_NO))
    void, keep = league(before=week.first_kickoff), league(before=week.first_kickoff, postponed_games="keep_same_week")
    ann, bob = member(void, "ann"), member(keep, "bob")
    for entry in (ann, bob):
        pick(entry, (KC_AT_CLE, "KC"), (WSH_AT_NO, "WSH"), at=week.first_kickoff)
    # KC at CLE is postponed on the day, played the next day; WSH at NO moves to the next week.
    week.ingest(postponed(week.payload, KC_AT_CLE), now=week.first_kickoff + timedelta(minutes=30))
    assert (result(ann, KC_AT_CLE), result(bob, KC_AT_CLE)) == ("void", "pending")
    week.ingest(postponed(week.payload, WSH_AT_NO), now=week.first_kickoff + timedelta(minutes=40))
    later = moved(week.payload, KC_AT_CLE, by=timedelta(days=1))
    later = moved(later, WSH_AT_NO, by=timedelta(days=7), week=16)
    week.ingest(as_scheduled(later), now=week.first_kickoff + timedelta(hours=2))
    assert void_picks_moved_out_of_their_week(now=week.first_kickoff + timedelta(hours=2)) == 1
    assert week_standings(keep, W15).complete is False  # the kept pick is still to be played
    week.ingest(later, now=week.first_kickoff + timedelta(days=8, hours=4))
    assert (result(bob, KC_AT_CLE), result(bob, WSH_AT_NO)) == ("win", "void")
    assert result(ann, WSH_AT_NO) == "void"  # played in week 16: never a week-15 pick's result, whatever the rule
    assert rows(week_standings(keep, W15))["bob"].points == 1 and week_standings(keep, W15).complete


def test_a_tie_is_a_push(recorded):
    week = recorded(WEEK1_2022, only=(IND_AT_HOU,))
    pool = league(2022, before=week.first_kickoff)
    ann = member(pool, "ann")
    pick(ann, (IND_AT_HOU, "HOU"), at=week.first_kickoff)
    week.play(ended_tied(load_fixture(WEEK1_2022), IND_AT_HOU))
    assert result(ann, IND_AT_HOU) == PickResult.PUSH
    assert rows(week_standings(pool, Week(2, 1)))["ann"].record == "0-0-1"


# --------------------------------------------------------------------------- survivor


def survivor(week: Recorded, year: int = 2024, **rules):
    return league(year, before=week.first_kickoff, pool_type="survivor", **rules)


def alive(pool) -> dict:
    return {row.entry_name: (row.alive, row.lives_left, row.fell_in) for row in season_standings(pool).rows}


@pytest.mark.parametrize("tie_costs_life, after", [(True, (False, 0, Week(2, 1))), (False, (True, 1, None))])
def test_survivor_a_tie_costs_a_life_only_by_rule(recorded, tie_costs_life, after):
    week = recorded(WEEK1_2022, only=(IND_AT_HOU,))
    pool = survivor(week, 2022, survivor_tie_costs_life=tie_costs_life)
    ann = member(pool, "ann")
    pick(ann, (IND_AT_HOU, "HOU"), at=week.first_kickoff)
    week.play(ended_tied(load_fixture(WEEK1_2022), IND_AT_HOU))
    assert alive(pool)["ann"] == after


def test_survivor_lives_teams_used_and_a_buy_back_until_the_chosen_week(recorded):
    week = recorded()
    pool = survivor(week, survivor_lives=2, survivor_buyback_until_week=15)
    one_life = survivor(week, survivor_buyback_until_week=14)
    ann, bob, cat = member(pool, "ann"), member(pool, "bob"), member(one_life, "cat")
    pick(ann, (KC_AT_CLE, "CLE"), at=week.first_kickoff)  # a loss: one of two lives
    pick(bob, (KC_AT_CLE, "KC"), at=week.first_kickoff)
    pick(cat, (KC_AT_CLE, "CLE"), at=week.first_kickoff)
    week.play()
    assert alive(pool) == {"ann": (True, 1, None), "bob": (True, 2, None)}
    assert rows(season_standings(pool))["ann"].teams_used == ["CLE"]
    assert alive(one_life)["cat"] == (False, 0, W15)

    api = APIClient()
    api.force_authenticate(cat.user)
    with time_machine.travel(week.last_kickoff + timedelta(hours=5), tick=False):
        assert api.post(f"/api/picks/entries/{cat.pk}/buy-back/").status_code == 409  # week 14 has passed
        one_life.survivor_buyback_until_week = 15
        one_life.save(update_fields=["survivor_buyback_until_week"])
        assert api.post(f"/api/picks/entries/{cat.pk}/buy-back/").status_code == 200
        assert api.post(f"/api/picks/entries/{cat.pk}/buy-back/").status_code == 409  # once
    assert alive(one_life)["cat"] == (True, 1, None)


def test_survivor_a_missed_week_is_a_loss_or_the_first_unused_favourite(recorded):
    week = recorded(lines={KC_AT_CLE: "KC -4.5", BAL_AT_NYG: "BAL -16"})
    loss = survivor(week)
    favourite = survivor(week, survivor_missed_week="favourite")
    ann, bob = member(loss, "ann"), member(favourite, "bob")
    week.play()
    assert auto_pick_missed_weeks(now=week.last_kickoff + timedelta(hours=5)) == 1
    # The first favourite in kickoff order: at 18:00 UTC, BAL (by line) ahead of KC by espn id.
    assert Pick.objects.get(entry=bob).team.abbreviation == "BAL"
    assert result(bob, BAL_AT_NYG) == "win"
    assert alive(loss)["ann"] == (False, 0, W15) and alive(favourite)["bob"] == (True, 1, None)
    assert not Pick.objects.filter(entry=ann).exists()


@pytest.mark.parametrize("rule, winners, still_alive", [("co_winners", ["ann", "bob"], 0), ("stay_alive", [], 2)])
def test_survivor_when_all_who_remain_fall_together(recorded, rule, winners, still_alive):
    week = recorded()
    pool = survivor(week, survivor_all_out=rule)
    ann, bob = member(pool, "ann"), member(pool, "bob")
    pick(ann, (KC_AT_CLE, "CLE"), at=week.first_kickoff)
    pick(bob, (GB_AT_SEA, "SEA"), at=week.first_kickoff)
    week.play()
    season = season_standings(pool)
    assert sorted(row.entry_name for row in season.winners) == winners
    assert sum(1 for row in season.rows if row.alive) == still_alive


def test_survivor_the_pool_ends_with_its_last_survivor(recorded):
    week = recorded()
    pool = survivor(week)
    ann, bob, cat = member(pool, "ann"), member(pool, "bob"), member(pool, "cat")
    pick(ann, (GB_AT_SEA, "GB"), at=week.first_kickoff)
    pick(bob, (GB_AT_SEA, "SEA"), at=week.first_kickoff)
    pick(cat, (WSH_AT_NO, "NO"), at=week.first_kickoff)
    week.play()
    season = season_standings(pool)
    assert season.complete and [row.entry_name for row in season.winners] == ["ann"]
    assert alive(pool)["cat"] == (False, 0, W15)
