"""A game's plays as data: stored from ESPN's summary by idempotent upserts, read by the API, the page and streams.

Each game has a watermark, the highest play sequence stored (`GameTracking.play_watermark`).
A fetch writes the plays above it, and rewrites in place any play at or below it whose content
ESPN changed (a corrected text or score, a win probability that arrived a fetch later). Storing
costs the same few queries whatever the number of plays: one read of the stored plays' hashes,
one bulk upsert, one update of the watermark.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.db import transaction
from django.db.models import F

from espn.snapshots import GameSummary, PlaySnapshot

from .models import Game, GameTracking, Play
from .presenters import period_name

PLAY_FIELDS = (
    "espn_id", "period", "clock", "text", "type_text", "home_score", "away_score", "scoring_play",
    "team_espn_id", "down_distance_text", "wallclock", "home_win_pct",
)  # fmt: skip
STREAM_LAST_PLAYS = 50  # what a stream sends on connect


@dataclass
class StoredPlays:
    added: list[int] = field(default_factory=list)  # sequences
    corrected: list[int] = field(default_factory=list)
    watermark: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected)


def play_values(play: PlaySnapshot, home_win_pct: float | None) -> dict:
    return {
        "espn_id": play.espn_id[:40],
        "period": max(play.period, 0),
        "clock": play.clock[:16],
        "text": play.text,
        "type_text": play.type_text[:64],
        "home_score": max(play.home_score, 0),
        "away_score": max(play.away_score, 0),
        "scoring_play": play.scoring_play,
        "team_espn_id": play.team_espn_id[:32],
        "down_distance_text": play.down_distance_text[:64],
        "wallclock": play.wallclock,
        "home_win_pct": home_win_pct,
    }


def content_hash(values: dict) -> str:
    payload = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def plays_of(summary: GameSummary) -> dict[int, dict]:
    """sequence -> the play's values, win probability joined by ESPN play id (the last copy of a sequence wins)."""
    win_pct = {point.play_espn_id: point.home_win_pct for point in summary.win_probability}
    return {play.sequence: play_values(play, win_pct.get(play.espn_id)) for play in summary.plays}


def store_plays(game_id: int, summary: GameSummary, *, now: datetime) -> StoredPlays:
    """Write the summary's new and corrected plays of one game; safe to call again with the same summary."""
    wanted = plays_of(summary)
    result = StoredPlays()
    with transaction.atomic():
        tracking = tracking_for(game_id, now=now)
        result.watermark = tracking.play_watermark
        stored = dict(Play.objects.filter(game_id=game_id).values_list("sequence", "content_hash"))
        rows = []
        for sequence, values in wanted.items():
            digest = content_hash(values)
            known = stored.get(sequence)
            if known == digest:
                continue
            (result.added if known is None else result.corrected).append(sequence)
            rows.append(
                Play(game_id=game_id, sequence=sequence, content_hash=digest, stored_at=now, updated_at=now, **values)
            )
        if not rows:
            return result
        Play.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["game", "sequence"],
            update_fields=[*PLAY_FIELDS, "content_hash", "updated_at"],
        )
        highest = max(wanted) if tracking.play_watermark is None else max(*wanted, tracking.play_watermark)
        result.watermark = highest
        GameTracking.objects.filter(pk=game_id).update(
            play_watermark=highest,
            plays_stored=F("plays_stored") + len(result.added),
            plays_version=F("plays_version") + 1,
        )
    return result


def tracking_for(game_id: int, *, now: datetime) -> GameTracking:
    """The game's tracking record (a game fetched before the tracker saw it gets one here)."""
    tracking = GameTracking.objects.filter(pk=game_id).only("play_watermark").first()
    if tracking is None:
        GameTracking.objects.bulk_create([GameTracking(game_id=game_id, status_since=now)], ignore_conflicts=True)
        tracking = GameTracking.objects.only("play_watermark").get(pk=game_id)
    return tracking


# --------------------------------------------------------------------------- reads


def play_payload(row: Mapping[str, Any]) -> dict:
    """One play as the API, the page and streams show it, from a row read with READ_FIELDS."""
    wallclock = row["wallclock"]
    period = row["period"]
    periods = max(row["game__period"] or 0, period)  # the game's periods so far name its overtimes
    return {
        "sequence": row["sequence"],
        "id": row["espn_id"],
        "period": period,
        "period_label": period_name(row["game__espn_league"], period, periods=periods, prefixed=True),
        "clock": row["clock"],
        "text": row["text"],
        "type": row["type_text"],
        "home_score": row["home_score"],
        "away_score": row["away_score"],
        "scoring_play": row["scoring_play"],
        "team_espn_id": row["team_espn_id"],
        "down_distance_text": row["down_distance_text"],
        "wallclock": wallclock.isoformat() if wallclock else None,
        "home_win_pct": row["home_win_pct"],
    }


