"""espn.parsing against real recorded ESPN JSON (tests/fixtures/espn) and hostile inputs.

Expected values are read off the files by hand, never computed with the parser's own helpers.
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime

import pytest

from espn.parsing import (
    EspnPayloadError,
    parse_scoreboard,
    parse_scoreboard_bytes,
    parse_summary,
    parse_summary_bytes,
    phase_of,
)
from espn.snapshots import GameSnapshot, Pause, Phase, Scoreboard, pause_of
from tests.espn_fixtures import fixture_bytes, load_fixture

NFL = "football/nfl"
CFB = "football/college-football"
WORLD_CUP = "soccer/fifa.world"
REPLAY = "soccer/fifa.world/replay-20260711-ENG-vs-NOR/"

NFL_2022_LIVE = "nfl/scoreboard-2022-wk01-20220911-live-mixed.json"
NFL_2024_WK15 = "nfl/scoreboard-20241215-wk15-sunday-final.json"
NFL_2025_PRE = "nfl/scoreboard-2025-wk01-pre.json"
CFB_2022_LIVE = "college-football/scoreboard-2022-wk03-20220917-fbs-groups80-live-mixed.json"
NHL_OT = "nhl/scoreboard-20220925-preseason-live-finalOT-mixed.json"
MLB_SUSPENDED = "mlb/scoreboard-20250606-final-suspended.json"
MLB_RAIN = "mlb/scoreboard-20250927-live-raindelay-mixed.json"
SOCCER_POSTPONED = "soccer/all/scoreboard-20260321-multileague-fulltime-postponed.json"

SUMMARY_NFL_FINAL = "nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json"
SUMMARY_NFL_PRE = "nfl/summary-401772842-2025-wk03-GB-at-CLE-pre.json"
SUMMARY_CFB_LIVE = "college-football/summary-401769076-20260119-cfp-championship-MIA-vs-IU-live-q1.json"
SUMMARY_NBA_LIVE = "nba/summary-401705066-20250106-LAC-at-MIN-live-q4.json"
SUMMARY_NHL_FINAL = "nhl/summary-401559489-20231118-CBJ-at-WSH-final.json"


def scoreboard(relative: str, league: str) -> Scoreboard:
    return parse_scoreboard_bytes(fixture_bytes(relative), league)


def game(board: Scoreboard, espn_id: str) -> GameSnapshot:
    matches = [g for g in board.games if g.espn_id == espn_id]
    assert len(matches) == 1, f"{espn_id} not found once in {[g.espn_id for g in board.games]}"
    return matches[0]


# --------------------------------------------------------------------------- every file parses


@pytest.mark.parametrize(
    ("relative", "league", "events"),
    [
        (CFB_2022_LIVE, CFB, 25),
        (MLB_SUSPENDED, "baseball/mlb", 15),
        (MLB_RAIN, "baseball/mlb", 15),
        ("nba/scoreboard-20241215-final.json", "basketball/nba", 7),
        (NFL_2022_LIVE, NFL, 16),
        ("nfl/scoreboard-2024-postseason-superbowl-LIX-final.json", NFL, 1),
        (NFL_2024_WK15, NFL, 13),
        ("nfl/scoreboard-2025-postseason-wildcard-final.json", NFL, 6),
        (NFL_2025_PRE, NFL, 16),
        (NHL_OT, "hockey/nhl", 10),
        (SOCCER_POSTPONED, "soccer/all", 50),
        ("soccer/eng.1/scoreboard-20250927-fulltime-and-pre.json", "soccer/eng.1", 7),
        (REPLAY + "scoreboard-01-20260711T2049Z-pre.json", WORLD_CUP, 32),
        (REPLAY + "scoreboard-02-20260711T2139Z-first-half-38min.json", WORLD_CUP, 32),
        (REPLAY + "scoreboard-03-20260711T2237Z-second-half-75min.json", WORLD_CUP, 32),
        (REPLAY + "scoreboard-04-20260711T2343Z-extra-time-118min.json", WORLD_CUP, 32),
        (REPLAY + "scoreboard-05-20260712T0147Z-final-aet.json", WORLD_CUP, 32),
        ("soccer/usa.1/scoreboard-20220917-live-mixed.json", "soccer/usa.1", 11),
    ],
)
def test_every_recorded_scoreboard_parses_every_event(relative, league, events):
    board = scoreboard(relative, league)

    assert board.skipped == ()
    assert len(board.games) == events
    assert board.espn_league == league
    assert len({g.espn_id for g in board.games}) == events
    for g in board.games:
        assert g.kickoff.tzinfo is not None and g.kickoff.utcoffset().total_seconds() == 0
        assert g.home.team.espn_id and g.away.team.espn_id
        assert g.home.team.espn_id != g.away.team.espn_id or g.home.team.is_placeholder
        assert g.espn_league == league
        if g.status.phase is not Phase.LIVE:
            assert g.situation is None


# --------------------------------------------------------------------------- scoreboard values


def test_final_nfl_scores_are_ints_and_read_by_home_away():
    board = scoreboard(NFL_2024_WK15, NFL)

    buf_at_det = game(board, "401671681")
    assert (buf_at_det.away.team.abbreviation, buf_at_det.away.score) == ("BUF", 48)
    assert (buf_at_det.home.team.abbreviation, buf_at_det.home.score) == ("DET", 42)
    assert buf_at_det.status.phase is Phase.FINAL

    gb_at_sea = game(board, "401671796")
    assert (gb_at_sea.away.score, gb_at_sea.home.score) == (30, 13)
    assert gb_at_sea.kickoff == datetime(2024, 12, 16, 1, 20, tzinfo=UTC)
    assert gb_at_sea.broadcast == "NBC/Peacock"


def test_dated_scoreboard_takes_season_and_week_from_each_event():
    # This file was fetched with dates= and has no top-level season/week.
    g = game(scoreboard(NFL_2024_WK15, NFL), "401671681")

    assert (g.season_year, g.season_type, g.week) == (2024, 2, 15)


def test_week_falls_back_to_the_top_level_week_when_events_lack_it():
    # 2022 events carry no `week`; the scoreboard's top level says week 1.
    g = game(scoreboard(NFL_2022_LIVE, NFL), "401437650")

    assert (g.season_year, g.season_type, g.week) == (2022, 2, 1)


def test_live_nfl_game_has_clock_and_down_and_distance():
    g = game(scoreboard(NFL_2022_LIVE, NFL), "401437647")  # SF @ CHI, 2:00 left in the 4th

    assert g.status.phase is Phase.LIVE
    assert g.status.name == "STATUS_IN_PROGRESS"
    assert (g.status.period, g.status.display_clock, g.status.clock_seconds) == (4, "2:00", 120.0)
    assert g.status.short_detail == "2:00 - 4th"
    assert (g.home.score, g.away.score) == (19, 10)
    assert g.home.linescores == (0, 0, 7, 12)
    situation = g.situation
    assert situation is not None
    assert situation.possession_team_espn_id == "25"  # SF
    assert (situation.down, situation.distance, situation.yard_line) == (3, 10, 80)
    assert situation.down_distance_text == "3rd & 10 at SF 20"
    assert situation.possession_text == "SF 20"
    assert situation.is_red_zone is False
    assert situation.last_play_text == "Two-Minute Warning"
    assert g.venue == "Soldier Field" and g.venue_city == "Chicago, IL"
    assert g.odds is None


def test_down_and_distance_of_minus_one_become_none():
    g = game(scoreboard(CFB_2022_LIVE, CFB), "401403884")  # YSU @ UK, after a score

    assert g.situation is not None
    assert g.situation.down is None and g.situation.distance is None
    assert g.situation.yard_line == 97
    assert g.situation.is_red_zone is True
    assert g.situation.possession_team_espn_id == ""


def test_cfb_halftime_is_live_and_keeps_espn_status_name():
    board = scoreboard(CFB_2022_LIVE, CFB)
    g = game(board, "401403888")  # UGA @ SC at halftime

    assert g.status.phase is Phase.LIVE
    assert g.status.name == "STATUS_HALFTIME"
    assert g.status.short_detail == "Halftime"
    assert g.status.period == 2
    assert (g.away.team.abbreviation, g.away.score, g.home.score) == ("UGA", 24, 0)
    assert sum(1 for x in board.games if x.status.name == "STATUS_HALFTIME") == 5
    assert all(x.status.phase is Phase.LIVE for x in board.games if x.status.name == "STATUS_HALFTIME")
    assert g.status.pause is Pause.HALFTIME
    assert all(x.status.pause is Pause.NONE for x in board.games if x.status.name != "STATUS_HALFTIME")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("STATUS_HALFTIME", Pause.HALFTIME),
        ("STATUS_END_PERIOD", Pause.END_OF_PERIOD),
        ("STATUS_IN_PROGRESS", Pause.NONE),
        ("STATUS_FINAL", Pause.NONE),
        ("", Pause.NONE),
    ],
)
def test_a_pause_is_read_from_espn_status_name(name, expected):
    assert pause_of(name) is expected


def test_nhl_overtime_final():
    g = game(scoreboard(NHL_OT, "hockey/nhl"), "401461454")  # BUF 4 @ WSH 3, OT

    assert g.status.phase is Phase.FINAL
    assert g.status.short_detail == "Final/OT"
    assert g.status.period == 4
    assert (g.away.team.abbreviation, g.away.score, g.home.score) == ("BUF", 4, 3)
    assert len(g.home.linescores) == 4
    assert g.season_year == 2023 and g.season_type == 1  # preseason; NHL names the ending year


def test_nhl_live_game_with_empty_situation_has_none():
    g = game(scoreboard(NHL_OT, "hockey/nhl"), "401461455")  # EDM-WPG live, situation {}

    assert g.status.phase is Phase.LIVE
    assert g.situation is None


def test_mlb_suspended_game_is_suspended_not_final():
    g = game(scoreboard(MLB_SUSPENDED, "baseball/mlb"), "401695844")  # ARI @ CIN

    assert g.status.phase is Phase.SUSPENDED
    assert (g.status.state, g.status.period) == ("post", 7)
    assert (g.home.score, g.away.score) == (3, 3)
    assert g.status.phase.is_settled is False


def test_mlb_rain_delay_is_live():
    g = game(scoreboard(MLB_RAIN, "baseball/mlb"), "401697309")  # CHW @ WSH

    assert g.status.phase is Phase.LIVE
    assert g.status.name == "STATUS_RAIN_DELAY"
    assert g.status.detail == "Rain Delay, Top 1st"


def test_soccer_postponed_match_is_postponed():
    board = scoreboard(SOCCER_POSTPONED, "soccer/all")
    g = game(board, "740902")  # CRY @ MNC

    assert g.status.phase is Phase.POSTPONED
    assert g.status.state == "post"
    assert g.status.period == 0  # ESPN sends period null here
    assert sum(1 for x in board.games if x.status.phase is Phase.FINAL) == 49
    assert g.odds is None  # `odds: [null]` on this file


def test_2025_odds_spread_is_from_the_home_view():
    board = scoreboard(NFL_2025_PRE, NFL)

    dal_at_phi = game(board, "401772510")
    assert dal_at_phi.status.phase is Phase.SCHEDULED
    assert dal_at_phi.odds is not None
    assert dal_at_phi.odds.details == "PHI -7.5"
    assert dal_at_phi.odds.spread == -7.5  # home favoured
    assert dal_at_phi.odds.over_under == 47.5

    tb_at_atl = game(board, "401772830")
    assert tb_at_atl.odds is not None
    assert (tb_at_atl.odds.details, tb_at_atl.odds.spread) == ("TB -2.5", 2.5)  # away favoured


def test_neutral_site_game_abroad():
    g = game(scoreboard(NFL_2025_PRE, NFL), "401772714")  # KC VS LAC in Sao Paulo

    assert g.neutral_site is True
    assert g.short_name == "KC VS LAC"
    assert (g.venue, g.venue_city) == ("Corinthians Arena", "Sao Paulo, Brazil")
    assert g.broadcast == "YouTube"
    assert g.home.team.abbreviation == "LAC"


def test_2022_odds_shape_has_details_and_over_under_only():
    board = scoreboard(NFL_2022_LIVE, NFL)

    nyg_at_ten = game(board, "401437640")
    assert nyg_at_ten.odds is not None
    assert nyg_at_ten.odds.details == "TEN -5.5"
    assert nyg_at_ten.odds.over_under == 44.0
    assert nyg_at_ten.odds.spread == -5.5  # read from details: TEN is home

    kc_at_ari = game(board, "401437653")
    assert kc_at_ari.odds is not None
    assert kc_at_ari.odds.spread == 6.5  # "KC -6.5": the away team is favoured


def test_team_fields():
    g = game(scoreboard(NFL_2022_LIVE, NFL), "401437647")
    team = g.home.team

    assert team.espn_id == "3"
    assert (team.abbreviation, team.display_name, team.short_name) == ("CHI", "Chicago Bears", "Bears")
    assert (team.location, team.name) == ("Chicago", "Bears")
    assert (team.color, team.alternate_color) == ("152644", "0b162a")
    assert team.logo_url == "https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/chi.png"
    assert team.is_placeholder is False


def test_world_cup_placeholder_teams_get_stable_synthetic_ids():
    board = scoreboard(REPLAY + "scoreboard-01-20260711T2049Z-pre.json", WORLD_CUP)

    third_place = game(board, "760516")  # "Semifinal 1 Loser" vs "Semifinal 2 Loser"
    assert third_place.home.team.is_placeholder and third_place.away.team.is_placeholder
    assert third_place.home.team.espn_id == "tbd-sf-l1"
    assert third_place.away.team.espn_id == "tbd-sf-l2"
    assert third_place.home.team.display_name == "Semifinal 1 Loser"

    final = game(board, "760517")
    assert (final.home.team.espn_id, final.away.team.espn_id) == ("tbd-sfw1", "tbd-sfw2")

    real = [g for g in board.games if g.espn_id not in ("760515", "760516", "760517")]
    assert not any(g.home.team.is_placeholder or g.away.team.is_placeholder for g in real)


def test_placeholder_replaced_by_real_team_once_known():
    before = game(scoreboard(REPLAY + "scoreboard-01-20260711T2049Z-pre.json", WORLD_CUP), "760515")
    after = game(scoreboard(REPLAY + "scoreboard-05-20260712T0147Z-final-aet.json", WORLD_CUP), "760515")

    assert before.home.team.is_placeholder and before.home.team.abbreviation == "QFW3"
    assert (after.home.team.espn_id, after.home.team.is_placeholder) == ("448", False)  # England
    assert after.away.team.espn_id == before.away.team.espn_id == "tbd-qw4"


@pytest.mark.parametrize(
    ("snapshot", "phase", "name", "home_nor", "away_eng"),
    [
        ("scoreboard-01-20260711T2049Z-pre.json", Phase.SCHEDULED, "STATUS_SCHEDULED", 0, 0),
        ("scoreboard-02-20260711T2139Z-first-half-38min.json", Phase.LIVE, "STATUS_FIRST_HALF", 1, 0),
        ("scoreboard-03-20260711T2237Z-second-half-75min.json", Phase.LIVE, "STATUS_SECOND_HALF", 1, 1),
        ("scoreboard-04-20260711T2343Z-extra-time-118min.json", Phase.LIVE, "STATUS_OVERTIME", 1, 2),
        ("scoreboard-05-20260712T0147Z-final-aet.json", Phase.FINAL, "STATUS_FINAL_AET", 1, 2),
    ],
)
def test_world_cup_replay_follows_one_game(snapshot, phase, name, home_nor, away_eng):
    g = game(scoreboard(REPLAY + snapshot, WORLD_CUP), "760512")

    assert (g.home.team.abbreviation, g.away.team.abbreviation) == ("NOR", "ENG")
    assert g.status.phase is phase
    assert g.status.name == name
    assert (g.home.score, g.away.score) == (home_nor, away_eng)
    assert g.season_year == 2026


def test_live_soccer_with_ref_only_situation_has_no_situation():
    g = game(scoreboard("soccer/usa.1/scoreboard-20220917-live-mixed.json", "soccer/usa.1"), "623601")

    assert g.status.phase is Phase.LIVE
    assert g.status.display_clock == "58'"
    assert g.situation is None


# --------------------------------------------------------------------------- summaries


def test_nfl_final_summary():
    summary = parse_summary_bytes(fixture_bytes(SUMMARY_NFL_FINAL), NFL)
    g = summary.game

    assert g.espn_id == "401547417"
    assert g.status.phase is Phase.FINAL
    assert (g.home.team.abbreviation, g.home.score) == ("ATL", 25)
    assert (g.away.team.abbreviation, g.away.score) == ("GB", 24)
    assert g.home.linescores == (3, 6, 3, 13)
    assert g.away.linescores == (0, 10, 14, 0)
    assert (g.season_year, g.season_type, g.week) == (2023, 2, 2)
    assert g.kickoff == datetime(2023, 9, 17, 17, 0, tzinfo=UTC)
    assert (g.venue, g.venue_city) == ("Mercedes-Benz Stadium", "Atlanta, GA")
    assert g.broadcast == "FOX"
    assert g.name == "Green Bay Packers at Atlanta Falcons"
    assert g.odds is None  # pickcenter and odds are empty for this old game
    assert g.situation is None

    assert len(summary.plays) == 186
    sequences = [p.sequence for p in summary.plays]
    assert sequences == sorted(sequences)
    first, last = summary.plays[0], summary.plays[-1]
    assert (first.type_text, first.period, first.clock) == ("Kickoff", 1, "15:00")
    assert (last.espn_id, last.sequence, last.type_text) == ("4015474174321", 432100, "End of Game")
    assert (last.home_score, last.away_score) == (25, 24)
    assert last.wallclock == datetime(2023, 9, 17, 20, 14, 56, tzinfo=UTC)

    scoring = summary.scoring_plays
    assert len(scoring) == 10
    assert scoring[-1].type_text == "Field Goal Good"
    assert (scoring[-1].home_score, scoring[-1].away_score, scoring[-1].clock) == (25, 24, "0:57")
    assert scoring[-1].team_espn_id == "1"
    assert scoring[-1].down_distance_text == "4th & 1 at GB 7"

    assert len(summary.win_probability) == 187
    assert summary.win_probability[0].play_espn_id == "4015474171"
    assert summary.win_probability[0].home_win_pct == pytest.approx(0.5168)
    assert summary.win_probability[-1].home_win_pct == 1.0


def test_a_final_summary_takes_its_period_and_clock_from_the_last_play():
    # A final summary's header status carries only its type: no period, no clock.
    payload = load_fixture(SUMMARY_NFL_FINAL)
    assert "period" not in payload["header"]["competitions"][0]["status"]

    status = parse_summary(payload, NFL).game.status

    assert (status.phase, status.period, status.display_clock) == (Phase.FINAL, 4, "0:00")


def test_a_final_hockey_summary_takes_its_period_from_its_flat_plays():
    status = parse_summary_bytes(fixture_bytes(SUMMARY_NHL_FINAL), "hockey/nhl").game.status

    assert (status.phase, status.period, status.display_clock) == (Phase.FINAL, 3, "20:00")


def test_a_summary_without_plays_says_no_period_rather_than_guess():
    payload = load_fixture(SUMMARY_NFL_FINAL)
    payload["drives"] = {}

    status = parse_summary(payload, NFL).game.status

    assert (status.period, status.display_clock) == (0, "")


def test_nfl_pregame_summary_has_no_score_but_odds():
    summary = parse_summary(load_fixture(SUMMARY_NFL_PRE), NFL)
    g = summary.game

    assert g.status.phase is Phase.SCHEDULED
    assert (g.home.team.abbreviation, g.away.team.abbreviation) == ("CLE", "GB")
    assert g.home.score is None and g.away.score is None
    assert g.kickoff == datetime(2025, 9, 21, 17, 0, tzinfo=UTC)
    assert g.week == 3
    assert g.odds is not None
    assert (g.odds.details, g.odds.spread, g.odds.over_under) == ("GB -7.5", 7.5, 41.5)
    assert summary.plays == ()
    assert summary.win_probability == ()


def test_cfb_live_summary_deduplicates_current_drive():
    summary = parse_summary(load_fixture(SUMMARY_CFB_LIVE), CFB)
    g = summary.game

    assert g.status.phase is Phase.LIVE
    assert (g.status.period, g.status.display_clock) == (1, "2:20")
    assert (g.home.team.abbreviation, g.home.score) == ("IU", 3)
    assert (g.away.team.abbreviation, g.away.score) == ("MIA", 0)
    assert g.season_type == 3
    # drives.previous holds 32 plays; drives.current repeats the last drive's 2 plays.
    assert len(summary.plays) == 32
    assert len({p.espn_id for p in summary.plays}) == 32
    assert [p.sequence for p in summary.plays] == list(range(1, 33))
    assert len(summary.scoring_plays) == 1
    assert summary.scoring_plays[0].type_text == "Field Goal Good"
    assert len(summary.win_probability) == 33
    assert g.odds is not None and (g.odds.details, g.odds.spread) == ("IU -7.5", -7.5)
    situation = g.situation
    assert situation is not None
    assert situation.possession_team_espn_id == "2390"  # Miami has the ball
    assert (situation.down, situation.distance) == (2, 10)
    assert situation.down_distance_text == "2nd & 10 at MIA 26"


def test_nba_live_summary_sorts_plays_and_scores_from_header():
    summary = parse_summary_bytes(fixture_bytes(SUMMARY_NBA_LIVE), "basketball/nba")
    g = summary.game

    # The play list lags: its last play shows MIN 85, the header says 87.
    assert (g.home.team.abbreviation, g.home.score, g.away.score) == ("MIN", 87, 78)
    assert summary.plays[-1].home_score == 85
    assert g.status.phase is Phase.LIVE
    assert (g.status.period, g.status.display_clock) == (4, "8:10")
    assert g.week is None
    assert len(summary.plays) == 388
    sequences = [p.sequence for p in summary.plays]
    assert sequences == sorted(sequences)  # the file itself is not in sequence order
    assert (sequences[0], sequences[-1]) == (4, 547)
    assert summary.plays[0].type_text == "Jumpball"
    assert len(summary.win_probability) == 388


def test_nhl_final_summary():
    summary = parse_summary(load_fixture(SUMMARY_NHL_FINAL), "hockey/nhl")
    g = summary.game

    assert g.status.phase is Phase.FINAL
    assert (g.home.team.abbreviation, g.home.score, g.away.score) == ("WSH", 4, 3)
    assert len(summary.plays) == 357
    assert len(summary.scoring_plays) == 7
    assert summary.win_probability == ()
    assert g.odds is not None
    # Hockey "details" is a money line, so only ESPN's own spread (the puck line) is used.
    assert (g.odds.details, g.odds.spread, g.odds.over_under) == ("WSH -160", -1.5, 6.5)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("parse", [parse_scoreboard_bytes, parse_summary_bytes])
@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>",
        b"  \n<html>Access denied</html>",
        b"",
        b"   ",
        b"not json at all",
        "<html>text, not bytes</html>",
    ],
)
def test_html_and_non_json_bodies_raise_payload_error(parse, body):
    with pytest.raises(EspnPayloadError):
        parse(body, NFL)


def test_html_error_message_says_html():
    with pytest.raises(EspnPayloadError, match="HTML"):
        parse_scoreboard_bytes(b"<html><title>403 Forbidden</title></html>", NFL)


def test_truncated_json_raises_payload_error():
    body = fixture_bytes(NFL_2024_WK15)
    with pytest.raises(EspnPayloadError, match="truncated"):
        parse_scoreboard_bytes(body[: len(body) // 2], NFL)


def test_str_body_and_bom_are_accepted():
    text = fixture_bytes(NFL_2024_WK15).decode("utf-8")

    assert len(parse_scoreboard_bytes(text, NFL).games) == 13
    assert len(parse_scoreboard_bytes(b"\xef\xbb\xbf" + text.encode(), NFL).games) == 13


@pytest.mark.parametrize("payload", [[], {}, None, "events", 42, {"events": None}, {"events": {}}])
def test_unreadable_scoreboard_shapes_raise(payload):
    with pytest.raises(EspnPayloadError):
        parse_scoreboard(payload, NFL)


def test_json_array_body_raises():
    with pytest.raises(EspnPayloadError):
        parse_scoreboard_bytes(b"[]", NFL)
    with pytest.raises(EspnPayloadError):
        parse_summary_bytes(b"{}", NFL)


def test_empty_events_is_an_empty_scoreboard():
    board = parse_scoreboard({"events": []}, NFL)

    assert board.games == () and board.skipped == ()


@pytest.mark.parametrize(
    "payload",
    [[], {}, {"header": None}, {"header": {}}, {"header": {"competitions": []}}],
)
def test_unreadable_summary_shapes_raise(payload):
    with pytest.raises(EspnPayloadError):
        parse_summary(payload, NFL)


def test_summary_without_date_raises():
    payload = load_fixture(SUMMARY_NFL_FINAL)
    del payload["header"]["competitions"][0]["date"]

    with pytest.raises(EspnPayloadError, match="date"):
        parse_summary(payload, NFL)


def test_event_missing_competitors_is_skipped_and_others_kept():
    payload = load_fixture(NFL_2024_WK15)
    del payload["events"][0]["competitions"][0]["competitors"]
    payload["events"][1]["competitions"][0]["competitors"].pop()
    del payload["events"][2]["date"]
    del payload["events"][2]["competitions"][0]["date"]
    del payload["events"][2]["competitions"][0]["startDate"]
    payload["events"][3]["id"] = None
    payload["events"][3]["competitions"][0]["id"] = None
    payload["events"].append("garbage")
    payload["events"].append({"id": "999", "competitions": [None]})

    board = parse_scoreboard(payload, NFL)

    assert len(board.games) == 13 - 4
    assert [s.espn_id for s in board.skipped] == ["401671854", "401671825", "401671737", "", "", "999"]
    assert "competitors" in board.skipped[0].reason
    assert "date" in board.skipped[2].reason
    assert "id" in board.skipped[3].reason
    assert game(board, "401671681").away.score == 48


def test_missing_home_away_labels_are_skipped_not_guessed():
    payload = load_fixture(NFL_2024_WK15)
    for competitor in payload["events"][0]["competitions"][0]["competitors"]:
        del competitor["homeAway"]

    board = parse_scoreboard(payload, NFL)

    assert [s.espn_id for s in board.skipped] == ["401671854"]
    assert len(board.games) == 12


def test_home_is_found_by_label_not_position():
    payload = load_fixture(NFL_2024_WK15)
    event = payload["events"][8]  # BUF @ DET
    event["competitions"][0]["competitors"].reverse()

    g = game(parse_scoreboard(payload, NFL), "401671681")

    assert (g.home.team.abbreviation, g.home.score) == ("DET", 42)
    assert (g.away.team.abbreviation, g.away.score) == ("BUF", 48)


def test_one_labelled_side_implies_the_other():
    payload = load_fixture(NFL_2024_WK15)
    event = payload["events"][8]  # BUF @ DET
    for competitor in event["competitions"][0]["competitors"]:
        if competitor["homeAway"] == "away":
            del competitor["homeAway"]

    g = game(parse_scoreboard(payload, NFL), "401671681")

    assert (g.home.team.abbreviation, g.away.team.abbreviation) == ("DET", "BUF")


def test_duplicate_event_is_kept_once():
    payload = load_fixture(NFL_2024_WK15)
    payload["events"].append(copy.deepcopy(payload["events"][0]))

    board = parse_scoreboard(payload, NFL)

    assert len(board.games) == 13
    assert [(s.espn_id, s.reason) for s in board.skipped] == [("401671854", "duplicate event id")]


def _first_event_with(mutate) -> GameSnapshot:
    payload = load_fixture(NFL_2024_WK15)
    mutate(payload["events"][0])
    board = parse_scoreboard(payload, NFL)
    assert board.skipped == ()
    return game(board, "401671854")  # KC 21 @ CLE 7


def _competitors(event) -> dict:
    return {c["homeAway"]: c for c in event["competitions"][0]["competitors"]}


@pytest.mark.parametrize(
    ("home_score", "expected"),
    [
        ({"value": 7.0, "displayValue": "7"}, 7),
        ({"displayValue": "7"}, 7),
        (7, 7),
        (7.0, 7),
        ("7.0", 7),
        (" 7 ", 7),
        (None, None),
        ("", None),
        ("abc", None),
        ([], None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_odd_score_types(home_score, expected):
    def mutate(event):
        _competitors(event)["home"]["score"] = home_score

    g = _first_event_with(mutate)

    assert g.home.score == expected
    assert g.away.score == 21


def test_missing_score_key_is_none():
    g = _first_event_with(lambda event: _competitors(event)["home"].pop("score"))

    assert g.home.score is None


def test_unknown_status_name_is_decided_by_state_and_completed():
    def mutate(event):
        event["competitions"][0]["status"]["type"].update(name="STATUS_SOMETHING_NEW", state="in", completed=False)

    g = _first_event_with(mutate)

    assert g.status.phase is Phase.LIVE
    assert g.status.name == "STATUS_SOMETHING_NEW"


def test_unreadable_competition_status_falls_back_to_the_event_copy():
    g = _first_event_with(lambda event: event["competitions"][0].update(status="garbage"))

    assert g.status.phase is Phase.FINAL
    assert g.status.name == "STATUS_FINAL"


def test_garbage_status_everywhere_is_scheduled():
    def mutate(event):
        event["competitions"][0]["status"] = "garbage"
        event["status"] = {"type": None, "period": [], "clock": "x"}

    g = _first_event_with(mutate)

    assert g.status.phase is Phase.SCHEDULED
    assert (g.status.state, g.status.name, g.status.period, g.status.clock_seconds) == ("", "", 0, 0.0)


def test_postponed_reported_as_completed_is_still_postponed():
    def mutate(event):
        status_type = event["competitions"][0]["status"]["type"]
        status_type.update(name="STATUS_POSTPONED", state="post", completed=True)

    assert _first_event_with(mutate).status.phase is Phase.POSTPONED


def test_odd_field_types_fall_back_to_defaults():
    def mutate(event):
        competition = event["competitions"][0]
        competition["venue"] = "Somewhere"
        competition["broadcasts"] = None
        competition["broadcast"] = 12
        competition["odds"] = "none"
        competition["situation"] = ["nope"]
        competition["status"]["period"] = "4"
        competition["status"]["clock"] = None
        home = _competitors(event)["home"]
        home["linescores"] = [{"value": "7"}, {}, None, {"displayValue": "3"}]
        home["records"] = "8-9"
        home["curatedRank"] = {"current": "12"}
        home["team"]["color"] = "#311D00"
        home["team"]["logo"] = None
        home["team"]["logos"] = [{"href": "https://example.test/cle.png"}]
        event["season"] = None
        event["week"] = {"number": "15"}

    g = _first_event_with(mutate)

    assert (g.venue, g.venue_city) == ("", "")
    assert g.broadcast == "12"
    assert g.odds is None
    assert g.situation is None
    assert (g.status.period, g.status.clock_seconds) == (4, 0.0)
    assert g.home.linescores == (7, 0, 0, 3)
    assert g.home.team.color == "311D00"
    assert g.home.team.logo_url == "https://example.test/cle.png"
    assert g.season_year == 2024  # from leagues[0].season on this dated file
    assert g.season_type == 2
    assert g.week == 15


def test_missing_odds_and_situation_on_a_live_game():
    payload = load_fixture(NFL_2022_LIVE)
    for event in payload["events"]:
        event["competitions"][0].pop("odds", None)
        event["competitions"][0].pop("situation", None)

    board = parse_scoreboard(payload, NFL)

    assert board.skipped == ()
    assert all(g.odds is None and g.situation is None for g in board.games)
    assert game(board, "401437647").status.phase is Phase.LIVE


def test_team_without_id_is_a_placeholder():
    def mutate(event):
        team = _competitors(event)["away"]["team"]
        del team["id"]
        _competitors(event)["away"].pop("id", None)

    g = _first_event_with(mutate)

    assert g.away.team.is_placeholder is True
    assert g.away.team.espn_id == "tbd-kc"
    assert g.home.team.is_placeholder is False


def test_team_flagged_tbd_is_a_placeholder():
    def mutate(event):
        _competitors(event)["home"]["team"].update(id="-2", abbreviation="TBD", displayName="TBD")

    g = _first_event_with(mutate)

    assert (g.home.team.is_placeholder, g.home.team.espn_id) == (True, "tbd-tbd")


def test_team_with_tbd_flag_is_a_placeholder():
    g = _first_event_with(lambda event: _competitors(event)["home"]["team"].update(isTBD=True))

    assert (g.home.team.is_placeholder, g.home.team.espn_id) == (True, "tbd-cle")


def test_kickoff_with_seconds_or_offset_is_utc():
    g = _first_event_with(lambda event: event.update(date="2024-12-15T13:00:30-05:00"))

    assert g.kickoff == datetime(2024, 12, 15, 18, 0, 30, tzinfo=UTC)


def test_summary_tolerates_odd_plays_and_win_probability():
    payload = load_fixture(SUMMARY_NBA_LIVE)
    payload["plays"] = [
        {"id": "b", "sequenceNumber": "10", "text": "second"},
        None,
        {"id": "a", "sequenceNumber": 2, "text": "first", "homeScore": "5", "wallclock": "garbage"},
        {"id": "c", "text": "no sequence: stays right after the play before it"},
        {"id": "a", "sequenceNumber": 2, "text": "duplicate"},
    ]
    payload["winprobability"] = [
        {"playId": "a", "homeWinPercentage": "0.4"},
        {"playId": "b"},
        {"homeWinPercentage": 0.5},
        {"playId": "c", "homeWinPercentage": 7},
        "junk",
    ]

    summary = parse_summary(payload, "basketball/nba")

    assert [(p.espn_id, p.sequence) for p in summary.plays] == [("a", 2), ("c", 2), ("b", 10)]
    assert summary.plays[0].home_score == 5
    assert summary.plays[0].wallclock is None
    assert [(w.play_espn_id, w.home_win_pct) for w in summary.win_probability] == [("a", 0.4)]


# --------------------------------------------------------------------------- phase rule


@pytest.mark.parametrize(
    ("state", "completed", "name", "expected"),
    [
        ("pre", False, "STATUS_SCHEDULED", Phase.SCHEDULED),
        ("in", False, "STATUS_IN_PROGRESS", Phase.LIVE),
        ("in", False, "STATUS_HALFTIME", Phase.LIVE),
        ("in", False, "STATUS_DELAYED", Phase.LIVE),
        ("in", False, "STATUS_RAIN_DELAY", Phase.LIVE),
        ("in", False, "STATUS_OVERTIME", Phase.LIVE),
        ("in", False, "STATUS_END_PERIOD", Phase.LIVE),
        ("post", True, "STATUS_FINAL", Phase.FINAL),
        ("post", True, "STATUS_FULL_TIME", Phase.FINAL),
        ("post", True, "STATUS_FINAL_AET", Phase.FINAL),
        ("post", True, "STATUS_FINAL_PEN", Phase.FINAL),
        ("post", False, "STATUS_POSTPONED", Phase.POSTPONED),
        ("post", True, "STATUS_POSTPONED", Phase.POSTPONED),  # "reported as final"
        ("pre", False, "STATUS_POSTPONED", Phase.POSTPONED),
        ("post", False, "STATUS_CANCELED", Phase.CANCELED),
        ("post", True, "STATUS_CANCELLED", Phase.CANCELED),
        ("post", False, "STATUS_SUSPENDED", Phase.SUSPENDED),
        ("in", False, "STATUS_SUSPENDED", Phase.SUSPENDED),
        ("post", False, "STATUS_SOMETHING_NEW", Phase.SUSPENDED),
        ("post", True, "STATUS_SOMETHING_NEW", Phase.FINAL),
        ("in", False, "STATUS_SOMETHING_NEW", Phase.LIVE),
        ("pre", False, "STATUS_SOMETHING_NEW", Phase.SCHEDULED),
        ("POST", True, "status_final", Phase.FINAL),
        ("", True, "STATUS_FINAL", Phase.SCHEDULED),
        ("weird", False, "", Phase.SCHEDULED),
        (None, None, None, Phase.SCHEDULED),
        ("post", "true", "STATUS_FINAL", Phase.SUSPENDED),  # completed must be a real True
    ],
)
def test_phase_of(state, completed, name, expected):
    assert phase_of(state, completed, name) is expected


# --------------------------------------------------------------------------- speed


def test_a_megabyte_scoreboard_parses_in_milliseconds():
    assert len(fixture_bytes(NFL_2025_PRE)) > 1_000_000
    payload = load_fixture(NFL_2025_PRE)
    parse_scoreboard(payload, NFL)  # warm up
    started = time.perf_counter()
    for _ in range(10):
        parse_scoreboard(payload, NFL)
    per_parse = (time.perf_counter() - started) / 10

    assert per_parse < 0.025  # a few ms in practice; generous for slow CI machines
