from django.core.management.base import BaseCommand, CommandError

from config.logging import errors_only_below_verbosity
from games.polling import poll_scoreboards


class Command(BaseCommand):
    help = "Poll ESPN once now (forced: ignores the polling interval) and report what changed (-v 2: with logs)."

    def handle(self, *args, verbosity: int, **options):
        try:
            with errors_only_below_verbosity(verbosity):
                result = poll_scoreboards(force=True)
        except Exception as exc:
            raise CommandError(f"poll failed: {exc.__class__.__name__}: {exc}") from None
        if result.skipped:
            raise CommandError(f"poll did not run: {result.skipped}")
        ingest = result.ingest
        self.stdout.write(
            f"games seen: {len(ingest.seen)}, changed: {len(ingest.changed)}, "
            f"gone final: {len(ingest.went_final)}, ESPN requests: {result.requests}, "
            f"took {result.duration_seconds:.2f}s"
        )
        if result.state:
            self.stdout.write(f"next poll in {result.state.interval_seconds}s ({result.state.reason})")
        if result.errors:
            raise CommandError("ESPN failed: " + "; ".join(result.errors))
