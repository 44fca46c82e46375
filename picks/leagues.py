"""League management: creating and joining leagues, members' entries, the rules, the commissioner's actions.

Every rule is checked here, before anything is written: a rejected call changes nothing. The
membership and commissioner checks the pages and API make are here too (`require_member`,
`require_commissioner`, `require_own_entry`).
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as dt_time

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .errors import Conflict, NotAllowed, PickemError, TooLate
from .locking import locked_q
from .models import (
    MAX_DROPPED_WEEKS,
    MAX_ENTRIES_PER_MEMBER,
    MAX_SURVIVOR_LIVES,
    PICKEM_ESPN_LEAGUES,
    Entry,
    LineLock,
    MissedPicks,
    Pick,
    PickemLeague,
    PoolType,
    PostponedGames,
    ScoringMode,
    SurvivorAllOut,
    SurvivorMissedWeek,
    Weekday,
    new_invite_code,
)
from .selectors import is_commissioner, league_games, member_entries


class RulesFrozen(TooLate):
    """A rule change after the season's first lock: too late (409), naming the rule."""

    code = "season_started"


# --------------------------------------------------------------------------- league rules

# The rules a commissioner chooses before the season; none of them may change once a game has locked.
RULE_FIELDS = (
    "pool_type",
    "scoring",
    "against_spread",
    "entries_per_member",
    "missed_picks",
    "line_lock",
    "line_weekday",
    "line_time",
    "postponed_games",
    "drop_lowest_weeks",
    "survivor_lives",
    "survivor_tie_costs_life",
    "survivor_buyback_until_week",
    "survivor_missed_week",
    "survivor_all_out",
)
CHOICE_RULES = {
    "pool_type": PoolType,
    "scoring": ScoringMode,
    "missed_picks": MissedPicks,
    "line_lock": LineLock,
    "line_weekday": Weekday,
    "postponed_games": PostponedGames,
    "survivor_missed_week": SurvivorMissedWeek,
    "survivor_all_out": SurvivorAllOut,
}
RANGE_RULES = {
    "entries_per_member": (1, MAX_ENTRIES_PER_MEMBER),
    "drop_lowest_weeks": (0, MAX_DROPPED_WEEKS),
    "survivor_lives": (1, MAX_SURVIVOR_LIVES),
    "survivor_buyback_until_week": (1, 25),
}


def rule_error(field_name: str, message: str) -> PickemError:
    return PickemError(message, code=f"{field_name}_invalid", field=field_name)


def clean_rules(rules: dict, *, current: dict) -> dict:
    """The rules after applying `rules` to `current`, checked one by one and together."""
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise rule_error(name, f"{name} is not a league rule.")
    merged = {**current, **{k: v for k, v in rules.items()}}
    for name, choices in CHOICE_RULES.items():
        if merged[name] not in choices.values:
            allowed = ", ".join(str(v) for v in choices.values)
            raise rule_error(name, f"{name} must be one of: {allowed}.")
    for name, (low, high) in RANGE_RULES.items():
        value = merged[name]
        if value is None and name == "survivor_buyback_until_week":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise rule_error(name, f"{name} must be a whole number from {low} to {high}.")
    for name in ("against_spread", "survivor_tie_costs_life"):
        if not isinstance(merged[name], bool):
            raise rule_error(name, f"{name} is true or false.")
    if not isinstance(merged["line_time"], dt_time):
        raise rule_error("line_time", "line_time is a time of day, e.g. 12:00.")
    if merged["pool_type"] == PoolType.SURVIVOR:
        # A survivor pick is a team to win outright, one a week: the pick'em scoring rules do not apply.
        for name, plain in (
            ("scoring", ScoringMode.STRAIGHT_UP),
            ("against_spread", False),
            ("missed_picks", MissedPicks.NONE),
            ("line_lock", LineLock.KICKOFF),
            ("drop_lowest_weeks", 0),
        ):
            if merged[name] != plain:
                raise rule_error(name, f"A survivor pool has no {name.replace('_', ' ')} rule: leave it at {plain}.")
    return merged


def current_rules(league: PickemLeague | None = None) -> dict:
    """The league's rules (a new league's defaults without one)."""
    if league is None:
        return {f.name: f.get_default() for f in PickemLeague._meta.concrete_fields if f.name in RULE_FIELDS}
    return {name: getattr(league, name) for name in RULE_FIELDS}


