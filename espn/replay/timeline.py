"""Where a replayed game stands at any moment: a pure function of the game and the time.

`schedule_games` rebases recorded games onto a replay day (kickoffs staggered after the
replay's start); `state_at(game, t)` says what ESPN would report at `t`, so tests can jump
to any moment without sleeping.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from espn import EASTERN

from .recording import Recording, play_clock_seconds, play_period

PRE, IN, POST = "pre", "in", "post"


@dataclass(frozen=True, eq=False)
class ScheduledGame:
    """A recording placed on the replay day: rebased kickoff, play offsets compressed to fit."""

    recording: Recording
    kickoff: datetime  # aware UTC, whole minute (ESPN dates have minute precision)
    moments: tuple[datetime, ...]  # when each play happens (datetimes: exact to compare)

    @property
    def event_id(self) -> str:
        return self.recording.event_id

    @property
    def espn_league(self) -> str:
        return self.recording.espn_league

    @property
    def final_at(self) -> datetime:
        return self.moments[-1]

    @property
    def eastern_date(self) -> date:
        """The day ESPN files the game under: its kickoff's America/New_York date."""
        return self.kickoff.astimezone(EASTERN).date()

    def moment_of_play(self, index: int) -> datetime:
        return self.moments[index]


@dataclass(frozen=True)
class GameState:
    """What ESPN reports about one game at one moment."""

    state: str  # "pre", "in", "post"
    status_name: str  # STATUS_SCHEDULED, STATUS_IN_PROGRESS, STATUS_HALFTIME, ...
    period: int
    clock: float  # game-clock seconds left in the period
    plays_done: int  # how many plays of the recording have happened
    home_score: int
    away_score: int
    home_linescores: tuple[int, ...]
    away_linescores: tuple[int, ...]
    possession: str = ""  # team id with the ball, live only

    @property
    def completed(self) -> bool:
        return self.state == POST

    @property
    def display_clock(self) -> str:
        seconds = int(self.clock)
        return f"{seconds // 60}:{seconds % 60:02d}"

    @property
    def last_play_index(self) -> int | None:
        return self.plays_done - 1 if self.plays_done else None


def schedule_games(
    recordings: Sequence[Recording],
    start: datetime,
    *,
    first_kickoff_after: float = 60.0,
    stagger: float = 120.0,
    max_game_seconds: float = 3 * 3600.0,
) -> tuple[ScheduledGame, ...]:
    """Kickoffs at start + first_kickoff_after, then every `stagger` replay seconds, each
    rounded up to a whole minute; a game longer than `max_game_seconds` is compressed."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    games = []
    for index, recording in enumerate(recordings):
        kickoff = ceil_to_minute(start + timedelta(seconds=first_kickoff_after + index * stagger))
        kickoff = kickoff.astimezone(UTC)
        scale = min(1.0, max_game_seconds / recording.duration) if recording.duration else 1.0
        moments = tuple(kickoff + timedelta(seconds=offset * scale) for offset in recording.offsets)
        games.append(ScheduledGame(recording=recording, kickoff=kickoff, moments=moments))
    return tuple(games)


def ceil_to_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def state_at(game: ScheduledGame, t: datetime) -> GameState:
    """The game's state at `t`: before its first snap it is scheduled, after its last play
    final, in between the latest play decides period, clock, score and possession."""
    done = bisect_right(game.moments, t)
    recording = game.recording
    if done == 0:
        return GameState(PRE, "STATUS_SCHEDULED", 0, 0.0, 0, 0, 0, (), ())
    if done == len(recording.plays):
        return final_state(recording)
    play = recording.plays[done - 1]
    home_lines, away_lines = linescores(recording, done)
    kind = play["type"].get("text", "")
    period = play_period(play)
    if kind == "End of Half":
        name = "STATUS_HALFTIME"
    elif kind in ("End Period", "End of Regulation"):
        name = "STATUS_END_PERIOD"
    else:
        name = "STATUS_IN_PROGRESS"
    clock = 0.0 if name != "STATUS_IN_PROGRESS" else float(play_clock_seconds(play))
    possession = "" if name != "STATUS_IN_PROGRESS" else possession_after(play)
    return GameState(
        IN,
        name,
        period,
        clock,
        done,
        recording.home_scores[done - 1],
        recording.away_scores[done - 1],
        home_lines,
        away_lines,
        possession,
    )


def final_state(recording: Recording) -> GameState:
    """The real final: score and line scores exactly as the summary's header has them."""

    def lines(home_away: str) -> tuple[int, ...]:
        return tuple(int(float(x["displayValue"])) for x in recording.competitor(home_away)["linescores"])

    return GameState(
        POST,
        "STATUS_FINAL",
        recording.final_period,
        0.0,
        len(recording.plays),
        recording.final_home_score,
        recording.final_away_score,
        lines("home"),
        lines("away"),
    )


