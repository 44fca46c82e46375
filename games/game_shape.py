"""The one game shape: the dict every games endpoint, page and stream sends for a game.

Built from the stored row (never from ESPN's JSON), so it never shows what the database refused
(a final that flapped back to scheduled, say). The live feed (`live_feed.py`) caches it in Redis
for today's games, once per poll; the display block (`presenters.display_of`) is worked out here once.
"""

from __future__ import annotations

from espn.snapshots import pause_of

from .models import Game, Team, espn_league_label
from .presenters import display_of


def team_payload(team: Team) -> dict:
    return {
        "espn_id": team.espn_id,
        "abbreviation": team.abbreviation,
        "display_name": team.display_name,
        "short_name": team.short_name,
        "color": team.color,
        "alternate_color": team.alternate_color,
        "logo_url": team.logo_url,
        "is_placeholder": team.is_placeholder,
    }


def game_payload(game: Game) -> dict:
    """One game as the API and the live pages see it. Load it with games_for_payload() to avoid a query per game."""
    live_situation = game.is_live and (game.down_distance_text or game.possession_team_id or game.last_play)
    payload = {
        "id": game.pk,
        "espn_id": game.espn_id,
        "espn_league": game.espn_league,
        "league_label": espn_league_label(game.espn_league),
        "season": game.season.year,
        "season_type": game.season_type,
        "week": game.week,
        "name": game.name,
        "short_name": game.short_name,
        "kickoff": game.kickoff.isoformat(),
        "home": {
            **team_payload(game.home_team),
            "score": game.home_score,
            "linescores": game.home_linescores,
        },
        "away": {
            **team_payload(game.away_team),
            "score": game.away_score,
            "linescores": game.away_linescores,
        },
        "status": {
            "phase": game.phase,
            "state": game.state,
            "name": game.status_name,
            "pause": pause_of(game.status_name),
            "detail": game.status_detail,
            "short_detail": game.short_detail,
            "period": game.period,
            "display_clock": game.display_clock,
        },
        "situation": {
            "possession_team_espn_id": game.possession_team.espn_id if game.possession_team else None,
            "down": game.down,
            "distance": game.distance,
            "yard_line": game.yard_line,
            "down_distance_text": game.down_distance_text,
            "possession_text": game.possession_text,
            "is_red_zone": game.is_red_zone,
            "last_play": game.last_play,
        }
        if live_situation
        else None,
        "odds": {
            "details": game.odds_details,
            "spread": float(game.spread) if game.spread is not None else None,
            "over_under": float(game.over_under) if game.over_under is not None else None,
        }
        if (game.odds_details or game.over_under is not None)
        else None,
        "venue": game.venue,
        "venue_city": game.venue_city,
        "broadcast": game.broadcast,
        "last_changed_at": game.last_changed_at.isoformat(),
        "final_at": game.final_at.isoformat() if game.final_at else None,
    }
    payload["display"] = display_of(payload)  # what the pages show, worked out here once
    return payload


def games_for_payload():
    return Game.objects.select_related("home_team", "away_team", "possession_team", "season")
