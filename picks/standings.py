"""Standings of a pick'em league, for a week and for the season, with live projections.

A few aggregate queries whatever the number of members (no query per member):
points, wins, losses and pushes are sums over graded picks; the live projection adds the
points that picks on games being played now would score if those games ended with the
current score (against the frozen line in a league against the spread).

Ties: more points first, then the smaller tiebreaker distance (|guess - total points of the
week's last game|; for the season, the sum over the weeks whose last game is final, a
missing guess counting as a guess of 0), then the name. Equal points and distance share a rank.

Winners: a week is complete once every one of its games is final, postponed or cancelled and
every pick on them is graded; its winners are then the members ranked first (more than one:
co-winners, the tiebreaker could not part them). The season is complete once its postseason
has been played: it has postseason games, every game is settled and every pick graded. No
winner is ever declared while a game is scheduled, live or waiting for its grading.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Abs, Coalesce

from espn.snapshots import Phase
from games.models import Game

from .grading import side_results, win_points
from .models import Entry, Pick, PickemLeague, PickResult, WeeklyTiebreaker
from .selectors import SETTLED_PHASES, league_games, line_of, tiebreak_game, week_games, with_lines
from .weeks import Week

log = logging.getLogger(__name__)
SEASON_CACHE_SECONDS = 600
POSTSEASON = 3  # ESPN's season type of the playoffs and bowls: a season ends with it


@dataclass
class StandingRow:
    entry_id: int
    username: str
    points: int = 0
    wins: int = 0
    losses: int = 0
    pushes: int = 0
    live_points: int = 0  # what picks on games being played would add if they ended now
    tiebreak_guess: int | None = None
    tiebreak_distance: int | None = None
    rank: int = 0
    live_rank: int = 0

    @property
    def projected_points(self) -> int:
        return self.points + self.live_points

    @property
    def record(self) -> str:
        return f"{self.wins}-{self.losses}-{self.pushes}" if self.pushes else f"{self.wins}-{self.losses}"


@dataclass
class Standings:
    league: PickemLeague
    week: Week | None  # None: the season
    rows: list[StandingRow]
    live_games: int = 0
    tiebreak: Game | None = None
    tiebreak_total: int | None = None  # total points of the tiebreaker game, once final
    decided_weeks: int = 0  # season: weeks whose tiebreaker game is final
    games: list[Game] = field(default_factory=list)  # week: its games, in kickoff order
    complete: bool = False  # every game settled and graded: the winners are known

    @property
    def winners(self) -> list[StandingRow]:
        """The members ranked first once complete (several: co-winners); none before."""
        if not self.complete:
            return []
        return [row for row in self.rows if row.rank == 1]

    def row_for(self, entry_id: int | None) -> StandingRow | None:
        return next((row for row in self.rows if row.entry_id == entry_id), None)


def week_standings(league: PickemLeague, week: Week) -> Standings:
    games = list(week_games(league, week))
    last = tiebreak_game(games)
    total = final_total(last)
    picks = Pick.objects.filter(entry__league=league, season_type=week.season_type, week=week.number)
    live = [g for g in games if is_live_with_score(g)]
    rows, pending = standing_rows(league, picks, live)
    guesses = WeeklyTiebreaker.objects.filter(
        entry__league=league, season_type=week.season_type, week=week.number
    ).values_list("entry_id", "guess")
    for entry_id, guess in guesses:
        row = rows.get(entry_id)
        if row is not None:
            row.tiebreak_guess = guess
            row.tiebreak_distance = abs(guess - total) if total is not None else None
    return Standings(
        league=league,
        week=week,
        rows=ranked(rows.values()),
        live_games=len(live),
        tiebreak=last,
        tiebreak_total=total,
        games=games,
        complete=bool(games) and not pending and all(g.phase in SETTLED_PHASES for g in games),
    )


def season_standings(league: PickemLeague) -> Standings:
    """Season totals come from a cache keyed by the season's grading version: they only change
    when a game is graded, and summing a whole season of picks is the one costly query here."""
    rows = member_rows(league)
    progress = season_progress(league)
    totals, distances, decided = season_totals(league, progress.grading_version)
    for entry_id, (points, wins, losses, pushes) in totals.items():
        row = rows.get(entry_id)
        if row is not None:
            row.points, row.wins, row.losses, row.pushes = points, wins, losses, pushes
    if decided:
        all_totals = sum(decided.values())
        for entry_id, row in rows.items():
            row.tiebreak_distance = distances.get(entry_id, all_totals)  # no guess at all: as if every guess were 0
    live = [g for g in with_lines(league_games(league).filter(phase=Phase.LIVE)) if is_live_with_score(g)]
    if live:
        found = (
            Pick.objects.filter(entry__league=league, game_id__in=[g.pk for g in live])
            .values("entry_id")
            .annotate(live_points=live_points_expression(live, against_spread=league.against_spread))
            .order_by()
        )
        for item in found:
            row = rows.get(item["entry_id"])
            if row is not None:
                row.live_points = item["live_points"]
    return Standings(
        league=league,
        week=None,
        rows=ranked(rows.values()),
        live_games=len(live),
        decided_weeks=len(decided),
        complete=progress.played_out
        and not Pick.objects.filter(entry__league=league, result=PickResult.PENDING).exists(),
    )


@dataclass(frozen=True)
class SeasonProgress:
    grading_version: str  # changes whenever a game of the season is graded, regraded or voided
    played_out: bool  # its postseason played and every game settled (its picks may still wait for grading)


def season_progress(league: PickemLeague) -> SeasonProgress:
    """One aggregate over the season's games: the version of its gradings, and whether it is played out."""
    found = league_games(league).aggregate(
        games=Count("pickem_grading"),
        gradings=Sum("pickem_grading__times_graded"),
        postseason=Count("pk", filter=Q(season_type=POSTSEASON)),
        unsettled=Count("pk", filter=~Q(phase__in=SETTLED_PHASES)),
    )
    return SeasonProgress(
        grading_version=f"{found['games']}.{found['gradings'] or 0}",
        played_out=bool(found["postseason"]) and not found["unsettled"],
    )


