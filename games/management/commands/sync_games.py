from django.core.management.base import BaseCommand, CommandError

from config.logging import errors_only_below_verbosity
from espn.client import EspnError
from games.sync import SyncStep, parse_dates, sync_games


class Command(BaseCommand):
    help = "Load games from ESPN for a season, a week or some days. Safe to run twice. -v 2: with logs."

    def add_arguments(self, parser):
        parser.add_argument("--league", default="football/nfl", help="ESPN sport/league, e.g. football/nfl")
        parser.add_argument("--season", type=int, help="season year, e.g. 2025")
        parser.add_argument("--week", type=int, help="one week of the season")
        parser.add_argument("--season-type", type=int, default=2, choices=[1, 2, 3], help="1 pre, 2 regular, 3 post")
        parser.add_argument("--dates", help="YYYYMMDD, a comma list, or a range YYYYMMDD-YYYYMMDD")

    def handle(self, *args, league, season, week, season_type, dates, verbosity: int, **options):
        if week is not None and season is None:
            raise CommandError("--week needs --season")
        try:
            days = parse_dates(dates) if dates else None
        except ValueError as exc:
            raise CommandError(f"--dates: {exc}") from None

        def report(step: SyncStep) -> None:
            self.stdout.write(f"{step.label}: {step.seen} games, {step.changed} changed")

        try:
            with errors_only_below_verbosity(verbosity):
                steps = sync_games(
                    espn_league=league,
                    season=season,
                    week=week,
                    season_type=season_type,
                    days=days,
                    on_step=report,
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except EspnError as exc:
            raise CommandError(f"ESPN failed: {exc} (asked {exc.url})") from None
        total_seen = sum(s.seen for s in steps)
        total_changed = sum(s.changed for s in steps)
        self.stdout.write(self.style.SUCCESS(f"done: {total_seen} games seen, {total_changed} changed"))
