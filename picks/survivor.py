"""Survivor pools: one team a week, each team once a season; a loss (and, per rule, a tie) costs a life.

The survivor picks themselves are ordinary picks, graded straight up by `grading` with the
rest (set-based, a constant number of queries per game). What is survivor's own is read here:
who is still alive, with how many lives, which teams each entry has used and the week each
fell, from three queries whatever the number of entries (the weeks, the entries, their picks),
then one pass over the weeks in Python.

- The weeks that count are the regular season's and the postseason's whose first game kicks
  off after the league was made.
- A week is decided once every game in it is settled and every pick on them graded. A graded
  loss costs its life at once; a missed week (no pick, or a pick voided) counts only once the
  week is decided: as a loss, or, per rule, the first favourite not used yet is picked for the
  member when the week's last game locks (`auto_pick_missed_weeks`). A pick voided (its game
  postponed or cancelled) costs no life.
- When everyone still alive falls in the same decided week, per rule they are co-winners, or
  nobody falls that week and they all play on.
- The pool ends with its last survivor(s): one left alive after a decided week, or all of the
  last ones fallen together, or the season played out with several alive (co-winners).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from games.models import Game, Phase

from .locking import locked_q
from .models import Entry, Pick, PickemLeague, PickResult, PoolType, SurvivorAllOut, SurvivorMissedWeek
from .selectors import league_games
from .weeks import Week

SURVIVOR_SEASON_TYPES = (2, 3)  # regular season and postseason


@dataclass
class SurvivorWeek:
    week: Week
    first_kickoff: datetime
    last_kickoff: datetime
    settled: bool  # every game final, postponed or cancelled
    decided: bool = False  # settled and every pick on it graded


@dataclass(frozen=True)
class SurvivorPick:
    team: str  # abbreviation
    result: str
    kickoff: datetime
    phase: str

    def locked(self, now: datetime) -> bool:
        return self.kickoff <= now or self.phase != Phase.SCHEDULED


@dataclass
class SurvivorEntry:
    entry_id: int
    username: str
    entry_name: str
    lives: int  # the league's lives plus any bought back
    lives_left: int = 0
    fell_in: Week | None = None
    teams_used: list[str] = field(default_factory=list)  # abbreviations, in week order
    picks: dict[Week, SurvivorPick] = field(default_factory=dict)
    weeks_survived: int = 0
    buybacks: int = 0

    @property
    def alive(self) -> bool:
        return self.lives_left > 0


@dataclass
class SurvivorTable:
    league: PickemLeague
    weeks: list[SurvivorWeek]
    entries: dict[int, SurvivorEntry]
    alive_after: dict[Week, set[int]]  # decided (or current) week -> entries alive after it
    fallen_in: dict[Week, set[int]]
    ended_in: Week | None = None  # the week the pool ended with its last survivor(s)
    winners: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.ended_in is not None


def survivor_weeks(league: PickemLeague) -> list[SurvivorWeek]:
    found = (
        league_games(league)
        .filter(season_type__in=SURVIVOR_SEASON_TYPES, week__isnull=False)
        .values("season_type", "week")
        .annotate(first=Min("kickoff"), last=Max("kickoff"), unsettled=Count("pk", filter=~Q(phase__in=Phase.SETTLED)))
        .order_by("season_type", "week")
    )
    return [
        SurvivorWeek(Week(row["season_type"], row["week"]), row["first"], row["last"], settled=not row["unsettled"])
        for row in found
        if row["first"] >= league.created_at
    ]


def survivor_table(league: PickemLeague, *, now: datetime | None = None) -> SurvivorTable:
    """`now`: teams used count from their game's lock (another's pick stays hidden until then)."""
    weeks = survivor_weeks(league)
    by_week = {w.week: w for w in weeks}
    entries = {
        pk: SurvivorEntry(
            entry_id=pk, username=username, entry_name=name, lives=league.survivor_lives + buybacks, buybacks=buybacks
        )
        for pk, username, name, buybacks in Entry.objects.active()
        .filter(league=league)
        .values_list("pk", "user__username", "name", "buybacks")
    }
    pending: set[Week] = set()
    rows = (
        Pick.objects.filter(entry__league=league, season_type__in=SURVIVOR_SEASON_TYPES)
        .values_list("entry_id", "season_type", "week", "team__abbreviation", "result", "game__kickoff", "game__phase")
        .order_by()
    )
    for entry_id, season_type, number, team, result, kickoff, phase in rows:
        picked_week = Week(season_type, number)
        if result == PickResult.PENDING:
            pending.add(picked_week)
        entry = entries.get(entry_id)
        if entry is not None and picked_week in by_week:
            entry.picks[picked_week] = SurvivorPick(team, result, kickoff, phase)
    for survivor_week in weeks:
        survivor_week.decided = survivor_week.settled and survivor_week.week not in pending
    table = SurvivorTable(league=league, weeks=weeks, entries=entries, alive_after={}, fallen_in={})
    play_out(table, now=now or timezone.now())
    return table


def costs_life(league: PickemLeague, result: str | None, *, decided: bool) -> bool:
    if result == PickResult.LOSS:
        return True
    if result == PickResult.PUSH:
        return league.survivor_tie_costs_life
    if result is None:  # no pick: a missed week, once the week is decided
        return decided and league.survivor_missed_week == SurvivorMissedWeek.LOSS
    # A void pick (its game postponed or cancelled) costs nothing: the entry survives the week.
    return False


def play_out(table: SurvivorTable, *, now: datetime) -> None:
    """Walk the weeks in order: lives lost, who fell when, and whether (and with whom) the pool ended."""
    league = table.league
    for entry in table.entries.values():
        entry.lives_left = entry.lives
    for week in table.weeks:
        if not week.decided and not any(week.week in e.picks for e in table.entries.values()):
            continue  # not begun for anyone: nothing to count yet
        alive = [e for e in table.entries.values() if e.alive]
        lost: dict[int, bool] = {}
        for entry in alive:
            pick = entry.picks.get(week.week)
            lost[entry.entry_id] = costs_life(league, pick.result if pick else None, decided=week.decided)
        would_fall = {e.entry_id for e in alive if lost[e.entry_id] and e.lives_left == 1}
        all_out = week.decided and alive and len(would_fall) == len(alive)
        if all_out and league.survivor_all_out == SurvivorAllOut.STAY_ALIVE:
            lost = {}  # nobody falls that week: they all play on
        fell = set()
        for entry in alive:
            pick = entry.picks.get(week.week)
            if pick and pick.locked(now):
                entry.teams_used.append(pick.team)
            if lost.get(entry.entry_id):
                entry.lives_left -= 1
                if not entry.alive:
                    entry.fell_in = week.week
                    fell.add(entry.entry_id)
            elif week.decided:
                entry.weeks_survived += 1
        # Teams used by the already fallen still show.
        for entry in table.entries.values():
            pick = entry.picks.get(week.week)
            if not entry.alive and entry.entry_id not in fell and pick and pick.locked(now):
                entry.teams_used.append(pick.team)
        survivors = {e.entry_id for e in table.entries.values() if e.alive}
        table.alive_after[week.week] = survivors
        table.fallen_in[week.week] = fell
        if not week.decided or table.ended_in is not None or not alive:
            continue
        if len(survivors) == 1 and len(alive) > 1:
            table.ended_in, table.winners = week.week, sorted(survivors)
        elif not survivors:  # all who remained fell together: co-winners
            table.ended_in, table.winners = week.week, sorted(fell)
    if table.ended_in is None and table.weeks and all(w.decided for w in table.weeks):
        last = table.weeks[-1]
        if last.week.season_type == 3:  # the season played out with several alive: co-winners
            table.ended_in = last.week
            table.winners = sorted(e.entry_id for e in table.entries.values() if e.alive)


def week_outcome(table: SurvivorTable, week: Week) -> tuple[bool, list[int]]:
    """(decided, the entries that came through the week: alive after it, or all who fell in it if none did)."""
    info = next((w for w in table.weeks if w.week == week), None)
    if info is None or not info.decided:
        return False, []
    survivors = table.alive_after.get(week, set())
    return True, sorted(survivors or table.fallen_in.get(week, set()))


def entry_state(entry: Entry) -> SurvivorEntry | None:
    return survivor_table(entry.league).entries.get(entry.pk)


def favourite_of(game: Game) -> int:
    """The team ESPN's line favours; the home team on an even line or without one."""
    if game.spread is not None and game.spread > 0:
        return game.away_team_id
    return game.home_team_id


