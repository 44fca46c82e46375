"""One line per event, key=value or JSON, with league= and game= on every line the poller writes."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from config.logging import JsonFormatter, KeyValueFormatter, log_context
from games.polling import poll_scoreboards
from tests.games.conftest import NFL_LIVE_DAY, fixture_copy

from .conftest import espn_client

SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def record(message: str, **extra) -> logging.LogRecord:
    attrs = {"name": "games.polling", "levelno": 30, "levelname": "WARNING", "msg": message}
    return logging.makeLogRecord({**attrs, **extra})


def fields(line: str) -> dict[str, str]:
    return {key: json.loads(value) if value.startswith('"') else value for key, value in FIELD.findall(line)}


def test_key_value_line_has_time_level_logger_event_league_and_game_first():
    line = KeyValueFormatter().format(record("espn scoreboard failed", league="football/nfl", error="HTTP 503 now"))

    assert line.startswith("ts=")
    assert list(fields(line))[:6] == ["ts", "level", "logger", "event", "league", "game"]
    assert fields(line) | {"ts": ""} == {
        "ts": "", "level": "warning", "logger": "games.polling", "event": "espn scoreboard failed",
        "league": "football/nfl", "game": "-", "error": "HTTP 503 now",
    }  # fmt: skip


def test_a_traceback_stays_on_the_one_line():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        line = KeyValueFormatter().format(record("poll failed", exc_info=sys.exc_info()))

    assert "\n" not in line
    assert "ValueError: bad\nthing" in fields(line)["exc"]  # escaped in the line, restored when read


def test_json_lines_carry_the_same_fields():
    with log_context(league="football/nfl", game="401437650"):
        line = JsonFormatter().format(record("game went final", score="24-26"))

    assert json.loads(line) | {"ts": ""} == {
        "ts": "", "level": "warning", "logger": "games.polling", "event": "game went final",
        "league": "football/nfl", "game": "401437650", "score": "24-26",
    }  # fmt: skip


class Lines(logging.Handler):
    """Formats as the records are emitted (the context fields exist only then)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(KeyValueFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def poller_lines():
    handler = Lines()
    loggers = [logging.getLogger(name) for name in ("games", "espn")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler.lines
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.mark.django_db
def test_every_poller_line_names_its_league_and_game(fake_espn, poller_lines):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    fake_espn.board("football/college-football", "20220911", (503, {}, "down"))
    espn = espn_client(breaker_fail_max=1, max_retries=0)
    for seconds in (0, 10):  # the second poll finds the breaker open
        at = SUNDAY_2022 + timedelta(seconds=seconds)
        with time_machine.travel(at, tick=False):
            poll_scoreboards(force=True, now=at, client=espn)

    parsed = [fields(line) for line in poller_lines]
    assert parsed and all("\n" not in line for line in poller_lines)
    assert all(f["league"] != "-" and "game" in f for f in parsed), poller_lines
    events = {f["event"] for f in parsed}
    assert {"league polled", "espn scoreboard failed", "game went final", "poll done"} <= events
    assert "espn scoreboard not asked: circuit breaker open" in events
    final = next(f for f in parsed if f["event"] == "game went final" and f["game"] == "401437630")
    assert (final["league"], final["score"]) == ("football/nfl", "7-20")
    # The ESPN client knows nothing of leagues, yet its breaker line carries the one being polled.
    tripped = next(f for f in parsed if f["event"] == "espn circuit breaker state changed")
    assert (tripped["league"], tripped["new_state"]) == ("football/college-football", "open")
    done = next(f for f in parsed if f["event"] == "poll done")
    assert done["league"] == "football/nfl,football/college-football" and done["game"] == "-"
