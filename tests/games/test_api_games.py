"""GET /api/games/ and /api/games/<id>/: filters, pagination, named 400s, plays and win probability."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from games.models import Game, Team
from games.plays import store_plays

from .seed import (
    CFB_LIVE_DAY,
    NE_AT_MIA,
    NFL_LIVE_DAY,
    NO_AT_ATL,
    SUNDAY_2022,
    TB_AT_DAL,
    ingest,
    ingest_fixture,
    summary,
)

pytestmark = pytest.mark.django_db

LIST = reverse("api-games")
SUMMARY_URL = "https://espn.test/apis/site/v2/sports/football/nfl/summary"


@pytest.fixture
def both_leagues():
    with time_machine.travel(SUNDAY_2022, tick=False):
        ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022)
        ingest_fixture(CFB_LIVE_DAY, "football/college-football", now=SUNDAY_2022)
        yield


def ids(response) -> set[str]:
    return {game["espn_id"] for game in response.json()["results"]}


def test_lists_every_game_paginated_in_kickoff_order(client, both_leagues):
    response = client.get(LIST, {"page_size": 10})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 41
    assert len(body["results"]) == 10 and "page=2" in body["next"]
    kickoffs = [g["kickoff"] for g in body["results"]]
    assert kickoffs == sorted(kickoffs)


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"league": "football/nfl"}, 16),
        ({"league": "football/college-football"}, 25),
        ({"date": "2022-09-11"}, 14),  # Eastern day: Sunday night's 00:20 UTC kickoff counts
        ({"date": "2022-09-17", "state": "final"}, 1),
        ({"season": 2022, "week": 1}, 16),
        ({"week": 3}, 25),
        ({"season": 2023}, 0),
        ({"state": "scheduled", "league": "football/nfl"}, 6),
        ({"live": "true"}, 8 + 17),
        ({"live": "false", "league": "football/nfl"}, 8),
        ({"team": "atl"}, 1),  # abbreviation, any case
        ({"team": "1", "league": "football/nfl"}, 1),  # ESPN team id
    ],
)
def test_filters(client, both_leagues, params, count):
    response = client.get(LIST, {**params, "page_size": 100})

    assert response.status_code == 200, response.json()
    assert response.json()["count"] == count


def test_team_filter_finds_home_and_away_games(client, both_leagues):
    assert ids(client.get(LIST, {"team": "NO"})) == {NO_AT_ATL}
    assert ids(client.get(LIST, {"team": "DAL"})) == {TB_AT_DAL}


def test_list_query_count_does_not_grow_with_games(client, both_leagues):
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"league": "football/nfl", "state": "final"})
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, {"page_size": 200})

    assert len(few.captured_queries) == len(many.captured_queries) == 2


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"date": "2024-13-45"}, "date", "YYYY-MM-DD"),
        ({"date": "yesterday"}, "date", "YYYY-MM-DD"),
        ({"league": "football/xfl"}, "league", "football/nfl"),
        ({"state": "halftime"}, "state", "scheduled, live, final"),
        ({"live": "maybe"}, "live", "true or false"),
        ({"season": "twenty"}, "season", "integer"),
        ({"week": "-1"}, "week", "greater than or equal to 0"),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page_size": "1000"}, "page_size", "less than or equal to 200"),
        ({"leauge": "football/nfl"}, "leauge", "Unknown parameter; allowed: date, league"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter_and_why(client, both_leagues, params, parameter, words):
    response = client.get(LIST, params)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], set(body) - {"code", "detail"}) == ("invalid", {parameter})
    assert parameter in body["detail"]
    assert words in body[parameter][0]


def test_several_bad_parameters_are_all_named(client, db):
    body = client.get(LIST, {"date": "2024-02-30", "live": "maybe", "x": "1"}).json()

    assert set(body) == {"code", "detail", "date", "live", "x"}


def test_a_page_past_the_end_is_not_found(client, both_leagues):
    response = client.get(LIST, {"page": 99})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "page 99 is past the last page, 1."}


# --------------------------------------------------------------------------- one game


@pytest.fixture
def fake_summary(settings):
    """ESPN behind `responses`: the web process must never call it (the worker stores the plays)."""
    settings.ESPN_BASE_URL = "https://espn.test"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def gb_at_atl():
    """The 2023 week 2 game, final, ingested from its own summary, its plays stored as the worker does."""
    final = summary()
    now = final.game.kickoff + timedelta(hours=4)
    with time_machine.travel(now, tick=False):
        ingest([final.game], now=now)
        game = Game.objects.get(espn_id=final.game.espn_id)
        store_plays(game.pk, final, now=now)
        yield game


def detail_url(game: Game) -> str:
    return reverse("api-game-detail", args=[game.pk])


def test_game_detail_has_plays_newest_first_scoring_plays_and_win_probability(client, gb_at_atl, fake_summary):
    body = client.get(detail_url(gb_at_atl)).json()

    assert body["espn_id"] == "401547417"
    away, home = body["away"], body["home"]
    assert (away["abbreviation"], away["score"], home["abbreviation"], home["score"]) == ("GB", 24, "ATL", 25)
    assert body["home"]["linescores"] == [3, 6, 3, 13]
    assert body["summary"]["status"] == "stored" and body["summary"]["plays_total"] == 186
    assert len(body["plays"]) == 50
    sequences = [play["sequence"] for play in body["plays"]]
    assert sequences == sorted(sequences, reverse=True)
    assert body["plays"][0]["type"] == "End of Game"
    assert len(body["scoring_plays"]) == 10 and all(p["scoring_play"] for p in body["scoring_plays"])
    assert body["scoring_plays"][-1]["home_score"] == 25
    assert len(body["win_probability"]) == 186  # one point per stored play (ESPN's are joined by play id)
    assert all(0 <= point["home"] <= 1 for point in body["win_probability"])
    assert body["win_probability"][-1]["home"] > 0.9
    assert len(fake_summary.calls) == 0


def test_game_detail_carries_the_period_names_and_the_charts_words_worked_out_by_the_server(client, gb_at_atl):
    body = client.get(detail_url(gb_at_atl)).json()

    assert body["display"]["period_labels"] == ["1", "2", "3", "4"]
    assert body["win_probability_chart"] == {
        "caption": "Final: Atlanta Falcons won 25\N{EN DASH}24.",
        "period_labels": ["Q1", "Q2", "Q3", "Q4"],
    }
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()["components"]["schemas"]
    chart = schema["GameDetail"]["properties"]["win_probability_chart"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert set(schema[chart]["properties"]) == {"caption", "period_labels"}
    assert "period_labels" in schema["DisplayOutput"]["properties"]


def test_a_live_game_without_plays_has_an_empty_caption_and_the_regulation_axis(client, both_leagues):
    body = client.get(detail_url(Game.objects.get(espn_id=NO_AT_ATL))).json()

    assert body["win_probability_chart"] == {"caption": "", "period_labels": ["Q1", "Q2", "Q3", "Q4"]}
    assert body["display"]["period_labels"] == ["1", "2", "3", "4"]


def test_plays_parameter_limits_the_latest_plays(client, gb_at_atl):
    assert len(client.get(detail_url(gb_at_atl), {"plays": 5}).json()["plays"]) == 5
    assert client.get(detail_url(gb_at_atl), {"plays": 0}).json()["plays"] == []
    bad = client.get(detail_url(gb_at_atl), {"plays": "all"})
    assert bad.status_code == 400 and set(bad.json()) == {"code", "detail", "plays"}


def test_a_game_without_stored_plays_says_so_and_costs_no_espn_call(client, fake_summary):
    final = summary().game
    ingest([final], now=final.kickoff + timedelta(hours=4))
    body = client.get(detail_url(Game.objects.get(espn_id=final.espn_id))).json()

    assert body["home"]["score"] == 25
    assert body["summary"]["status"] == "none_yet" and body["plays"] == [] and body["win_probability"] == []
    assert len(fake_summary.calls) == 0


def test_a_scheduled_game_has_no_plays_and_costs_no_espn_call(client, both_leagues, fake_summary):
    game = Game.objects.get(espn_id=TB_AT_DAL)

    body = client.get(detail_url(game)).json()

    assert body["summary"]["status"] == "not_started"
    assert body["odds"]["details"] == "TB -2.5"
    assert body["plays"] == [] and len(fake_summary.calls) == 0


def test_a_live_game_has_its_situation_and_line_scores(client, both_leagues, fake_summary):
    game = Game.objects.get(espn_id=NO_AT_ATL)
    fake_summary.add(responses.GET, SUMMARY_URL, status=404, body="{}")

    body = client.get(detail_url(game)).json()

    assert body["status"]["phase"] == "live" and body["status"]["short_detail"] == "0:48 - 4th"
    assert body["situation"]["down_distance_text"] == "1st & 10 at NO 10"
    assert body["situation"]["possession_team_espn_id"] == "18"
    assert body["home"]["linescores"] == [3, 13, 7, 3] and body["away"]["linescores"] == [7, 0, 3, 14]
    assert client.get(detail_url(Game.objects.get(espn_id=NE_AT_MIA))).json()["situation"] is None


def test_unknown_game_is_404(client, db):
    assert client.get(reverse("api-game-detail", args=[999999])).status_code == 404


def test_detail_query_count_is_small_and_fixed(client, gb_at_atl, django_assert_num_queries):
    # The game, then the plays: their count, the latest, the scoring plays, the win probability.
    with django_assert_num_queries(5):
        client.get(detail_url(gb_at_atl))


def test_teams_come_with_espn_colours_for_badges(client, both_leagues):
    game = client.get(LIST, {"team": "GB"}).json()["results"][0]
    packers = Team.objects.get(espn_league="football/nfl", espn_id="9")

    assert game["away"]["abbreviation"] == "GB"
    assert game["away"]["color"] == packers.color and len(packers.color) == 6
