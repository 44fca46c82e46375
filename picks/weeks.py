"""A pick'em week is ESPN's (season type, week number) of a game: "regular-15", "post-1"."""

from __future__ import annotations

from dataclasses import dataclass

from espn.leagues import league_of
from games.models import Game

TYPE_SLUGS = {1: "pre", 2: "regular", 3: "post", 4: "off"}
SLUG_TYPES = {slug: season_type for season_type, slug in TYPE_SLUGS.items()}


@dataclass(frozen=True, order=True)
class Week:
    season_type: int
    number: int

    @property
    def slug(self) -> str:
        return f"{TYPE_SLUGS.get(self.season_type, str(self.season_type))}-{self.number}"

    @classmethod
    def of_game(cls, game: Game) -> Week:
        """The week a pick'em game is played in (leagues only take games ESPN gives a week)."""
        if game.week is None:
            raise ValueError(f"game {game.pk} has no week")
        return cls(game.season_type, game.week)

    @classmethod
    def parse(cls, slug: str) -> Week:
        """'regular-15' -> Week(2, 15); raises ValueError on anything else."""
        kind, sep, number = (slug or "").strip().lower().rpartition("-")
        season_type = SLUG_TYPES.get(kind)
        if not sep or season_type is None or not number.isdigit() or not 0 <= int(number) <= 99:
            raise ValueError(f"{slug!r} is not a week: use e.g. regular-3, pre-1 or post-2")
        return cls(season_type, int(number))

    def label(self, espn_league: str = "") -> str:
        if self.season_type == 3:
            named = league_of(espn_league).postseason_week_names.get(self.number) if espn_league else None
            return named or f"Postseason week {self.number}"
        if self.season_type == 1:
            return f"Preseason week {self.number}"
        return f"Week {self.number}"

    def __str__(self) -> str:
        return self.slug
