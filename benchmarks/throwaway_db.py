"""What the PostgreSQL benchmarks share: a throwaway database created, migrated and dropped around
the run, Django set up on it, and a timer that counts the queries of a block.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.split(":", 1)[0] in ("postgres", "postgresql", "pgsql") else None


def admin_connection(url: str):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def create_database(url: str, name: str) -> str:
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    query = url.split("?", 1)[1] if "?" in url.rsplit("/", 1)[-1] else ""
    return f"{base}/{name}" + (f"?{query}" if query else "")


def drop_database(url: str, name: str) -> None:
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # no collectstatic here
    os.environ["DATABASE_URL"] = database_url
    os.environ["STATIC_MANIFEST"] = "false"  # pages render {% static %} without collectstatic
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("picks.grading").setLevel(logging.WARNING)  # one line per graded game is noise here
    logging.getLogger("django.request").setLevel(logging.ERROR)


@contextmanager
def django_on_throwaway_database(url: str, name: str, *, keep: bool = False) -> Iterator[None]:
    """Create `name` beside the database of `url`, set Django up on it and migrate; drop it after."""
    bench_url = create_database(url, name)
    print(f"throwaway database {name}")
    try:
        setup_django(bench_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(url, name)
            print(f"\ndropped {name}")


class Timer:
    """Wall time and SQL queries of a block."""

    def __init__(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.capture = CaptureQueriesContext(connection)
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self.capture.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        self.capture.__exit__(*exc)

    @property
    def queries(self) -> int:
        return len(self.capture.captured_queries)
