"""One line per event: `key=value` pairs (or JSON), with the game and the ESPN league on every line.

    ts=2024-12-15T19:00:00.120Z level=warning logger=games.polling event="espn scoreboard failed"
    league=football/nfl game=- day=2024-12-15 error="ESPN answered HTTP 503"

Fields come from `extra={...}` on the logging call and from `log_context(...)`, which sets them
for every line logged inside it (the ESPN client's warnings during one league's fetch carry that
league without knowing of it). `league` and `game` are always present, "-" when a line is not
about one. A traceback is folded into the line (`exc="..."`) so that one event stays one line.
No Django here: settings' LOGGING names these classes, and anything may import `log_context`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

ALWAYS = ("league", "game")
_context: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar("log_context", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra`.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add fields to every line logged in this block (this thread or task only)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def event_fields(record: logging.LogRecord) -> dict[str, object]:
    """The event as ordered fields: time, level, logger, event, league, game, then the rest."""
    fields: dict[str, object] = {
        "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": record.getMessage(),
    }
    extra = {**(_context.get() or {}), **{k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS}}
    for name in ALWAYS:
        value = extra.pop(name, None)
        fields[name] = "-" if value in (None, "") else value
    fields.update(extra)
    if record.exc_info:
        fields["exc"] = logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        fields["exc"] = record.exc_text
    return fields


def kv_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(c in text for c in ' "=\n\r\t\\') and text.isprintable():
        return text
    return json.dumps(text)  # quoted, newlines and quotes escaped: the line stays one line


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={kv_value(value)}" for key, value in event_fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(event_fields(record), default=str)


@contextlib.contextmanager
def errors_only_below_verbosity(verbosity: int) -> Iterator[None]:
    """Management commands print their own report: below `-v 2`, only the log's errors join it."""
    if verbosity >= 2:
        yield
        return
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(before)
