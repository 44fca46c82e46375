from django.core.management.base import BaseCommand, CommandError

from games.models import Game
from picks.grading import freeze_lines_at_lock, grade_game, grade_missed_games


class Command(BaseCommand):
    help = (
        "Grade picks: by default, freeze the lines of games that locked and grade every settled game whose "
        "grading is missing or stale. With --game, (re)grade that one game."
    )

    def add_arguments(self, parser):
        parser.add_argument("--game", metavar="ESPN_ID", help="grade this game only")
        parser.add_argument("--force", action="store_true", help="regrade even if already graded on this result")

    def handle(self, *args, game: str | None, force: bool, **options):
        if game:
            pk = Game.objects.filter(espn_id=game).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(f"no game with ESPN id {game}")
            results = [grade_game(pk, force=force)]
        else:
            frozen = freeze_lines_at_lock()
            self.stdout.write(f"lines frozen: {frozen}")
            results = grade_missed_games()
        for result in results:
            outcome = (
                f"skipped ({result.skipped})" if result.skipped else f"{result.outcome}, {result.picks_graded} pick(s)"
            )
            self.stdout.write(f"game {result.game_id}: {outcome}")
        if not results:
            self.stdout.write("nothing to grade")