def possession_after(play: dict) -> str:
    team = play.get("end", {}).get("team") or play.get("start", {}).get("team") or {}
    return str(team.get("id", ""))


def linescores(recording: Recording, done: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Points per period so far: the score at the end of each period minus the one before."""
    end_of_period: dict[int, tuple[int, int]] = {}
    for i in range(done):
        end_of_period[play_period(recording.plays[i])] = (recording.home_scores[i], recording.away_scores[i])
    home, away = [], []
    before = (0, 0)
    for period in range(1, max(end_of_period) + 1):
        after = end_of_period.get(period, before)
        home.append(after[0] - before[0])
        away.append(after[1] - before[1])
        before = after
    return tuple(home), tuple(away)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def period_label(period: int) -> str:
    """1st..4th, then OT, 2OT, ... (period 5 is the first overtime)."""
    if period <= 4:
        return ordinal(period)
    return "OT" if period == 5 else f"{period - 4}OT"


def final_text(period: int) -> str:
    """ "Final", or "Final/OT" (and "Final/2OT", ...) when the game needed overtime."""
    return "Final" if period <= 4 else f"Final/{period_label(period)}"


STATUS_TYPES = {
    # name: (id, state, description)
    "STATUS_SCHEDULED": ("1", PRE, "Scheduled"),
    "STATUS_IN_PROGRESS": ("2", IN, "In Progress"),
    "STATUS_FINAL": ("3", POST, "Final"),
    "STATUS_END_PERIOD": ("22", IN, "End of Period"),
    "STATUS_HALFTIME": ("23", IN, "Halftime"),
}


def status_type(game: ScheduledGame, state: GameState) -> dict:
    """ESPN's `status.type` for the state: id, name, state, completed and the detail texts."""
    status_id, espn_state, description = STATUS_TYPES[state.status_name]
    detail, short_detail = status_details(game, state)
    return {
        "id": status_id,
        "name": state.status_name,
        "state": espn_state,
        "completed": state.completed,
        "description": description,
        "detail": detail,
        "shortDetail": short_detail,
    }


def status_details(game: ScheduledGame, state: GameState) -> tuple[str, str]:
    label = period_label(state.period)
    match state.status_name:
        case "STATUS_SCHEDULED":
            local = game.kickoff.astimezone(EASTERN)
            time_text = f"{local:%I:%M %p %Z}".lstrip("0")
            long_date = f"{local:%a, %B} {ordinal(local.day)}"
            return f"{long_date} at {time_text}", f"{local.month}/{local.day} - {time_text}"
        case "STATUS_FINAL":
            return final_text(state.period), final_text(state.period)
        case "STATUS_HALFTIME":
            return "Halftime", "Halftime"
        case "STATUS_END_PERIOD":
            long_label = label if state.period > 4 else f"{label} Quarter"
            return f"End of {long_label}", f"End of {label}"
    long_label = label if state.period > 4 else f"{label} Quarter"
    return f"{state.display_clock} - {long_label}", f"{state.display_clock} - {label}"
