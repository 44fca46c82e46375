"""Pick reminders: when and to whom, at most once, unsubscribing, the commissioner's view, a real SMTP server."""

from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from picks.models import PickReminder, ReminderOptOut
from picks.reminders import send_reminders, unsubscribe_url
from picks.tasks import send_pick_reminders
from picks.weeks import Week
from tests.concurrently import run_at_once

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user

WEEK1 = Week(2, 1)
FIRST_KICKOFF = NOW + timedelta(hours=5)


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://picks.example"
    settings.PICK_REMINDER_LEAD_MINUTES = 120


def week_with_members():
    """ann picked everything; bob one of two games; cat nothing; dan nothing but has no email; eve opted out."""
    commissioner = make_user("boss")
    commissioner.email = ""
    commissioner.save()
    league = make_league(commissioner)
    early = make_game(home="EH", away="EA", kickoff=FIRST_KICKOFF)
    late = make_game(home="LH", away="LA", kickoff=FIRST_KICKOFF + timedelta(hours=3))
    members = {}
    for name in ("ann", "bob", "cat", "dan", "eve"):
        user = make_user(name)
        user.email = "" if name == "dan" else f"{name}@example.com"
        user.save()
        members[name] = entry_of(league, user)
    make_pick(members["ann"], early), make_pick(members["ann"], late), make_pick(members["bob"], early)
    ReminderOptOut.objects.create(league=league, user=members["eve"].user)
    return league, members


@pytest.mark.django_db
def test_reminders_go_out_once_the_lead_time_before_the_first_lock_to_members_with_picks_missing():
    league, _ = week_with_members()
    with time_machine.travel(FIRST_KICKOFF - timedelta(hours=2, minutes=1), tick=False):
        assert send_pick_reminders() == {"sent": 0, "already_reminded": 0, "failed": 0}
    assert mail.outbox == []
    with time_machine.travel(FIRST_KICKOFF - timedelta(hours=1, minutes=59), tick=False):
        assert send_pick_reminders()["sent"] == 2
        assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.com", "cat@example.com"]
        bob = next(m for m in mail.outbox if m.to == ["bob@example.com"])
        assert "You still have 1 game to pick in Sunday friends for Week 1." in bob.body
        assert bob.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert bob.extra_headers["List-Unsubscribe"].startswith("<https://picks.example/picks/unsubscribe/")
        # The next tick, and the commissioner's "send now": nobody twice.
        assert send_pick_reminders() == {"sent": 0, "already_reminded": 2, "failed": 0}
        assert send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1)).sent == 0
    assert len(mail.outbox) == 2
    assert PickReminder.objects.filter(sent_at__isnull=False).count() == 2
    with time_machine.travel(FIRST_KICKOFF + timedelta(minutes=1), tick=False):
        assert send_pick_reminders()["sent"] == 0  # the week has started: too late to remind


def test_the_beat_schedule_runs_the_reminders():
    entry = django_settings.CELERY_BEAT_SCHEDULE["pick-reminders"]
    assert entry["task"] == "picks.tasks.send_pick_reminders"


@pytest.mark.django_db
def test_a_failed_send_is_recorded_and_not_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    league, _ = week_with_members()
    result = send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1))
    assert (result.sent, result.failed) == (0, 2)
    assert all(r.error and r.sent_at is None for r in PickReminder.objects.all())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(minutes=30)).sent == 0


@pytest.mark.django_db
def test_unsubscribe_link_asks_on_get_and_unsubscribes_on_post_without_login(client):
    league, members = week_with_members()
    url = unsubscribe_url(league.pk, members["cat"].user_id).removeprefix("https://picks.example")
    page = client.get(url)
    assert page.status_code == 200 and b"Unsubscribe</button>" in page.content
    assert not ReminderOptOut.objects.filter(user=members["cat"].user).exists()  # a link scanner changes nothing
    client.post(url)
    assert ReminderOptOut.objects.filter(league=league, user=members["cat"].user).exists()
    send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1))
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


