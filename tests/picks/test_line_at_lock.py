"""The line at lock is the line at lock: a poll that brings the kickoff and a moved line at once
never lets the moved line into an against-the-spread league's grading, whatever runs after it.

Real recorded ESPN JSON through the real poll (HTTP mocked with `responses`, time with time_machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import orjson
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.redis_client import cache_redis
from config.redis_keys import STANDINGS_KEY
from espn.parsing import parse_scoreboard
from games.ingest import ingest_snapshots
from games.models import Game
from games.polling import poll_scoreboards
from games.stream_publisher import parse_stream_message
from picks.chance import week_chances
from picks.grading import freeze_lines_at_lock, grade_missed_games, side_results
from picks.lines import publication_moment, publish_weekly_lines
from picks.models import Entry, GameLine, Pick, PickemLeague, PickResult, PublishedLine
from picks.presenters import straight_up_for_want_of_a_line
from picks.selectors import pick_lines, week_board
from picks.standings import week_standings
from picks.standings_stream import publish_standings_for
from picks.submission import PickInput, submit_picks
from picks.weeks import Week
from tests.celery_queue import run_queued_grading
from tests.games.conftest import NFL_LIVE_DAY, event, fixture_copy, set_final, set_score, set_status
from tests.ops.conftest import espn_client

from .factories import NOW, entry_of, line_at_lock, make_game, make_league, make_pick, make_user

pytestmark = pytest.mark.django_db

NYG_AT_TEN = "401437640"  # scheduled 20:25 UTC in the recording, "TEN -5.5"
BEFORE_KICKOFF = datetime(2022, 9, 11, 19, 0, tzinfo=UTC)
JUST_AFTER_KICKOFF = datetime(2022, 9, 11, 20, 27, tzinfo=UTC)
AFTER_THE_GAME = datetime(2022, 9, 11, 23, 40, tzinfo=UTC)


def poll_at(now: datetime):
    with time_machine.travel(now, tick=False):
        result = poll_scoreboards(force=True, now=now, client=espn_client())
    assert not result.errors, result.errors
    return result


def move_line(board: dict, details: str) -> None:
    event(board, NYG_AT_TEN)["competitions"][0]["odds"][0]["details"] = details


def test_a_poll_that_sees_the_kickoff_and_a_new_line_at_once_freezes_the_line_before_kickoff(
    fake_espn, django_capture_on_commit_callbacks
):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    game = Game.objects.get(espn_id=NYG_AT_TEN)
    assert game.spread == Decimal("-5.5")  # home (TEN) favoured by 5.5

    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    with time_machine.travel(BEFORE_KICKOFF, tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)], now=BEFORE_KICKOFF)

    # The first poll after kickoff: the game is under way and ESPN's line moved to TEN -7.5.
    set_status(board, NYG_AT_TEN, name="STATUS_IN_PROGRESS", state="in", completed=False, short="1st 14:20")
    set_score(board, NYG_AT_TEN, home=0, away=0)
    move_line(board, "TEN -7.5")
    poll_at(JUST_AFTER_KICKOFF)
    assert Game.objects.get(pk=game.pk).spread == Decimal("-7.5")  # the game shows ESPN's latest line
    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")  # frozen by that very poll

    with time_machine.travel(JUST_AFTER_KICKOFF, tick=False):
        freeze_lines_at_lock(now=JUST_AFTER_KICKOFF)  # the sweep after it changes nothing
    move_line(board, "TEN -9.5")
    poll_at(JUST_AFTER_KICKOFF.replace(minute=40))  # nor does a later poll

    # TEN wins by 6: covers -5.5, would not have covered -7.5.
    set_final(board, NYG_AT_TEN)
    set_score(board, NYG_AT_TEN, home=27, away=21)
    with django_capture_on_commit_callbacks(execute=True):
        poll_at(AFTER_THE_GAME)
    assert run_queued_grading() == [[game.pk]]

    pick = Pick.objects.get()
    assert (pick.result, line_at_lock(pick)) == (PickResult.WIN, Decimal("-5.5"))
    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")


def test_a_game_first_locked_by_the_clock_keeps_the_line_it_had_while_open(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    game = Game.objects.get(espn_id=NYG_AT_TEN)
    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)], now=BEFORE_KICKOFF)

    # Past kickoff ESPN still says scheduled but moves the line: the game is locked by the clock.
    move_line(board, "TEN -7.5")
    poll_at(JUST_AFTER_KICKOFF)

    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")


def test_freezing_at_lock_costs_the_ingest_the_same_queries_for_one_game_as_for_three(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    late_games = ["401437649", "401437653", "401437643"]  # GB @ MIN, KC @ ARI, LV @ LAC: 20:25 UTC too
    games = {g.espn_id: g for g in Game.objects.filter(espn_id__in=[NYG_AT_TEN, *late_games])}
    lines_before = {espn_id: game.spread for espn_id, game in games.items()}
    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    picks = [PickInput(g.pk, g.home_team_id) for g in games.values()]
    submit_picks(user=ann.user, entry=ann, picks=picks, now=BEFORE_KICKOFF)

    def kick_off(espn_ids: list[str], now: datetime) -> int:
        for espn_id in espn_ids:
            set_status(board, espn_id, name="STATUS_IN_PROGRESS", state="in", completed=False, short="1st 15:00")
            event(board, espn_id)["competitions"][0]["odds"][0]["details"] = "EVEN"
        with CaptureQueriesContext(connection) as captured:
            ingest_snapshots(parse_scoreboard(board, "football/nfl").games, now=now)
        return len(captured.captured_queries)

    one = kick_off([NYG_AT_TEN], JUST_AFTER_KICKOFF)
    three = kick_off(late_games, JUST_AFTER_KICKOFF.replace(minute=30))

    assert one == three
    frozen = dict(GameLine.objects.values_list("game__espn_id", "spread"))
    assert frozen == lines_before and all(spread is not None for spread in frozen.values())


# --------------------------------------------------------------------------- one rule: grading and every reader

# Each league rule; grading's CASE (grading.line_condition) and `pick_lines` must agree for every one.
RULES: dict[str, dict] = {
    "straight": {},
    "straight, weekly setting": {"line_lock": "weekly"},  # a straight-up league's lock settings play no part
    "kickoff": {"against_spread": True},
    "tuesday": {"against_spread": True, "line_lock": "weekly"},  # published from the recorded lines
    "wednesday": {"against_spread": True, "line_lock": "weekly", "line_weekday": 2, "line_time": time(9, 30)},
    "friday": {"against_spread": True, "line_lock": "weekly", "line_weekday": 4},  # never published: kickoff's
}
# The recorded line (published Tuesday), the one published Wednesday, the one at kickoff: ESPN details.
LINES = {
    "401437640": ("TEN -5.5", "TEN -7.5", "TEN -3.5"),  # NYG @ TEN
    "401437649": ("MIN -2.0", "MIN -1", "MIN -3"),  # GB @ MIN
    "401437653": ("KC -6.5", "KC -3", "EVEN"),  # KC @ ARI: an even line at kickoff
    "401437643": ("LAC -3.5", "OFF", "LAC -3"),  # LV @ LAC: no line when Wednesday's was published
    "401437644": ("TB -2.5", "TB -4.5", "OFF"),  # TB @ DAL: no line by kickoff
    "401437655": ("DEN -6.5", "DEN -6.5", "DEN -6.5"),  # DEN @ SEA
}
FINALS = {  # (home, away)
    "401437640": (27, 21),
    "401437649": (24, 22),
    "401437653": (20, 24),
    "401437643": (23, 20),
    "401437644": (19, 21),
    "401437655": (17, 16),
}
W, L, P = PickResult.WIN, PickResult.LOSS, PickResult.PUSH
# A home pick's result per league, in LINES order: each rule grades some game unlike the others.
HOME_RESULTS = {
    "straight": (W, W, L, W, L, W),
    "straight, weekly setting": (W, W, L, W, L, W),
    "kickoff": (W, L, L, P, L, W),  # ARI even and DAL without a line: straight up
    "tuesday": (W, P, W, L, W, W),
    "wednesday": (L, W, L, W, W, W),  # LAC without a line: straight up
    "friday": (W, L, L, P, L, W),
}


def set_lines(board: dict, which: int) -> None:
    for espn_id, details in LINES.items():
        event(board, espn_id)["competitions"][0]["odds"] = [{"details": details[which]}]


@dataclass
class SixLeagues:
    board: dict  # the recorded scoreboard the fake ESPN serves, as the test moves it on
    leagues: dict[str, PickemLeague]  # by RULES name
    entries: dict[tuple[str, str], Entry]  # (RULES name, "home" or "away"): picks that side of every game
    games: list[Game]


def six_leagues_kicked_off(fake_espn) -> SixLeagues:
    """A league for each rule in RULES on the recorded NFL day, two members each (one picks every home
    team, one every away team), the lines of LINES published and frozen; then every game of LINES kicks
    off 0-0 and ESPN's line moves at once."""
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    set_lines(board, 0)
    poll_at(BEFORE_KICKOFF)
    leagues = {}
    for name, rules in RULES.items():
        league = make_league(name=name, season_year=2022, against_spread=rules.get("against_spread", False))
        PickemLeague.objects.filter(pk=league.pk).update(**{k: v for k, v in rules.items() if k != "against_spread"})
        leagues[name] = PickemLeague.objects.get(pk=league.pk)
        if name == "tuesday":  # Tuesday's line is published before the others are in use
            publish_weekly_lines(now=BEFORE_KICKOFF)
    set_lines(board, 1)
    poll_at(BEFORE_KICKOFF + timedelta(minutes=10))
    publish_weekly_lines(now=BEFORE_KICKOFF + timedelta(minutes=10))  # Wednesday's; Friday's is too old
    games = list(Game.objects.filter(season__year=2022).select_related("home_team", "away_team"))
    entries = {}
    for name, league in leagues.items():
        for side in ("home", "away"):
            entries[(name, side)] = entry_of(league, make_user(f"{name}-{side}"))
            for game in games:
                make_pick(entries[(name, side)], game, side)
    set_lines(board, 2)
    poll_at(BEFORE_KICKOFF + timedelta(minutes=20))
    for espn_id in LINES:  # every game with a line kicks off, and ESPN's line moves at once
        set_status(board, espn_id, name="STATUS_IN_PROGRESS", state="in", completed=False, short="1st 14:20")
        set_score(board, espn_id, home=0, away=0)
        event(board, espn_id)["competitions"][0]["odds"] = [{"details": "OFF"}]
    poll_at(JUST_AFTER_KICKOFF)
    return SixLeagues(board, leagues, entries, games)


