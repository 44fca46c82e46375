"""What the poller tells the streams (GET /api/games/live/stream/) after each poll's commit.

Every stored live feed carries a version: an integer id that only grows (milliseconds since the
epoch, or one more than the previous version when the clock says less), so that it stays unique
across a Redis restart. A feed whose bytes differ from the previous one gets a new version and one
message on the Redis channel LIVE_CHANNEL:

    b"games\\n<version>\\n" + {"live_count": n, "games": [the changed games]}
    b"snapshot\\n<version>\\n" + the whole /api/games/live/ document

`games` carries only the games whose payload changed (the /api/games/live/ shape); `snapshot` is
sent instead when a game left the feed, the Eastern day turned, or there was no previous feed to
compare with (Redis flushed): a stream can only add and replace games from a delta.

The web processes frame these bytes into Server-Sent Events as they are (games/streams.py):
no JSON parsing per message, none per client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson

# One channel per pick'em league: its live standings projection (picks/standings_stream.py).


@dataclass(frozen=True)
class FeedChange:
    version: int
    message: bytes | None  # None: the feed did not change, nothing to publish


def next_version(previous: int | None, *, now_epoch: float | None = None) -> int:
    millis = int((time.time() if now_epoch is None else now_epoch) * 1000)
    return max(millis, (previous or 0) + 1)


def stream_message(kind: str, version: int, data: bytes) -> bytes:
    return b"%s\n%d\n%s" % (kind.encode(), version, data)


def parse_stream_message(raw: bytes) -> tuple[str, int, bytes]:
    kind, version, data = raw.split(b"\n", 2)
    return kind.decode(), int(version), data


def feed_change(previous_body: bytes | None, previous_version: int | None, body: bytes) -> FeedChange:
    """Compare the stored feed with the one about to replace it; the message to publish, if any."""
    if previous_body == body and previous_version is not None:
        return FeedChange(previous_version, None)
    version = next_version(previous_version)
    document = orjson.loads(body)
    if previous_body is None:
        return FeedChange(version, stream_message("snapshot", version, body))
    before = orjson.loads(previous_body)
    old_games = {game["id"]: game for game in before["games"]}
    new_ids = {game["id"] for game in document["games"]}
    if before.get("day") != document.get("day") or not new_ids.issuperset(old_games):
        return FeedChange(version, stream_message("snapshot", version, body))
    changed = [game for game in document["games"] if old_games.get(game["id"]) != game]
    if not changed and before.get("live_count") == document.get("live_count"):
        return FeedChange(previous_version or version, None)  # only the order moved: nothing a page shows
    delta = orjson.dumps({"live_count": document["live_count"], "games": changed})
    return FeedChange(version, stream_message("games", version, delta))
