"""Pick'em pages: thin views over `selectors`, `standings`, `leagues` and `submission`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.query_params import BadQuery, page_query
from games.models import Phase

from . import leagues, reminders, submission
from .chance import ChoiceError, week_chances
from .errors import NotAllowed, PickemError
from .forms import (
    JoinForm,
    LeagueForm,
    LeagueSettingsForm,
    ReminderEmailForm,
    SignupForm,
    SurvivorPickForm,
    WeekPicksForm,
)
from .locking import is_locked
from .models import ChangeSource, Entry, PickChange, PickemLeague
from .presenters import board_rows, saved_message, survivor_context, tiebreak_text, week_context
from .queries import AuditQuery, LeagueQuery, MyPicksQuery, outcome_param, read_week
from .selectors import (
    current_week,
    is_commissioner,
    league_score_corrections,
    league_weeks,
    member_entries,
    picks_grid,
    user_entries,
    week_board,
)
from .standings import season_standings, week_standings
from .weeks import Week

STANDINGS_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100


class SignedInRequest(HttpRequest):
    """A request `login_required` has let through: its user is signed in, never anonymous."""

    user: User


# --------------------------------------------------------------------------- accounts


class PicksLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "picks:my_picks")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Create a league or join one with its invite link.")
        return redirect(next_url or "picks:my_picks")
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- my picks


def chosen_entry(entries: list[Entry], query: dict) -> Entry:
    """?entry= if it is one of mine, else my entry in ?league=, else my first."""
    return (
        next((e for e in entries if e.pk == query.get("entry")), None)
        or next((e for e in entries if e.league_id == query.get("league")), None)
        or entries[0]
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@page_query(MyPicksQuery)
def my_picks(request: SignedInRequest, query: dict) -> HttpResponse:
    now = timezone.now()
    entries = user_entries(request.user)
    if not entries:
        return render(request, "picks/no_leagues.html", {"join_form": JoinForm()})
    entry = chosen_entry(entries, query)
    week = read_week(query, entry.league, now)
    context = {"entries": entries, "entry": entry, "league": entry.league, "week": week}
    if week is None:
        return render(request, "picks/my_picks.html", context)
    board = week_board(entry, week, now=now)
    form_class = SurvivorPickForm if entry.league.is_survivor else WeekPicksForm
    form = form_class(board, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = submission.submit_picks(
                    user=request.user, entry=entry, picks=form.pick_inputs(),
                    tiebreaker=form.tiebreaker_input(), now=now, source=ChangeSource.WEB,
                )  # fmt: skip
            except submission.PicksRejected as exc:
                for problem in exc.problems:
                    form.add_error(form.field_for_problem(problem.game_id), problem.message)
                messages.error(request, exc.message)
                status = exc.status
            except PickemError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, saved_message(result))
                return redirect(f"{reverse('picks:my_picks')}?entry={entry.pk}&week={week.slug}")
        else:
            messages.error(request, "Nothing was saved: see the messages by the games below.")
            status = 400
    context.update(
        board=board,
        form=form,
        rows=board_rows(board, form),
        survivor=survivor_context(board, form) if isinstance(form, SurvivorPickForm) else None,
        has_live=any(row.game.phase == Phase.LIVE for row in board.rows),
        # Every game (and the tiebreaker) locked: nothing the button could save.
        can_save=any(not field.disabled for field in form.fields.values()),
        refresh_seconds=refresh_seconds(),
        **week_context(entry.league, week, board.weeks),
    )
    return render(request, "picks/my_picks.html", context, status=status)


def refresh_seconds() -> int:
    """How often the pages re-read a live game's state: as often as the poller can change it."""
    return max(1, settings.POLL_LIVE_SECONDS)


# --------------------------------------------------------------------------- leagues


def not_a_member(request: HttpRequest, league: PickemLeague) -> HttpResponse:
    return render(request, "picks/not_member.html", {"league": league, "join_form": JoinForm()}, status=403)


def not_the_commissioner(request: HttpRequest, league: PickemLeague) -> HttpResponse:
    return render(request, "picks/forbidden.html", {"league": league, "reason": "commissioner"}, status=403)