SeasonTotals = tuple[dict[int, tuple[int, int, int, int]], dict[int, int], dict[Week, int]]


def season_totals(league: PickemLeague, grading_version: str) -> SeasonTotals:
    """(entry -> (points, wins, losses, pushes), entry -> season tiebreaker distance, decided weeks)."""
    key = f"picks:season:{league.pk}:{league.scoring}:{int(league.against_spread)}:{grading_version}"
    try:
        found = cache.get(key)
    except Exception:  # Redis is a cache: without it, compute
        log.warning("season standings cache unavailable league=%s", league.pk, exc_info=True)
        found = None
    if found is not None:
        return found
    decided = decided_week_totals(league)
    totals = {
        item["entry_id"]: (item["total_points"], item["wins"], item["losses"], item["pushes"])
        for item in Pick.objects.filter(entry__league=league, graded_at__isnull=False)
        .values("entry_id")
        .annotate(**result_aggregates())
        .order_by()
    }
    result = (totals, season_tiebreak_distances(league, decided) if decided else {}, decided)
    try:
        cache.set(key, result, SEASON_CACHE_SECONDS)
    except Exception:
        log.warning("season standings cache unavailable league=%s", league.pk, exc_info=True)
    return result


def member_rows(league: PickemLeague) -> dict[int, StandingRow]:
    members = Entry.objects.filter(league=league, removed_at=None).values_list("pk", "user__username")
    return {entry_id: StandingRow(entry_id=entry_id, username=username) for entry_id, username in members}


def result_aggregates() -> dict:
    return {
        "total_points": Coalesce(Sum("points"), 0),
        "wins": Count("pk", filter=Q(result=PickResult.WIN)),
        "losses": Count("pk", filter=Q(result=PickResult.LOSS)),
        "pushes": Count("pk", filter=Q(result=PickResult.PUSH)),
    }