# --------------------------------------------------------------------------- leagues and members


def league_create(
    *,
    commissioner: User,
    name: str,
    espn_league: str,
    season_year: int,
    now: datetime | None = None,
    **rules: object,
) -> PickemLeague:
    """A new pick'em league; its commissioner is its first member. `rules`: see RULE_FIELDS."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise PickemError("Give the league a name.", code="name_required", field="name")
    if espn_league not in dict(PICKEM_ESPN_LEAGUES):
        raise PickemError(
            "A pick'em league follows the NFL or college football.", code="espn_league_unknown", field="espn_league"
        )
    if not 2000 <= season_year <= now.year + 1:
        raise PickemError(
            f"Choose a season between 2000 and {now.year + 1}.", code="season_out_of_range", field="season_year"
        )
    if rules.get("scoring", ScoringMode.STRAIGHT_UP) not in ScoringMode.values:
        raise PickemError("Scoring is straight up or confidence points.", code="scoring_unknown", field="scoring")
    cleaned = clean_rules(rules, current=current_rules())
    with transaction.atomic():
        league = PickemLeague.objects.create(
            name=name,
            espn_league=espn_league,
            season_year=season_year,
            commissioner=commissioner,
            created_at=now,
            **cleaned,
        )
        Entry.objects.create(league=league, user=commissioner, name=commissioner.get_username(), joined_at=now)
    return league


def league_join(*, user: User, invite_code: str, now: datetime | None = None) -> tuple[Entry, bool]:
    """Join with an invite code; (entry, created). Joining twice is harmless."""
    now = now or timezone.now()
    league = PickemLeague.objects.filter(invite_code=(invite_code or "").strip()).first()
    if league is None:
        raise PickemError(
            "No pick'em league has that invite code. Check the link, or ask the commissioner for a new one.",
            code="invalid_invite_code",
        )
    with transaction.atomic():
        entries = list(Entry.objects.select_for_update().filter(league=league, user=user).order_by("pk"))
        if any(e.removed_at is not None for e in entries):
            raise NotAllowed("The commissioner removed you from this league.", code="removed_member")
        if entries:
            return entries[0], False
        name = free_entry_name(league, user.get_username())
        return Entry.objects.create(league=league, user=user, name=name, joined_at=now), True


MAX_ENTRY_NAME = 40


def free_entry_name(league: PickemLeague, base: str) -> str:
    """`base`, or `base 2`, `base 3`... : the first name no entry of the league has."""
    base = base[: MAX_ENTRY_NAME - 4]
    taken = set(Entry.objects.filter(league=league, name__startswith=base).values_list("name", flat=True))
    if base not in taken:
        return base
    return next(f"{base} {n}" for n in range(2, len(taken) + 3) if f"{base} {n}" not in taken)


def entry_add(*, league: PickemLeague, user: User, name: str, now: datetime | None = None) -> Entry:
    """Another entry for a member, up to the league's entries per member; each has its own name."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > MAX_ENTRY_NAME:
        raise PickemError(
            f"Give the entry a name of 1 to {MAX_ENTRY_NAME} characters.", code="name_invalid", field="name"
        )
    with transaction.atomic():
        mine = list(Entry.objects.select_for_update().filter(league=league, user=user))
        if not mine:
            raise NotAllowed("Join the league first.", code="not_a_member")
        if any(e.removed_at is not None for e in mine):
            raise NotAllowed("The commissioner removed you from this league.", code="removed_member")
        if len(mine) >= league.entries_per_member:
            raise Conflict(
                f"This league allows {league.entries_per_member} entr{'ies' if league.entries_per_member > 1 else 'y'}"
                " per member.",
                code="too_many_entries",
                field="name",
            )
        if Entry.objects.filter(league=league, name=name).exists():
            raise PickemError(f"An entry of this league is already named {name}.", code="name_taken", field="name")
        return Entry.objects.create(league=league, user=user, name=name, joined_at=now)