@login_required
@page_query(LeagueQuery)
def league_detail(request: SignedInRequest, league_id: int, query: dict) -> HttpResponse:
    now = timezone.now()
    league = get_object_or_404(PickemLeague.objects.select_related("commissioner"), pk=league_id)
    my_entries = member_entries(league, request.user)
    if not my_entries:
        return not_a_member(request, league)
    entry = my_entries[0]
    my_entry_ids = {e.pk for e in my_entries}
    view = query["view"]
    week = read_week(query, league, now)
    season = view == "season" or week is None
    standings = season_standings(league) if season or week is None else week_standings(league, week)
    paginator = Paginator(standings.rows, STANDINGS_PAGE_SIZE)
    page_number = query.get("page") or page_of(standings.rows, entry.pk)
    standings_page = paginator.get_page(page_number)
    weeks = league_weeks(league)
    revealed = standings.tiebreak is not None and is_locked(standings.tiebreak, now)
    for row in standings_page.object_list:
        row.tiebreak_text = tiebreak_text(row, season=season, revealed=revealed or row.entry_id in my_entry_ids)
    # Pick'em only, as in the API: a survivor entry's chance is to survive the week (its own column).
    chances = week_chances(league, week) if week is not None and not league.is_survivor else None
    what_if = what_if_chances(league, week, chances, query["outcomes"]) if chances and week and not season else None
    if chances:
        chance_of = {row.entry_id: row for row in chances.rows}
        for row in standings_page.object_list:
            found = chance_of.get(row.entry_id)
            row.chance_week = found.week if found and not season else None
            row.chance_season = found.season if found else None
    grid = None
    if week is not None and not season:
        members = [(row.entry_id, row.username, row.entry_name) for row in standings_page.object_list]
        grid = picks_grid(league, week, members, viewer_entry_ids=my_entry_ids, now=now, games=standings.games)
    context = {
        "league": league,
        "entry": entry,
        "view": view,
        "week": week,
        "weeks": weeks,
        "standings": standings,
        **week_context(league, week, weeks),
        "standings_page": standings_page,
        "my_row": standings.row_for(entry.pk),
        "my_entry_ids": my_entry_ids,
        "my_entries": my_entries,
        "can_add_entry": len(my_entries) < league.entries_per_member,
        "buyback_entries": buyback_entries(league, my_entries, standings, now),
        "grid": grid,
        "chances": chances,
        # The week view shows the chance to win the week; the season view the season's, in its last week.
        "show_chance": chances is not None and (view == "week" or chances.season_decided_this_week),
        "what_if": what_if,
        "refresh_seconds": refresh_seconds(),
        "idle_seconds": max(1, settings.POLL_IDLE_SECONDS),  # a week still to play: looked at this often
        "is_commissioner": is_commissioner(league, request.user),
        "reminders_on": reminders.reminders_enabled(league, request.user),
        "missing_pickers": reminders.missing_pickers(league, week, now)
        if week is not None and is_commissioner(league, request.user)
        else None,
        "invite_url": request.build_absolute_uri(reverse("picks:join_code", args=[league.invite_code])),
    }
    return render(request, "picks/league_detail.html", context)


def buyback_entries(league: PickemLeague, my_entries: list[Entry], standings, now) -> list[Entry]:
    """My eliminated entries that may still buy back in (survivor, before the buy-back week is over)."""
    if not league.is_survivor or league.survivor_buyback_until_week is None:
        return []
    week = current_week(league, now)
    if week is None or week.season_type != 2 or week.number > league.survivor_buyback_until_week:
        return []
    out = {row.entry_id for row in standings.rows if row.alive is False}
    return [e for e in my_entries if e.pk in out and e.buybacks == 0]


@login_required
@require_POST
def buy_back(request: SignedInRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.select_related("league"), pk=entry_id)
    try:
        leagues.entry_buy_back(entry=entry, user=request.user)
    except PickemError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{entry.name} is back in with one life.")
    return redirect("picks:league", league_id=entry.league_id)