def standing_rows(league: PickemLeague, picks: QuerySet[Pick], live: list[Game]) -> tuple[dict[int, StandingRow], int]:
    """The members' rows, and how many of the picks still wait for their grading."""
    rows = member_rows(league)
    aggregates = picks.values("entry_id").annotate(
        **result_aggregates(),
        live_points=live_points_expression(live, against_spread=league.against_spread),
        pending=Count("pk", filter=Q(result=PickResult.PENDING)),
    )
    pending = 0
    for found in aggregates.order_by():
        pending += found["pending"]
        row = rows.get(found["entry_id"])
        if row is None:  # a removed member
            continue
        row.points, row.wins, row.losses = found["total_points"], found["wins"], found["losses"]
        row.pushes, row.live_points = found["pushes"], found["live_points"]
    return rows, pending


def is_live_with_score(game: Game) -> bool:
    return game.phase == Phase.LIVE and game.home_score is not None and game.away_score is not None


def live_points_expression(live: list[Game], *, against_spread: bool):
    """Sum of the points picks on live games would score if the games ended now."""
    whens = []
    for game in live:
        home, away = side_results(game.home_score, game.away_score, line_of(game) if against_spread else None)
        if home == PickResult.WIN:
            whens.append(When(game_id=game.pk, team_id=game.home_team_id, then=win_points()))
        elif away == PickResult.WIN:
            whens.append(When(game_id=game.pk, team_id=game.away_team_id, then=win_points()))
    if not whens:
        return Value(0)
    return Coalesce(Sum(Case(*whens, default=Value(0), output_field=IntegerField())), 0)


def final_total(game: Game | None) -> int | None:
    if game is None or game.phase != Phase.FINAL or game.home_score is None or game.away_score is None:
        return None
    return game.home_score + game.away_score


def decided_week_totals(league: PickemLeague) -> dict[Week, int]:
    """For each week whose tiebreaker game is final: that game's total points."""
    last_of_week: dict[Week, tuple] = {}
    rows = (
        league_games(league)
        .exclude(week=None)
        .exclude(phase__in=(Phase.POSTPONED, Phase.CANCELED))
        .values_list("season_type", "week", "kickoff", "espn_id", "phase", "home_score", "away_score")
    )
    for season_type, number, kickoff, espn_id, phase, home, away in rows:
        week = Week(season_type, number)
        if week not in last_of_week or (kickoff, espn_id) > last_of_week[week][:2]:
            last_of_week[week] = (kickoff, espn_id, phase, home, away)
    return {
        week: home + away
        for week, (_, _, phase, home, away) in last_of_week.items()
        if phase == Phase.FINAL and home is not None and away is not None
    }


def season_tiebreak_distances(league: PickemLeague, totals: dict[Week, int]) -> dict[int, int]:
    """Per entry: the sum over decided weeks of |guess - total|, a missing guess counting as 0."""
    week_total = Case(
        *[When(season_type=w.season_type, week=w.number, then=Value(t)) for w, t in totals.items()],
        default=None,
        output_field=IntegerField(),
    )
    guessed = (
        WeeklyTiebreaker.objects.filter(entry__league=league)
        .annotate(week_total=week_total)
        .filter(week_total__isnull=False)
        .values("entry_id")
        .annotate(distance=Sum(Abs(F("week_total") - F("guess"))), covered=Sum("week_total"))
        .order_by()
    )
    all_totals = sum(totals.values())
    return {found["entry_id"]: found["distance"] + all_totals - found["covered"] for found in guessed}


def ranked(rows: Iterable[StandingRow]) -> list[StandingRow]:
    """Sort and rank (1, 2, 2, 4): points, then the tiebreaker; the live rank by projected points."""

    def distance(row: StandingRow) -> float:
        return math.inf if row.tiebreak_distance is None else row.tiebreak_distance

    rows = list(rows)
    by_live = sorted(rows, key=lambda r: (-r.projected_points, distance(r), r.username.lower()))
    assign_ranks(by_live, key=lambda r: (r.projected_points, distance(r)), attribute="live_rank")
    rows.sort(key=lambda r: (-r.points, distance(r), r.username.lower()))
    assign_ranks(rows, key=lambda r: (r.points, distance(r)), attribute="rank")
    return rows


def assign_ranks(rows: list[StandingRow], *, key, attribute: str) -> None:
    previous = None
    for position, row in enumerate(rows, start=1):
        current = key(row)
        if current != previous:
            rank = position
            previous = current
        setattr(row, attribute, rank)