READ_FIELDS = ("sequence", *PLAY_FIELDS, "game__espn_league", "game__period")  # a join, not a query


def win_probability_point(play_id: str, period: int, clock: str, home: float) -> dict:
    """One point of the win-probability chart: a play and the home team's chance after it, 0..1."""
    return {"play_id": play_id, "period": period, "clock": clock, "home": home}


def win_probability_of(plays: list[dict]) -> list[dict]:
    """The chart's points of these plays (those ESPN gave a win probability), in their order."""
    return [
        win_probability_point(play["id"], play["period"], play["clock"], play["home_win_pct"])
        for play in plays
        if play["home_win_pct"] is not None
    ]


def plays_after(game_id: int, after_seq: int | None, limit: int) -> list[dict]:
    """Up to `limit` plays in game order after the sequence `after_seq` (None: from the first)."""
    queryset = Play.objects.filter(game_id=game_id)
    if after_seq is not None:
        queryset = queryset.filter(sequence__gt=after_seq)
    return [play_payload(row) for row in queryset.order_by("sequence").values(*READ_FIELDS)[:limit]]


def last_plays(game_id: int, count: int) -> list[dict]:
    """The latest `count` plays, in game order."""
    rows = list(Play.objects.filter(game_id=game_id).order_by("-sequence").values(*READ_FIELDS)[:count])
    return [play_payload(row) for row in reversed(rows)]


def all_plays(game_id: int) -> list[dict]:
    return [play_payload(row) for row in Play.objects.filter(game_id=game_id).order_by("sequence").values(*READ_FIELDS)]


@dataclass(frozen=True)
class PlaysVersion:
    watermark: int | None
    version: int
    stored: int


def plays_version(game_id: int) -> PlaysVersion:
    """What changes whenever the game's plays do: the ETag's ingredients, one small query."""
    row = GameTracking.objects.filter(pk=game_id).values_list("play_watermark", "plays_version", "plays_stored").first()
    return PlaysVersion(*row) if row else PlaysVersion(None, 0, 0)


def game_plays_version(game_id: int) -> PlaysVersion | None:
    """The game's plays version, or None when there is no such game: one query."""
    row = Game.objects.filter(pk=game_id).values_list(
        "tracking__play_watermark", "tracking__plays_version", "tracking__plays_stored"
    )
    found = row.first()
    if found is None:
        return None
    watermark, version, stored = found
    return PlaysVersion(watermark, version or 0, stored or 0)


def new_since(game_id: int, after_seq: int | None, *, limit: int = 500) -> dict:
    """What a stream sends a client of game X that has seen plays up to `after_seq` (None: just connected).

    On connect: the last STREAM_LAST_PLAYS plays. After: every play above `after_seq`, in game order.
    `cursor` is what to pass next time; `watermark` the highest sequence stored.
    """
    version = plays_version(game_id)
    if after_seq is None:
        plays = last_plays(game_id, STREAM_LAST_PLAYS)
    elif version.watermark is None or after_seq >= version.watermark:
        plays = []
    else:
        plays = plays_after(game_id, after_seq, limit)
    cursor = plays[-1]["sequence"] if plays else after_seq
    return {"plays": plays, "cursor": cursor, "watermark": version.watermark, "version": version.version}


def detail(game_id: int, *, latest: int) -> dict:
    """What the game page and GET /api/games/<id>/ show of the plays: four queries, whatever the number of plays.

    `plays`: the latest `latest`, newest first; `scoring_plays` and `win_probability`: game order.
    """
    tracking: Mapping[str, Any] = (
        GameTracking.objects.filter(pk=game_id).values("plays_stored", "last_success_at").first() or {}
    )
    latest_plays = last_plays(game_id, latest)[::-1] if latest > 0 else []
    scoring = [
        play_payload(row)
        for row in Play.objects.filter(game_id=game_id, scoring_play=True).order_by("sequence").values(*READ_FIELDS)
    ]
    points = (
        Play.objects.filter(game_id=game_id, home_win_pct__isnull=False)
        .order_by("sequence")
        .values_list("espn_id", "period", "clock", "home_win_pct")
    )
    return {
        "plays_total": tracking.get("plays_stored", 0),
        "fetched_at": tracking.get("last_success_at"),
        "plays": latest_plays,
        "scoring_plays": scoring,
        # Each point carries its play's game time, so the chart runs on the clock rather than the play count.
        "win_probability": [
            win_probability_point(pid, period, clock, pct) for pid, period, clock, pct in points if pct is not None
        ],
    }
