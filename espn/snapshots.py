"""Typed snapshots of what ESPN reported: the only shape that leaves `espn/`.

They declare just the fields the project uses. Parsing (`espn.parsing`) builds
them from ESPN JSON; `games/` turns them into rows and cache entries.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime


class Phase(enum.StrEnum):
    """Where a game stands, normalised from ESPN's state, completed flag and status name."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    FINAL = "final"
    POSTPONED = "postponed"
    CANCELED = "canceled"
    SUSPENDED = "suspended"

    # The groups, named once. In the class body the names above are still their plain values.
    VOID = enum.nonmember(frozenset({POSTPONED, CANCELED}))  # not played on this date: its picks are void
    SETTLED = enum.nonmember(frozenset({FINAL, POSTPONED, CANCELED}))  # nothing more to play on this date
    UNSETTLED = enum.nonmember(frozenset({SCHEDULED, LIVE, SUSPENDED}))

    @property
    def is_settled(self) -> bool:
        """Nothing more will happen to the game on this date (it needs no more following)."""
        return self in Phase.SETTLED


class Pause(enum.StrEnum):
    """A live game stopped between periods: ESPN's halftime and end-of-period status names, typed."""

    NONE = ""
    HALFTIME = "halftime"
    END_OF_PERIOD = "end_of_period"


_PAUSE_BY_NAME = {"STATUS_HALFTIME": Pause.HALFTIME, "STATUS_END_PERIOD": Pause.END_OF_PERIOD}


def pause_of(status_name: str) -> Pause:
    """The pause an ESPN status name means (rows keep the name; this is the one place that reads it)."""
    return _PAUSE_BY_NAME.get(status_name.strip().upper(), Pause.NONE) if status_name else Pause.NONE


@dataclass(frozen=True, slots=True)
class TeamSnapshot:
    espn_id: str
    abbreviation: str
    display_name: str
    short_name: str = ""
    location: str = ""
    name: str = ""
    color: str = ""  # hex without '#', as ESPN sends it
    alternate_color: str = ""
    logo_url: str = ""
    is_placeholder: bool = False  # a team still TBD ("SF W1"); never graded on


@dataclass(frozen=True, slots=True)
class CompetitorSnapshot:
    team: TeamSnapshot
    score: int | None = None  # None before kickoff when ESPN sends no score
    linescores: tuple[int, ...] = ()
    shootout_score: int | None = None  # soccer: penalties scored in a shoot-out


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    phase: Phase
    state: str  # ESPN's "pre", "in" or "post"
    name: str  # ESPN's status name, e.g. "STATUS_HALFTIME"
    detail: str = ""  # "0:48 - 4th Quarter"
    short_detail: str = ""  # "0:48 - 4th", "Halftime", "Final/OT"
    period: int = 0
    display_clock: str = ""
    clock_seconds: float = 0.0
    pause: Pause = Pause.NONE  # halftime or between periods: nothing is played


@dataclass(frozen=True, slots=True)
class SituationSnapshot:
    """Football down and distance while a game is live (other sports: last play only)."""

    possession_team_espn_id: str = ""
    down: int | None = None
    distance: int | None = None
    yard_line: int | None = None
    down_distance_text: str = ""  # "3rd & 10 at SF 20"
    possession_text: str = ""  # "SF 20"
    is_red_zone: bool = False
    last_play_text: str = ""
    # Baseball: the count, outs and runners on base
    balls: int | None = None
    strikes: int | None = None
    outs: int | None = None
    on_first: bool = False
    on_second: bool = False
    on_third: bool = False


@dataclass(frozen=True, slots=True)
class OddsSnapshot:
    details: str = ""  # "TB -2.5": names the favourite
    spread: float | None = None  # from the home team's view: negative = home favoured
    over_under: float | None = None


@dataclass(frozen=True, slots=True)
class GameSnapshot:
    espn_id: str
    espn_league: str  # "football/nfl"
    kickoff: datetime  # timezone-aware UTC
    season_year: int
    season_type: int  # 1 pre, 2 regular, 3 post, 4 off
    week: int | None
    home: CompetitorSnapshot
    away: CompetitorSnapshot
    status: StatusSnapshot
    name: str = ""
    short_name: str = ""
    situation: SituationSnapshot | None = None
    odds: OddsSnapshot | None = None
    venue: str = ""
    venue_city: str = ""
    neutral_site: bool = False
    broadcast: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SkippedEvent:
    """An event of a scoreboard that could not be read; the rest of the scoreboard still counts."""

    espn_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Scoreboard:
    espn_league: str
    games: tuple[GameSnapshot, ...]
    skipped: tuple[SkippedEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaySnapshot:
    espn_id: str
    sequence: int
    period: int
    clock: str
    text: str
    type_text: str = ""
    home_score: int = 0
    away_score: int = 0
    scoring_play: bool = False
    team_espn_id: str = ""
    wallclock: datetime | None = None
    down_distance_text: str = ""


@dataclass(frozen=True, slots=True)
class WinProbabilityPoint:
    play_espn_id: str
    home_win_pct: float  # 0.0 .. 1.0


@dataclass(frozen=True, slots=True)
class GameSummary:
    """A game as ESPN's summary endpoint reports it, with its plays."""

    game: GameSnapshot
    plays: tuple[PlaySnapshot, ...] = ()
    win_probability: tuple[WinProbabilityPoint, ...] = field(default=())

    @property
    def scoring_plays(self) -> tuple[PlaySnapshot, ...]:
        return tuple(p for p in self.plays if p.scoring_play)
