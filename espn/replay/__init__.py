"""A stand-in for ESPN's site API that replays recorded real games (see README.md).

Pure standard library: it knows nothing of Django.
"""

from .clock import ManualClock, ReplayClock
from .faults import FaultConfig
from .server import ReplayConfig, ReplayServer, make_server
from .timeline import GameState, ScheduledGame, schedule_games, state_at

__all__ = [
    "FaultConfig",
    "GameState",
    "ManualClock",
    "ReplayClock",
    "ReplayConfig",
    "ReplayServer",
    "ScheduledGame",
    "make_server",
    "schedule_games",
    "state_at",
]
