"""A demo pick'em league for today's games, so standings move while the replay plays.

Idempotent: users, leagues, entries, picks and guesses are made only when missing; a
member's own picks are never overwritten. The replay serves recorded games from several
seasons, so there is one demo league per (ESPN league, season) among today's games,
each with different rules to show them all (the first also with a second entry for demo_ann),
and a survivor pool over the first of them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import cycle

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from games.live_state import eastern_day_bounds
from games.models import Game, Phase, espn_league_label

from .grading import freeze_lines_at_lock, grade_game
from .models import (
    PICKEM_ESPN_LEAGUES,
    ChangeSource,
    Entry,
    Pick,
    PickChange,
    PickemLeague,
    PoolType,
    ScoringMode,
    WeeklyTiebreaker,
)
from .weeks import Week

DEMO_MEMBERS = ("demo_ann", "demo_bob", "demo_cat", "demo_dan")
# Leaves each league's last game still to play unpicked, so the pick reminder has someone to email.
LATE_PICKER = "demo_dan"
DEMO_PASSWORD = "pickem-demo"  # noqa: S105 - printed by the command: demo accounts, not a secret
RULE_SETS = (  # (scoring, against the spread), one per demo league in turn
    (ScoringMode.STRAIGHT_UP, False),
    (ScoringMode.CONFIDENCE, False),
    (ScoringMode.STRAIGHT_UP, True),
    (ScoringMode.CONFIDENCE, True),
)


@dataclass
class DemoLeague:
    league: PickemLeague
    created: bool
    games: list[Game]
    picks_created: int = 0


@dataclass
class DemoResult:
    users_created: list[str] = field(default_factory=list)
    leagues: list[DemoLeague] = field(default_factory=list)


def todays_games(now: datetime) -> list[Game]:
    """Football games of today's US-Eastern date (as ESPN files them) or kicking off in the next day."""
    start, end = eastern_day_bounds(0, now)
    window = Q(kickoff__gte=start, kickoff__lt=end) | Q(kickoff__gte=now, kickoff__lt=now + timedelta(days=1))
    return list(
        Game.objects.filter(window, espn_league__in=[value for value, _ in PICKEM_ESPN_LEAGUES])
        .exclude(week=None)
        .select_related("season", "home_team", "away_team")
        .order_by("kickoff", "espn_id")
    )


def seed_demo_league(*, now: datetime | None = None, password: str = DEMO_PASSWORD) -> DemoResult:
    now = now or timezone.now()
    result = DemoResult()
    games = todays_games(now)
    if not games:
        return result
    users = demo_users(password, result)
    groups: dict[tuple[str, int], list[Game]] = defaultdict(list)
    for game in games:
        groups[(game.espn_league, game.season.year)].append(game)
    rules = cycle(RULE_SETS)
    for n, ((espn_league, year), group) in enumerate(sorted(groups.items())):
        scoring, against_spread = next(rules)
        with transaction.atomic():
            demo = demo_league(espn_league, year, scoring, against_spread, users, now=now)
            if n == 0:  # one league shows several entries per member
                second_entry(demo.league, users[0], now=now)
            demo.games = group
            demo.picks_created = demo_picks(demo.league, group, now=now)
        result.leagues.append(demo)
    (espn_league, year), group = sorted(groups.items())[0]
    with transaction.atomic():
        result.leagues.append(demo_survivor(espn_league, year, group, users, now=now))
    freeze_lines_at_lock(now=now)
    return result


def in_member_order(games: list[Game], name: str) -> list[Game]:
    """The games in a stable order of the member's own, so members favour different games."""
    return sorted(games, key=lambda g: hashlib.blake2b(f"{name}:{g.espn_id}".encode(), digest_size=4).digest())


def second_entry(league: PickemLeague, user, *, now: datetime) -> None:
    if league.entries_per_member < 2:
        league.entries_per_member = 2
        league.save(update_fields=["entries_per_member"])
    Entry.objects.get_or_create(
        league=league, name=f"{user.username} · long shots", defaults={"user": user, "joined_at": now}
    )


def demo_survivor(espn_league: str, year: int, games: list[Game], users: list, *, now: datetime) -> DemoLeague:
    """A survivor pool (two lives) over the same games: each member picks one team of the week."""
    league, created = PickemLeague.objects.get_or_create(
        name=f"Demo survivor · {espn_league_label(espn_league)} {year}",
        espn_league=espn_league,
        season_year=year,
        defaults={
            "commissioner": users[0],
            "pool_type": PoolType.SURVIVOR,
            "survivor_lives": 2,
            "created_at": now - timedelta(days=7),  # its weeks count from before today's games
        },
    )
    for user in users:
        Entry.objects.get_or_create(league=league, name=user.username, defaults={"joined_at": now, "user": user})
    entries = list(Entry.objects.active().filter(league=league).select_related("user"))
    picked = defaultdict(set)  # entry -> weeks with a pick
    used = defaultdict(set)  # entry -> teams used
    for entry_id, season_type, week_number, team_id in Pick.objects.filter(entry__in=entries).values_list(
        "entry_id", "season_type", "week", "team_id"
    ):
        picked[entry_id].add(Week(season_type, week_number))
        used[entry_id].add(team_id)
    new_picks, changes = [], []
    for entry in entries:
        for game in in_member_order(games, entry.name):
            week = Week.of_game(game)
            team = game.home_team if leans_home(entry.name, game) else game.away_team
            if week in picked[entry.pk] or team.pk in used[entry.pk]:
                continue
            picked[entry.pk].add(week)
            used[entry.pk].add(team.pk)
            new_picks.append(
                Pick(entry=entry, game=game, team=team, season_type=game.season_type, week=week.number,
                     created_at=now, updated_at=now)
            )  # fmt: skip
            changes.append(
                PickChange(entry=entry, changed_by=entry.user, changed_at=now, source=ChangeSource.DEMO, game=game,
                           season_type=game.season_type, week=week.number, new_team=team)
            )  # fmt: skip
    Pick.objects.bulk_create(new_picks, ignore_conflicts=True)
    PickChange.objects.bulk_create(changes)
    for game_id in {p.game_id for p in new_picks if p.game.phase in Phase.SETTLED}:
        grade_game(game_id, now=now, force=True)
    return DemoLeague(league=league, created=created, games=games, picks_created=len(new_picks))


