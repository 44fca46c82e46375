"""The /live/ and /games/<id>/ pages, server-rendered from the same payloads as the API."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from games.models import Game
from games.plays import store_plays
from games.presenters import badge_colors
from tests.games.seed import fresh_live_feed_process_state  # noqa: F401  (autouse)

from .seed import NFL_LIVE_DAY, NO_AT_ATL, SUNDAY_2022, TB_AT_DAL, ingest, ingest_fixture, publish, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def polled():
    with time_machine.travel(SUNDAY_2022, tick=False):
        publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022), now=SUNDAY_2022)
        yield SUNDAY_2022


def section(html: str, group: str) -> str:
    return html.split(f'id="group-{group}"')[1].split("</section>")[0]


def test_live_page_groups_games_live_then_upcoming_then_final(client, polled, django_assert_num_queries):
    with django_assert_num_queries(0):  # rendered from the cached feed
        response = client.get(reverse("live"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('id="group-live"') < html.index('id="group-upcoming"') < html.index('id="group-final"')
    assert section(html, "live").count('class="game-card') == 8
    assert section(html, "upcoming").count('class="game-card') == 5
    assert section(html, "final").count('class="game-card') == 1


def test_cards_are_readable_without_colour_and_labelled(client, polled):
    html = client.get(reverse("live")).content.decode()
    no_at_atl = html.split(f'data-game-id="{Game.objects.get(espn_id=NO_AT_ATL).pk}"')[1].split("</article>")[0]

    assert 'aria-label="New Orleans Saints 24, Atlanta Falcons 26, live, 0:48 - 4th"' in html
    assert ">LIVE<" in no_at_atl and "0:48 - 4th" in no_at_atl
    assert "◀</span> ball" in no_at_atl.split('team-name">New Orleans Saints')[1].split("</li>")[0]  # NO has the ball
    assert "1st &amp; 10 at NO 10" in no_at_atl
    assert 'aria-label="New England Patriots 7, Miami Dolphins 20, final"' in html
    assert ">FINAL<" in section(html, "final")
    assert "winner" in section(html, "final")


def test_upcoming_cards_show_kickoff_odds_and_broadcast(client, polled):
    html = client.get(reverse("live")).content.decode()
    card = html.split(f'data-game-id="{Game.objects.get(espn_id=TB_AT_DAL).pk}"')[1].split("</article>")[0]

    assert '<time datetime="2022-09-12T00:20:00+00:00" data-localtime="time">00:20 UTC</time>' in card
    assert "Line TB -2.5" in card and "TV: NBC" in card


def test_badges_use_espn_colours_with_contrasting_text(client, polled):
    html = client.get(reverse("live")).content.decode()

    assert 'style="background:#000000;color:#ffffff"' in html  # Atlanta, black
    assert badge_colors("ffb612") == ("#ffb612", "#000000")
    assert badge_colors("") == ("#5b6470", "#ffffff")
    assert badge_colors("not-a-colour") == ("#5b6470", "#ffffff")


def test_live_page_embeds_the_feed_and_its_etag_for_the_script(client, polled):
    api = client.get(reverse("api-games-live"))
    html = client.get(reverse("live")).content.decode()

    assert 'data-etag="{}"'.format(api["ETag"].replace('"', "&quot;")) in html
    assert '<script id="live-feed" type="application/json">' in html
    assert "js/live.js" in html and "js/localtime.js" in html


def test_pages_need_nothing_from_the_internet(client, polled):
    for url in (reverse("live"), reverse("game-detail", args=[Game.objects.get(espn_id=TB_AT_DAL).pk])):
        html = client.get(url).content.decode()
        external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', html)
        assert external == [], url


def test_live_page_without_games_says_so(client, db):
    html = client.get(reverse("live")).content.decode()

    assert "No live games." in html and "No upcoming games." in html


def test_navigation_has_live_picks_and_login(client, db):
    html = client.get(reverse("live")).content.decode()

    assert 'aria-current="page">Live<' in html
    assert 'href="/picks/"' in html and "Log in" in html


def test_root_goes_to_live(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("live")


@pytest.fixture
def gb_at_atl():
    final = summary()
    now = final.game.kickoff
    ingest([final.game], now=now)
    game = Game.objects.get(espn_id=final.game.espn_id)
    store_plays(game.pk, final, now=now)
    return game


def test_game_page_shows_score_by_period_scoring_plays_and_plays_newest_first(client, gb_at_atl):
    with time_machine.travel(gb_at_atl.kickoff, tick=False):
        html = client.get(reverse("game-detail", args=[gb_at_atl.pk])).content.decode()

    assert '<h1><span class="visually-hidden">Green Bay Packers 24, Atlanta Falcons 25, final</span>' in html
    table = html.split('id="linescore"')[1].split("</table>")[0]
    assert re.sub(r"\s+", "", table).count('<thscope="col">') == 6  # Team, 1-4, Total
    assert '<td>3</td><td>6</td><td>3</td><td>13</td><td class="total">25</td>' in table
    scoring = html.split('id="scoring-plays"')[1].split("</ol>")[0]
    assert scoring.count('class="play scoring-play"') == 10
    plays = html.split('id="plays"')[1].split("</ol>")[0]
    assert plays.count('<li class="play') == 186
    assert plays.index("END GAME") < plays.index("Q1")  # newest first
    # Without the script too: who won rather than "ATL 100%", and "Final" said once.
    assert '<figcaption id="wp-caption">Final: Atlanta Falcons won 25\N{EN DASH}24.</figcaption>' in html
    status = html.split('id="game-status">')[1].split("</p>")[0]
    assert re.sub(r"<[^>]+>", "", status).lower().count("final") == 1, status
    assert '<script id="game-data" type="application/json">' in html and "js/game.js" in html
    assert 'role="img"' in html


def test_game_page_of_a_live_game_shows_the_situation(client, polled):
    game = Game.objects.get(espn_id=NO_AT_ATL)

    html = client.get(reverse("game-detail", args=[game.pk])).content.decode()

    assert "Down and distance</dt><dd>1st &amp; 10 at NO 10" in html
    assert "<dt>Ball</dt><dd>New Orleans Saints</dd>" in html
    assert "No play-by-play stored for this game yet." in html


def test_unknown_game_page_is_404(client, db):
    assert client.get(reverse("game-detail", args=[424242])).status_code == 404


def test_each_game_carries_what_the_pages_show_worked_out_by_the_server(client, polled):
    games = client.get(reverse("api-games-live")).json()["games"]
    final = next(g for g in games if g["status"]["phase"] == "final")
    upcoming = next(g for g in games if g["espn_id"] == TB_AT_DAL)

    assert final["display"]["group"] == "final" and final["display"]["marker"] == "FINAL"
    assert final["display"]["detail"] == ""  # "Final" beside FINAL would only repeat it
    winner = "home" if final["home"]["score"] > final["away"]["score"] else "away"
    assert final["display"][winner]["winner"] is True and final["display"][winner]["score_text"]
    assert upcoming["display"]["group"] == "upcoming" and upcoming["display"]["marker"] == ""
    assert upcoming["display"]["odds_text"].startswith("Line TB -2.5")
    assert upcoming["display"]["away"]["score_text"] == ""  # no score shown before kickoff


def test_halftime_is_a_marker_of_its_own():
    from games.presenters import display_of

    side = {"espn_id": "1", "display_name": "A", "color": "", "score": 7, "linescores": [7, 0]}
    game = {
        "espn_league": "football/nfl",
        "kickoff": "2022-09-11T17:00:00+00:00",
        "status": {"phase": "live", "pause": "halftime", "short_detail": "Halftime", "detail": "Halftime"},
        "away": side,
        "home": {**side, "espn_id": "2", "display_name": "B", "score": 3},
        "situation": None,
        "odds": None,
    }
    shown = display_of(game)

    assert (shown["group"], shown["marker"], shown["detail"], shown["full_detail"]) == ("live", "HALFTIME", "", "")
    assert shown["aria_label"] == "A 7, B 3, live, Halftime"
    assert shown["away"]["winner"] is False and shown["away"]["score_text"] == "7"
