"""One tracking record per followed game, and the stuck-game alerts, under controlled time."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games.models import Game, GameTracking, TrackingStatus
from games.tracking import sync_tracking
from tests.games.conftest import set_final, set_status

from .seed import (
    CFB_LIVE_DAY,
    NE_AT_MIA,
    NFL_LIVE_DAY,
    NO_AT_ATL,
    SUNDAY_2022,
    TB_AT_DAL,
    ingest,
    payload,
    scoreboard_snapshots,
)

pytestmark = pytest.mark.django_db

# The recorded Sunday: NO at ATL live, TB at DAL on Sunday night (kickoff 00:20 UTC), NE at MIA final.


@pytest.fixture
def alert_lines():
    """The tracker's log lines (the project's loggers do not propagate to pytest's caplog)."""
    lines: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record)

    handler, logger = Keep(level=logging.INFO), logging.getLogger("games.tracking")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda event, game: [(r.game, r.alert) for r in lines if r.getMessage() == event and r.game == game]
    logger.removeHandler(handler)
    logger.setLevel(level)


def day(board: dict | None = None, *, now):
    ingest(scoreboard_snapshots(board or payload(NFL_LIVE_DAY), "football/nfl"), now=now)


def sync(now):
    with time_machine.travel(now, tick=False):
        return sync_tracking(now=now)


def record(espn_id: str) -> GameTracking:
    return GameTracking.objects.get(game__espn_id=espn_id)


def test_every_followed_game_has_a_record_that_moves_from_scheduled_to_final_with_timestamps():
    day(now=SUNDAY_2022)
    sync(SUNDAY_2022)
    assert GameTracking.objects.count() == Game.objects.count() - 1 == 15  # Thursday's final is 66 h away
    no = Game.objects.get(espn_id=NO_AT_ATL)
    assert record(NO_AT_ATL).status == TrackingStatus.LIVE
    assert record(NO_AT_ATL).live_since == no.kickoff  # first seen live: it has been live since its kickoff
    assert record(NE_AT_MIA).status == TrackingStatus.FINAL

    tb = Game.objects.get(espn_id=TB_AT_DAL)
    assert record(TB_AT_DAL).status == TrackingStatus.SCHEDULED
    awaiting = tb.kickoff - timedelta(minutes=9)
    sync(awaiting)
    assert record(TB_AT_DAL).status == TrackingStatus.AWAITING_KICKOFF
    assert record(TB_AT_DAL).awaiting_since == awaiting

    kicked_off = tb.kickoff + timedelta(minutes=2)
    board = payload(NFL_LIVE_DAY)
    set_status(board, TB_AT_DAL, name="STATUS_IN_PROGRESS", state="in", completed=False, short="14:00 - 1st")
    day(board, now=kicked_off)
    sync(kicked_off)
    final_at = kicked_off + timedelta(hours=3)
    set_final(board, TB_AT_DAL)
    day(board, now=final_at)
    sync(final_at)
    tracked = record(TB_AT_DAL)
    assert tracked.status == TrackingStatus.FINAL
    assert (tracked.scheduled_since, tracked.awaiting_since, tracked.live_since, tracked.ended_at) == (
        SUNDAY_2022, awaiting, kicked_off, final_at,
    )  # fmt: skip


def test_a_game_still_scheduled_an_hour_after_kickoff_raises_an_alert_logged_once_then_cleared(alert_lines):
    day(now=SUNDAY_2022)
    tb = Game.objects.get(espn_id=TB_AT_DAL)
    sync(tb.kickoff + timedelta(minutes=59))
    assert record(TB_AT_DAL).alerts == {}
    late = tb.kickoff + timedelta(minutes=61)
    result = sync(late)
    assert (tb.pk, "not_started") in result.raised
    assert list(record(TB_AT_DAL).alerts) == ["not_started"] and record(TB_AT_DAL).needs_attention
    sync(late + timedelta(minutes=5))
    assert alert_lines("game alert raised", TB_AT_DAL) == [(TB_AT_DAL, "not_started")]  # once, not at every sync

    board = payload(NFL_LIVE_DAY)
    set_status(board, TB_AT_DAL, name="STATUS_IN_PROGRESS", state="in", completed=False, short="14:00 - 1st")
    day(board, now=late + timedelta(minutes=6))
    sync(late + timedelta(minutes=6))
    sync(late + timedelta(minutes=7))
    assert record(TB_AT_DAL).alerts == {}
    assert alert_lines("game alert cleared", TB_AT_DAL) == [(TB_AT_DAL, "not_started")]


