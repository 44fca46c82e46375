"""Whole-system runs: the ESPN replay in this process, real Celery worker and beat processes, real Redis.

`e2e_system(config)` starts, for one test:

- the replay server in a thread of the test process, on a free port, with a clock that stands at
  the replay's origin until `system.replay.kick_off()` (so the games can be polled in and picks
  made while every game is still scheduled, without racing the clock);
- `celery worker` (prefork, two processes) and `celery beat` (the app's own DatabaseScheduler) as
  real subprocesses, each in its own process group, on the test database (pytest-django's, which
  this test reaches with `transaction=True` so the processes see what it commits) and on the Redis
  of `settings.REDIS_URL` (the embedded one `make test` starts, or the machine's).

The processes poll every second (POLL_LIVE_SECONDS=1, POLL_TICK_SECONDS=1) with short timeouts and
a quick breaker reset, so that faults cost seconds, not minutes. At teardown each process group
gets SIGTERM, then SIGKILL if it is still there; the replay server is shut down. Logs go to the
test's tmp_path and their tails are shown when a wait times out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.redis_client import cache_redis
from espn.replay import ReplayConfig, ReplayServer, make_server

REPO = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 10


class HeldClock:
    """Replay time that stands at `origin` until `release()`, then runs at `speed` replay seconds per second."""

    def __init__(self, origin: datetime, speed: float) -> None:
        self.origin = origin
        self.speed = speed
        self._released_at: float | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._released_at is None:
                return self.origin
            return self.origin + timedelta(seconds=(time.monotonic() - self._released_at) * self.speed)

    def release(self) -> None:
        with self._lock:
            if self._released_at is None:
                self._released_at = time.monotonic()


@dataclass
class RunningReplay:
    server: ReplayServer
    clock: HeldClock

    @property
    def url(self) -> str:
        """What ESPN_BASE_URL takes: the client appends /apis/site/v2/sports/..."""
        return self.server.url

    def kick_off(self) -> None:
        self.clock.release()

    def elapsed(self) -> float:
        """Replay seconds since the origin."""
        return (self.clock.now() - self.clock.origin).total_seconds()

    def status(self) -> dict:
        """The replay's own report, as /replay/status serves it (read in-process: it is never faulted)."""
        return self.server.replay.status()

    def real_seconds_to_last_final(self) -> float:
        last_final = max(game.final_at for game in self.server.replay.games)
        return (last_final - self.clock.now()).total_seconds() / self.clock.speed


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def launch(self) -> None:
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv, cwd=self.log_path.parent, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])


@dataclass
class System:
    replay: RunningReplay
    processes: list[Process] = field(default_factory=list)

    def check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}")

    def restart(self, name: str, *, down_until: Callable[[], bool], timeout: float) -> None:
        """Kill a process (its whole group, as a crash or a deploy would), keep it down until `down_until()`."""
        process = next(p for p in self.processes if p.name == name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=STOP_GRACE_SECONDS)
        deadline = time.monotonic() + timeout
        while not down_until():
            if time.monotonic() > deadline:
                pytest.fail(f"{name} was to stay down until a condition that did not come in {timeout:.0f}s")
            time.sleep(0.2)  # a whole-system wait loop, not a test of timing
        process.launch()

    def logs(self) -> str:
        return "\n\n".join(f"--- {p.name} ({p.log_path}) ---\n{p.tail()}" for p in self.processes)

    def wait_for(self, what: str, predicate: Callable[[], bool], timeout: float, every: float = 0.2) -> None:
        """Wait until `predicate()` holds, at most `timeout` seconds; fail with the processes' logs."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.check_alive()
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{self.logs()}")
            time.sleep(every)  # a whole-system wait loop, not a test of timing


def database_url(settings_dict: dict) -> str:
    """The URL of the database this test process is connected to (the test database), for the subprocesses."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:"):
            pytest.skip("e2e tests need an SQLite file that other processes can open")
        return f"sqlite:///{name}"
    if engine.startswith("django.db.backends.postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}"
    pytest.skip(f"e2e tests know how to share SQLite and PostgreSQL test databases, not {engine}")


def process_env(replay_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("POLL_", "ESPN_", "SUMMARY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        ESPN_BASE_URL=replay_url,
        ESPN_LEAGUES="football/nfl,football/college-football?groups=80",
        POLL_LIVE_SECONDS="1",
        POLL_IDLE_SECONDS="1",
        POLL_OFFSEASON_SECONDS="5",
        POLL_TICK_SECONDS="1",
        SUMMARY_WATCHED_SECONDS="1",
        SUMMARY_UNWATCHED_SECONDS="2",  # a game lasts 30 s here: a few fetches of each
        SUMMARY_MAX_PER_MINUTE="600",
        ESPN_CONNECT_TIMEOUT="1.0",
        ESPN_READ_TIMEOUT="1.0",  # a hanging ("timeout" fault) request costs a second
        ESPN_MAX_RETRIES="1",
        ESPN_BREAKER_RESET_SECONDS="3",  # an outage's open breaker tries again soon after
        LOG_LEVEL="INFO",
    )
    return env


def celery_commands(run_id: str) -> dict[str, list[str]]:
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    return {
        "worker": [
            *celery, "worker", "--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"e2e-{run_id}@%h",
        ],
        # The app's own scheduler (settings: django_celery_beat's DatabaseScheduler, schedule in the
        # test database); named here so that the test says which one it runs.
        "beat": [
            *celery, "beat", "--loglevel", "INFO",
            "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
        ],
    }  # fmt: skip


def stop(process: Process) -> None:
    if process.popen.poll() is not None:
        return
    try:
        os.killpg(process.popen.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.popen.wait(timeout=STOP_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):  # the group too: prefork children left behind
        os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait(timeout=STOP_GRACE_SECONDS)


def clean_redis() -> None:
    """Empty this project's two Redis databases (broker and cache); never FLUSHALL a shared server."""
    cache_redis().flushdb()
    broker = redis.Redis.from_url(settings.REDIS_BROKER_URL, socket_timeout=2)
    try:
        broker.flushdb()
    finally:
        broker.close()


@pytest.fixture
def e2e_system(transactional_db, tmp_path) -> Iterator[Callable[[ReplayConfig], System]]:
    """`e2e_system(ReplayConfig(...))` starts the replay (held at its origin), the worker and beat."""
    started: list[System] = []
    threads: list[threading.Thread] = []

    def start(config: ReplayConfig) -> System:
        clean_redis()
        origin = config.start or datetime.now(UTC).replace(microsecond=0)
        clock = HeldClock(origin, config.speed)
        server = make_server("127.0.0.1", 0, replace(config, start=origin), clock)
        thread = threading.Thread(target=server.serve_forever, name="espn-replay", daemon=True)
        thread.start()
        threads.append(thread)
        system = System(replay=RunningReplay(server, clock))
        started.append(system)
        env = process_env(server.url)
        run_id = f"{os.getpid()}-{len(started)}"
        for name, argv in celery_commands(run_id).items():
            process = Process(name, None, tmp_path / f"{name}.log", argv=argv, env=env)
            process.launch()
            system.processes.append(process)
        return system

    yield start

    for system in started:
        for process in system.processes:
            stop(process)
        system.replay.server.shutdown()
        system.replay.server.server_close()
    for thread in threads:
        thread.join(timeout=5)
    clean_redis()
