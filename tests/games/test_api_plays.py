"""GET /api/games/<id>/plays/: a cursor over the stored plays, ETag and 304, gzip, named 400s."""

from __future__ import annotations

import dataclasses
import gzip
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from games.models import Game
from games.plays import store_plays

from .seed import ingest, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_played():
    """GB at ATL with its first 100 plays stored, as the worker would have them mid-game."""
    final = summary()
    now = final.game.kickoff + timedelta(hours=1)
    ingest([final.game], now=now)
    game = Game.objects.get(espn_id=final.game.espn_id)
    store_plays(game.pk, dataclasses.replace(final, plays=final.plays[:100]), now=now)
    return game, final, now


def plays_url(game: Game) -> str:
    return reverse("api-game-plays", args=[game.pk])


def test_plays_after_a_cursor_in_game_order_with_the_next_cursor(client, half_played):
    game, final, _ = half_played
    first = client.get(plays_url(game), {"limit": 40}).json()
    assert [p["sequence"] for p in first["plays"]] == [p.sequence for p in final.plays[:40]]
    assert first["has_more"] is True and first["cursor"] == final.plays[39].sequence
    assert first["watermark"] == final.plays[99].sequence
    rest = client.get(plays_url(game), {"after_seq": first["cursor"], "limit": 500}).json()
    assert [p["sequence"] for p in rest["plays"]] == [p.sequence for p in final.plays[40:100]]
    assert rest["has_more"] is False and rest["cursor"] == rest["watermark"]
    play = rest["plays"][-1]
    assert set(play) >= {"sequence", "period", "clock", "text", "scoring_play", "home_win_pct", "wallclock"}


def test_nothing_new_is_a_304_until_plays_are_stored_or_corrected(client, half_played, django_assert_num_queries):
    game, final, now = half_played
    cursor = final.plays[99].sequence
    first = client.get(plays_url(game), {"after_seq": cursor})
    assert first.status_code == 200 and first.json()["plays"] == []
    with django_assert_num_queries(1):
        again = client.get(plays_url(game), {"after_seq": cursor}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]

    store_plays(game.pk, dataclasses.replace(final, plays=final.plays[:105]), now=now)
    news = client.get(plays_url(game), {"after_seq": cursor}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert news.status_code == 200
    assert [p["sequence"] for p in news.json()["plays"]] == [p.sequence for p in final.plays[100:105]]

    plays = list(final.plays[:105])
    plays[3] = dataclasses.replace(plays[3], text="corrected")
    store_plays(game.pk, dataclasses.replace(final, plays=tuple(plays)), now=now)
    after_correction = client.get(plays_url(game), {"after_seq": cursor}, HTTP_IF_NONE_MATCH=news["ETag"])
    assert after_correction.status_code == 200 and after_correction["ETag"] != news["ETag"]


def test_gzip_when_the_client_accepts_it(client, half_played):
    game = half_played[0]
    plain = client.get(plays_url(game), {"limit": 100})
    zipped = client.get(plays_url(game), {"limit": 100}, HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(zipped.content) * 4 < len(plain.content)
    assert zipped["ETag"] != plain["ETag"]  # two representations, two tags
    revalidated = client.get(
        plays_url(game), {"limit": 100}, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]
    )
    assert revalidated.status_code == 304


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"after_seq": "abc"}, "after_seq"),
        ({"after_seq": "-5"}, "after_seq"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"after": "3"}, "after"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, half_played, query, named):
    game, _, _ = half_played
    response = client.get(plays_url(game), query)
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid"
    assert [key for key in body if key not in ("code", "detail")] == [named]


def test_an_unknown_game_is_404(client, db):
    assert client.get(reverse("api-game-plays", args=[424242])).status_code == 404


def test_a_game_without_plays_answers_an_empty_page(client, db):
    final = summary().game
    ingest([final], now=final.kickoff)
    body = client.get(plays_url(Game.objects.get(espn_id=final.espn_id))).json()
    assert body["plays"] == [] and body["cursor"] is None and body["watermark"] is None


def test_each_play_names_its_period_as_the_game_page_does(client, half_played):
    """Regulation by the sport's prefix; an overtime by name, numbered once the game has had two."""
    from games.models import Play

    game, _, _ = half_played  # 100 plays: into the third quarter
    last = Play.objects.filter(game=game).order_by("-sequence")
    Play.objects.filter(pk__in=list(last.values_list("pk", flat=True)[:2])).update(period=5)

    def labels() -> dict[int, str]:
        plays = client.get(plays_url(game), {"limit": 500}).json()["plays"]
        return {play["period"]: play["period_label"] for play in plays}

    assert labels() == {1: "Q1", 2: "Q2", 3: "Q3", 5: "OT"}
    Play.objects.filter(pk=last.first().pk).update(period=6)  # a second overtime, as the scoreboard says too
    Game.objects.filter(pk=game.pk).update(period=6)
    assert labels() == {1: "Q1", 2: "Q2", 3: "Q3", 5: "OT1", 6: "OT2"}
    page = client.get(reverse("game-detail", args=[game.pk])).content.decode()
    assert '<span class="play-when">OT2' in page and '<span class="play-when">Q1' in page
