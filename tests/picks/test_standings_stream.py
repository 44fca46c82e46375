"""Live standings pushed: computed once per league per poll by the worker, streamed to members only."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.test import AsyncClient
from django.urls import reverse

from config.redis_client import cache_redis
from config.redis_keys import STANDINGS_CHANNEL, STANDINGS_KEY
from espn.snapshots import Phase
from games.signals import games_changed
from games.stream_publisher import parse_stream_message
from picks import leagues, standings_stream
from picks.models import ScoringMode
from tests.celery_queue import take_queued
from tests.event_loops import run_in_new_loop

from .factories import NOW, PASSWORD, entry_of, make_game, make_league, make_pick, make_user, set_result


@pytest.fixture
def live_league(db):
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    live = make_game(home="LH", away="LA", kickoff=NOW - timedelta(hours=1))
    make_pick(ann, live, "home", confidence=2)
    make_pick(bob, live, "away", confidence=1)
    set_result(live, phase=Phase.LIVE, home_score=3, away_score=17)
    return league, ann, bob, live


def stored(league_id: int):
    raw = cache_redis().get(STANDINGS_KEY.format(league_id=league_id))
    kind, version, data = parse_stream_message(raw)
    return kind, version, orjson.loads(data)


def test_a_changed_live_game_publishes_its_leagues_projection_once(live_league):
    league, _, _, live = live_league
    other = make_league(name="Other friends")  # same ESPN league and season: projected too
    elsewhere = make_league(name="Last year", season_year=2024)  # another season: untouched
    pubsub = cache_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("scores:stream:standings:*")
    pubsub.get_message(timeout=1)

    assert standings_stream.publish_standings_for(espn_ids=[live.espn_id]) == 2

    messages = []
    while (message := pubsub.get_message(timeout=0.3)) is not None:
        messages.append(message)
    pubsub.close()
    assert sorted(m["channel"].decode() for m in messages) == sorted(
        STANDINGS_CHANNEL.format(league_id=pk) for pk in (league.pk, other.pk)
    )
    kind, version, document = stored(league.pk)
    assert kind == "standings"
    assert document["week"]["slug"] == "regular-1"
    assert document["live_games"] == 1
    rows = {row["username"]: row for row in document["rows"]}
    assert (rows["bob"]["live_points"], rows["bob"]["projected_points"], rows["bob"]["live_rank"]) == (1, 1, 1)
    assert rows["ann"]["live_points"] == 0
    assert "tiebreak_guess" not in rows["ann"]  # whose guess shows depends on the viewer
    assert cache_redis().get(STANDINGS_KEY.format(league_id=elsewhere.pk)) is None

    set_result(live, phase=Phase.LIVE, home_score=24, away_score=17)
    standings_stream.publish_standings_for(espn_ids=[live.espn_id])
    _, newer, document = stored(league.pk)
    assert newer > version
    live_points = {row["username"]: row["live_points"] for row in document["rows"]}
    assert (live_points["ann"], live_points["bob"]) == (2, 0)


def test_the_pushed_projection_names_each_entry_and_carries_its_chance_as_the_score_moves(live_league):
    league, _, _, live = live_league
    standings_stream.publish_standings_for(espn_ids=[live.espn_id])
    rows = {row["entry_name"]: row for row in stored(league.pk)[2]["rows"]}
    assert rows["bob"]["chance_week"] > 0.5 > rows["ann"]["chance_week"]  # bob's LA lead 17-3
    assert rows["ann"]["chance_season"] is not None  # no other week has games left: the season's last

    set_result(live, phase=Phase.LIVE, home_score=31, away_score=17)
    standings_stream.publish_standings_for(espn_ids=[live.espn_id])
    rows = {row["entry_name"]: row for row in stored(league.pk)[2]["rows"]}
    assert rows["ann"]["chance_week"] > 0.5 > rows["bob"]["chance_week"]

    survivor = leagues.league_create(
        commissioner=make_user("boss"), name="Survivors", espn_league=league.espn_league,
        season_year=league.season_year, pool_type="survivor", now=NOW - timedelta(days=30),
    )  # fmt: skip
    survivor.entries.all().delete()
    make_pick(entry_of(survivor, make_user("cat")), live, "home")
    standings_stream.publish_standings_for(espn_ids=[live.espn_id])
    (row,) = stored(survivor.pk)[2]["rows"]
    assert row["entry_name"] == "cat" and "chance_week" not in row  # survivor: its chance depends on the viewer


def test_a_poll_that_changed_games_queues_one_projection_task(live_league):
    _, _, _, live = live_league

    games_changed.send(sender=None, espn_ids=[live.espn_id])

    assert take_queued("picks.tasks.publish_live_standings") == [([], {"espn_ids": [live.espn_id]})]


def test_a_scheduled_game_moves_no_standings(db):
    league = make_league()
    game = make_game()
    entry_of(league, make_user("ann"))

    assert standings_stream.publish_standings_for(espn_ids=[game.espn_id]) == 0


# --------------------------------------------------------------------------- the stream, members only


def read_first_events(client: AsyncClient, url: str, count: int):
    async def scenario():
        response = await client.get(url)
        if response.status_code != 200:
            return response, []
        chunks = []
        stream = aiter(response.streaming_content)
        while len(chunks) < count:
            chunks.append(await anext(stream))
        await stream.aclose()
        return response, chunks

    return run_in_new_loop(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_member_gets_the_stored_projection_first(live_league):
    league, ann, _, live = live_league
    standings_stream.publish_standings_for(espn_ids=[live.espn_id])
    _, version, document = stored(league.pk)
    client = AsyncClient()
    client.force_login(ann.user)

    response, chunks = read_first_events(client, reverse("picks-api:league_standings_stream", args=[league.pk]), 2)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    frame = chunks[1].decode()
    assert frame.startswith(f"id: {version}\nevent: standings\ndata: ")
    assert orjson.loads(frame.split("data: ", 1)[1]) == document


@pytest.mark.django_db(transaction=True)
def test_only_signed_in_members_may_follow_a_league(live_league):
    league, _, _, _ = live_league
    url = reverse("picks-api:league_standings_stream", args=[league.pk])
    stranger = AsyncClient()
    stranger.force_login(make_user("carol", PASSWORD))

    assert read_first_events(AsyncClient(), url, 1)[0].status_code == 403
    assert read_first_events(stranger, url, 1)[0].status_code == 403
    assert (
        read_first_events(stranger, reverse("picks-api:league_standings_stream", args=[league.pk + 999]), 1)[
            0
        ].status_code
        == 404
    )