@pytest.mark.django_db
def test_one_click_unsubscribe_per_rfc_8058_and_bad_tokens(client):
    league, members = week_with_members()
    url = unsubscribe_url(league.pk, members["bob"].user_id).removeprefix("https://picks.example")
    strict = client.__class__(enforce_csrf_checks=True)  # a mail client has no CSRF token
    response = strict.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert ReminderOptOut.objects.filter(league=league, user=members["bob"].user).exists()
    assert client.get(url[:-3] + "xyz/").status_code == 400
    assert client.post("/picks/unsubscribe/not-a-token/").status_code == 400


@pytest.mark.django_db
def test_a_member_turns_reminders_off_and_on_from_the_league_page(client):
    league, members = week_with_members()
    client.force_login(members["cat"].user)
    assert b"Turn reminders off" in client.get(f"/picks/leagues/{league.pk}/").content
    client.post(f"/picks/leagues/{league.pk}/reminders/", {"reminders": "off"})
    assert ReminderOptOut.objects.filter(league=league, user=members["cat"].user).exists()
    assert b"Turn reminders on" in client.get(f"/picks/leagues/{league.pk}/").content
    client.post(f"/picks/leagues/{league.pk}/reminders/", {"reminders": "on"})
    assert not ReminderOptOut.objects.filter(league=league, user=members["cat"].user).exists()


@pytest.mark.django_db
def test_the_commissioner_sees_who_has_not_picked_and_sends_the_reminder_now(client):
    league, members = week_with_members()
    with time_machine.travel(NOW, tick=False):  # hours before the lead time: only "send now" sends
        client.force_login(league.commissioner)
        page = client.get(f"/picks/leagues/{league.pk}/").content.decode()
        assert "bob: 1 game to pick" in page and "cat: 2 games to pick" in page and "ann:" not in page
        assert "dan: 2 games to pick · no email address" in page and "eve: 2 games to pick · reminders off" in page
        client.post(f"/picks/leagues/{league.pk}/remind/")
        assert len(mail.outbox) == 2
        assert "cat: 2 games to pick · reminded" in client.get(f"/picks/leagues/{league.pk}/").content.decode()

        api = APIClient()
        api.force_authenticate(league.commissioner)
        body = api.post(f"/api/picks/leagues/{league.pk}/reminders/").json()
        assert (body["sent"], body["already_reminded"]) == (0, 2)
        assert {m["username"]: m["missing"] for m in body["members"]} == {
            "bob": 1,
            "boss": 2,
            "cat": 2,
            "dan": 2,
            "eve": 2,
        }
        member = APIClient()
        member.force_authenticate(members["bob"].user)
        assert member.get(f"/api/picks/leagues/{league.pk}/reminders/").status_code == 403
        client.force_login(members["bob"].user)
        assert client.post(f"/picks/leagues/{league.pk}/remind/").status_code == 403
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers: run with DATABASE_URL=postgres://..."
)
def test_two_workers_claiming_at_once_send_each_reminder_once():
    league, _ = week_with_members()
    results = run_at_once([lambda: send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1))] * 2)
    assert sum(r.sent for r in results) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.com", "cat@example.com"]
    assert PickReminder.objects.count() == 2


@pytest.mark.django_db
def test_end_to_end_through_a_real_smtp_server(settings):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=9951)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.DEFAULT_FROM_EMAIL = "Pick'em <picks@picks.example>"
        league, _ = week_with_members()
        assert send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1)).sent == 2
    finally:
        controller.stop()
    received = {rcpt[0]: message for rcpt, message in inbox.messages}
    assert sorted(received) == ["bob@example.com", "cat@example.com"]
    message = received["cat@example.com"]
    assert message["Subject"] == "Sunday friends: make your Week 1 picks"
    assert message["From"] == "Pick'em <picks@picks.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "You still have 2 games to pick" in message.get_payload(decode=True).decode()


