"""The admin an operator runs the season from: the poller panel, filters, actions, the breaker button."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from config.redis_keys import BREAKER_KEY
from espn.parsing import parse_summary
from games.ingest import ingest_snapshots
from games.models import Game
from games.polling import poll_scoreboards
from tests.games.conftest import NFL_LIVE_DAY, fixture_copy
from tests.games.seed import GB_AT_ATL_SUMMARY, payload
from tests.picks.factories import NOW, make_game

from .conftest import espn_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/games/game/"
RESET = "/admin/games/game/breaker/reset/"
SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)
GB_AT_ATL = "401547417"


def run_action(client: Client, action: str, games: list[Game]):
    data = {"action": action, "_selected_action": [str(g.pk) for g in games]}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def polled(fake_espn):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    with time_machine.travel(SUNDAY_2022, tick=False):
        assert poll_scoreboards(force=True, now=SUNDAY_2022, client=espn_client()).ok
    return fake_espn


def test_games_list_shows_the_poller_breaker_last_runs_and_beat_link(staff_client, polled):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Interval <strong>4 s</strong> (live): 8 games live" in page
    assert "ESPN circuit breaker: <strong>closed</strong>" in page
    assert 'id="poll-history"' in page and page.count("<td>ok</td>") == 1
    assert f"Last poll at {SUNDAY_2022:%H:%M:%S} UTC:" in page  # times of day, not raw ISO strings
    assert f"<td>{SUNDAY_2022:%H:%M:%S}</td>" in page
    assert f'action="{RESET}"' in page
    assert 'href="/admin/django_celery_beat/periodictask/"' in page
    assert staff_client.get("/admin/django_celery_beat/periodictask/").status_code == 200


def test_games_list_renders_with_redis_down(staff_client, redis_down):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    assert "Redis unavailable" in response.content.decode()


def test_filters_by_league_week_and_state_and_search(staff_client, polled):
    live = staff_client.get(CHANGELIST, {"espn_league": "football/nfl", "week": "1", "phase": "live"})
    assert live.context["cl"].result_count == 8

    found = staff_client.get(CHANGELIST, {"q": "Falcons"})
    assert [g.espn_id for g in found.context["cl"].result_list] == ["401437650"]


def test_repoll_action_fetches_the_game_from_espn(staff_client, fake_espn):
    summary = payload(GB_AT_ATL_SUMMARY)
    ingest_snapshots([parse_summary(summary, "football/nfl").game], now=NOW)
    Game.objects.filter(espn_id=GB_AT_ATL).update(home_score=0, away_score=0, content_hash="tampered")
    fake_espn.summaries[GB_AT_ATL] = summary

    response = run_action(staff_client, "repoll_from_espn", [Game.objects.get(espn_id=GB_AT_ATL)])

    assert "Re-polled 1 game(s) from ESPN: 1 changed." in messages_of(response)
    game = Game.objects.get(espn_id=GB_AT_ATL)
    assert (game.away_score, game.home_score) == (24, 25)
    assert game.plays.count() == 186  # its play-by-play stored too (a game the worker never followed)


def test_repoll_action_reports_espn_failures_without_failing(staff_client, fake_espn):
    game = make_game()  # ESPN does not know it: the fake answers 404

    response = run_action(staff_client, "repoll_from_espn", [game])

    assert response.status_code == 200
    assert any(f"ESPN failed for game {game.espn_id}" in m and "HTTP 404" in m for m in messages_of(response))


def test_reset_button_closes_the_breaker(staff_client, redis_client):
    redis_client.hset(BREAKER_KEY, mapping={"state": "open", "fail_counter": 7, "opened_at": 1700000000})
    assert "<strong>open</strong>" in staff_client.get(CHANGELIST).content.decode()

    response = staff_client.post(RESET, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "ESPN circuit breaker reset (it was open)." in messages_of(response)
    assert not redis_client.exists(BREAKER_KEY)
    assert "<strong>closed</strong>" in response.content.decode()


def test_reset_is_post_only_and_csrf_protected(staff, redis_client):
    redis_client.hset(BREAKER_KEY, "state", "open")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)

    assert strict.get(RESET).status_code == 405
    assert strict.post(RESET).status_code == 403  # no CSRF token
    assert redis_client.hget(BREAKER_KEY, "state") == b"open"


def test_admin_is_for_staff_only(client, django_user_model, redis_client):
    redis_client.hset(BREAKER_KEY, "state", "open")
    assert client.get(CHANGELIST).status_code == 302  # anonymous: to the admin's sign-in
    assert client.post(RESET).status_code == 302

    member = django_user_model.objects.create_user("member", password="member-password-1")
    client.force_login(member)
    for url in (CHANGELIST, "/admin/django_celery_beat/periodictask/", "/admin/picks/pick/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    assert client.post(RESET).status_code == 302
    assert redis_client.hget(BREAKER_KEY, "state") == b"open"


def test_staff_who_may_only_view_games_cannot_reset_or_run_actions(client, django_user_model, redis_client):
    viewer = django_user_model.objects.create_user("viewer", password="viewer-password-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_game"))
    client.force_login(viewer)
    redis_client.hset(BREAKER_KEY, "state", "open")

    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert RESET not in page.content.decode()
    assert "repoll_from_espn" not in page.content.decode()
    assert client.post(RESET).status_code == 403
    assert redis_client.hget(BREAKER_KEY, "state") == b"open"
