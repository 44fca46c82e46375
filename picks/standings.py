"""Standings of a pick'em league, for a week and for the season, with live projections.

A few aggregate queries whatever the number of members (no query per member):
points, wins, losses and pushes are sums over graded picks; the live projection adds the
points that picks on games being played now would score if those games ended with the
current score (against the spread: on the line the league's rule grades it on, `selectors.graded_lines`).

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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from games.models import Game, Phase

from .chance import live_home_win_probabilities, survival_chances, survivor_game
from .grading import side_results, win_points
from .models import Entry, MissedPicks, Pick, PickemLeague, PickResult, WeeklyTiebreaker
from .selectors import graded_lines, league_games, tiebreak_game, week_games, with_lines
from .survivor import survivor_table, week_outcome
from .weeks import Week

log = logging.getLogger(__name__)
SEASON_CACHE_SECONDS = 600
POSTSEASON = 3  # ESPN's season type of the playoffs and bowls: a season ends with it


@dataclass
class StandingRow:
    entry_id: int
    username: str
    entry_name: str = ""
    points: int = 0
    wins: int = 0
    losses: int = 0
    pushes: int = 0
    live_points: int = 0  # what picks on games being played would add if they ended now
    tiebreak_guess: int | None = None
    tiebreak_distance: int | None = None
    rank: int = 0
    live_rank: int = 0
    picked: bool = False  # made at least one pick (week view)
    joined_at: datetime | None = None
    missed_week: bool = False  # scored by the "lowest minus one" rule
    dropped_weeks: list[Week] = field(default_factory=list)  # season: the lowest weeks left out
    # Survivor pools only
    alive: bool | None = None
    lives_left: int | None = None
    teams_used: list[str] = field(default_factory=list)
    fell_in: Week | None = None
    week_pick: str = ""  # the week's team (and result), week view
    week_pick_locked: bool = False  # others see a pick once its game has locked
    chance_survive: float | None = None  # week view, alive entries: the chance the week's pick wins

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
    winner_ids: list[int] | None = None  # survivor: who came through (the week) or outlasted all (the season)

    @property
    def winners(self) -> list[StandingRow]:
        """The members ranked first once complete (several: co-winners); none before."""
        if not self.complete:
            return []
        if self.winner_ids is not None:
            return [row for row in self.rows if row.entry_id in self.winner_ids]
        return [row for row in self.rows if row.rank == 1]

    def row_for(self, entry_id: int | None) -> StandingRow | None:
        return next((row for row in self.rows if row.entry_id == entry_id), None)


def week_standings(league: PickemLeague, week: Week) -> Standings:
    if league.is_survivor:
        return survivor_standings(league, week)
    games = list(week_games(league, week))
    last = tiebreak_game(games)
    total = final_total(last)
    picks = Pick.objects.filter(entry__league=league, season_type=week.season_type, week=week.number)
    live = [g for g in games if is_live_with_score(g)]
    lines = graded_lines(games, league, now=timezone.now(), whole_weeks=True) if live else {}
    rows, pending = standing_rows(league, picks, live, lines)
    if league.missed_picks == MissedPicks.LOWEST_MINUS_ONE and games:
        score_missed_week(rows.values(), last_kickoff=max(g.kickoff for g in games))
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
        complete=bool(games) and not pending and all(g.phase in Phase.SETTLED for g in games),
    )


def missed_week_score(scores: Iterable[int]) -> int:
    """The week's lowest score among the entries that picked, minus one, never below zero."""
    scores = list(scores)
    return max(min(scores) - 1, 0) if scores else 0


def score_missed_week(rows: Iterable[StandingRow], *, last_kickoff: datetime) -> None:
    """Entries that were members for the week and made no pick in it get the lowest score minus one."""
    rows = list(rows)
    score = missed_week_score(row.points for row in rows if row.picked)
    if not any(row.picked for row in rows):
        return
    for row in rows:
        if not row.picked and row.joined_at is not None and row.joined_at < last_kickoff:
            row.points, row.missed_week = score, True