def test_a_game_live_longer_than_its_sports_limit_raises_an_alert_until_it_is_final(alert_lines, settings):
    day(now=SUNDAY_2022)
    kickoff = Game.objects.get(espn_id=NO_AT_ATL).kickoff
    sync(SUNDAY_2022)
    sync(kickoff + timedelta(hours=4, minutes=59))
    assert record(NO_AT_ATL).alerts == {}
    sync(kickoff + timedelta(hours=5, minutes=1))
    assert list(record(NO_AT_ATL).alerts) == ["live_too_long"]
    settings.TRACKING_LIVE_LIMIT_HOURS = ["football=6"]  # configurable per sport
    sync(kickoff + timedelta(hours=5, minutes=2))
    assert record(NO_AT_ATL).alerts == {}
    sync(kickoff + timedelta(hours=6, minutes=1))
    board = payload(NFL_LIVE_DAY)
    set_final(board, NO_AT_ATL)
    day(board, now=kickoff + timedelta(hours=6, minutes=2))
    sync(kickoff + timedelta(hours=6, minutes=2))
    assert record(NO_AT_ATL).alerts == {} and record(NO_AT_ATL).status == TrackingStatus.FINAL
    assert alert_lines("game alert raised", NO_AT_ATL) == [(NO_AT_ATL, "live_too_long")] * 2
    assert alert_lines("game alert cleared", NO_AT_ATL) == [(NO_AT_ATL, "live_too_long")] * 2


def test_a_final_game_whose_picks_are_not_graded_after_ten_minutes_raises_an_alert(alert_lines):
    from picks.grading import grade_game
    from tests.picks.factories import entry_of, make_league, make_pick, make_user

    day(now=SUNDAY_2022)
    final = Game.objects.get(espn_id=NE_AT_MIA)
    league = make_league(season_year=2022)
    make_pick(entry_of(league, make_user("bettor")), final, "home")
    sync(SUNDAY_2022 + timedelta(minutes=9))
    assert record(NE_AT_MIA).alerts == {}
    sync(SUNDAY_2022 + timedelta(minutes=11))
    assert list(record(NE_AT_MIA).alerts) == ["ungraded"]
    grade_game(final.pk, now=SUNDAY_2022 + timedelta(minutes=12))
    sync(SUNDAY_2022 + timedelta(minutes=12))
    assert record(NE_AT_MIA).alerts == {}
    assert alert_lines("game alert cleared", NE_AT_MIA) == [(NE_AT_MIA, "ungraded")]


def test_too_many_failed_fetches_in_a_row_fail_the_record_and_raise_an_alert(settings):
    settings.TRACKING_MAX_FAILURES = 3
    day(now=SUNDAY_2022)
    sync(SUNDAY_2022)
    GameTracking.objects.filter(game__espn_id=NO_AT_ATL).update(consecutive_failures=3, last_error="HTTP 500")
    sync(SUNDAY_2022 + timedelta(seconds=10))
    assert record(NO_AT_ATL).status == TrackingStatus.FAILED
    assert list(record(NO_AT_ATL).alerts) == ["failing"]
    GameTracking.objects.filter(game__espn_id=NO_AT_ATL).update(consecutive_failures=0, last_error="")
    sync(SUNDAY_2022 + timedelta(seconds=20))
    assert record(NO_AT_ATL).status == TrackingStatus.LIVE and record(NO_AT_ATL).alerts == {}


def test_a_sync_costs_the_same_queries_however_many_games_are_followed(settings):
    settings.ESPN_LEAGUES = ["football/nfl", "football/college-football?groups=80"]
    day(now=SUNDAY_2022)
    sync(SUNDAY_2022)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            sync(SUNDAY_2022 + timedelta(minutes=1))
        return len(captured.captured_queries)

    few = queries()
    ingest(scoreboard_snapshots(CFB_LIVE_DAY, "football/college-football"), now=SUNDAY_2022)
    sync(SUNDAY_2022)  # the new games get their records
    assert GameTracking.objects.count() >= 15 + 15  # twice as many records to sync
    assert queries() == few
