"""The poll end to end at the HTTP boundary: real ESPN JSON in, rows and Redis keys out."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.redis_keys import (
    ESPN_KEYS,
    LAST_POLL_KEY,
    LIVE_FEED_KEY,
    LIVE_FEED_TTL,
    LIVE_STATE_KEY,
    NEXT_POLL_KEY,
    POLL_LOCK_KEY,
)
from espn.snapshots import Phase
from games.models import Game, Team
from games.polling import poll_scoreboards
from games.signals import game_results_changed
from tests.celery_queue import take_queued

from .conftest import (
    CFB_LIVE_DAY,
    NFL_FINAL_DAY,
    NFL_LIVE_DAY,
    fixture_copy,
    set_final,
    set_score,
    set_status,
)

pytestmark = pytest.mark.django_db(transaction=False)

# 2024-12-15 at 14:00 Eastern: the NFL Sunday of NFL_FINAL_DAY.
SUNDAY_2024 = datetime(2024, 12, 15, 19, 0, tzinfo=UTC)
# 2022-09-11 at 16:00 Eastern: NFL week 1 Sunday of NFL_LIVE_DAY.
SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def logical_statements(queries) -> list[str]:
    """SQL statements, counting a bulk insert split into batches once (SQLite caps parameters per query)."""
    statements: list[str] = []
    for query in queries:
        head = query["sql"][:60]
        if statements and head.startswith("INSERT") and statements[-1] == head:
            continue
        statements.append(head)
    return statements


def follow(now: datetime):
    """The worker's follower of live games (its summaries), as beat runs it."""
    from games.summary_fetch import follow_games

    with time_machine.travel(now, tick=False):
        return follow_games(now=now)


def poll(now: datetime, django_capture_on_commit_callbacks=None):
    with time_machine.travel(now, tick=False):
        if django_capture_on_commit_callbacks is None:
            return poll_scoreboards(force=True, now=now)
        with django_capture_on_commit_callbacks(execute=True):
            return poll_scoreboards(force=True, now=now)


def test_poll_creates_games_from_a_real_scoreboard(fake_espn):
    fake_espn.board("football/nfl", "20241215", fixture_copy(NFL_FINAL_DAY))

    result = poll(SUNDAY_2024)

    assert result.ok, result.errors
    assert len(result.ingest.created) == 13
    assert Game.objects.count() == 13
    game = Game.objects.select_related("home_team", "away_team").get(espn_id="401671854")
    assert (game.away_team.abbreviation, game.away_score, game.home_team.abbreviation, game.home_score) == (
        "KC", 21, "CLE", 7,
    )  # fmt: skip
    assert game.phase == Phase.FINAL and game.final_at == SUNDAY_2024
    assert game.kickoff == datetime(2024, 12, 15, 18, 0, tzinfo=UTC)
    assert (game.season.year, game.season_type, game.week) == (2024, 2, 15)
    assert Team.objects.filter(espn_league="football/nfl").count() == 26


def test_unchanged_poll_writes_nothing(fake_espn):
    fake_espn.board("football/nfl", "20241215", fixture_copy(NFL_FINAL_DAY))
    poll(SUNDAY_2024)

    with CaptureQueriesContext(connection) as queries:
        result = poll(SUNDAY_2024)

    assert result.ingest.changed == []
    assert writes(queries.captured_queries) == []
    assert len(queries.captured_queries) <= 8


def test_poll_query_count_does_not_grow_with_games(fake_espn):
    small = fixture_copy(NFL_LIVE_DAY)
    small["events"] = small["events"][:2]
    fake_espn.board("football/nfl", "20220911", small)
    with CaptureQueriesContext(connection) as two_games:
        assert len(poll(SUNDAY_2022).ingest.created) == 2

    Game.objects.all().delete()
    Team.objects.all().delete()
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    fake_espn.board("football/college-football", "20220911", fixture_copy(CFB_LIVE_DAY))
    with CaptureQueriesContext(connection) as forty_one_games:
        assert len(poll(SUNDAY_2022).ingest.created) == 41

    assert len(logical_statements(forty_one_games.captured_queries)) == len(
        logical_statements(two_games.captured_queries)
    )


