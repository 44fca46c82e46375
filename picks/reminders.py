"""Pick reminders: an email to each member who still has picks to make, before the week's first lock.

- When: PICK_REMINDER_LEAD_MINUTES (default 120) before the first kickoff of a league's week; the
  beat task `send_pick_reminders` looks every minute. The commissioner can also send them now.
- Whom: members with an active entry missing a pick on a game still open, with an email address,
  who have not turned reminders off for the league (their setting, or the unsubscribe link).
- At most once per member, league and week, whoever sends it (beat or commissioner) and however
  many workers run: each reminder is claimed by inserting its row under a unique constraint
  (INSERT ... ON CONFLICT DO NOTHING) with the sender's own claim token; only rows carrying that
  token are sent. A send that fails is recorded on the row and not retried (at most once).
- Unsubscribe: a signed link per member and league (no login needed; GET asks, POST unsubscribes),
  also offered as RFC 8058 one-click (List-Unsubscribe and List-Unsubscribe-Post headers).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count, Min, Q
from django.urls import reverse

from games.models import Phase

from .models import PICKEM_ESPN_LEAGUES, Entry, PickemLeague, PickReminder, ReminderOptOut
from .selectors import league_games
from .survivor import survivor_table
from .weeks import Week

log = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "picks.reminders.unsubscribe"
WEEK_SPAN = timedelta(days=10)  # a week's games all fall within this (bounds the scan for due weeks)


# --------------------------------------------------------------------------- unsubscribe links


def unsubscribe_token(league_id: int, user_id: int) -> str:
    return signing.dumps([league_id, user_id], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(league id, user id), or None for a token that was not signed here."""
    try:
        league_id, user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(league_id), int(user_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe_url(league_id: int, user_id: int) -> str:
    return settings.SITE_URL + reverse("picks:unsubscribe", args=[unsubscribe_token(league_id, user_id)])


def set_reminders(league: PickemLeague, user, *, enabled: bool) -> None:
    if enabled:
        ReminderOptOut.objects.filter(league=league, user=user).delete()
    else:
        ReminderOptOut.objects.get_or_create(league=league, user=user)


def reminders_enabled(league: PickemLeague, user) -> bool:
    return not ReminderOptOut.objects.filter(league=league, user=user).exists()


# --------------------------------------------------------------------------- who has not picked


@dataclass
class MissingPicker:
    user_id: int
    username: str
    email: str
    missing: int  # picks still to make on open games (the most over the member's entries)
    reminded_at: datetime | None  # when this week's reminder was claimed (sent or not)
    opted_out: bool

    @property
    def has_email(self) -> bool:
        return bool(self.email)

    @property
    def can_be_reminded(self) -> bool:
        return bool(self.email) and not self.opted_out and self.reminded_at is None


def open_game_ids(league: PickemLeague, week: Week, now: datetime) -> list[int]:
    """The week's games still taking picks."""
    games = league_games(league).filter(season_type=week.season_type, week=week.number)
    return list(games.filter(kickoff__gt=now, phase=Phase.SCHEDULED).values_list("pk", flat=True))


def missing_pickers(league: PickemLeague, week: Week, now: datetime) -> list[MissingPicker]:
    """Members with an entry missing picks on the week's open games (a survivor pool: an entry still alive
    without the week's one pick, while a game is open), in a constant number of queries whatever their number."""
    open_ids = open_game_ids(league, week, now)
    if not open_ids:
        return []
    if league.is_survivor:
        entries = survivor_entries_to_pick(league, week)
    else:
        picked = (
            Entry.objects.active()
            .filter(league=league)
            .annotate(picked=Count("picks", filter=Q(picks__game_id__in=open_ids)))
            .filter(picked__lt=len(open_ids))
            .values_list("user_id", "user__username", "user__email", "picked")
        )
        entries = [(user_id, name, email, len(open_ids) - count) for user_id, name, email, count in picked]
    reminded = dict(
        PickReminder.objects.filter(league=league, season_type=week.season_type, week=week.number).values_list(
            "user_id", "claimed_at"
        )
    )
    opted_out = set(ReminderOptOut.objects.filter(league=league).values_list("user_id", flat=True))
    found: dict[int, MissingPicker] = {}
    for user_id, username, email, missing in entries:
        if user_id in found:  # several entries: the one missing most
            found[user_id].missing = max(found[user_id].missing, missing)
            continue
        found[user_id] = MissingPicker(
            user_id, username, email, missing, reminded.get(user_id), opted_out=user_id in opted_out
        )
    return sorted(found.values(), key=lambda p: p.username.lower())


def survivor_entries_to_pick(league: PickemLeague, week: Week) -> list[tuple[int, str, str, int]]:
    """Survivor: an entry picks one team a week, so one still alive with no pick in the week has one to make."""
    alive = {entry_id for entry_id, entry in survivor_table(league).entries.items() if entry.alive}
    rows = (
        Entry.objects.active()
        .filter(league=league, pk__in=alive)
        .exclude(picks__season_type=week.season_type, picks__week=week.number)
        .values_list("user_id", "user__username", "user__email")
    )
    return [(user_id, username, email, 1) for user_id, username, email in rows]


# --------------------------------------------------------------------------- sending


@dataclass
class ReminderResult:
    sent: int = 0
    already_reminded: int = 0  # claimed before (by beat, the commissioner or another worker)
    failed: int = 0


def send_reminders(league: PickemLeague, week: Week, *, now: datetime) -> ReminderResult:
    """Remind this week's members with picks missing, each at most once (see the module)."""
    pickers = missing_pickers(league, week, now)
    result = ReminderResult(already_reminded=sum(1 for p in pickers if p.reminded_at is not None))
    wanted = [p for p in pickers if p.can_be_reminded]
    if not wanted:
        return result
    claim = uuid.uuid4().hex
    PickReminder.objects.bulk_create(
        [
            PickReminder(
                league=league,
                user_id=p.user_id,
                season_type=week.season_type,
                week=week.number,
                claim=claim,
                claimed_at=now,
            )
            for p in wanted
        ],
        ignore_conflicts=True,  # claimed by someone else meanwhile: theirs to send
    )
    claimed = set(PickReminder.objects.filter(claim=claim).values_list("user_id", flat=True))
    result.already_reminded += len(wanted) - len(claimed)
    mine = [p for p in wanted if p.user_id in claimed]
    if not mine:
        return result
    first_lock = first_kickoff(league, week)
    messages = [reminder_message(league, week, picker, first_lock) for picker in mine]
    try:
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except Exception as exc:  # the SMTP server refused or is away: recorded, not retried (at most once)
        log.warning("pick reminders failed league=%s week=%s", league.pk, week, exc_info=True)
        PickReminder.objects.filter(claim=claim).update(error=str(exc)[:200])
        result.failed = len(mine)
        return result
    PickReminder.objects.filter(claim=claim).update(sent_at=now)
    result.sent = sent
    log.info("pick reminders sent league=%s week=%s count=%s", league.pk, week, sent)
    return result


def first_kickoff(league: PickemLeague, week: Week) -> datetime | None:
    games = league_games(league).filter(season_type=week.season_type, week=week.number)
    return games.aggregate(first=Min("kickoff"))["first"]


def reminder_message(league: PickemLeague, week: Week, picker: MissingPicker, first_lock) -> EmailMessage:
    label = week.label(league.espn_league)
    unsubscribe = unsubscribe_url(league.pk, picker.user_id)
    picks_url = f"{settings.SITE_URL}{reverse('picks:my_picks')}?league={league.pk}&week={week.slug}"
    games = "game" if picker.missing == 1 else "games"
    lock = f" The first game locks at {first_lock:%a %d %b %H:%M} UTC." if first_lock else ""
    to_do = (
        f"You have not picked your team in {league.name} for {label} yet."
        if league.is_survivor
        else f"You still have {picker.missing} {games} to pick in {league.name} for {label}."
    )
    body = (
        f"Hi {picker.username},\n\n"
        f"{to_do}{lock}\n\n"
        f"Make your picks: {picks_url}\n\n"
        f"No more reminders from this league: {unsubscribe}\n"
    )
    return EmailMessage(
        subject=f"{league.name}: make your {label} picks",
        body=body,
        to=[picker.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def due_league_weeks(now: datetime, lead: timedelta) -> list[tuple[PickemLeague, Week]]:
    """The leagues' weeks whose first kickoff is within `lead` from now (and still ahead)."""
    from games.models import Game

    weeks = (
        Game.objects.filter(
            espn_league__in=[value for value, _ in PICKEM_ESPN_LEAGUES],
            kickoff__gt=now - WEEK_SPAN,
            kickoff__lte=now + lead + WEEK_SPAN,
        )
        .exclude(week=None)
        .values("espn_league", "season__year", "season_type", "week")
        .annotate(first=Min("kickoff"))
        .filter(first__gt=now, first__lte=now + lead)
        .order_by()
    )
    wanted: dict[tuple[str, int], list[Week]] = {(w["espn_league"], w["season__year"]): [] for w in weeks}
    for w in weeks:
        wanted[(w["espn_league"], w["season__year"])].append(Week(w["season_type"], w["week"]))
    if not wanted:
        return []
    leagues = PickemLeague.objects.filter(
        Q(*[Q(espn_league=espn, season_year=year) for espn, year in wanted], _connector=Q.OR)
    )
    return [(league, week) for league in leagues for week in wanted[(league.espn_league, league.season_year)]]


def send_due_reminders(*, now: datetime) -> ReminderResult:
    total = ReminderResult()
    lead = timedelta(minutes=settings.PICK_REMINDER_LEAD_MINUTES)
    for league, week in due_league_weeks(now, lead):
        result = send_reminders(league, week, now=now)
        total.sent += result.sent
        total.already_reminded += result.already_reminded
        total.failed += result.failed
    return total
