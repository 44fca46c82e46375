"""The worker follows live games through their summaries, against the ESPN replay of real recorded games.

The replay answers through `responses` on a manual clock, so the tests jump through a game
(kickoff, halftime, final) without sleeping and count every summary request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import responses
import time_machine

from config.redis_keys import STREAM_SUBSCRIBERS_KEY
from espn.replay import ManualClock, ReplayConfig
from espn.replay.server import Replay
from games import polling
from games.models import Game, GameTracking, Play, TrackingStatus
from games.polling import poll_scoreboards
from games.summary_fetch import follow_games
from games.tracking import sync_tracking

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 4, 16, 0, tzinfo=UTC)  # a Sunday, noon Eastern
GB_AT_ATL = "401547417"
DAL_AT_PIT = "401671784"
ESPN_URL = re.compile(r"https://espn\.test/apis/site/v2/sports/(\w+)/([\w.-]+)/(scoreboard|summary)")


class ReplayedEspn:
    """The project's replay of real games behind `responses`: every request counted, with the replay time."""

    def __init__(self, rsps: responses.RequestsMock, game_ids: tuple[str, ...]) -> None:
        self.clock = ManualClock(START)
        self.replay = Replay(ReplayConfig(start=START, game_ids=game_ids, stagger=300.0), clock=self.clock)
        self.summaries: list[tuple[datetime, str]] = []
        self.failing: set[str] = set()
        rsps.add_callback(responses.GET, ESPN_URL, callback=self.answer)

    def answer(self, request):
        url = urlsplit(request.url)
        sport, league, endpoint = ESPN_URL.match(request.url).groups()
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if endpoint == "summary":
            self.summaries.append((self.clock.now(), query.get("event", "")))
            if query.get("event") in self.failing:
                return 500, {}, "{}"
            status, body = self.replay.summary(f"{sport}/{league}", query)
        else:
            status, body = self.replay.scoreboard(f"{sport}/{league}", query)
        return status, {"Content-Type": "application/json"}, orjson.dumps(body)

    def game(self, event_id: str):
        return next(g for g in self.replay.games if g.event_id == event_id)

    def requests_for(self, event_id: str, since: datetime | None = None) -> list[datetime]:
        return [at for at, event in self.summaries if event == event_id and (since is None or at >= since)]


@pytest.fixture
def replayed(espn_settings, redis_client, settings):
    settings.ESPN_LEAGUES = ["football/nfl"]
    settings.SUMMARY_WATCHED_SECONDS = 10
    settings.SUMMARY_UNWATCHED_SECONDS = 30
    settings.SUMMARY_MAX_PER_MINUTE = 60
    polling.espn_client.cache_clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield lambda *game_ids: ReplayedEspn(rsps, game_ids)
    polling.espn_client.cache_clear()


def tick(espn: ReplayedEspn, at: datetime, *, poll: bool = True):
    """What the worker does at `at`: the scoreboard poll (when asked), then the follower."""
    espn.clock.set(at)
    with time_machine.travel(at, tick=False):
        if poll:
            assert poll_scoreboards(force=True, now=at).ok
        return follow_games(now=at)


def run(espn: ReplayedEspn, start: datetime, seconds: int, *, step: int = 2, poll_every: int = 10):
    for offset in range(0, seconds, step):
        tick(espn, start + timedelta(seconds=offset), poll=offset % poll_every == 0)


def game_row(event_id: str) -> Game:
    return Game.objects.get(espn_id=event_id)


def watch(redis_client, event_id: str, subscribers: int = 1) -> None:
    key = STREAM_SUBSCRIBERS_KEY.format(game_id=game_row(event_id).pk)
    redis_client.set(key, subscribers)


def test_a_live_game_is_followed_and_its_plays_stored_once(replayed):
    espn = replayed(GB_AT_ATL)
    game = espn.game(GB_AT_ATL)
    start = game.kickoff + timedelta(minutes=20)
    run(espn, start, 120)
    stored = Play.objects.filter(game__espn_id=GB_AT_ATL)
    sequences = list(stored.values_list("sequence", flat=True))
    assert len(sequences) == len(set(sequences)) > 0
    record = GameTracking.objects.get(game__espn_id=GB_AT_ATL)
    assert record.status == TrackingStatus.LIVE and record.last_success_at is not None
    assert record.play_watermark == max(sequences)
    assert record.consecutive_failures == 0


def test_a_watched_game_is_fetched_at_the_live_cadence_and_an_unwatched_one_every_30_seconds(replayed, redis_client):
    espn = replayed(GB_AT_ATL, DAL_AT_PIT)
    second = espn.game(DAL_AT_PIT)
    start = second.kickoff + timedelta(minutes=5)  # both games live, neither at halftime
    tick(espn, start - timedelta(seconds=60))
    watch(redis_client, GB_AT_ATL)
    run(espn, start, 120)
    watched = espn.requests_for(GB_AT_ATL, since=start)
    unwatched = espn.requests_for(DAL_AT_PIT, since=start)
    assert 11 <= len(watched) <= 13  # every 10 s for two minutes
    assert 4 <= len(unwatched) <= 5  # every 30 s
    gaps = [(b - a).total_seconds() for a, b in pairwise(unwatched)]
    assert all(gap >= 30 for gap in gaps)