def test_grading_and_every_reader_derive_the_same_line_for_every_rule_on_recorded_games(fake_espn):
    day = six_leagues_kicked_off(fake_espn)
    board, games, entries = day.board, day.games, day.entries
    for espn_id, (home, away) in FINALS.items():
        set_final(board, espn_id)
        set_score(board, espn_id, home=home, away=away)
    for game in games:
        if game.espn_id not in FINALS:
            set_final(board, game.espn_id)  # the recorded score
    poll_at(AFTER_THE_GAME)
    grade_missed_games(now=AFTER_THE_GAME)

    picks = list(Pick.objects.select_related("entry__league", "game"))
    assert len(picks) == len(RULES) * 2 * len(games) and all(p.result != PickResult.PENDING for p in picks)
    lines = pick_lines(picks)
    by_league_and_game = {(p.entry.league.name, p.entry.user.username, p.game.espn_id): p for p in picks}
    # What each rule grades on, as recorded and published.
    home_results = {
        name: tuple(by_league_and_game[(name, f"{name}-home", espn_id)].result for espn_id in LINES) for name in RULES
    }
    assert home_results == HOME_RESULTS
    ten = {name: lines[by_league_and_game[(name, f"{name}-home", "401437640")].pk] for name in RULES}
    assert {name: (line.at_lock, line.graded_on) for name, line in ten.items()} == {
        "straight": (Decimal("-3.5"), None),
        "straight, weekly setting": (Decimal("-3.5"), None),
        "kickoff": (Decimal("-3.5"), Decimal("-3.5")),
        "tuesday": (Decimal("-5.5"), Decimal("-5.5")),
        "wednesday": (Decimal("-7.5"), Decimal("-7.5")),
        "friday": (Decimal("-3.5"), Decimal("-3.5")),
    }
    # The selector gives every pick the line grading graded it on, on every game, for every rule.
    wrong = []
    for pick in picks:
        game = pick.game
        home, away = side_results(game.home_score, game.away_score, lines[pick.pk].graded_on)
        expected = home if pick.team_id == game.home_team_id else away
        if pick.result != expected:
            wrong.append(f"{pick.entry.league.name} {game.espn_id}: {pick.result}, its line gives {expected}")
    assert wrong == []
    # The pick page and API show each pick's line, and "graded straight up", from the same rule.
    for (name, _side), entry in entries.items():
        board_rows = week_board(entry, Week(2, 1), now=AFTER_THE_GAME).rows
        for row in board_rows:
            line = lines[row.pick.pk]
            shown = (row.line, straight_up_for_want_of_a_line(row, against_spread=line.rule.against_spread))
            assert shown == (line.at_lock, line.rule.against_spread and line.at_lock is None), (name, row.game)


