"""The play-by-play of a game so far: finished drives whole, the drive under way cut short."""

from __future__ import annotations

import copy

from .recording import Recording, espn_second, period_clock_lengths, play_clock_seconds, play_period
from .timeline import IN, GameState, ScheduledGame


def partial_drive(game: ScheduledGame, state: GameState, drive_index: int) -> dict:
    """A drive as far as it has gone: no end, result or final tally yet."""
    recording = game.recording
    stored = recording.summary["drives"]["previous"][drive_index]
    indexes = [i for i in range(state.plays_done) if recording.drive_index[i] == drive_index]
    if len(indexes) == sum(1 for d in recording.drive_index if d == drive_index):
        return stored
    plays = [recording.plays[i] for i in indexes]
    yards = sum(int(p.get("statYardage", 0) or 0) for p in plays)
    elapsed = game_seconds(recording, plays[-1]) - game_seconds(recording, plays[0]) if plays else 0
    count = len(plays)
    drive = {k: stored[k] for k in ("id", "team", "start") if k in stored}
    drive["description"] = f"{count} play{'s' if count != 1 else ''}, {yards} yards, {clock_text(elapsed)}"
    drive["timeElapsed"] = {"displayValue": clock_text(elapsed)}
    drive["yards"] = yards
    drive["isScore"] = False
    drive["offensivePlays"] = count
    return drive


def drives_so_far(game: ScheduledGame, state: GameState) -> dict:
    """Finished drives whole, the drive under way cut at the current play. Like ESPN's live
    summaries, the drive under way is both `current` and the last of `previous`."""
    recording = game.recording
    stored = recording.summary["drives"]["previous"]
    done_by_drive: dict[int, list[int]] = {}
    for i in range(state.plays_done):
        done_by_drive.setdefault(recording.drive_index[i], []).append(i)
    total_by_drive: dict[int, int] = {}
    for index in recording.drive_index:
        total_by_drive[index] = total_by_drive.get(index, 0) + 1
    previous = []
    current = None
    for drive_index, play_indexes in sorted(done_by_drive.items()):
        if len(play_indexes) == total_by_drive[drive_index]:
            drive = {k: v for k, v in stored[drive_index].items() if k != "plays"}
        else:
            drive = partial_drive(game, state, drive_index)
            current = drive
        drive = copy.deepcopy(drive)
        drive["plays"] = [served_play(game, i) for i in play_indexes]
        previous.append(drive)
    result: dict = {"previous": previous}
    if current is not None and state.state == IN:
        result["current"] = previous[-1]
    return result


def served_play(game: ScheduledGame, index: int) -> dict:
    """A play as served: its wallclock moved to when it happens in the replay."""
    play = copy.deepcopy(game.recording.plays[index])
    if play.get("wallclock"):
        play["wallclock"] = espn_second(game.moment_of_play(index))
    return play


def game_seconds(recording: Recording, play: dict) -> int:
    """Game-clock seconds since kickoff at the play."""
    period = play_period(play)
    lengths = period_clock_lengths(recording.summary, range(1, period + 1))
    played_before = sum(lengths[p] for p in range(1, period))
    return played_before + max(lengths[period] - play_clock_seconds(play), 0)


def clock_text(seconds: int) -> str:
    """Game-clock seconds as ESPN writes them: "4:42"."""
    seconds = max(int(seconds), 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


def win_probability_of(recording: Recording, play_id: str) -> dict | None:
    """The `probability` ESPN attaches to a scoreboard's last play."""
    for point in recording.summary.get("winprobability", []):
        if point.get("playId") == play_id:
            home = float(point.get("homeWinPercentage", 0))
            tie = float(point.get("tiePercentage", 0) or 0)
            return {
                "homeWinPercentage": home,
                "awayWinPercentage": round(1 - home - tie, 4),
                "tiePercentage": tie,
            }
    return None
