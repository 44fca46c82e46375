"""No input makes the API answer 500 or HTML: every id is checked, every error is the one JSON shape
{"code": ..., "detail": ..., <field>: [...]}, and a bad enum value is refused, never replaced."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from tests.picks.factories import NOW

pytestmark = pytest.mark.django_db

HUGE = 9223372036854775808  # 2**63: one past the largest id the database holds


def post_json(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize(
    ("pick", "named"),
    [
        ({"game_id": HUGE, "team_id": 5}, "game_id"),
        ({"game_id": 1, "team_id": HUGE}, "team_id"),
        ({"game_id": -1, "team_id": 5}, "game_id"),
        ({"game_id": "one", "team_id": 5}, "game_id"),
        ({"game_id": 1.5, "team_id": 5}, "game_id"),
        ({"game_id": 1, "team_id": 5, "confidence": HUGE}, "confidence"),
    ],
)
def test_an_unusable_id_in_a_pick_is_a_400_naming_the_field(member, pick, named):
    client, _, entry, _ = member
    with time_machine.travel(NOW, tick=False):
        response = post_json(client, f"/api/picks/entries/{entry.pk}/picks/", {"picks": [pick]})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert named in body["picks"]["0"]  # the first pick's field


def test_a_tiebreaker_guess_the_database_cannot_hold_is_a_400(member):
    client, _, entry, _ = member
    with time_machine.travel(NOW, tick=False):
        response = post_json(
            client, f"/api/picks/entries/{entry.pk}/picks/", {"tiebreaker": {"week": "regular-1", "guess": 10**6}}
        )

    assert response.status_code == 400
    assert "guess" in response.json()["tiebreaker"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/games/abc/",
        "/api/games/-1/",
        f"/api/games/{HUGE}/",
        "/api/games/99999999999999999999999999/",
        "/api/picks/entries/abc/games/",
        f"/api/picks/entries/{HUGE}/picks/",
        "/api/picks/leagues/0/standings/",
        "/api/no-such-thing/",
        "/api/",
    ],
)
def test_every_path_under_api_answers_json_even_when_nothing_is_there(member, path):
    client, *_ = member
    for response in (client.get(path), client.post(path, {}, content_type="application/json")):
        assert response.status_code == 404, (path, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"


def test_a_browser_asking_for_html_still_gets_json(client, redis_client):
    response = client.get("/api/games/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_pickem_errors_carry_their_code(member, redis_client):
    client, _league, entry, _ = member
    anonymous = Client()

    unauthenticated = anonymous.get(f"/api/picks/entries/{entry.pk}/games/")
    missing = client.get("/api/picks/entries/999999/games/")
    unreadable = client.post(f"/api/picks/entries/{entry.pk}/picks/", "{not json", content_type="application/json")
    form = client.post(f"/api/picks/entries/{entry.pk}/picks/", {"picks": "1"})  # a form, not JSON

    assert (unauthenticated.status_code, unauthenticated.json()["code"]) == (403, "not_authenticated")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (unreadable.status_code, unreadable.json()["code"]) == (400, "parse_error")
    assert (form.status_code, form.json()["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("query", "named"),
    [("view=AAA", "view"), ("week=regular-x", "week"), ("week=", "week"), ("wek=regular-1", "wek")],
)
def test_a_bad_standings_parameter_is_a_400_naming_it(member, query, named):
    client, league, _, _ = member
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/api/picks/leagues/{league.pk}/standings/?{query}")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and named in response.json()


@pytest.mark.parametrize("url", ["/api/picks/entries/{entry}/games/", "/api/picks/leagues/{league}/picks/"])
def test_a_bad_week_is_a_400_naming_it(member, url):
    client, league, entry, _ = member
    with time_machine.travel(NOW, tick=False):
        response = client.get(url.format(entry=entry.pk, league=league.pk), {"week": "someday"})

    assert response.status_code == 400
    assert "week" in response.json()


def test_standings_still_answer_the_views_they_know(member):
    client, league, _, _ = member
    with time_machine.travel(NOW, tick=False):
        views = [
            client.get(f"/api/picks/leagues/{league.pk}/standings/", {"view": v}).json()["view"]
            for v in ("week", "season")
        ]

    assert views == ["week", "season"]


@pytest.mark.parametrize("query", ["team=", "date=", "league=football/xfl"])
def test_games_parameters_are_refused_as_the_schema_says(client, redis_client, query):
    response = client.get(f"/api/games/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_the_live_feed_throttle_answers_the_error_shape(client, settings, redis_client):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "live": "1/min"},
    }
    last = [client.get("/api/games/live/", REMOTE_ADDR="203.0.113.70") for _ in range(3)][-1]

    assert last.status_code == 429 and last.json()["code"] == "throttled"


def test_the_schema_documents_what_the_api_answers(client, redis_client):
    document = client.get("/api/schema/?format=json").json()
    games = document["paths"]["/api/games/"]["get"]["responses"]
    page = games["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/GameListPage"}
    assert set(document["components"]["schemas"]["GameListPage"]["properties"]) == {
        "count",
        "next",
        "previous",
        "results",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, path)
            for body in operation.get("requestBody", {}).get("content", {}):
                assert body == "application/json", (method, path)


def test_a_server_error_under_api_is_json_too(client, redis_client, monkeypatch):
    from ops.status import StatusApi

    def fail(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(StatusApi, "get", fail)
    client.raise_request_exception = False
    response = client.get("/api/status/")

    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": "The server failed; try again later."}
