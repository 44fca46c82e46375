"""The ESPN replay server: timeline at chosen moments, and the HTTP surface against a real server.

No Django needed: `.venv/bin/pytest -p no:django tests/espn/test_replay.py`. Time is moved by
hand with a ManualClock; nothing sleeps beyond a fraction of a second.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from espn.replay import FaultConfig, ManualClock, ReplayClock, ReplayConfig, make_server
from espn.replay.__main__ import config_from_args, parse_args
from espn.replay.faults import HTML_200, HTML_502, HTTP_500, TIMEOUT, TRUNCATED
from espn.replay.recording import load_recordings, recording_from_summary
from espn.replay.scoreboard import scoreboard_event
from espn.replay.server import Replay
from espn.replay.summary import summary_payload
from espn.replay.timeline import EASTERN, ScheduledGame, schedule_games, state_at

START = datetime(2026, 9, 12, 16, 0, tzinfo=UTC)  # Saturday 12:00 PM EDT
NFL, CFB = "football/nfl", "football/college-football"
FINALS = {  # event id: (away, away score, home, home score), from the summaries' headers
    "401547417": ("GB", 24, "ATL", 25),
    "401671784": ("DAL", 20, "PIT", 17),
    "401671834": ("CLE", 10, "BAL", 35),
    "401772988": ("SEA", 29, "NE", 13),
    "400935250": ("WASH", 30, "RUTG", 14),
    "400935257": ("STAN", 62, "RICE", 7),
}


@pytest.fixture(scope="module")
def games() -> tuple[ScheduledGame, ...]:
    return schedule_games(load_recordings(), START)


def game_by_id(games: tuple[ScheduledGame, ...], event_id: str) -> ScheduledGame:
    return next(g for g in games if g.event_id == event_id)


def play_index(game: ScheduledGame, kind: str, period: int | None = None) -> int:
    plays = game.recording.plays
    return next(i for i, p in enumerate(plays) if p["type"]["text"] == kind and period in (None, p["period"]["number"]))


# --- timeline -------------------------------------------------------------------------------


def test_the_recorded_finals_are_the_real_ones(games):
    for game in games:
        recording = game.recording
        away, away_score, home, home_score = FINALS[game.event_id]
        assert recording.competitor("away")["team"]["abbreviation"] == away
        assert recording.competitor("home")["team"]["abbreviation"] == home
        assert (recording.final_away_score, recording.final_home_score) == (away_score, home_score)


def test_before_the_first_snap_the_game_is_scheduled(games):
    for game in games:
        for moment in (START, game.kickoff - timedelta(seconds=1), game.kickoff):
            state = state_at(game, moment)
            assert (state.state, state.status_name, state.period) == ("pre", "STATUS_SCHEDULED", 0)
            assert (state.home_score, state.away_score, state.plays_done) == (0, 0, 0)


def test_a_live_moment_shows_the_play_its_score_period_clock_and_possession(games):
    game = game_by_id(games, "401772988")  # Super Bowl LX
    index = play_index(game, "Field Goal Good")  # SEA's first field goal, 1st quarter 11:58
    state = state_at(game, game.moment_of_play(index))
    play = game.recording.plays[index]
    assert (state.state, state.status_name) == ("in", "STATUS_IN_PROGRESS")
    assert state.period == play["period"]["number"] == 1
    assert state.display_clock == play["clock"]["displayValue"]
    assert (state.away_score, state.home_score) == (3, 0)
    assert state.plays_done == index + 1
    assert state.possession == play["end"]["team"]["id"]
    # a moment later, before the next play, nothing changes
    assert state_at(game, game.moment_of_play(index) + timedelta(seconds=1)) == state


def test_halftime_and_quarter_breaks_are_seen(games):
    for game in games:
        halftime = state_at(game, game.moment_of_play(play_index(game, "End of Half")))
        assert (halftime.state, halftime.status_name, halftime.period) == ("in", "STATUS_HALFTIME", 2)
        assert halftime.possession == ""
        end_of_first = state_at(game, game.moment_of_play(play_index(game, "End Period", 1)))
        assert (end_of_first.status_name, end_of_first.period) == ("STATUS_END_PERIOD", 1)
        assert end_of_first.home_linescores == (end_of_first.home_score,)


def test_scores_and_states_never_go_back_over_a_sweep_of_the_whole_game(games):
    order = {"pre": 0, "in": 1, "post": 2}
    for game in games:
        moment, previous = game.kickoff - timedelta(minutes=5), None
        while moment <= game.final_at + timedelta(minutes=5):
            state = state_at(game, moment)
            if previous:
                assert state.home_score >= previous.home_score
                assert state.away_score >= previous.away_score
                assert order[state.state] >= order[previous.state]
                assert state.plays_done >= previous.plays_done
            assert sum(state.home_linescores) == state.home_score
            assert sum(state.away_linescores) == state.away_score
            previous, moment = state, moment + timedelta(seconds=20)
        assert previous.state == "post"


def test_the_final_is_exactly_the_recorded_final(games):
    for game in games:
        state = state_at(game, game.final_at)
        _, away_score, _, home_score = FINALS[game.event_id]
        assert (state.state, state.status_name, state.completed) == ("post", "STATUS_FINAL", True)
        assert (state.away_score, state.home_score) == (away_score, home_score)
        assert state.period == 4  # none of the recorded games went to overtime
        assert state_at(game, game.final_at - timedelta(seconds=1)).state == "in"
        assert state_at(game, game.final_at + timedelta(days=1)) == state


def test_the_play_by_play_score_glitch_does_not_take_points_back(games):
    # DAL-PIT: the plays after DAL's last touchdown say 19 (extra point retried after penalties).
    game = game_by_id(games, "401671784")
    raw = [p["awayScore"] for p in game.recording.plays]
    assert any(b < a for a, b in itertools.pairwise(raw)), "the recording has the glitch"
    assert list(game.recording.away_scores) == sorted(game.recording.away_scores)


def overtime_summary() -> dict:
    """A real summary cut down to a few plays, tied after regulation and won in overtime."""
    summary = copy.deepcopy(load_recordings()[0].summary)  # GB at ATL
    plays = [
        ("Kickoff", 1, "15:00", 0, 0),
        ("End Period", 1, "0:00", 0, 0),
        ("Rush", 2, "10:00", 7, 0),
        ("End of Half", 2, "0:00", 7, 0),
        ("Rush", 3, "10:00", 7, 7),
        ("End Period", 3, "0:00", 7, 7),
        ("End of Regulation", 4, "0:00", 7, 7),
        ("Kickoff", 5, "10:00", 7, 7),
        ("Field Goal Good", 5, "6:30", 10, 7),
        ("End of Game", 5, "6:30", 10, 7),
    ]
    template = summary["drives"]["previous"][0]["plays"][0]
    drive = summary["drives"]["previous"][0]
    drive["plays"] = []
    for n, (kind, period, clock, home, away) in enumerate(plays):
        play = copy.deepcopy(template)
        play.pop("wallclock", None)
        play.update(
            id=f"ot{n}",
            sequenceNumber=str(n + 1),
            type={"text": kind},
            period={"number": period},
            clock={"displayValue": clock},
            homeScore=home,
            awayScore=away,
        )
        drive["plays"].append(play)
    summary["drives"]["previous"] = [drive]
    linescores = {"home": ["0", "7", "0", "0", "3"], "away": ["0", "0", "7", "0", "0"]}
    for competitor in summary["header"]["competitions"][0]["competitors"]:
        competitor["score"] = "10" if competitor["homeAway"] == "home" else "7"
        competitor["linescores"] = [{"displayValue": v} for v in linescores[competitor["homeAway"]]]
    return summary


def test_overtime_is_replayed_as_ot_and_ends_final_ot():
    recording = recording_from_summary(overtime_summary())
    (game,) = schedule_games([recording], START)
    end_of_regulation = state_at(game, game.moment_of_play(6))
    assert (end_of_regulation.status_name, end_of_regulation.period) == ("STATUS_END_PERIOD", 4)
    in_overtime = state_at(game, game.moment_of_play(7))
    event = scoreboard_event(game, in_overtime)
    assert in_overtime.period == 5
    assert event["status"]["type"]["shortDetail"] == "10:00 - OT"
    final = state_at(game, game.final_at)
    event = scoreboard_event(game, final)
    assert (final.home_score, final.away_score, final.period) == (10, 7, 5)
    assert event["status"]["type"]["shortDetail"] == "Final/OT"
    assert [c["winner"] for c in event["competitions"][0]["competitors"]] == [True, False]


def test_kickoffs_are_rebased_staggered_and_minute_aligned():
    games = schedule_games(load_recordings(), START + timedelta(seconds=17), stagger=150)
    kickoffs = [g.kickoff for g in games]
    assert kickoffs[0] == START + timedelta(minutes=2)  # start + 60 s, rounded up to the minute
    assert all(k.second == 0 and k.microsecond == 0 for k in kickoffs)
    assert all(b - a >= timedelta(minutes=2) for a, b in itertools.pairwise(kickoffs))
    assert {g.recording.summary["header"]["season"]["year"] for g in games} == {2017, 2023, 2024, 2025}


def test_a_game_lasts_about_three_hours_of_replay_time(games):
    for game in games:
        length = game.final_at - game.kickoff
        assert timedelta(hours=2, minutes=30) <= length <= timedelta(hours=3)
    # The Super Bowl took 3h53 with its long halftime show; the replay compresses it to 3h.
    assert game_by_id(games, "401772988").final_at - game_by_id(games, "401772988").kickoff == timedelta(hours=3)


def test_college_games_without_wallclocks_are_timed_by_the_game_clock(games):
    game = game_by_id(games, "400935250")
    assert not any(p.get("wallclock") for p in game.recording.plays)
    halftime = game.moment_of_play(play_index(game, "End of Half"))
    second_half = game.moment_of_play(play_index(game, "End of Half") + 1)
    assert second_half - halftime >= timedelta(minutes=15)  # a real halftime break
    assert list(game.moments) == sorted(game.moments)


# --- HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple]]:
    """serve(config) -> (base URL of the ESPN API, status URL, clock, server) on a free port."""
    servers = []

    def start(config: ReplayConfig | None = None, clock_at: datetime | None = None) -> tuple:
        config = config or ReplayConfig(start=START)
        clock = ManualClock(clock_at or config.start)
        server = make_server("127.0.0.1", 0, config, clock)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.espn_base_url, f"{server.url}/replay/status", clock, server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def scoreboard(base: str, league: str = NFL, **params) -> requests.Response:
    return requests.get(f"{base}/{league}/scoreboard", params=params, timeout=5)


def summary(base: str, event_id: str, league: str = NFL) -> requests.Response:
    return requests.get(f"{base}/{league}/summary", params={"event": event_id}, timeout=5)


def test_scoreboard_answers_like_espn_json_and_max_age_2(serve):
    base, _, _, _ = serve()
    response = scoreboard(base, dates="20260912")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "max-age=2"
    payload = response.json()
    assert "season" not in payload and "week" not in payload  # dated scoreboards have neither
    assert [e["shortName"] for e in payload["events"]] == ["GB @ ATL", "DAL @ PIT", "CLE @ BAL", "SEA VS NE"]


def test_pre_game_event_has_zero_scores_odds_and_no_situation(serve):
    base, _, _, _ = serve()
    event = scoreboard(base, dates="20260912").json()["events"][1]  # DAL at PIT
    competition = event["competitions"][0]
    assert event["date"] == "2026-09-12T16:05Z"
    assert (event["season"], event["week"]) == (
        {"year": 2024, "type": 2, "slug": "regular-season"},
        {"number": 5},
    )
    assert competition["status"]["type"]["shortDetail"] == "9/12 - 12:05 PM EDT"
    assert [c["score"] for c in competition["competitors"]] == ["0", "0"]
    assert all("winner" not in c and "linescores" not in c for c in competition["competitors"])
    assert competition["odds"][0]["details"] == "PIT -2.5"
    assert competition["odds"][0]["spread"] == -2.5
    assert "situation" not in competition
    team = competition["competitors"][0]["team"]
    assert (team["abbreviation"], team["color"], team["alternateColor"]) == ("PIT", "000000", "ffb612")
    assert team["logo"].endswith("/scoreboard/pit.png")
    records = {r["type"]: r["summary"] for r in competition["competitors"][1]["records"]}
    assert records == {"total": "2-2", "road": "2-0"}  # DAL's record before this game (3-2 after)


def test_live_event_has_score_situation_and_no_odds(serve, games):
    base, _, clock, _ = serve()
    game = game_by_id(games, "401772988")
    index = play_index(game, "Field Goal Good")
    clock.set(game.moment_of_play(index) + timedelta(seconds=1))
    event = next(e for e in scoreboard(base, dates="20260912").json()["events"] if e["id"] == "401772988")
    competition = event["competitions"][0]
    assert competition["status"]["type"]["state"] == "in"
    assert competition["status"]["type"]["shortDetail"] == "11:58 - 1st"
    scores = {c["homeAway"]: c["score"] for c in competition["competitors"]}
    assert scores == {"home": "0", "away": "3"}
    assert "odds" not in competition
    situation = competition["situation"]
    assert situation["lastPlay"]["text"] == game.recording.plays[index]["text"]
    assert situation["lastPlay"]["scoreValue"] == 3


def test_final_event_has_winner_flags_and_the_real_score(serve, games):
    base, _, clock, _ = serve()
    clock.set(max(g.final_at for g in games))
    events = scoreboard(base, dates="20260912").json()["events"]
    for event in events:
        competition = event["competitions"][0]
        _, away_score, _, home_score = FINALS[event["id"]]
        by_side = {c["homeAway"]: c for c in competition["competitors"]}
        assert (by_side["away"]["score"], by_side["home"]["score"]) == (str(away_score), str(home_score))
        assert by_side["home"]["winner"] is (home_score > away_score)
        assert competition["status"]["type"] == {
            "id": "3",
            "name": "STATUS_FINAL",
            "state": "post",
            "completed": True,
            "description": "Final",
            "detail": "Final",
            "shortDetail": "Final",
        }
        assert "situation" not in competition


def test_games_are_filed_by_their_eastern_kickoff_date_late_in_the_evening(serve):
    late = datetime(2026, 9, 13, 2, 30, tzinfo=UTC)  # 10:30 PM EDT on Sept 12
    base, _, _, _ = serve(ReplayConfig(start=late))
    assert len(scoreboard(base, dates="20260912").json()["events"]) == 4
    assert scoreboard(base, dates="20260913").json()["events"] == []
    event = scoreboard(base).json()["events"][0]  # no dates: today in New York
    assert event["date"] == "2026-09-13T02:31Z"  # the UTC date is already the 13th


def test_kickoffs_rebased_across_midnight_eastern_go_on_the_next_day(serve):
    start = datetime(2026, 9, 13, 3, 50, tzinfo=UTC)  # 11:50 PM EDT: the 6th kickoff is after midnight
    base, _, clock, server = serve(ReplayConfig(start=start))
    eastern = [g.kickoff.astimezone(EASTERN).strftime("%Y%m%d %H:%M") for g in server.replay.games]
    assert eastern[-2:] == ["20260912 23:59", "20260913 00:01"]
    assert [e["id"] for e in scoreboard(base, dates="20260912").json()["events"]] == [
        "401547417",
        "401671784",
        "401671834",
    ]
    assert [e["id"] for e in scoreboard(base, dates="20260913").json()["events"]] == ["401772988"]
    assert len(scoreboard(base).json()["events"]) == 3  # still the 12th in New York
    clock.set(start + timedelta(minutes=11))
    assert [e["id"] for e in scoreboard(base).json()["events"]] == ["401772988"]


def test_a_date_range_is_refused_like_espn_does(serve):
    base, _, _, _ = serve()
    response = scoreboard(base, dates="20260912-20260913")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Failed to get events endpoint."}


def test_the_week_view_lists_the_games_recorded_in_that_week_like_espn(serve):
    base, _, _, _ = serve()

    def week(league: str = NFL, **params: str) -> dict:
        response = scoreboard(base, league, **params)
        assert response.status_code == 200, response.text
        return response.json()

    dal_at_pit = week(dates="2024", seasontype="2", week="5", limit="300")
    assert [e["id"] for e in dal_at_pit["events"]] == ["401671784"]
    assert (dal_at_pit["season"], dal_at_pit["week"]) == ({"type": 2, "year": 2024}, {"number": 5})
    assert [e["id"] for e in week(dates="2025", seasontype="3", week="5")["events"]] == ["401772988"]
    assert [e["id"] for e in week(CFB, dates="2017", seasontype="2", week="1", groups="80")["events"]] == [
        "400935250",
        "400935257",
    ]
    # A week with no recorded game is an empty week, as ESPN answers one without games.
    assert week(dates="2025", seasontype="2", week="3")["events"] == []
    # The same events as the dated scoreboard: rebased kickoffs, the state of the moment.
    dated = scoreboard(base, dates="20260912").json()["events"]
    assert dal_at_pit["events"][0] == next(e for e in dated if e["id"] == "401671784")


@pytest.mark.parametrize(
    "params", [{"dates": "20240915", "week": "5"}, {"dates": "2024", "week": "five"}, {"week": "5"}]
)
def test_a_week_view_without_a_season_year_is_refused(serve, params):
    base, _, _, _ = serve()
    response = scoreboard(base, **params)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Failed to get events endpoint."}


def test_college_groups_are_honoured(serve):
    base, _, _, _ = serve()

    def ids(**params: str) -> list[str]:
        return [e["id"] for e in scoreboard(base, CFB, dates="20260912", **params).json()["events"]]

    assert ids(groups="80") == ["400935250", "400935257"]
    assert ids(groups="5") == ["400935250"]  # Big Ten: Rutgers
    assert ids(groups="12") == ["400935257"]  # Conference USA: Rice
    assert ids(groups="8") == []  # SEC
    assert ids() == ["400935250", "400935257"]  # both have a ranked team (WASH 8, STAN 14)
    assert scoreboard(base, CFB, dates="20260912", groups="80").json()["groups"] == ["80"]
    assert ids(groups="80", limit="1") == ["400935250"]
    ranks = [
        c["curatedRank"]
        for c in scoreboard(base, CFB, dates="20260912").json()["events"][0]["competitions"][0]["competitors"]
    ]
    assert ranks == [{"current": 99}, {"current": 8}]


def test_college_scoreboard_without_groups_lists_only_top_25_games(games):
    game = game_by_id(games, "400935257")
    unranked_summary = copy.deepcopy(game.recording.summary)
    for competitor in unranked_summary["header"]["competitions"][0]["competitors"]:
        competitor.pop("rank", None)
    unranked = dataclasses.replace(game, recording=recording_from_summary(unranked_summary))
    assert Replay.listed(game, None)
    assert not Replay.listed(unranked, None)
    assert Replay.listed(unranked, "80")


def test_unknown_paths_leagues_and_events_are_404(serve):
    base, status_url, _, _ = serve()
    assert summary(base, "123").status_code == 404
    assert summary(base, "400935250", league=NFL).status_code == 404  # a college game
    assert scoreboard(base, "football/xfl").status_code == 404
    assert requests.get(status_url.replace("/replay/status", "/nope"), timeout=5).status_code == 404
    assert requests.get(f"{base}/{NFL}/teams", timeout=5).status_code == 404


def test_pre_game_summary_has_no_scores_and_no_plays(serve):
    base, _, _, _ = serve()
    payload = summary(base, "401547417").json()
    assert payload["header"]["competitions"][0]["status"]["type"]["state"] == "pre"
    assert all("score" not in c for c in payload["header"]["competitions"][0]["competitors"])
    assert "drives" not in payload and payload["winprobability"] == []


def test_summary_holds_plays_only_up_to_the_moment(serve, games):
    base, _, clock, _ = serve()
    game = game_by_id(games, "401671784")  # DAL at PIT
    index = play_index(game, "Passing Touchdown")
    now = game.moment_of_play(index) + timedelta(seconds=1)
    clock.set(now)
    payload = summary(base, game.event_id).json()
    drives = payload["drives"]
    plays = {p["id"]: p for d in drives["previous"] for p in d["plays"]}
    assert set(plays) == {p["id"] for p in game.recording.plays[: index + 1]}
    assert all(datetime.fromisoformat(p["wallclock"].replace("Z", "+00:00")) <= now for p in plays.values())
    assert drives["current"]["id"] == drives["previous"][-1]["id"]  # like ESPN's live summaries
    assert "result" not in drives["current"]
    assert {p["id"] for p in payload["scoringPlays"]} <= set(plays)
    assert payload["scoringPlays"][-1]["id"] == game.recording.plays[index]["id"]
    assert {w["playId"] for w in payload["winprobability"]} & {
        p["id"] for p in game.recording.plays[index + 1 :]
    } == set()
    header = payload["header"]["competitions"][0]
    state = state_at(game, now)
    assert header["status"]["type"]["name"] == "STATUS_IN_PROGRESS"
    assert header["status"]["period"] == state.period
    scores = {c["homeAway"]: c["score"] for c in header["competitors"]}
    assert scores == {"home": str(state.home_score), "away": str(state.away_score)}
    assert all("winner" not in c for c in header["competitors"])


def test_final_summary_has_every_play_and_the_real_final(serve, games):
    base, _, clock, _ = serve()
    game = game_by_id(games, "400935257")
    clock.set(game.final_at)
    payload = summary(base, game.event_id, league=CFB).json()
    header = payload["header"]["competitions"][0]
    assert header["status"]["type"]["completed"] is True
    assert {c["team"]["abbreviation"]: (c["score"], c["winner"]) for c in header["competitors"]} == {
        "STAN": ("62", True),
        "RICE": ("7", False),
    }
    assert sum(len(d["plays"]) for d in payload["drives"]["previous"]) == len(game.recording.plays)
    assert "current" not in payload["drives"]


def test_status_lists_games_states_and_expected_finals(serve, games):
    _, status_url, clock, _ = serve()
    report = requests.get(status_url, timeout=5).json()
    assert report["allFinal"] is False
    assert {g["id"] for g in report["games"]} == set(FINALS)
    for entry in report["games"]:
        away, away_score, home, home_score = FINALS[entry["id"]]
        assert entry["state"] == "pre"
        assert (entry["away"]["abbreviation"], entry["home"]["abbreviation"]) == (away, home)
        assert (entry["expectedFinal"]["away"], entry["expectedFinal"]["home"]) == (away_score, home_score)
        assert entry["easternDate"] == "20260912"
    clock.set(max(g.final_at for g in games))
    report = requests.get(status_url, timeout=5).json()
    assert report["allFinal"] is True
    assert all(g["home"]["score"] == g["expectedFinal"]["home"] for g in report["games"])


# --- faults ---------------------------------------------------------------------------------


def fates(base: str, count: int) -> list[str]:
    """What each of `count` scoreboard requests got: ok, or how it failed."""
    results = []
    for _ in range(count):
        response = scoreboard(base, dates="20260912")
        if response.status_code != 200:
            results.append(str(response.status_code))
        elif not response.headers["Content-Type"].startswith("application/json"):
            results.append("html")
        else:
            try:
                response.json()
            except ValueError:
                results.append("truncated")
            else:
                results.append("ok")
    return results


def test_seeded_faults_fail_about_the_configured_share_the_same_way_every_run(serve):
    faults = FaultConfig(error_rate=0.25, kinds=(HTTP_500, HTML_200, HTML_502, TRUNCATED), seed=7)
    first_base, status_url, _, _ = serve(ReplayConfig(start=START, faults=faults))
    first = fates(first_base, 200)
    second_base, _, _, _ = serve(ReplayConfig(start=START, faults=faults))
    assert fates(second_base, 200) == first
    failures = [f for f in first if f != "ok"]
    assert 0.15 <= len(failures) / len(first) <= 0.35
    assert set(failures) == {"500", "html", "502", "truncated"}
    report = requests.get(status_url, timeout=5).json()["faults"]
    assert report["requests"] == 200 and sum(report["injected"].values()) == len(failures)


def test_faults_are_off_by_default(serve):
    base, _, _, _ = serve()
    assert set(fates(base, 30)) == {"ok"}


def test_a_timeout_fault_holds_the_request_past_the_client_timeout(serve):
    faults = FaultConfig(error_rate=1.0, kinds=(TIMEOUT,), hang_seconds=0.5, seed=1)
    base, _, _, _ = serve(ReplayConfig(start=START, faults=faults))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{base}/{NFL}/scoreboard", params={"dates": "20260912"}, timeout=0.1)


def test_an_outage_window_answers_503_to_everything_but_the_status(serve):
    faults = FaultConfig(outage_start=60, outage_seconds=30)  # real seconds; speed 60 -> replay minutes
    base, status_url, clock, _ = serve(ReplayConfig(start=START, speed=60, faults=faults))
    assert scoreboard(base, dates="20260912").status_code == 200
    clock.set(START + timedelta(minutes=60))
    assert scoreboard(base, dates="20260912").status_code == 503
    assert summary(base, "401547417").status_code == 503
    assert requests.get(status_url, timeout=5).status_code == 200
    clock.set(START + timedelta(minutes=89))
    assert scoreboard(base, dates="20260912").status_code == 503
    clock.set(START + timedelta(minutes=90))
    assert scoreboard(base, dates="20260912").status_code == 200


def test_latency_is_added(serve):
    base, _, _, _ = serve(ReplayConfig(start=START, faults=FaultConfig(latency_ms=60)))
    response = scoreboard(base, dates="20260912")
    assert response.elapsed >= timedelta(milliseconds=60)


# --- clock and command line -----------------------------------------------------------------


def test_replay_clock_runs_speed_times_faster_than_real_time():
    ticks = iter([100.0, 103.0])
    clock = ReplayClock(START, speed=60, monotonic=lambda: next(ticks))
    assert clock.now() == START + timedelta(minutes=3)


def test_command_line_builds_the_config():
    command = "--port 8765 --speed 60 --stagger 120 --error-rate 0.2 --latency-ms 50 --outage-start 60"
    args = parse_args([*command.split(), "--outage-seconds", "30", "--seed", "1", "--start", "2026-09-12T16:00:00Z"])
    config = config_from_args(args)
    assert (config.start, config.speed, config.stagger) == (START, 60, 120)
    assert config.faults == FaultConfig(error_rate=0.2, latency_ms=50, outage_start=60, outage_seconds=30, seed=1)


# --- what our parser makes of it ------------------------------------------------------------


def test_every_answer_parses_into_snapshots_at_every_stage(games):
    parsing = pytest.importorskip("espn.parsing", reason="espn.parsing (written in parallel) not importable yet")
    for game in games:
        moments = {
            "scheduled": game.kickoff,
            "live": game.moment_of_play(len(game.moments) // 3),
            "halftime": game.moment_of_play(play_index(game, "End of Half")),
            "final": game.final_at,
        }
        for phase, moment in moments.items():
            state = state_at(game, moment)
            board = parsing.parse_scoreboard({"events": [scoreboard_event(game, state)]}, game.espn_league)
            assert board.skipped == ()
            (snapshot,) = board.games
            parsed = parsing.parse_summary(summary_payload(game, state), game.espn_league).game
            for parsed_game in (snapshot, parsed):
                assert parsed_game.espn_id == game.event_id
                assert parsed_game.kickoff == game.kickoff
                assert parsed_game.status.phase.value == ("live" if phase == "halftime" else phase)
            if phase == "scheduled":
                assert (parsed.home.score, parsed.away.score) == (None, None)
            else:
                assert (snapshot.home.score, snapshot.away.score) == (state.home_score, state.away_score)
                assert (parsed.home.score, parsed.away.score) == (state.home_score, state.away_score)
            if phase == "final":
                assert snapshot.status.state == "post"
            if phase == "live":
                assert snapshot.situation is not None