def season_standings(league: PickemLeague) -> Standings:
    """Season totals come from a cache keyed by the season's grading version: they only change
    when a game is graded, and summing a whole season of picks is the one costly query here."""
    if league.is_survivor:
        return survivor_standings(league, None)
    rows = member_rows(league)
    progress = season_progress(league)
    totals, distances, decided = season_totals(league, progress.grading_version)
    for entry_id, (points, wins, losses, pushes) in totals.items():
        row = rows.get(entry_id)
        if row is not None:
            row.points, row.wins, row.losses, row.pushes = points, wins, losses, pushes
    if by_week_rules(league):
        apply_week_rules(league, rows)
    if decided:
        all_totals = sum(decided.values())
        for entry_id, row in rows.items():
            row.tiebreak_distance = distances.get(entry_id, all_totals)  # no guess at all: as if every guess were 0
    live = [g for g in with_lines(league_games(league).filter(phase=Phase.LIVE)) if is_live_with_score(g)]
    if live:
        lines = graded_lines(live, league, now=timezone.now())
        found = (
            Pick.objects.filter(entry__league=league, game_id__in=[g.pk for g in live])
            .values("entry_id")
            .annotate(live_points=live_points_expression(live, lines))
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
        unsettled=Count("pk", filter=~Q(phase__in=Phase.SETTLED)),
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


def by_week_rules(league: PickemLeague) -> bool:
    """Season rules that need each entry's score week by week rather than its season sum."""
    return league.drop_lowest_weeks > 0 or league.missed_picks == MissedPicks.LOWEST_MINUS_ONE


def apply_week_rules(league: PickemLeague, rows: dict[int, StandingRow]) -> None:
    """Season points from week scores: a missed week scored by its rule, then each entry's N lowest weeks
    dropped. Two aggregate queries whatever the number of entries (the record still counts every pick)."""
    scores: dict[Week, dict[int, int]] = defaultdict(dict)
    graded = (
        Pick.objects.filter(entry__league=league, graded_at__isnull=False)
        .values("entry_id", "season_type", "week")
        .annotate(total_points=Coalesce(Sum("points"), 0))
        .order_by()
    )
    for found in graded:
        scores[Week(found["season_type"], found["week"])][found["entry_id"]] = found["total_points"]
    last_kickoffs = {
        Week(found["season_type"], found["week"]): found["last"]
        for found in league_games(league)
        .filter(week__isnull=False)
        .values("season_type", "week")
        .annotate(last=Max("kickoff"))
        .order_by()
    }
    lowest_minus_one = league.missed_picks == MissedPicks.LOWEST_MINUS_ONE
    by_entry: dict[int, list[tuple[int, Week]]] = defaultdict(list)
    for week, week_scores in scores.items():
        missed = missed_week_score(week_scores.values())
        last = last_kickoffs.get(week)
        for entry_id, row in rows.items():
            if entry_id in week_scores:
                by_entry[entry_id].append((week_scores[entry_id], week))
            elif row.joined_at is not None and last is not None and row.joined_at < last:
                by_entry[entry_id].append((missed if lowest_minus_one else 0, week))
    for entry_id, row in rows.items():
        weeks = sorted(by_entry[entry_id], key=lambda item: (item[0], item[1]))
        dropped = weeks[: league.drop_lowest_weeks]
        row.points = sum(points for points, _ in weeks[len(dropped) :])
        row.dropped_weeks = sorted(week for _, week in dropped)


def member_rows(league: PickemLeague) -> dict[int, StandingRow]:
    members = Entry.objects.active().filter(league=league).values_list("pk", "user__username", "name", "joined_at")
    return {
        entry_id: StandingRow(entry_id=entry_id, username=username, entry_name=name, joined_at=joined_at)
        for entry_id, username, name, joined_at in members
    }


def result_aggregates() -> dict:
    return {
        "total_points": Coalesce(Sum("points"), 0),
        "wins": Count("pk", filter=Q(result=PickResult.WIN)),
        "losses": Count("pk", filter=Q(result=PickResult.LOSS)),
        "pushes": Count("pk", filter=Q(result=PickResult.PUSH)),
    }


def standing_rows(
    league: PickemLeague, picks: QuerySet[Pick], live: list[Game], lines: dict[int, Decimal | None]
) -> tuple[dict[int, StandingRow], int]:
    """The members' rows, and how many of the picks still wait for their grading."""
    rows = member_rows(league)
    aggregates = picks.values("entry_id").annotate(
        **result_aggregates(),
        live_points=live_points_expression(live, lines),
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
        row.picked = True
    return rows, pending


def is_live_with_score(game: Game) -> bool:
    return game.phase == Phase.LIVE and game.home_score is not None and game.away_score is not None


def live_points_expression(live: list[Game], lines: dict[int, Decimal | None]):
    """Sum of the points picks on live games would score if the games ended now, each graded on its
    line by the league's rule (`lines`: `selectors.graded_lines` of the live games; None: straight up)."""
    whens = []
    for game in live:
        home, away = side_results(game.home_score or 0, game.away_score or 0, lines.get(game.pk))
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
        .exclude(phase__in=Phase.VOID)
        .values_list("season_type", "week", "kickoff", "espn_id", "phase", "home_score", "away_score")
    )
    for season_type, number, kickoff, espn_id, phase, home, away in rows:
        if number is None:  # (excluded above; this tells the type checker)
            continue
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
    by_live = sorted(rows, key=lambda r: (-r.projected_points, distance(r), r.entry_name.lower()))
    assign_ranks(by_live, key=lambda r: (r.projected_points, distance(r)), attribute="live_rank")
    rows.sort(key=lambda r: (-r.points, distance(r), r.entry_name.lower()))
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


# --------------------------------------------------------------------------- survivor


def survivor_standings(league: PickemLeague, week: Week | None, *, now: datetime | None = None) -> Standings:
    """Alive first, then more lives left, then the later fall; the season's winners are the last survivors,
    a week's are the entries that came through it (or, when none did, all who fell in it)."""
    now = now or timezone.now()
    table = survivor_table(league, now=now)
    rows = []
    for state in table.entries.values():
        row = StandingRow(
            entry_id=state.entry_id,
            username=state.username,
            entry_name=state.entry_name,
            points=state.weeks_survived,
            wins=sum(1 for pick in state.picks.values() if pick.result == PickResult.WIN),
            losses=sum(1 for pick in state.picks.values() if pick.result == PickResult.LOSS),
            pushes=sum(1 for pick in state.picks.values() if pick.result == PickResult.PUSH),
            alive=state.alive,
            lives_left=state.lives_left,
            teams_used=list(state.teams_used),
            fell_in=state.fell_in,
        )
        if week is not None and week in state.picks:
            pick = state.picks[week]
            result = "" if pick.result == PickResult.PENDING else f" ({PickResult(pick.result).label.lower()})"
            row.week_pick, row.week_pick_locked = f"{pick.team}{result}", pick.locked(now)
        rows.append(row)

    rows.sort(key=lambda r: ([-part for part in survivor_strength(r)], r.entry_name.lower()))
    assign_ranks(rows, key=survivor_strength, attribute="rank")
    for row in rows:
        row.live_rank = row.rank
    if week is None:
        return Standings(league=league, week=None, rows=rows, complete=table.complete, winner_ids=table.winners or None)
    games = list(week_games(league, week))
    survive_chances(rows, table, week, games)
    decided, came_through = week_outcome(table, week)
    return Standings(
        league=league,
        week=week,
        rows=rows,
        games=games,
        live_games=sum(1 for g in games if is_live_with_score(g)),
        complete=decided,
        winner_ids=came_through,
    )


def survive_chances(rows: list[StandingRow], table, week: Week, games: list[Game]) -> None:
    """Each alive entry's chance to survive `week`: its team's chance to win (a final game: 0 or 1, a void
    one: 1, no pick: 0). One query (the live win probabilities) whatever the number of entries."""
    probabilities = live_home_win_probabilities(games)
    forecasts = [survivor_game(g, home_win_probability=probabilities.get(g.pk)) for g in games]
    team_ids = {}
    for game in games:
        team_ids[game.home_team.abbreviation] = game.home_team_id
        team_ids[game.away_team.abbreviation] = game.away_team_id
    picks = {}
    for entry_id, state in table.entries.items():
        if state.alive:
            pick = state.picks.get(week)
            picks[entry_id] = team_ids.get(pick.team) if pick else None
    chances = survival_chances(picks, forecasts)
    for row in rows:
        row.chance_survive = chances.get(row.entry_id)


def survivor_strength(row: StandingRow) -> tuple[int, ...]:
    """Higher is better: alive, lives left, the week fallen in (never fallen: best), weeks survived."""
    fell = (row.fell_in.season_type, row.fell_in.number) if row.fell_in else (99, 99)
    return (int(bool(row.alive)), row.lives_left or 0, *fell, row.points)
