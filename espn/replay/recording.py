"""Recorded final games: the stored summary and when each play happened, relative to kickoff.

Play times come from each play's `wallclock` where the recording has them; the 2017
college games have none, so their timing is derived from period and game clock.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Demo order: NFL and college interleaved so both leagues are live side by side.
DATA_FILES = (
    "nfl-401547417-GB-at-ATL.json.gz",
    "college-football-400935250-WASH-at-RUTG.json.gz",
    "nfl-401671784-DAL-at-PIT.json.gz",
    "college-football-400935257-STAN-at-RICE.json.gz",
    "nfl-401671834-CLE-at-BAL.json.gz",
    "nfl-401772988-SEA-at-NE.json.gz",
)

FBS_GROUP = "80"
# The summaries only carry each team's division group (52, 54, 47); the conference groups
# a scoreboard can be asked for (`groups=5`) are the 2017 memberships of these teams.
COLLEGE_CONFERENCE_BY_TEAM = {
    "164": "5",  # Rutgers: Big Ten
    "264": "9",  # Washington: Pac-12
    "24": "9",  # Stanford: Pac-12
    "242": "12",  # Rice: Conference USA
}

# Wallclock timing: a late first snap is real (Super Bowl: 10 min), but not beyond this.
MAX_FIRST_SNAP_DELAY = 600.0
# Plays without a usable wallclock (end of quarter, some timeouts) follow the previous play.
ADMIN_PLAY_GAP = 15.0
# Game-clock timing (no wallclocks): fixed real durations per period and break.
FIRST_SNAP_DELAY = 120.0
TIMED_PERIOD_SECONDS = 40 * 60.0  # a 15-minute quarter of game clock
UNTIMED_PERIOD_SECONDS = 12 * 60.0  # a college overtime period has no clock
QUARTER_BREAK_SECONDS = 2 * 60.0
HALFTIME_SECONDS = 20 * 60.0
SAME_CLOCK_GAP = 10.0  # plays at the same game clock (score, then kickoff) still follow each other


@dataclass(frozen=True, eq=False)
class Recording:
    """One recorded final game. `offsets[i]` is when play i happened, in seconds after kickoff."""

    event_id: str
    espn_league: str  # "football/nfl"
    summary: dict  # the stored final summary; never mutated
    plays: tuple[dict, ...]  # every play, in sequence order
    drive_index: tuple[int, ...]  # drives.previous index of each play
    offsets: tuple[float, ...]
    home_scores: tuple[int, ...]  # score after each play, never decreasing
    away_scores: tuple[int, ...]
    groups: frozenset[str]  # college groups the game belongs to (FBS, conferences, divisions)

    @property
    def competition(self) -> dict:
        return self.summary["header"]["competitions"][0]

    def competitor(self, home_away: str) -> dict:
        return next(c for c in self.competition["competitors"] if c["homeAway"] == home_away)

    @property
    def is_college(self) -> bool:
        return self.espn_league == "football/college-football"

    @property
    def season_week(self) -> tuple[int, int, int]:
        """(season year, season type, week) as the recording's header files it."""
        header = self.summary["header"]
        return int(header["season"]["year"]), int(header["season"]["type"]), int(header["week"])

    @property
    def final_home_score(self) -> int:
        return int(self.competitor("home")["score"])

    @property
    def final_away_score(self) -> int:
        return int(self.competitor("away")["score"])

    @property
    def final_period(self) -> int:
        return max(play_period(p) for p in self.plays)

    @property
    def duration(self) -> float:
        """Seconds from kickoff to the final whistle (the last play)."""
        return self.offsets[-1]


def play_period(play: dict) -> int:
    return int(play["period"]["number"])


def play_clock_seconds(play: dict) -> int:
    minutes, _, seconds = play["clock"]["displayValue"].partition(":")
    return int(minutes) * 60 + int(seconds or 0)


def parse_espn_time(value: str | None) -> datetime | None:
    """ESPN times are UTC with a trailing Z, with or without seconds."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def espn_minute(moment: datetime) -> str:
    """Event dates: UTC, minute precision, as ESPN sends them ("2025-09-07T17:00Z")."""
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def espn_second(moment: datetime) -> str:
    """Play wallclocks: UTC with seconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def wallclock_offsets(plays: list[dict], kickoff: datetime) -> list[float]:
    """Offsets from wallclocks, made monotonic.

    Administrative plays (end of quarter, timeouts) carry stale or no wallclocks; they are
    put a few seconds after the previous play, never past the next play with a good one.
    """
    good: list[float | None] = []
    latest = None
    for play in plays:
        moment = parse_espn_time(play.get("wallclock"))
        seconds = (moment - kickoff).total_seconds() if moment else None
        if seconds is not None and (latest is None or seconds >= latest):
            latest = seconds
            good.append(seconds)
        else:
            good.append(None)
    first = next(s for s in good if s is not None)
    shift = first - min(max(first, 0.0), MAX_FIRST_SNAP_DELAY)
    offsets: list[float] = []
    for i, seconds in enumerate(good):
        if seconds is not None:
            offsets.append(seconds - shift)
            continue
        previous = offsets[-1] if offsets else first - shift
        upcoming = next((s - shift for s in good[i + 1 :] if s is not None), None)
        placed = previous + ADMIN_PLAY_GAP
        offsets.append(min(placed, upcoming) if upcoming is not None else placed)
    return offsets