def what_if_chances(league: PickemLeague, week: Week, chances, chosen: dict[int, str]) -> dict:
    """The "what if" form's games, and (when outcomes were chosen: the page without JavaScript) the result."""
    try:
        result = week_chances(league, week, chosen=chosen) if chosen else None
    except ChoiceError as exc:  # a game not of this week, or settled since the form was shown
        raise BadQuery({outcome_param(exc.field.removeprefix("outcomes.")): [str(exc)]}) from None
    games = [
        {
            "game": game,
            "chosen": chosen.get(game.pk, ""),
            "home_pct": round(100 * chances.home_pick_wins[game.pk]),
            "away_pct": 100 - round(100 * chances.home_pick_wins[game.pk]),
        }
        for game in chances.open_games
    ]
    return {"games": games, "result": result}


def page_of(rows, entry_id: int) -> int:
    """The standings page a member finds themselves on."""
    for position, row in enumerate(rows):
        if row.entry_id == entry_id:
            return position // STANDINGS_PAGE_SIZE + 1
    return 1


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def league_create(request: SignedInRequest) -> HttpResponse:
    form = LeagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            league = leagues.league_create(commissioner=request.user, **form.service_arguments())
        except PickemError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{league.name} is ready: share the invite link with your friends.")
            return redirect("picks:league", league_id=league.pk)
    return render(request, "picks/league_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def league_settings(request: SignedInRequest, league_id: int) -> HttpResponse:
    now = timezone.now()
    league = get_object_or_404(PickemLeague, pk=league_id)
    if not is_commissioner(league, request.user):
        return not_the_commissioner(request, league)
    rules_locked = leagues.league_started(league, now=now)
    initial = {"name": league.name, **leagues.current_rules(league)}
    form = LeagueSettingsForm(request.POST or None, initial=initial, rules_locked=rules_locked)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = leagues.league_update_settings(
                    league=league, user=request.user, now=now, **form.service_arguments()
                )
            except PickemError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                messages.success(request, "Settings saved." if changed else "No changes to save.")
                return redirect("picks:league_settings", league_id=league.pk)
        else:
            status = 400
    members = (
        Entry.objects.filter(league=league).select_related("user").order_by("removed_at", "user__username", "name")
    )
    context = {
        "league": league,
        "form": form,
        "rules_locked": rules_locked,
        "members": members,
        "invite_url": request.build_absolute_uri(reverse("picks:join_code", args=[league.invite_code])),
    }
    return render(request, "picks/league_settings.html", context, status=status)


@login_required
@require_POST
def member_remove(request: SignedInRequest, league_id: int, entry_id: int) -> HttpResponse:
    league = get_object_or_404(PickemLeague, pk=league_id)
    try:
        entry = leagues.member_remove(league=league, entry_id=entry_id, user=request.user)
    except PickemError as exc:
        messages.error(request, exc.message)
        if exc.status == 403:
            return not_the_commissioner(request, league)
    else:
        messages.success(request, f"{entry.user.username} is no longer a member of {league.name}.")
    return redirect("picks:league_settings", league_id=league.pk)


@login_required
@require_POST
def invite_reset(request: SignedInRequest, league_id: int) -> HttpResponse:
    league = get_object_or_404(PickemLeague, pk=league_id)
    try:
        leagues.league_new_invite_code(league=league, user=request.user)
    except NotAllowed:  # only the commissioner may
        return not_the_commissioner(request, league)
    messages.success(request, "New invite link made: the old one no longer works.")
    return redirect("picks:league_settings", league_id=league.pk)


@login_required
@page_query(AuditQuery)
def league_audit(request: SignedInRequest, league_id: int, query: dict) -> HttpResponse:
    league = get_object_or_404(PickemLeague, pk=league_id)
    if not is_commissioner(league, request.user):
        return not_the_commissioner(request, league)
    changes = (
        PickChange.objects.filter(entry__league=league)
        .select_related("entry__user", "changed_by", "game", "old_team", "new_team")
        .order_by("-changed_at", "-pk")
    )
    audit_page = Paginator(changes, AUDIT_PAGE_SIZE).get_page(query.get("page"))
    context = {"league": league, "audit_page": audit_page, "corrections": league_score_corrections(league)}
    return render(request, "picks/audit.html", context)


@login_required
@require_POST
def entry_add(request: SignedInRequest, league_id: int) -> HttpResponse:
    league = get_object_or_404(PickemLeague, pk=league_id)
    try:
        entry = leagues.entry_add(league=league, user=request.user, name=request.POST.get("name", ""))
    except PickemError as exc:
        messages.error(request, exc.message)
        return redirect("picks:league", league_id=league.pk)
    messages.success(request, f"Entry {entry.name} added: make its picks.")
    return redirect(f"{reverse('picks:my_picks')}?entry={entry.pk}")


# --------------------------------------------------------------------------- joining


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: SignedInRequest, code: str = "") -> HttpResponse:
    if request.method == "POST":
        form = JoinForm(request.POST)
    else:
        form = JoinForm(initial={"invite_code": code} if code else None)
    league = PickemLeague.objects.filter(invite_code=code).first() if code else None
    status, invalid_link = 200, False
    if code and league is None and request.method != "POST":
        invalid_link, status = True, 404
    if request.method == "POST":
        if form.is_valid():
            try:
                entry, created = leagues.league_join(user=request.user, invite_code=form.cleaned_data["invite_code"])
            except PickemError as exc:
                form.add_error("invite_code", exc.message)
                status = exc.status
            else:
                league = entry.league
                messages.success(request, f"Welcome to {league.name}!" if created else f"You are in {league.name}.")
                return redirect(f"{reverse('picks:my_picks')}?league={league.pk}")
        else:
            status = 400
    context = {"form": form, "league": league, "code": code, "invalid_link": invalid_link}
    return render(request, "picks/join.html", context, status=status)