def auto_pick_missed_weeks(*, now: datetime) -> int:
    """Survivor leagues whose missed week picks the favourite: once a week's last game has locked, each
    entry alive without a pick that week gets the first favourite (in kickoff order) it has not used.

    A handful of queries per league and week, whatever the number of entries; the picks are then graded
    with their games (`grade_game(force=True)` for a game already graded).
    """
    from .grading import grade_game  # grading imports selectors, which this module's callers import first

    made = 0
    games_to_grade: set[int] = set()
    leagues = PickemLeague.objects.filter(
        pool_type=PoolType.SURVIVOR, survivor_missed_week=SurvivorMissedWeek.FAVOURITE
    )
    for league in leagues:
        table = survivor_table(league)
        # A game locks at kickoff or once ESPN says it started, whichever comes first (picks.locking).
        still_open = set(
            league_games(league).exclude(locked_q(now)).values_list("season_type", "week").distinct().order_by()
        )
        for week in table.weeks:
            if (week.week.season_type, week.week.number) in still_open:
                continue
            missing = [e for e in table.entries.values() if e.alive and week.week not in e.picks]
            if not missing:
                continue
            games = list(
                league_games(league)
                .filter(season_type=week.week.season_type, week=week.week.number)
                .exclude(phase__in=Phase.VOID)
                .order_by("kickoff", "espn_id")
            )
            used = defaultdict(set)
            for entry_id, team_id in Pick.objects.filter(entry_id__in=[e.entry_id for e in missing]).values_list(
                "entry_id", "team_id"
            ):
                used[entry_id].add(team_id)
            new = []
            for entry in missing:
                game = next((g for g in games if favourite_of(g) not in used[entry.entry_id]), None)
                if game is None:
                    continue
                new.append(
                    Pick(entry_id=entry.entry_id, game=game, team_id=favourite_of(game), season_type=game.season_type,
                         week=week.week.number, created_at=now, updated_at=now, auto=True)
                )  # fmt: skip
                games_to_grade.add(game.pk)
            with transaction.atomic():
                Pick.objects.bulk_create(new, ignore_conflicts=True)
            made += len(new)
    for game_id in sorted(games_to_grade):
        grade_game(game_id, now=now, force=True)
    return made