def entry_buy_back(*, entry: Entry, user: User, now: datetime | None = None) -> Entry:
    """Survivor: an eliminated entry buys one life back, once, up to the league's buy-back week."""
    from .selectors import current_week
    from .survivor import entry_state

    now = now or timezone.now()
    require_own_entry(entry, user)
    league = entry.league
    if not league.is_survivor or league.survivor_buyback_until_week is None:
        raise Conflict("This league has no buy-back.", code="no_buyback")
    week = current_week(league, now)
    if week is None or week.season_type != 2 or week.number > league.survivor_buyback_until_week:
        raise TooLate(f"Buy-backs ended after week {league.survivor_buyback_until_week}.", code="buyback_closed")
    state = entry_state(entry)
    if state is None or state.alive:
        raise Conflict(f"{entry.name} is still alive: nothing to buy back.", code="still_alive")
    claimed = Entry.objects.filter(pk=entry.pk, buybacks=0).update(buybacks=1)
    if not claimed:
        raise Conflict(f"{entry.name} has already bought back in once.", code="bought_back")
    entry.buybacks = 1
    return entry


def league_started(league: PickemLeague, *, now: datetime) -> bool:
    """The season has started once any of its games has locked."""
    return league_games(league).filter(locked_q(now)).exists()


def require_commissioner(league: PickemLeague, user: User) -> None:
    if not is_commissioner(league, user):
        raise NotAllowed("Only the league's commissioner can do that.", code="not_commissioner")


def require_member(league: PickemLeague, user: User) -> Entry:
    """The member's first active entry in `league`; NotAllowed when they have none."""
    entries = member_entries(league, user)
    if not entries:
        raise NotAllowed("You are not a member of this league.", code="not_a_member")
    return entries[0]


def league_update_settings(
    *,
    league: PickemLeague,
    user: User,
    name: str | None = None,
    now: datetime | None = None,
    **rules: object,
) -> list[str]:
    """Rename any time; change the rules (RULE_FIELDS) only before the first lock. Returns the fields changed."""
    now = now or timezone.now()
    require_commissioner(league, user)
    changes: dict[str, object] = {}
    if name is not None and name.strip() != league.name:
        if not name.strip():
            raise PickemError("Give the league a name.", code="name_required", field="name")
        changes["name"] = name.strip()
    rules = {key: value for key, value in rules.items() if value is not None or key == "survivor_buyback_until_week"}
    if rules.get("scoring", league.scoring) not in ScoringMode.values:
        raise PickemError("Scoring is straight up or confidence points.", code="scoring_unknown", field="scoring")
    current = current_rules(league)
    cleaned = clean_rules(rules, current=current)
    rule_changes = [key for key in RULE_FIELDS if cleaned[key] != current[key]]
    if rule_changes and league_started(league, now=now):
        field_name = rule_changes[0]
        raise RulesFrozen(
            f"The season has started: {field_name.replace('_', ' ')} can no longer change.", field=field_name
        )
    changes.update({key: cleaned[key] for key in rule_changes})
    if not changes:
        return []
    with transaction.atomic():
        for attribute, value in changes.items():
            setattr(league, attribute, value)
        league.save(update_fields=list(changes))
        if changes.get("scoring") == ScoringMode.STRAIGHT_UP:
            # Weights mean nothing straight up; a league switched back to confidence asks for them again.
            Pick.objects.filter(entry__league=league).update(confidence=None)
    return list(changes)


def league_new_invite_code(*, league: PickemLeague, user: User) -> str:
    """A fresh invite code: the old link stops working."""
    require_commissioner(league, user)
    league.invite_code = new_invite_code()
    league.save(update_fields=["invite_code"])
    return league.invite_code


def member_remove(*, league: PickemLeague, entry_id: int, user: User, now: datetime | None = None) -> Entry:
    """The commissioner removes a member: out of the standings, no more picks; history kept."""
    now = now or timezone.now()
    require_commissioner(league, user)
    entry = Entry.objects.select_related("user").filter(pk=entry_id, league=league).first()
    if entry is None:
        raise PickemError("That person is not a member of this league.", code="not_a_member")
    if entry.user_id == league.commissioner_id:
        raise PickemError("The commissioner cannot remove themselves.", code="commissioner_stays")
    if entry.removed_at is None:
        # A member leaves with all their entries.
        Entry.objects.active().filter(league=league, user_id=entry.user_id).update(removed_at=now)
        entry.removed_at = now
    return entry


def require_own_entry(entry: Entry, user: User) -> None:
    if entry.user_id != user.pk:
        raise NotAllowed("That entry belongs to another member: you can only pick for yourself.", code="not_your_entry")
    if entry.removed_at is not None:
        raise NotAllowed("The commissioner removed you from this league.", code="removed_member")