LAST_SECONDS = AFTER_THE_GAME - timedelta(minutes=5)


def test_the_live_projection_and_the_chance_to_win_use_the_line_grading_uses_for_every_rule(fake_espn):
    day = six_leagues_kicked_off(fake_espn)
    board = day.board
    grade_missed_games(now=JUST_AFTER_KICKOFF)  # the recording's two final games: graded points already
    # The last second of every game of LINES, its final score on the board, still in play.
    for espn_id, (home, away) in FINALS.items():
        set_status(board, espn_id, name="STATUS_IN_PROGRESS", state="in", completed=False, short="0:00 - 4th")
        event(board, espn_id)["competitions"][0]["status"].update({"period": 4, "displayClock": "0:00"})
        set_score(board, espn_id, home=home, away=away)
    poll_at(LAST_SECONDS)
    week = Week(2, 1)
    with time_machine.travel(LAST_SECONDS, tick=False):
        publish_standings_for(game_ids=[game.pk for game in day.games])  # the projection the pages are pushed
        chances = {name: week_chances(league, week) for name, league in day.leagues.items()}
    projected = {}
    for name, league in day.leagues.items():
        document = orjson.loads(parse_stream_message(cache_redis().get(STANDINGS_KEY.format(league_id=league.pk)))[2])
        assert document["live_games"] == 14  # the recording's eight, and the six of LINES
        projected[name] = {row["username"]: row["projected_points"] for row in document["rows"]}
    # The chance to win: in the last second, a home pick on a game of LINES wins, loses or is level
    # (1, 0 or a coin flip) as its line at lock makes it.
    ats = {0.0: PickResult.LOSS, 0.5: PickResult.PUSH, 1.0: PickResult.WIN}
    by_espn_id = {game.espn_id: game.pk for game in day.games}
    chance_results = {
        name: tuple(ats[round(found.home_pick_wins[by_espn_id[espn_id]] * 2) / 2] for espn_id in LINES)
        for name, found in chances.items()
    }

    for espn_id in FINALS:  # the games end as they stood
        set_final(board, espn_id)
    for game in day.games:
        if game.espn_id not in FINALS:
            set_final(board, game.espn_id)  # the recorded score
    poll_at(AFTER_THE_GAME)
    grade_missed_games(now=AFTER_THE_GAME)

    graded = {
        name: {row.username: row.points for row in week_standings(league, week).rows}
        for name, league in day.leagues.items()
    }
    assert projected == graded
    assert chance_results == HOME_RESULTS


def test_the_line_of_any_number_of_picks_costs_the_same_queries():
    def queries(members: int) -> int:
        kickoff = NOW + timedelta(days=7 * members)
        weekly = PickemLeague.objects.filter(pk=make_league(against_spread=True).pk)
        weekly.update(line_lock="weekly")
        leagues = [make_league(), make_league(against_spread=True), weekly.get()]
        picks = []
        for week in range(members):
            game = make_game(home=f"H{members}{week}", away="A", week=10 * members + week, kickoff=kickoff, spread="-3")
            GameLine.objects.create(game=game, spread=game.spread)  # the weekly league's line: published as none
            PublishedLine.objects.create(game=game, published_at=publication_moment(kickoff, weekday=1, at=time(12)))
            for league in leagues:
                picks.append(make_pick(entry_of(league, make_user(f"m{members}-{week}-{league.pk}")), game, "home"))
        with CaptureQueriesContext(connection) as run:
            lines = pick_lines(picks)
        assert len(lines) == len(picks) and sum(line.at_lock is None for line in lines.values()) == members
        return len(run)

    assert queries(1) == queries(6) == 4  # the picks, their kickoff lines, weeks' first kickoffs, published lines
