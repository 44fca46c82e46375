"""ESPN's leagues: one table of what the project knows about each, and the tracked-league spec.

Settings (the default ESPN_LEAGUES), sync (week numbers), the pages (labels, game clocks), pick'em
(which leagues a pool may follow, week names, the chance model's spreads) all read this table.
Any other sport/league slug can still be tracked through ESPN_LEAGUES: it gets a label made from
its slug and none of the facts below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class ChanceModel:
    """What pick'em's chance model assumes of a league's games."""

    margin_sd: float  # how far final margins fall from the line
    typical_total: float  # points in a game when ESPN gives no total


NFL_CHANCE = ChanceModel(margin_sd=13.45, typical_total=44.0)


@dataclass(frozen=True)
class League:
    slug: str  # ESPN's sport/league path: "football/nfl"
    label: str
    query: str = ""  # what its scoreboard needs to list every game ("groups=80": all of FBS, not a part)
    tracked_by_default: bool = False  # in the default ESPN_LEAGUES
    pickem: bool = False  # a pick'em league may follow it
    # ESPN's week numbers per season type (2 regular, 3 postseason), for syncing a season week by week.
    season_weeks: Mapping[int, range] = field(default_factory=dict)
    postseason_week_names: Mapping[int, str] = field(default_factory=dict)
    game_clock: tuple[int, int, int] | None = None  # regulation periods, seconds each, seconds of an overtime
    chance: ChanceModel | None = None

    @property
    def spec(self) -> str:
        """As ESPN_LEAGUES lists it: "football/college-football?groups=80"."""
        return f"{self.slug}?{self.query}" if self.query else self.slug


NFL = League(
    "football/nfl",
    "NFL",
    tracked_by_default=True,
    pickem=True,
    season_weeks={2: range(1, 19), 3: range(1, 6)},
    postseason_week_names={
        1: "Wild Card",
        2: "Divisional round",
        3: "Conference championships",
        4: "Pro Bowl",
        5: "Super Bowl",
    },
    game_clock=(4, 900, 600),
    chance=NFL_CHANCE,
)
COLLEGE_FOOTBALL = League(
    "football/college-football",
    "College football",
    query="groups=80",
    tracked_by_default=True,
    pickem=True,
    season_weeks={2: range(1, 17), 3: range(1, 2)},
    postseason_week_names={1: "Bowls and playoff"},
    game_clock=(4, 900, 900),
    chance=ChanceModel(margin_sd=15.5, typical_total=55.0),
)
NBA = League("basketball/nba", "NBA", game_clock=(4, 720, 300))
WNBA = League("basketball/wnba", "WNBA", game_clock=(4, 600, 300))
NHL = League("hockey/nhl", "NHL", game_clock=(3, 1200, 300))
MLB = League("baseball/mlb", "MLB")

LEAGUES: tuple[League, ...] = (NFL, COLLEGE_FOOTBALL, NBA, WNBA, NHL, MLB)
_BY_SLUG = {league.slug: league for league in LEAGUES}

DEFAULT_TRACKED = ",".join(league.spec for league in LEAGUES if league.tracked_by_default)
PICKEM_LEAGUES: tuple[League, ...] = tuple(league for league in LEAGUES if league.pickem)

PERIOD_PREFIXES = {"football": "Q", "basketball": "Q", "hockey": "P"}  # "Q3", "P2"; baseball has innings


def league_of(slug: str) -> League:
    """The table's league, or a bare one named after the slug ("soccer/eng.1" -> "ENG.1")."""
    found = _BY_SLUG.get(slug)
    return found if found is not None else League(slug, slug.split("/")[-1].upper())


def period_prefix(slug: str) -> str:
    return PERIOD_PREFIXES.get(slug.split("/")[0], "")


@dataclass(frozen=True)
class LeagueFeed:
    """An ESPN league to track and the query its scoreboard needs, from "football/college-football?groups=80"."""

    espn_league: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> LeagueFeed:
        path, _, query = spec.strip().partition("?")
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"ESPN league {spec!r} is not of the form sport/league, e.g. football/nfl")
        return cls(espn_league="/".join(parts), params=dict(parse_qsl(query)))

    @classmethod
    def of(cls, slug: str) -> LeagueFeed:
        """A league's feed with the query the table gives it (a bare one for a league not in it)."""
        return cls.parse(league_of(slug).spec)

    def __hash__(self) -> int:
        return hash((self.espn_league, tuple(sorted(self.params.items()))))


def parse_tracked(specs: tuple[str, ...]) -> tuple[LeagueFeed, ...]:
    """ESPN_LEAGUES read: each league once (the first spec of a league wins)."""
    feeds: dict[str, LeagueFeed] = {}
    for spec in specs:
        feed = LeagueFeed.parse(spec)
        feeds.setdefault(feed.espn_league, feed)
    return tuple(feeds.values())
