from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from picks.grading import grade_game
from picks.models import GameGrading, Pick, PickResult

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def graded_game():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, home_score=10, away_score=3)
    grade_game(game.pk, now=NOW)
    return game


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/picks/{model}/"
        for model in (
            "pickemleague",
            "entry",
            "pick",
            "gamegrading",
            "pickchange",
            "gameline",
            "weeklytiebreaker",
        )
    ],
)
def test_admin_lists_render(admin_client, graded_game, url):
    assert admin_client.get(url).status_code == 200


def test_league_change_page_renders_with_its_members(admin_client, graded_game):
    league = Pick.objects.get().entry.league
    response = admin_client.get(f"/admin/picks/pickemleague/{league.pk}/change/")
    assert response.status_code == 200
    assert "ann" in response.content.decode()


def test_regrade_action_regrades_the_game(admin_client, graded_game):
    Pick.objects.update(result=PickResult.PENDING, points=0)  # say, a bad manual edit
    response = admin_client.post(
        "/admin/picks/gamegrading/",
        {"action": "regrade_games", "_selected_action": [graded_game.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Regraded 1 game(s): 1 pick(s)." in response.content.decode()
    assert Pick.objects.get().result == PickResult.WIN
    assert GameGrading.objects.get().times_graded == 2


def test_regrade_action_from_picks(admin_client, graded_game):
    pick = Pick.objects.get()
    admin_client.post("/admin/picks/pick/", {"action": "regrade_games", "_selected_action": [pick.pk]})
    assert GameGrading.objects.get().times_graded == 2


def test_regrade_action_regrades_a_hand_edited_pick(admin_client):
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, home_score=24, away_score=20)
    grade_game(game.pk, now=NOW)
    Pick.objects.filter(pk=pick.pk).update(result=PickResult.LOSS, points=0)  # a bad hand edit

    grading = GameGrading.objects.get(game=game)
    data = {"action": "regrade_games", "_selected_action": [str(grading.pk)]}
    response = admin_client.post("/admin/picks/gamegrading/", data, follow=True)

    assert "Regraded 1 game(s): 1 pick(s)." in [str(m) for m in response.context["messages"]]
    pick.refresh_from_db()
    assert (pick.result, pick.points) == (PickResult.WIN, 1)
    assert GameGrading.objects.get(game=game).times_graded == 2


def test_the_pick_list_and_page_show_the_line_at_lock_derived_from_the_leagues_rule(admin_client):
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-3.5")
    pick = make_pick(entry_of(make_league(against_spread=True), make_user("ann")), game, "home")
    set_result(game, home_score=24, away_score=20)
    grade_game(game.pk, now=NOW)
    game.spread = Decimal("-9.5")  # ESPN's line after the lock is not the pick's
    game.save(update_fields=["spread"])

    listing = admin_client.get("/admin/picks/pick/").content.decode()
    page = admin_client.get(f"/admin/picks/pick/{pick.pk}/change/").content.decode()

    assert '<td class="field-line_at_lock">-3.5</td>' in listing
    assert "-3.5" in page and "-9.5" not in page