def demo_users(password: str, result: DemoResult) -> list:
    User = get_user_model()
    users = []
    for username in DEMO_MEMBERS:
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.invalid"})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            result.users_created.append(username)
        users.append(user)
    return users


def demo_league(
    espn_league: str, year: int, scoring: str, against_spread: bool, users: list, *, now: datetime
) -> DemoLeague:
    name = f"Demo pick'em · {espn_league_label(espn_league)} {year}"
    league, created = PickemLeague.objects.get_or_create(
        name=name,
        espn_league=espn_league,
        season_year=year,
        defaults={
            "commissioner": users[0],
            "scoring": scoring,
            "against_spread": against_spread,
            "created_at": now,
        },
    )
    for user in users:
        Entry.objects.get_or_create(league=league, name=user.username, defaults={"joined_at": now, "user": user})
    return DemoLeague(league=league, created=created, games=[])


def leans_home(username: str, game: Game) -> bool:
    """A stable coin toss per member and game, so that members disagree and standings spread."""
    digest = hashlib.blake2b(f"{username}:{game.espn_id}".encode(), digest_size=2).digest()
    return digest[0] % 2 == 0


def demo_picks(league: PickemLeague, games: list[Game], *, now: datetime) -> int:
    """Picks for every member on every game that has none yet (locked or not: it is a demo)."""
    entries = list(Entry.objects.active().filter(league=league).select_related("user"))
    existing = {
        (p.entry_id, p.game_id): p
        for p in Pick.objects.filter(entry__in=entries, game__in=games).only("entry_id", "game_id")
    }
    used_weights: dict[tuple[int, Week], set[int]] = defaultdict(set)
    if league.uses_confidence:
        for entry_id, season_type, week_number, weight in Pick.objects.filter(entry__in=entries).values_list(
            "entry_id", "season_type", "week", "confidence"
        ):
            if weight:
                used_weights[(entry_id, Week(season_type, week_number))].add(weight)
    week_sizes = games_per_week(league, games)
    still_open = [g for g in games if g.phase == Phase.SCHEDULED and g.kickoff > now]
    left_for_later = max(still_open, key=lambda g: (g.kickoff, g.espn_id)) if still_open else None
    new_picks, changes = [], []
    for entry in entries:
        for game in games:
            if (entry.pk, game.pk) in existing:
                continue
            if entry.user.username == LATE_PICKER and game == left_for_later:
                continue
            week = Week.of_game(game)
            weight = None
            if league.uses_confidence:
                weight = free_weight(used_weights[(entry.pk, week)], week_sizes[week], entry.user.username, game)
                if weight is None:
                    continue
                used_weights[(entry.pk, week)].add(weight)
            team = game.home_team if leans_home(entry.name, game) else game.away_team
            new_picks.append(
                Pick(
                    entry=entry, game=game, team=team, confidence=weight,
                    season_type=game.season_type, week=week.number, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            changes.append(
                PickChange(
                    entry=entry, changed_by=entry.user, changed_at=now, source=ChangeSource.DEMO, game=game,
                    season_type=game.season_type, week=week.number, new_team=team, new_confidence=weight,
                )
            )  # fmt: skip
    Pick.objects.bulk_create(new_picks, ignore_conflicts=True)
    PickChange.objects.bulk_create(changes)
    demo_guesses(entries, games, now=now)
    for game_id in {p.game_id for p in new_picks if p.game.phase in Phase.SETTLED}:
        grade_game(game_id, now=now, force=True)  # a game already over when seeded: grade the new picks
    return len(new_picks)


def games_per_week(league: PickemLeague, games: list[Game]) -> dict[Week, int]:
    from .selectors import league_games

    weeks = {Week.of_game(g) for g in games}
    sizes = {}
    for week in weeks:
        sizes[week] = league_games(league).filter(season_type=week.season_type, week=week.number).count()
    return sizes


def free_weight(used: set[int], size: int, username: str, game: Game) -> int | None:
    free = [w for w in range(1, size + 1) if w not in used]
    if not free:
        return None
    digest = hashlib.blake2b(f"{username}:{game.espn_id}:w".encode(), digest_size=2).digest()
    return free[digest[0] % len(free)]


def demo_guesses(entries: list[Entry], games: list[Game], *, now: datetime) -> None:
    weeks = {Week.of_game(g) for g in games}
    for entry in entries:
        for week in weeks:
            digest = hashlib.blake2b(f"{entry.user.username}:{week.slug}".encode(), digest_size=2).digest()
            WeeklyTiebreaker.objects.get_or_create(
                entry=entry,
                season_type=week.season_type,
                week=week.number,
                defaults={"guess": 30 + digest[0] % 31, "updated_at": now},
            )