def test_no_summary_is_asked_for_during_halftime_and_one_when_play_resumes(replayed):
    espn = replayed(GB_AT_ATL)
    game = espn.game(GB_AT_ATL)
    plays = game.recording.plays
    half = next(i for i, play in enumerate(plays) if play["type"].get("text") == "End of Half")
    halftime_starts, play_resumes = game.moment_of_play(half), game.moment_of_play(half + 1)
    assert (play_resumes - halftime_starts).total_seconds() > 120  # a real halftime, compressed or not
    run(espn, halftime_starts - timedelta(seconds=60), 60)
    espn.summaries.clear()
    run(espn, halftime_starts, int((play_resumes - halftime_starts).total_seconds()) - 1)
    assert game_row(GB_AT_ATL).status_name == "STATUS_HALFTIME"
    assert espn.summaries == []
    run(espn, play_resumes, 12)
    assert len(espn.requests_for(GB_AT_ATL)) == 1
    assert Play.objects.filter(game__espn_id=GB_AT_ATL, espn_id=plays[half]["id"]).exists()


def test_one_final_fetch_when_the_game_goes_final(replayed):
    espn = replayed(GB_AT_ATL)
    game = espn.game(GB_AT_ATL)
    run(espn, game.final_at - timedelta(seconds=40), 40)
    espn.summaries.clear()
    run(espn, game.final_at + timedelta(seconds=1), 120)
    assert game_row(GB_AT_ATL).phase == "final"
    assert len(espn.requests_for(GB_AT_ATL)) == 1
    assert Play.objects.filter(game__espn_id=GB_AT_ATL).count() == len(game.recording.plays)
    assert GameTracking.objects.get(game__espn_id=GB_AT_ATL).final_fetch_at is not None


def test_never_more_summary_requests_a_minute_than_the_ceiling(replayed, redis_client, settings):
    settings.SUMMARY_MAX_PER_MINUTE = 5
    espn = replayed(GB_AT_ATL, DAL_AT_PIT)
    start = espn.game(DAL_AT_PIT).kickoff + timedelta(minutes=5)
    minute = start.replace(second=0) + timedelta(minutes=1)
    tick(espn, minute - timedelta(seconds=2))
    watch(redis_client, GB_AT_ATL)
    watch(redis_client, DAL_AT_PIT)
    espn.summaries.clear()
    run(espn, minute, 60, poll_every=60)
    assert len(espn.summaries) == 5


def test_consecutive_failures_last_error_and_retries_are_recorded(replayed):
    espn = replayed(GB_AT_ATL)
    start = espn.game(GB_AT_ATL).kickoff + timedelta(minutes=20)
    tick(espn, start)
    espn.failing.add(GB_AT_ATL)
    for n in range(1, 4):
        tick(espn, start + timedelta(seconds=30 * n), poll=False)
    record = GameTracking.objects.get(game__espn_id=GB_AT_ATL)
    assert record.consecutive_failures == 3
    assert "HTTP 500" in record.last_error
    assert record.retries == 2  # the second and third attempts followed a failure
    espn.failing.clear()
    tick(espn, start + timedelta(seconds=120), poll=False)
    record.refresh_from_db()
    assert (record.consecutive_failures, record.last_error, record.retries) == (0, "", 3)


def test_after_a_restart_games_recorded_live_are_followed_at_once(replayed, redis_client):
    espn = replayed(GB_AT_ATL)
    start = espn.game(GB_AT_ATL).kickoff + timedelta(minutes=20)
    tick(espn, start)
    # The worker dies; Redis is emptied (a whole deploy); no scoreboard poll has run since.
    redis_client.flushdb()
    polling.espn_client.cache_clear()
    espn.summaries.clear()
    later = start + timedelta(minutes=30)
    tick(espn, later, poll=False)
    assert espn.requests_for(GB_AT_ATL) == [later]
    assert GameTracking.objects.get(game__espn_id=GB_AT_ATL).last_success_at == later


def test_a_game_that_went_final_while_nothing_ran_is_finished_and_announced_on_the_first_run(
    replayed, redis_client, django_capture_on_commit_callbacks
):
    from games.signals import game_results_changed

    announced = []

    def listener(sender, final_ids, **kwargs):
        announced.extend(final_ids)

    game_results_changed.connect(listener)
    try:
        espn = replayed(GB_AT_ATL)
        game = espn.game(GB_AT_ATL)
        tick(espn, game.kickoff + timedelta(minutes=20))
        redis_client.flushdb()
        after = game.final_at + timedelta(hours=2)
        with django_capture_on_commit_callbacks(execute=True):
            tick(espn, after, poll=False)
        row = game_row(GB_AT_ATL)
        assert row.phase == "final" and announced == [row.pk]
        with time_machine.travel(after, tick=False):
            sync_tracking(now=after + timedelta(seconds=10))
        assert GameTracking.objects.get(pk=row.pk).status == TrackingStatus.FINAL
    finally:
        game_results_changed.disconnect(listener)


def test_one_run_fetches_at_most_ten_summaries_and_leaves_the_rest_to_the_next(fake_espn, settings):
    from games.summary_fetch import FETCHES_PER_RUN
    from tests.games.conftest import CFB_LIVE_DAY, NFL_LIVE_DAY, fixture_copy

    settings.ESPN_RATE_LIMIT_PER_SECOND = 0  # frozen time: a per-second limit would never see the next second
    sunday = datetime(2022, 9, 17, 20, 0, tzinfo=UTC)
    fake_espn.board("football/nfl", "20220917", fixture_copy(NFL_LIVE_DAY))
    fake_espn.board("football/college-football", "20220917", fixture_copy(CFB_LIVE_DAY))
    with time_machine.travel(sunday, tick=False):
        poll_scoreboards(force=True, now=sunday)
        live = Game.objects.filter(phase="live").count()
        assert live > FETCHES_PER_RUN
        follow_games(now=sunday)
        first = sum(1 for kind, _ in fake_espn.requests if kind == "summary")
        follow_games(now=sunday + timedelta(seconds=2))
        second = sum(1 for kind, _ in fake_espn.requests if kind == "summary") - first
    assert first == FETCHES_PER_RUN
    assert second == min(live - FETCHES_PER_RUN, FETCHES_PER_RUN)