@pytest.mark.django_db
def test_sending_takes_as_many_queries_for_30_members_as_for_3():
    from django.test.utils import CaptureQueriesContext

    def queries(members: int) -> int:
        league = make_league(make_user(f"boss{members}"))
        make_game(home=f"H{members}", away=f"A{members}", kickoff=FIRST_KICKOFF)
        for n in range(members):
            user = make_user(f"q{members}-{n}")
            user.email = f"q{members}-{n}@example.com"
            user.save()
            entry_of(league, user)
        with CaptureQueriesContext(connection) as captured:
            assert send_reminders(league, WEEK1, now=NOW).sent == members
        return len(captured)

    assert queries(30) == queries(3)


@pytest.mark.django_db
def test_a_survivor_pool_reminds_only_entries_still_alive_without_the_weeks_one_pick(client):
    from picks import leagues
    from picks.grading import grade_game

    from .factories import set_result

    boss = make_user("boss")
    league = leagues.league_create(
        commissioner=boss, name="Last one standing", espn_league="football/nfl", season_year=2025,
        pool_type="survivor", now=NOW - timedelta(days=30),
    )  # fmt: skip
    members = {}
    for name in ("ann", "bob", "cat"):
        user = make_user(name)
        user.email = f"{name}@example.com"
        user.save()
        members[name] = entry_of(league, user)
    played = make_game(home="KC", away="BAL", week=1, kickoff=NOW - timedelta(days=3))
    make_pick(members["ann"], played, "home"), make_pick(members["bob"], played, "home")
    make_pick(members["cat"], played, "away")  # BAL loses: cat falls (the commissioner, who missed it, too)
    set_result(played, home_score=27, away_score=20)
    grade_game(played.pk, now=NOW)
    week2 = Week(2, 2)
    early = make_game(home="DEN", away="LV", week=2, kickoff=FIRST_KICKOFF)
    make_game(home="PHI", away="DAL", week=2, kickoff=FIRST_KICKOFF + timedelta(hours=3))
    make_pick(members["ann"], early, "home")  # her one pick of the week: nothing left to make

    with time_machine.travel(NOW, tick=False):
        client.force_login(boss)
        page = client.get(f"/picks/leagues/{league.pk}/?week=regular-2").content.decode()
        assert "bob: no team picked" in page and "ann:" not in page and "cat:" not in page and "boss:" not in page
        assert send_reminders(league, week2, now=NOW).sent == 1
    (message,) = mail.outbox
    assert message.to == ["bob@example.com"]
    assert "You have not picked your team in Last one standing for Week 2 yet." in message.body


@pytest.mark.django_db
def test_a_member_signs_up_with_an_email_address_or_gives_one_on_the_league_page(client):
    from django.contrib.auth import get_user_model

    password = "a-long pass phrase"
    client.post(
        "/accounts/signup/",
        {"username": "dora", "email": "dora@example.com", "password1": password, "password2": password},
    )
    assert get_user_model().objects.get(username="dora").email == "dora@example.com"

    league, members = week_with_members()  # dan has no address: reminders cannot reach him
    dan = members["dan"].user
    client.force_login(dan)
    page = client.get(f"/picks/leagues/{league.pk}/").content.decode()
    assert "your account has no address" in page and 'name="email"' in page
    client.post(f"/picks/leagues/{league.pk}/reminders/", {"email": "not an address"})
    dan.refresh_from_db()
    assert dan.email == ""
    assert "Enter a valid email address." in client.get(f"/picks/leagues/{league.pk}/").content.decode()
    client.post(f"/picks/leagues/{league.pk}/reminders/", {"email": "dan@example.com"})
    dan.refresh_from_db()
    assert dan.email == "dan@example.com"
    assert "Turn reminders off" in client.get(f"/picks/leagues/{league.pk}/").content.decode()
    send_reminders(league, WEEK1, now=FIRST_KICKOFF - timedelta(hours=1))
    assert ["dan@example.com"] in [m.to for m in mail.outbox]
