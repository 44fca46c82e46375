"""Plain helpers that build pick'em test data through the ORM (and the services where rules matter)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from espn.snapshots import Phase
from games.models import EspnLeague, Game, Season, Team
from picks import leagues
from picks.models import Entry, Pick, PickemLeague, ScoringMode
from picks.selectors import pick_lines

NOW = datetime(2025, 9, 7, 12, 0, tzinfo=UTC)  # a Sunday morning of NFL week 1, 2025
PASSWORD = "correct-horse-battery"
_ids = itertools.count(1)

STATES = {
    Phase.SCHEDULED: ("pre", "STATUS_SCHEDULED"),
    Phase.LIVE: ("in", "STATUS_IN_PROGRESS"),
    Phase.FINAL: ("post", "STATUS_FINAL"),
    Phase.POSTPONED: ("post", "STATUS_POSTPONED"),
    Phase.CANCELED: ("post", "STATUS_CANCELED"),
    Phase.SUSPENDED: ("in", "STATUS_SUSPENDED"),
}


def make_user(username: str = "alice", password: str = PASSWORD):
    return get_user_model().objects.create_user(username=username, password=password)


def make_team(abbreviation: str, espn_league: str = EspnLeague.NFL, **extra) -> Team:
    team, _ = Team.objects.get_or_create(
        espn_league=espn_league,
        espn_id=extra.pop("espn_id", abbreviation),
        defaults={"abbreviation": abbreviation, "display_name": f"{abbreviation} team", **extra},
    )
    return team


def make_game(
    *,
    home: str = "HOM",
    away: str = "AWY",
    espn_league: str = EspnLeague.NFL,
    season_year: int = 2025,
    season_type: int = 2,
    week: int | None = 1,
    kickoff: datetime | None = None,
    phase: str = Phase.SCHEDULED,
    home_score: int | None = None,
    away_score: int | None = None,
    spread: Decimal | str | None = None,
    espn_id: str | None = None,
) -> Game:
    season, _ = Season.objects.get_or_create(espn_league=espn_league, year=season_year)
    state, status_name = STATES[Phase(phase)]
    home_team, away_team = make_team(home, espn_league), make_team(away, espn_league)
    return Game.objects.create(
        espn_id=espn_id or f"9{next(_ids):08d}",
        espn_league=espn_league,
        season=season,
        season_type=season_type,
        week=week,
        name=f"{away_team.display_name} at {home_team.display_name}",
        short_name=f"{away} @ {home}",
        kickoff=kickoff or NOW + timedelta(hours=5),
        home_team=home_team,
        away_team=away_team,
        home_score=home_score,
        away_score=away_score,
        phase=phase,
        state=state,
        status_name=status_name,
        spread=Decimal(spread) if spread is not None else None,
        content_hash="test",
        last_changed_at=NOW,
    )


def set_result(game: Game, *, phase: str = Phase.FINAL, home_score: int | None = None, away_score: int | None = None):
    state, status_name = STATES[Phase(phase)]
    game.phase, game.state, game.status_name = phase, state, status_name
    if home_score is not None:
        game.home_score, game.away_score = home_score, away_score
    game.save(update_fields=["phase", "state", "status_name", "home_score", "away_score"])
    return game


def make_league(
    commissioner=None,
    *,
    name: str = "Sunday friends",
    scoring: str = ScoringMode.STRAIGHT_UP,
    against_spread: bool = False,
    espn_league: str = EspnLeague.NFL,
    season_year: int = 2025,
) -> PickemLeague:
    commissioner = commissioner or make_user(f"commish{next(_ids)}")
    return leagues.league_create(
        commissioner=commissioner,
        name=name,
        espn_league=espn_league,
        season_year=season_year,
        scoring=scoring,
        against_spread=against_spread,
        now=NOW,
    )


def entry_of(league: PickemLeague, user) -> Entry:
    entry, _ = Entry.objects.get_or_create(league=league, user=user, defaults={"joined_at": NOW, "name": user.username})
    return entry


def make_pick(entry: Entry, game: Game, team: Team | str = "home", confidence: int | None = None) -> Pick:
    """A pick written straight to the database (no rules): for grading and standings tests."""
    if team == "home":
        team = game.home_team
    elif team == "away":
        team = game.away_team
    return Pick.objects.create(
        entry=entry,
        game=game,
        team=team,
        confidence=confidence,
        season_type=game.season_type,
        week=game.week,
        created_at=NOW,
        updated_at=NOW,
    )


def line_at_lock(pick: Pick) -> Decimal | None:
    """The pick's line at lock as every reader derives it (it is not stored on the pick)."""
    return pick_lines([pick])[pick.pk].at_lock
