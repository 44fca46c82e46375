import time

from django.core.management.base import BaseCommand
from django.urls import reverse

from picks.demo import DEMO_MEMBERS, DEMO_PASSWORD, seed_demo_league


class Command(BaseCommand):
    help = (
        "Create demo pick'em leagues (one per ESPN league and season among today's games) with a few "
        "members and their picks. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of newly created demo users")
        parser.add_argument(
            "--wait", type=int, default=0, metavar="SECONDS",
            help="wait up to this long for the first poll to bring today's games in",
        )  # fmt: skip

    def handle(self, *args, password: str, wait: int, **options):
        deadline = time.monotonic() + wait
        result = seed_demo_league(password=password)
        while not result.leagues and time.monotonic() < deadline:
            time.sleep(2)  # a command waiting for the poller, not a test
            result = seed_demo_league(password=password)
        if not result.leagues:
            self.stdout.write(
                self.style.WARNING("No NFL or college football games today in the database: poll ESPN first.")
            )
            return
        for demo in result.leagues:
            league = demo.league
            state = "created" if demo.created else "already there"
            self.stdout.write(
                f"{league.name} ({state}): {league.rules_summary}, {len(demo.games)} game(s) today, "
                f"{demo.picks_created} new pick(s). Page {reverse('picks:league', args=[league.pk])}, "
                f"invite {reverse('picks:join_code', args=[league.invite_code])}"
            )
        created = f" (created: {', '.join(result.users_created)})" if result.users_created else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo members {', '.join(DEMO_MEMBERS)}{created}; password of new demo users: {password}"
            )
        )