def test_poll_query_count_does_not_grow_with_games_going_final(fake_espn, django_capture_on_commit_callbacks):
    """Grading is handed to a worker in one message: the poll's queries stay flat however many games end in it."""

    def poll_ending(how_many: int) -> list[str]:
        Game.objects.all().delete()
        Team.objects.all().delete()
        board = fixture_copy(NFL_LIVE_DAY)
        fake_espn.board("football/nfl", "20220911", board)
        poll(SUNDAY_2022, django_capture_on_commit_callbacks)
        take_queued("picks.tasks.grade_games")  # the games already final at the first poll
        live = list(Game.objects.filter(phase=Phase.LIVE).values_list("espn_id", flat=True))
        assert len(live) >= 3
        for espn_id in live[:how_many]:
            set_final(board, espn_id)
        with CaptureQueriesContext(connection) as queries:
            result = poll(SUNDAY_2022.replace(minute=5), django_capture_on_commit_callbacks)
        assert len(result.ingest.went_final) == how_many
        [(args, _)] = take_queued("picks.tasks.grade_games")
        assert len(args[0]) == how_many
        return logical_statements(queries.captured_queries)

    assert len(poll_ending(1)) == len(poll_ending(3))


def test_changed_score_updates_only_that_game(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll(SUNDAY_2022)
    before = dict(Game.objects.values_list("espn_id", "last_changed_at"))

    set_score(board, "401437647", home=26, away=10)  # SF @ CHI, live
    later = SUNDAY_2022.replace(minute=1)
    with CaptureQueriesContext(connection) as queries:
        result = poll(later)

    assert result.ingest.changed == ["401437647"]
    assert len([sql for sql in writes(queries.captured_queries) if "games_game" in sql]) == 1
    game = Game.objects.get(espn_id="401437647")
    assert (game.away_score, game.home_score, game.last_changed_at) == (10, 26, later)
    unchanged = dict(Game.objects.exclude(espn_id="401437647").values_list("espn_id", "last_changed_at"))
    assert all(unchanged[espn_id] == before[espn_id] for espn_id in unchanged)


def test_live_situation_is_stored(fake_espn):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll(SUNDAY_2022)

    game = Game.objects.select_related("possession_team").get(espn_id="401437650")  # NO @ ATL, 0:48 4th
    assert (game.phase, game.period, game.display_clock, game.short_detail) == (
        Phase.LIVE,
        4,
        "0:48",
        "0:48 - 4th",
    )
    assert game.status_name == "STATUS_IN_PROGRESS"
    assert game.down_distance_text and game.possession_team is not None


def test_game_going_final_is_announced_once(fake_espn, django_capture_on_commit_callbacks):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll(SUNDAY_2022, django_capture_on_commit_callbacks)
    announced = []

    def listener(sender, final_ids, corrected_ids, voided_ids, **kwargs):
        announced.append((final_ids, corrected_ids, voided_ids))

    game_results_changed.connect(listener)
    try:
        set_final(board, "401437650")
        first = poll(SUNDAY_2022.replace(minute=5), django_capture_on_commit_callbacks)
        again = poll(SUNDAY_2022.replace(minute=6), django_capture_on_commit_callbacks)
    finally:
        game_results_changed.disconnect(listener)

    game = Game.objects.get(espn_id="401437650")
    assert first.ingest.went_final == ["401437650"] and again.ingest.went_final == []
    assert game.phase == Phase.FINAL and game.final_at == SUNDAY_2022.replace(minute=5)
    assert announced == [([game.pk], [], [])]


def test_final_game_does_not_regress_on_a_flap(fake_espn):
    board = fixture_copy(NFL_FINAL_DAY)
    fake_espn.board("football/nfl", "20241215", board)
    poll(SUNDAY_2024)

    set_status(board, "401671854", name="STATUS_SCHEDULED", state="pre", completed=False, short="12/15 - 1:00 PM EST")
    set_score(board, "401671854", home=0, away=0)
    result = poll(SUNDAY_2024.replace(minute=1))

    assert result.ingest.ignored_flaps == ["401671854"]
    game = Game.objects.get(espn_id="401671854")
    assert (game.phase, game.away_score, game.home_score) == (Phase.FINAL, 21, 7)


def test_corrected_final_score_is_applied_and_noted(fake_espn, django_capture_on_commit_callbacks):
    board = fixture_copy(NFL_FINAL_DAY)
    fake_espn.board("football/nfl", "20241215", board)
    poll(SUNDAY_2024, django_capture_on_commit_callbacks)
    announced = []
    game_results_changed.connect(receiver := lambda sender, **kw: announced.append(kw["corrected_ids"]))
    try:
        set_score(board, "401671854", home=7, away=24)
        result = poll(SUNDAY_2024.replace(minute=2), django_capture_on_commit_callbacks)
    finally:
        game_results_changed.disconnect(receiver)

    game = Game.objects.get(espn_id="401671854")
    assert result.ingest.corrected == ["401671854"]
    assert (game.away_score, game.score_corrected_at, game.final_at) == (
        24,
        SUNDAY_2024.replace(minute=2),
        SUNDAY_2024,
    )
    assert announced == [[game.pk]]


def test_postponed_game_reported_as_post_is_recorded_postponed(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll(SUNDAY_2022)
    pre_game = next(e["id"] for e in board["events"] if e["status"]["type"]["state"] == "pre")

    set_status(board, pre_game, name="STATUS_POSTPONED", state="post", completed=False, short="Postponed")
    result = poll(SUNDAY_2022.replace(minute=3))

    assert result.ingest.voided == [pre_game]
    assert Game.objects.get(espn_id=pre_game).phase == Phase.POSTPONED


def test_live_game_off_the_scoreboard_is_followed_to_final_by_the_worker(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    board["events"] = [e for e in board["events"] if e["id"] == "401437650"]
    fake_espn.board("football/nfl", "20220911", board)
    poll(SUNDAY_2022)
    assert Game.objects.get(espn_id="401437650").phase == Phase.LIVE

    # Next poll the game is gone from the window (ESPN rolled the day); its summary says final.
    fake_espn.board("football/nfl", "20220911", {"events": []})
    summary = fixture_copy("nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json")
    summary["header"]["id"] = "401437650"
    summary["header"]["competitions"][0]["id"] = "401437650"
    fake_espn.summaries["401437650"] = summary
    result = poll(SUNDAY_2022.replace(minute=10))
    # The poll leaves it to the worker's follower (games.summary_fetch), which follows every live game.
    assert ("summary", {"event": "401437650"}) not in fake_espn.requests
    assert result.ingest.went_final == []
    followed = follow(SUNDAY_2022.replace(minute=10, second=2))

    assert ("summary", {"event": "401437650"}) in fake_espn.requests
    assert followed.went_final == ["401437650"]
    game = Game.objects.get(espn_id="401437650")
    assert game.phase == Phase.FINAL
    # The final summary's header has no period or clock: the game ends at its last play's, not at 0 and "".
    assert (game.period, game.display_clock) == (4, "0:00")


def test_a_game_finished_from_a_summary_without_plays_keeps_its_last_known_period_and_clock(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    board["events"] = [e for e in board["events"] if e["id"] == "401437650"]
    fake_espn.board("football/nfl", "20220911", board)
    poll(SUNDAY_2022)
    live = Game.objects.get(espn_id="401437650")
    assert live.period > 0 and live.display_clock

    fake_espn.board("football/nfl", "20220911", {"events": []})
    summary = fixture_copy("nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json")
    summary["header"]["id"] = summary["header"]["competitions"][0]["id"] = "401437650"
    summary["drives"] = {}  # a summary that lists no plays
    fake_espn.summaries["401437650"] = summary
    poll(SUNDAY_2022.replace(minute=10))
    follow(SUNDAY_2022.replace(minute=10, second=2))

    game = Game.objects.get(espn_id="401437650")
    assert game.phase == Phase.FINAL
    assert (game.period, game.display_clock) == (live.period, live.display_clock)


def test_poll_asks_for_eastern_days_with_groups_and_an_honest_user_agent(fake_espn):
    # 23:30 Eastern on 2022-09-10 is 03:30 UTC on the 11th: today is still the 10th in Eastern time.
    late = datetime(2022, 9, 11, 3, 30, tzinfo=UTC)
    poll(late)

    assert fake_espn.days_asked("football/nfl") == [
        "20220910",
        "20220911",
    ]  # today, and tomorrow near midnight
    college = [p for lg, p in fake_espn.requests if lg == "football/college-football"]
    assert college and all(p["groups"] == "80" for p in college)


def test_yesterday_is_polled_while_one_of_its_games_is_not_final(fake_espn):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll(SUNDAY_2022)

    next_morning = datetime(2022, 9, 12, 14, 0, tzinfo=UTC)  # 10:00 Eastern on the 12th
    fake_espn.requests.clear()
    poll(next_morning)

    assert fake_espn.days_asked("football/nfl") == ["20220911", "20220912"]
    assert fake_espn.days_asked("football/college-football") == ["20220912"]


def test_poll_publishes_snapshots_live_state_and_last_poll(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    result = poll(SUNDAY_2022)

    feed = json.loads(redis_client.hget(LIVE_FEED_KEY, "body"))
    snapshot = next(game for game in feed["games"] if game["espn_id"] == "401437650")
    assert snapshot["home"]["abbreviation"] == "ATL" and snapshot["home"]["score"] == 26
    assert 0 < redis_client.ttl(LIVE_FEED_KEY) <= LIVE_FEED_TTL
    assert not redis_client.keys("scores:game:*")  # no per-game copy: nothing read it
    state = json.loads(redis_client.get(LIVE_STATE_KEY))
    assert state["has_live_games"] is True and state["live_count"] == 8
    assert state["regime"] == "live" and state["interval_seconds"] == 4
    assert 0 < redis_client.ttl(LIVE_STATE_KEY) <= 180
    last = json.loads(redis_client.get(LAST_POLL_KEY))
    assert last["seen"] == 16 and last["changed"] == 16 and result.ok
    assert 0 < redis_client.ttl(LAST_POLL_KEY) <= 300


def test_a_poll_that_comes_too_early_is_skipped_unless_forced(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll(SUNDAY_2022)  # sets the gate 10 s ahead (live cadence)

    with time_machine.travel(SUNDAY_2022, tick=False):
        early = poll_scoreboards(now=SUNDAY_2022)
        forced = poll_scoreboards(force=True, now=SUNDAY_2022)

    assert early.skipped == "not due yet"
    assert not forced.skipped
    redis_client.delete(NEXT_POLL_KEY)
    with time_machine.travel(SUNDAY_2022, tick=False):
        assert not poll_scoreboards(now=SUNDAY_2022).skipped


def test_two_polls_never_run_at_once(fake_espn, redis_client):
    held = redis_client.lock(POLL_LOCK_KEY, timeout=30)
    assert held.acquire(blocking=False)
    try:
        result = poll_scoreboards(force=True, now=SUNDAY_2022)
    finally:
        held.release()

    assert result.skipped == "another poll is running"
    assert fake_espn.requests == []


def test_a_killed_polls_lock_blocks_polling_for_at_most_two_live_intervals(settings):
    from games.polling import POLL_LOCK_RENEW_SECONDS, POLL_LOCK_TTL

    # Its lock lapses, then beat's next tick polls: within two live intervals of the kill.
    assert POLL_LOCK_TTL + settings.POLL_TICK_SECONDS <= 2 * settings.POLL_LIVE_SECONDS
    assert POLL_LOCK_RENEW_SECONDS <= POLL_LOCK_TTL / 2  # a late renewal still finds it held


def test_html_error_page_writes_nothing_and_is_reported(fake_espn):
    fake_espn.board("football/nfl", "20241215", (200, {"Content-Type": "text/html"}, "<html>Oops</html>"))

    result = poll(SUNDAY_2024)

    assert Game.objects.count() == 0
    assert len(result.errors) == 1 and "HTML" in result.errors[0]


def test_truncated_json_writes_nothing_and_is_reported(fake_espn):
    body = json.dumps(fixture_copy(NFL_FINAL_DAY))[:5000]
    fake_espn.board("football/nfl", "20241215", (200, {"Content-Type": "application/json"}, body))

    result = poll(SUNDAY_2024)

    assert Game.objects.count() == 0
    assert "cannot read" in result.errors[0]


def test_one_league_failing_does_not_stop_the_other(fake_espn):
    fake_espn.board("football/nfl", "20220911", (503, {}, "unavailable"))
    fake_espn.board("football/college-football", "20220911", fixture_copy(CFB_LIVE_DAY))

    with time_machine.travel(SUNDAY_2022, tick=False):
        result = poll_scoreboards(force=True, now=SUNDAY_2022, client=no_sleep_client())

    assert Game.objects.filter(espn_league="football/college-football").count() == 25
    assert result.errors == ["football/nfl 2022-09-11: ESPN answered HTTP 503"]


def test_rate_limited_poll_pushes_the_next_poll_back(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll(SUNDAY_2022)  # games are live: the live cadence would poll again in 10 s
    fake_espn.board("football/nfl", "20220911", (429, {"Retry-After": "120"}, ""))

    with time_machine.travel(SUNDAY_2022, tick=False):
        result = poll_scoreboards(force=True, now=SUNDAY_2022, client=no_sleep_client())

    assert "wait 120s" in result.errors[0]
    assert result.state.next_poll_at == SUNDAY_2022.replace(minute=2)
    assert "ESPN asked us to wait" in result.state.reason


def no_sleep_client():
    from django.conf import settings

    from config.redis_client import cache_redis
    from espn.client import EspnClient

    return EspnClient(
        base_url=settings.ESPN_BASE_URL,
        user_agent="test",
        redis_client=cache_redis(),
        redis_keys=ESPN_KEYS,
        sleep=lambda s: None,
    )


def test_the_migration_forgets_the_retired_game_cache_sweeper():
    """Beat's database scheduler keeps entries that left the schedule: the migration removes this one."""
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    migration = import_module("games.migrations.0003_forget_the_game_cache_sweeper")
    every = IntervalSchedule.objects.create(every=900, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name=migration.SWEEPER, task="games.tasks.cleanup_old_game_cache", interval=every)
    PeriodicTask.objects.create(name="kept", task="games.tasks.poll_espn_scores", interval=every)

    migration.forget_the_sweeper(apps, None)

    assert list(PeriodicTask.objects.values_list("name", flat=True)) == ["kept"]
