"""Summary JSON for a game at a moment, in the shape of ESPN's `summary?event=` answers.

The header holds the current status, score and line scores (no `score` keys before kickoff,
as ESPN sends); drives, scoring plays and win probability hold only what has happened.
"""

from __future__ import annotations

import copy

from .drives import drives_so_far
from .recording import espn_minute, espn_second
from .scoreboard import records
from .timeline import IN, PRE, GameState, ScheduledGame, period_label, status_type


def summary_payload(game: ScheduledGame, state: GameState) -> dict:
    """The game's summary as ESPN would serve it at this state: header with the current
    status and score, and play-by-play, scoring plays and win probability so far."""
    recording = game.recording
    stored = recording.summary
    payload: dict = {}
    if "boxscore" in stored:
        teams = stored["boxscore"].get("teams", [])
        if not state.completed:  # team stats are the final totals: hide them until the end
            teams = [{"team": t["team"]} for t in teams]
        payload["boxscore"] = {"teams": copy.deepcopy(teams)}
    for key in ("format", "gameInfo", "broadcasts", "pickcenter", "odds"):
        if key in stored:
            payload[key] = copy.deepcopy(stored[key])
    if state.state != PRE:
        payload["drives"] = drives_so_far(game, state)
        played = {p["id"] for p in recording.plays[: state.plays_done]}
        payload["scoringPlays"] = [copy.deepcopy(p) for p in stored.get("scoringPlays", []) if p["id"] in played]
    payload["header"] = summary_header(game, state)
    future = {p["id"] for p in recording.plays[state.plays_done :]}
    payload["winprobability"] = (
        [] if state.state == PRE else [p for p in stored.get("winprobability", []) if p.get("playId") not in future]
    )
    payload["wallclockAvailable"] = stored.get("wallclockAvailable", False)
    payload["meta"] = summary_meta(game, state)
    return payload


def summary_header(game: ScheduledGame, state: GameState) -> dict:
    recording = game.recording
    header = copy.deepcopy(recording.summary["header"])
    competition = header["competitions"][0]
    competition["date"] = espn_minute(game.kickoff)
    competition["status"] = summary_status(game, state)
    competition["recent"] = state.state != PRE
    for competitor in competition["competitors"]:
        home_away = competitor["homeAway"]
        competitor["record"] = records(recording, competitor, state)
        competitor["possession"] = state.state == IN and competitor["id"] == state.possession
        if state.state == PRE:
            for key in ("score", "linescores", "winner"):
                competitor.pop(key, None)
            continue
        lines = state.home_linescores if home_away == "home" else state.away_linescores
        competitor["score"] = str(state.home_score if home_away == "home" else state.away_score)
        competitor["linescores"] = [{"displayValue": str(v)} for v in lines]
        if not state.completed:
            competitor.pop("winner", None)
    return header


def summary_status(game: ScheduledGame, state: GameState) -> dict:
    """Pre and final summaries carry only `type`; live ones add clock, period, displayPeriod."""
    status: dict = {"type": status_type(game, state)}
    if state.state == IN:
        status = {
            "displayClock": state.display_clock,
            "period": state.period,
            "type": status["type"],
            "displayPeriod": period_label(state.period),
        }
    return status


def summary_meta(game: ScheduledGame, state: GameState) -> dict:
    stored = game.recording.summary.get("meta", {})
    meta = {k: stored[k] for k in ("gp_topic", "gameSwitcherEnabled", "picker_topic") if k in stored}
    meta["gameState"] = state.state
    if state.plays_done and game.recording.summary.get("wallclockAvailable"):
        meta["firstPlayWallClock"] = espn_second(game.moment_of_play(0))
        meta["lastPlayWallClock"] = espn_second(game.moment_of_play(state.plays_done - 1))
    return meta
