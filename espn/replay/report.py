"""`/replay/status`: every game's current state and the final it will reach."""

from __future__ import annotations

from datetime import datetime

from .recording import espn_second
from .timeline import POST, GameState, ScheduledGame, final_text, status_type


def status_report_game(game: ScheduledGame, state: GameState) -> dict:
    recording = game.recording
    home, away = recording.competitor("home"), recording.competitor("away")
    final_home, final_away = recording.final_home_score, recording.final_away_score
    winner = home if final_home > final_away else away if final_away > final_home else None
    kind = status_type(game, state)
    return {
        "id": recording.event_id,
        "league": recording.espn_league,
        "name": f"{away['team']['displayName']} at {home['team']['displayName']}",
        "shortName": f"{away['team']['abbreviation']} @ {home['team']['abbreviation']}",
        "season": {"year": recording.season_week[0], "type": recording.season_week[1]},
        "week": recording.season_week[2],
        "kickoff": espn_second(game.kickoff),
        "easternDate": game.eastern_date.strftime("%Y%m%d"),
        "finalAt": espn_second(game.final_at),
        "state": state.state,
        "status": state.status_name,
        "completed": state.completed,
        "period": state.period,
        "displayClock": state.display_clock,
        "detail": kind["detail"],
        "shortDetail": kind["shortDetail"],
        "home": {"id": home["id"], "abbreviation": home["team"]["abbreviation"], "score": state.home_score},
        "away": {"id": away["id"], "abbreviation": away["team"]["abbreviation"], "score": state.away_score},
        "expectedFinal": {
            "home": final_home,
            "away": final_away,
            "winnerTeamId": winner["id"] if winner else None,
            "shortDetail": final_text(recording.final_period),
            "periods": recording.final_period,
        },
    }


def status_report(games: list[tuple[ScheduledGame, GameState]], now: datetime, extra: dict) -> dict:
    return {
        "now": espn_second(now),
        **extra,
        "allFinal": all(state.state == POST for _, state in games),
        "games": [status_report_game(game, state) for game, state in games],
    }