def game_clock_offsets(plays: list[dict], period_clock: dict[int, int]) -> list[float]:
    """Offsets from period and game clock: each period lasts a fixed real time, plays sit
    where their clock puts them; breaks between quarters and a halftime in between."""
    offsets: list[float] = []
    by_period: dict[int, list[int]] = {}
    for i, play in enumerate(plays):
        by_period.setdefault(play_period(play), []).append(i)
    start = FIRST_SNAP_DELAY
    for period in sorted(by_period):
        indexes = by_period[period]
        clocks = {play_clock_seconds(plays[i]) for i in indexes}
        length = period_clock.get(period, 0)
        timed = len(clocks) > 1 and length > 0
        span = TIMED_PERIOD_SECONDS if timed else UNTIMED_PERIOD_SECONDS
        for n, i in enumerate(indexes):
            if timed:
                moment = start + (length - play_clock_seconds(plays[i])) / length * span
            else:
                moment = start + span * n / max(len(indexes) - 1, 1)
            if offsets:
                moment = max(moment, offsets[-1] + (SAME_CLOCK_GAP if n else 0.0))
            offsets.append(moment)
        gap = HALFTIME_SECONDS if period == 2 else QUARTER_BREAK_SECONDS
        start = max(start + span, offsets[-1]) + gap
    return offsets


def period_clock_lengths(summary: dict, periods: Iterable[int]) -> dict[int, int]:
    """Game-clock seconds per period, from the summary's `format` (overtime may be untimed)."""
    fmt = summary.get("format", {})
    regulation = fmt.get("regulation", {})
    count = int(regulation.get("periods", 4))
    overtime_clock = int(fmt.get("overtime", {}).get("clock", 0) or 0)
    return {p: int(regulation.get("clock", 900)) if p <= count else overtime_clock for p in periods}


def running_max(values: Iterable[int]) -> tuple[int, ...]:
    """A score never goes down in the replay: a play-by-play glitch (DAL-PIT: 20 -> 19 on a
    penalty during the extra point) must not show as a score taken back."""
    result, best = [], 0
    for value in values:
        best = max(best, value)
        result.append(best)
    return tuple(result)


def college_groups(competition: dict) -> frozenset[str]:
    groups = {FBS_GROUP}
    for competitor in competition["competitors"]:
        team = competitor["team"]
        if team["id"] in COLLEGE_CONFERENCE_BY_TEAM:
            groups.add(COLLEGE_CONFERENCE_BY_TEAM[team["id"]])
        if team.get("groups", {}).get("id"):
            groups.add(str(team["groups"]["id"]))
    return frozenset(groups)


def recording_from_summary(summary: dict) -> Recording:
    header = summary["header"]
    competition = header["competitions"][0]
    espn_league = f"football/{header['league']['slug']}"
    plays: list[dict] = []
    drive_index: list[int] = []
    for index, drive in enumerate(summary["drives"]["previous"]):
        for play in drive["plays"]:
            plays.append(play)
            drive_index.append(index)
    order = sorted(range(len(plays)), key=lambda i: int(plays[i]["sequenceNumber"]))
    plays = [plays[i] for i in order]
    drive_index = [drive_index[i] for i in order]
    kickoff = parse_espn_time(competition["date"])
    if kickoff is None:
        raise ValueError("the summary's competition has no date")
    if any(p.get("wallclock") for p in plays):
        offsets = wallclock_offsets(plays, kickoff)
    else:
        periods = {play_period(p) for p in plays}
        offsets = game_clock_offsets(plays, period_clock_lengths(summary, periods))
    is_college = espn_league == "football/college-football"
    return Recording(
        event_id=str(header["id"]),
        espn_league=espn_league,
        summary=summary,
        plays=tuple(plays),
        drive_index=tuple(drive_index),
        offsets=tuple(offsets),
        home_scores=running_max(int(p.get("homeScore", 0)) for p in plays),
        away_scores=running_max(int(p.get("awayScore", 0)) for p in plays),
        groups=college_groups(competition) if is_college else frozenset(),
    )


def load_summary(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@cache
def load_recordings(data_dir: Path = DATA_DIR) -> tuple[Recording, ...]:
    """Every recorded game, in demo order. Cached: the recordings are read-only."""
    return tuple(recording_from_summary(load_summary(data_dir / name)) for name in DATA_FILES)
