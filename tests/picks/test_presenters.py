"""picks/presenters.py words each pick row's score and status once, on the server: the pick page renders
them and the pick'em API carries them for picks.js to show (which used to work both out again)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from espn.snapshots import Phase
from picks.models import Pick, PickResult, ScoringMode
from picks.presenters import score_text, status_text

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def with_detail(game, detail: str):
    game.short_detail = game.status_detail = detail
    game.save(update_fields=["short_detail", "status_detail"])
    return game


def graded(pick: Pick, result: str, points: int) -> Pick:
    Pick.objects.filter(pk=pick.pk).update(result=result, points=points, graded_at=NOW)
    pick.refresh_from_db()
    return pick


def test_the_score_away_team_first_with_espns_status_and_nothing_before_kickoff():
    live = with_detail(make_game(home="ATL", away="NO", phase=Phase.LIVE, home_score=26, away_score=24), "0:48 - 4th")
    final = make_game(home="MIA", away="NE", phase=Phase.FINAL, home_score=20, away_score=7)
    # What ESPN sends before kickoff: 0-0 and the kickoff in US Eastern words.
    scheduled = with_detail(make_game(home="SH", away="SA", home_score=0, away_score=0), "9/7 - 9:10 AM EST")
    no_score_yet = make_game(home="LH", away="LA", phase=Phase.LIVE)

    assert score_text(live) == "NO 24 \N{EN DASH} 26 ATL · 0:48 - 4th"
    assert score_text(final) == "NE 7 \N{EN DASH} 20 MIA"  # no status detail: the score alone
    assert score_text(scheduled) == ""
    assert score_text(no_score_yet) == ""


def test_the_status_adds_a_won_picks_points_and_whether_the_rule_made_the_pick():
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    entry = entry_of(league, make_user("ann"))
    games = [make_game(home=f"H{n}", away=f"A{n}") for n in range(4)]
    three = graded(make_pick(entry, games[0], "home", confidence=3), PickResult.WIN, 3)
    one = graded(make_pick(entry, games[1], "home", confidence=1), PickResult.WIN, 1)
    lost = graded(make_pick(entry, games[2], "home", confidence=2), PickResult.LOSS, 0)
    pending = make_pick(entry, games[3], "home", confidence=4)

    assert status_text(three, "Win") == "Win · 3 pts"
    assert status_text(one, "Win") == "Win · 1 pt"
    assert status_text(lost, "Loss") == "Loss"
    assert status_text(pending, "Winning") == "Winning"
    assert status_text(None, "No pick") == "No pick"
    pending.auto = True  # made by the missed-picks rule
    assert status_text(pending, "Winning") == "Winning (made for you)"
    one.auto = True
    assert status_text(one, "Win") == "Win (made for you) · 1 pt"


ROW = re.compile(
    r'<li class="pick-game[^"]*" id="game-(?P<pk>\d+)".*?'
    r"<span class=\"score\" data-score>(?P<score>.*?)</span>\s*"
    r'<span class="status" data-status><span class="status-mark" aria-hidden="true"></span>(?P<status>.*?)</span>',
    re.DOTALL,
)


def test_the_pick_page_and_the_api_show_the_same_words_for_every_row(client):
    ann = make_user("ann")
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    entry = entry_of(league, ann)
    won = set_result(make_game(home="WH", away="WA", kickoff=NOW - timedelta(hours=4)), home_score=20, away_score=17)
    lost = with_detail(
        set_result(make_game(home="XH", away="XA", kickoff=NOW - timedelta(hours=4)), home_score=3, away_score=9),
        "Final",
    )
    live = with_detail(
        make_game(
            home="ATL", away="NO", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=26, away_score=24
        ),
        "0:48 - 4th",
    )
    scheduled = with_detail(
        make_game(home="SH", away="SA", kickoff=NOW + timedelta(hours=3), home_score=0, away_score=0),
        "9/7 - 9:10 AM EST",
    )
    unpicked = make_game(home="UH", away="UA", kickoff=NOW + timedelta(hours=4))
    graded(make_pick(entry, won, "home", confidence=3), PickResult.WIN, 3)
    graded(make_pick(entry, lost, "home", confidence=2), PickResult.LOSS, 0)
    make_pick(entry, live, "home", confidence=1)
    make_pick(entry, scheduled, "away", confidence=4)
    client.force_login(ann)
    api = APIClient()
    api.force_authenticate(ann)

    page = client.get(f"/picks/?entry={entry.pk}&week=regular-1").content.decode()
    games = api.get(f"/api/picks/entries/{entry.pk}/games/?week=regular-1").json()["games"]

    shown = {int(m["pk"]): (html.unescape(m["score"]), html.unescape(m["status"])) for m in ROW.finditer(page)}
    sent = {game["game_id"]: (game["score_text"], game["status"]["display"]) for game in games}
    assert shown == sent
    assert sent == {
        won.pk: ("WA 17 \N{EN DASH} 20 WH", "Win · 3 pts"),
        lost.pk: ("XA 9 \N{EN DASH} 3 XH · Final", "Loss"),
        live.pk: ("NO 24 \N{EN DASH} 26 ATL · 0:48 - 4th", "Winning"),
        scheduled.pk: ("", "Picked"),
        unpicked.pk: ("", "No pick"),
    }
    assert {game["status"]["text"] for game in games if game["game_id"] == won.pk} == {"Win"}  # the words alone
