"""When a game locks: at kickoff by the clock, or as soon as ESPN says it is no longer scheduled.

Whichever comes first: ESPN may start a game a minute early, or report it live while the
clock still says kickoff is a minute away; a postponed game locks too (its picks are void).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q

from games.models import Game, Phase


def is_locked(game: Game, now: datetime) -> bool:
    return game.kickoff <= now or game.phase != Phase.SCHEDULED


def locked_q(now: datetime, prefix: str = "") -> Q:
    """The games (or, with prefix="game__", the picks) that are locked at `now`."""
    return Q(**{f"{prefix}kickoff__lte": now}) | ~Q(**{f"{prefix}phase": Phase.SCHEDULED})


def lock_reason(game: Game, now: datetime) -> str:
    """Why a game no longer takes picks, in words a member understands; "" while it is open."""
    if game.phase == Phase.POSTPONED:
        return "the game is postponed"
    if game.phase == Phase.CANCELED:
        return "the game is cancelled"
    if game.phase == Phase.FINAL:
        return "the game is over"
    if game.phase in (Phase.LIVE, Phase.SUSPENDED):
        return "the game has started"
    if game.kickoff <= now:
        return f"the game kicked off at {game.kickoff.astimezone(UTC):%H:%M} UTC"
    return ""