# --------------------------------------------------------------------------- reminders


@login_required
@require_POST
def league_reminders(request: SignedInRequest, league_id: int) -> HttpResponse:
    """A member turns this league's pick reminders on or off."""
    league = get_object_or_404(PickemLeague, pk=league_id)
    if not member_entries(league, request.user):
        return not_a_member(request, league)
    if "email" in request.POST:  # a member without an address gives one: reminders cannot reach them otherwise
        form = ReminderEmailForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter a valid email address.")
            return redirect("picks:league", league_id=league.pk)
        request.user.email = form.cleaned_data["email"]
        request.user.save(update_fields=["email"])
        messages.success(request, f"Pick reminders go to {request.user.email}.")
        return redirect("picks:league", league_id=league.pk)
    enabled = request.POST.get("reminders") == "on"
    reminders.set_reminders(league, request.user, enabled=enabled)
    messages.success(request, "Pick reminders are on." if enabled else "Pick reminders are off for this league.")
    return redirect("picks:league", league_id=league.pk)


@login_required
@require_POST
def league_remind_now(request: SignedInRequest, league_id: int) -> HttpResponse:
    """The commissioner reminds this week's members with picks missing (each at most once a week)."""
    now = timezone.now()
    league = get_object_or_404(PickemLeague, pk=league_id)
    if not is_commissioner(league, request.user):
        return not_the_commissioner(request, league)
    week = current_week(league, now)
    result = reminders.send_reminders(league, week, now=now) if week else reminders.ReminderResult()
    text = f"Reminders sent: {result.sent}."
    if result.already_reminded:
        text += f" Already reminded this week: {result.already_reminded}."
    if result.failed:
        text += f" Could not be sent: {result.failed}."
    messages.success(request, text)
    return redirect("picks:league", league_id=league.pk)


class UnsubscribeView(APIView):
    """The link in a reminder: GET asks (mail scanners follow links; they must not unsubscribe
    anyone), POST unsubscribes, also RFC 8058's one-click POST from a mail client.

    The signed token is the only credential: no session is read (no authentication classes), so
    there is nothing for CSRF to protect and a mail client's bare POST works.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, token: str) -> HttpResponse:
        return self.answer(request, token, unsubscribe=False)

    @extend_schema(exclude=True)
    def post(self, request, token: str) -> HttpResponse:
        return self.answer(request, token, unsubscribe=True)

    def answer(self, request, token: str, *, unsubscribe: bool) -> HttpResponse:
        found = reminders.read_unsubscribe_token(token)
        league = PickemLeague.objects.filter(pk=found[0]).first() if found else None
        user = get_user_model().objects.filter(pk=found[1]).first() if found else None
        if league is None or user is None:
            return render(request, "picks/unsubscribe.html", {"invalid": True}, status=400)
        if unsubscribe:
            reminders.set_reminders(league, user, enabled=False)
        return render(request, "picks/unsubscribe.html", {"league": league, "member": user, "done": unsubscribe})
