from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from espn.snapshots import Phase
from games.models import EspnLeague
from picks.grading import grade_game
from picks.models import Pick, PickChange, ScoringMode, WeeklyTiebreaker

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_team, make_user, set_result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def client(ann):
    api = APIClient()
    api.force_authenticate(ann)
    return api


@pytest.fixture
def league(ann):
    return make_league(ann, scoring=ScoringMode.CONFIDENCE)


@pytest.fixture
def games():
    early = make_game(
        home="EH", away="EA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=7, away_score=3
    )
    late = make_game(home="LH", away="LA", kickoff=NOW + timedelta(hours=3), spread="-2.5")
    return early, late


def picks_url(entry):
    return f"/api/picks/entries/{entry.pk}/picks/"


def test_every_endpoint_needs_a_logged_in_user(league, games):
    anonymous = APIClient()
    entry = entry_of(league, league.commissioner)
    for url in (
        "/api/picks/entries/",
        f"/api/picks/entries/{entry.pk}/games/",
        f"/api/picks/leagues/{league.pk}/standings/",
        f"/api/picks/leagues/{league.pk}/picks/",
    ):
        assert anonymous.get(url).status_code == 403, url
    assert anonymous.post(picks_url(entry), {}, format="json").status_code == 403
    assert anonymous.post("/api/picks/leagues/join/", {"invite_code": league.invite_code}).status_code == 403


def test_list_games_to_pick_with_lock_state_and_live_status(client, league, ann, games):
    early, late = games
    entry = entry_of(league, ann)
    make_pick(entry, early, "home", confidence=2)

    response = client.get(f"/api/picks/entries/{entry.pk}/games/?week=regular-1")

    assert response.status_code == 200
    body = response.json()
    assert body["week"]["label"] == "Week 1"
    by_id = {g["game_id"]: g for g in body["games"]}
    assert by_id[early.pk]["locked"] is True
    assert by_id[early.pk]["status"] == {"code": "live-win", "text": "Winning", "display": "Winning"}
    assert by_id[late.pk]["locked"] is False
    assert by_id[late.pk]["pick"] is None
    assert by_id[late.pk]["line"] == -2.5
    assert body["tiebreaker"] == {"game_id": late.pk, "guess": None, "locked": False}


def test_submit_picks_and_tiebreaker(client, league, ann, games):
    _, late = games
    entry = entry_of(league, ann)
    response = client.post(
        picks_url(entry),
        {"picks": [{"game_id": late.pk, "team_id": late.away_team_id, "confidence": 2}],
         "tiebreaker": {"week": "regular-1", "guess": 41}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "created": [late.pk],
        "changed": [],
        "unchanged": [],
        "tiebreaker_changed": True,
    }
    assert Pick.objects.get(entry=entry).confidence == 2
    assert WeeklyTiebreaker.objects.get(entry=entry).guess == 41
    assert set(PickChange.objects.values_list("source", flat=True)) == {"api"}


def test_late_pick_gets_409_with_a_message_and_changes_nothing(client, league, ann, games):
    early, late = games
    entry = entry_of(league, ann)
    response = client.post(
        picks_url(entry),
        {"picks": [{"game_id": late.pk, "team_id": late.home_team_id, "confidence": 1},
                   {"game_id": early.pk, "team_id": early.home_team_id, "confidence": 2}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "too_late"
    assert body["errors"] == [
        {"game_id": early.pk, "code": "locked", "message": "Too late to pick EA @ EH: the game has started."}
    ]
    assert body["detail"] == "Nothing was saved: Too late to pick EA @ EH: the game has started."
    assert not Pick.objects.exists()


@pytest.mark.parametrize(
    ("pick", "code"),
    [
        ({"team_id": "other"}, "team_not_in_game"),
        ({"confidence": 1, "game": "college"}, "other_espn_league"),
        ({"confidence": 9}, "confidence_out_of_range"),
        ({"confidence": None}, "confidence_required"),
    ],
)
def test_bad_picks_get_400_with_a_message_per_pick(client, league, ann, games, pick, code):
    _, late = games
    entry = entry_of(league, ann)
    game = late
    if pick.get("game") == "college":
        game = make_game(home="OSU", away="MICH", espn_league=EspnLeague.COLLEGE_FOOTBALL, kickoff=late.kickoff)
    team_id = make_team("ZZZ").pk if pick.get("team_id") == "other" else game.home_team_id
    payload = {"game_id": game.pk, "team_id": team_id, "confidence": pick.get("confidence", 1)}
    response = client.post(picks_url(entry), {"picks": [payload]}, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == [code]
    assert response.json()["errors"][0]["message"]
    assert not Pick.objects.exists()


def test_duplicate_confidence_weight_gets_400(client, league, ann, games):
    _, late = games
    other = make_game(home="OH", away="OA", kickoff=late.kickoff)
    entry = entry_of(league, ann)
    response = client.post(
        picks_url(entry),
        {"picks": [{"game_id": late.pk, "team_id": late.home_team_id, "confidence": 2},
                   {"game_id": other.pk, "team_id": other.home_team_id, "confidence": 2}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert {e["code"] for e in response.json()["errors"]} == {"confidence_duplicate"}
    assert not Pick.objects.exists()


def test_pick_for_someone_elses_entry_is_403(client, league, games):
    _, late = games
    bob_entry = entry_of(league, make_user("bob"))
    response = client.post(
        picks_url(bob_entry),
        {"picks": [{"game_id": late.pk, "team_id": late.home_team_id, "confidence": 1}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_entry"
    assert client.get(f"/api/picks/entries/{bob_entry.pk}/games/").status_code == 403
    assert not Pick.objects.exists()


def test_unreadable_requests_get_400(client, league, ann, games):
    entry = entry_of(league, ann)
    assert client.post(picks_url(entry), {"picks": [{"game_id": "x"}]}, format="json").status_code == 400
    assert client.post(picks_url(entry), {}, format="json").status_code == 400
    assert client.get(f"/api/picks/entries/{entry.pk}/games/?week=week-nine").status_code == 400
    assert client.post("/api/picks/entries/999999/picks/", {}, format="json").status_code == 404


def test_join_with_a_code(client, ann):
    league = make_league(make_user("cat"))
    response = client.post("/api/picks/leagues/join/", {"invite_code": league.invite_code}, format="json")
    assert response.status_code == 201
    assert response.json()["league"]["name"] == league.name
    assert client.post("/api/picks/leagues/join/", {"invite_code": league.invite_code}).status_code == 200


def test_join_with_a_wrong_code_is_400(client, ann):
    make_league(make_user("cat"))
    response = client.post("/api/picks/leagues/join/", {"invite_code": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_invite_code"
    assert not ann.pickem_entries.exists()


def test_standings_for_members_only_with_live_projection(client, league, ann, games):
    early, _late = games
    bob = entry_of(league, make_user("bob"))
    make_pick(entry_of(league, ann), early, "home", confidence=2)
    make_pick(bob, early, "away", confidence=1)
    WeeklyTiebreaker.objects.create(entry=bob, season_type=2, week=1, guess=38)

    body = client.get(f"/api/picks/leagues/{league.pk}/standings/?week=regular-1").json()

    assert body["view"] == "week" and body["live_games"] == 1
    rows = {r["username"]: r for r in body["rows"]}
    assert (rows["ann"]["points"], rows["ann"]["projected_points"], rows["ann"]["live_rank"]) == (0, 2, 1)
    assert rows["bob"]["tiebreak_guess"] is None  # hidden until the tiebreaker game locks
    outsider = APIClient()
    outsider.force_authenticate(make_user("eve"))
    assert outsider.get(f"/api/picks/leagues/{league.pk}/standings/").status_code == 403


def test_season_standings(client, league, ann, games):
    early, _ = games
    make_pick(entry_of(league, ann), early, "home", confidence=2)
    set_result(early, home_score=10, away_score=3)
    grade_game(early.pk, now=NOW)
    body = client.get(f"/api/picks/leagues/{league.pk}/standings/?view=season").json()
    assert body["view"] == "season"
    assert body["rows"][0] == {**body["rows"][0], "username": "ann", "points": 2, "wins": 1, "rank": 1}


def test_others_picks_stay_hidden_until_the_game_locks(client, league, ann, games):
    early, late = games
    bob = entry_of(league, make_user("bob"))
    make_pick(bob, early, "away", confidence=1)
    make_pick(bob, late, "home", confidence=2)
    make_pick(entry_of(league, ann), late, "away", confidence=1)

    body = client.get(f"/api/picks/leagues/{league.pk}/picks/?week=regular-1").json()

    members = {m["username"]: {p["game_id"]: p for p in m["picks"]} for m in body["members"]}
    assert members["bob"][early.pk]["team"] == "EA"  # locked: revealed
    assert members["bob"][late.pk] == {
        "game_id": late.pk,
        "hidden": True,
        "team": None,
        "confidence": None,
        "result": None,
    }
    assert members["ann"][late.pk]["team"] == "LA"  # my own pick: always shown


def test_the_api_schema_documents_every_pickem_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    picks_paths = {path for path in paths if path.startswith("/api/picks/")}
    assert picks_paths == {
        "/api/picks/entries/",
        "/api/picks/entries/{entry_id}/games/",
        "/api/picks/entries/{entry_id}/picks/",
        "/api/picks/entries/{entry_id}/buy-back/",
        "/api/picks/leagues/",
        "/api/picks/leagues/join/",
        "/api/picks/leagues/{league_id}/",
        "/api/picks/leagues/{league_id}/entries/",
        "/api/picks/leagues/{league_id}/standings/",
        "/api/picks/leagues/{league_id}/standings/stream/",
        "/api/picks/leagues/{league_id}/picks/",
        "/api/picks/leagues/{league_id}/what-if/",
        "/api/picks/leagues/{league_id}/reminders/",
    }
    body = paths["/api/picks/entries/{entry_id}/picks/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(body["responses"])
