"""Benchmark the event streams (`make bench`): fan-out to 1,000 and 10,000 clients, and freshness.

Fan-out:
1. a throwaway SQLite database and its own embedded Redis; NFL week 1 2022 (recorded ESPN JSON)
   ingested on today's date and published as a poll does;
2. the web as the Procfile runs it (gunicorn, uvicorn workers, config/gunicorn.conf.py) on a
   free loopback port, 2 workers;
3. N clients (asyncio, one process, on this same 2-core machine) open GET /api/games/live/stream/
   and read their snapshot; then one poll's change (a score) is ingested and published, and every
   client's receipt of its `games` event is timed. Printed: publish-to-receipt latency p50/p95/max
   over all clients (from just before the poll's publish call, which also renders the feed), the
   web processes' memory per connection (RSS growth / N), their CPU seconds per 1,000 deliveries,
   and the clients dropped (closed by the server, or counted by the web's drop counter).
   The open-files limit is raised (soft to hard, hard to 1,048,576 when running as root): one
   file per connection on each side.

Freshness: the ESPN replay (four recorded games at 60x), a real Celery worker and beat at the
default live cadence (POLL_LIVE_SECONDS 4, beat tick 2 s), the same web, one stream client. The
replay's state is sampled every 50 ms in this process to note when each score first appears at
"ESPN"; the client notes when that score reaches it. p50/p95 over every score change seen.

    .venv/bin/python benchmarks/bench_streams.py [--clients 1000,10000] [--skip-freshness]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGETS = {"clients": 10_000, "p95_fanout_s": 1.0, "dropped": 0, "p95_freshness_s": 5.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_open_files(wanted: int = 1_048_576) -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0 and hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- the system


def start_redis(port: int) -> subprocess.Popen:
    from devtools import embedded_redis

    return embedded_redis.start(port)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_and_publish(score: tuple[int, int] | None = None):
    """NFL week 1 2022 on today's date, ingested and published as a poll does."""
    import dataclasses as dc

    from django.utils import timezone

    from config.redis_client import cache_redis
    from espn.parsing import parse_scoreboard
    from games import live_state
    from games.ingest import ingest_snapshots
    from games.polling import PollResult, publish_after_poll
    from tests.espn_fixtures import load_fixture

    data = load_fixture("nfl/scoreboard-2022-wk01-20220911-live-mixed.json")
    if score is not None:
        event = next(e for e in data["events"] if e["id"] == "401437650")
        for competitor in event["competitions"][0]["competitors"]:
            competitor["score"] = str(score[0] if competitor["homeAway"] == "home" else score[1])
    now = timezone.now()
    day_start, _ = live_state.eastern_day_bounds(0, now)
    games = parse_scoreboard(data, "football/nfl").games
    first = min(g.kickoff for g in games)
    snapshots = [dc.replace(g, kickoff=day_start + timedelta(minutes=1) + (g.kickoff - first)) for g in games]
    result = ingest_snapshots(snapshots, now=now)
    started = time.time()
    publish_after_poll(PollResult(started_at=now, ingest=result), cache_redis(), now)
    return started


def start_web(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    web_env = {**env, "PORT": str(port), "WEB_HOST": "127.0.0.1", "WEB_CONCURRENCY": "2"}
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603
        [gunicorn, "-c", "config/gunicorn.conf.py", "config.asgi"],
        cwd=REPO, env=web_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/?checks=redis", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the web did not start:\n{log_path.read_text()[-2000:]}") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def web_processes(web: subprocess.Popen):
    import psutil

    return [psutil.Process(web.pid), *psutil.Process(web.pid).children(recursive=True)]


def rss_and_cpu(processes) -> tuple[int, float]:
    import psutil

    rss = cpu = 0
    for process in processes:
        try:
            rss += process.memory_info().rss
            times = process.cpu_times()
            cpu += times.user + times.system
        except psutil.Error:  # a process gone is no figure
            continue
    return rss, cpu


# --------------------------------------------------------------------------- fan-out clients


@dataclasses.dataclass
class Client:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    received_at: float | None = None
    closed: bool = False


REQUEST = b"GET /api/games/live/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"


async def connect(port: int, semaphore: asyncio.Semaphore) -> Client:
    async with semaphore:
        for attempt in range(20):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
                writer.write(REQUEST)
                await reader.readuntil(b"event: snapshot")
                await reader.readuntil(b"\n\n")
                return Client(reader, writer)
            except (OSError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.1 * (attempt + 1))  # backlog full under the connect burst: retry
        raise SystemExit("a client could not connect 20 times")


async def wait_for_games(client: Client) -> None:
    try:
        while True:
            line = await client.reader.readline()
            if not line:
                client.closed = True
                return
            if line.startswith(b"event: games"):
                client.received_at = time.time()
                await client.reader.readuntil(b"\n\n")
                return
    except (OSError, asyncio.IncompleteReadError):
        client.closed = True


def dropped_counter(port: int) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60).read().decode()
    except OSError:
        return float("nan")
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("scores_stream_clients_dropped_total{")
    )


def fanout(port: int, count: int, web: subprocess.Popen, score: tuple[int, int]) -> dict:
    import uvloop

    processes = web_processes(web)

    async def run() -> dict:
        rss_before, _ = rss_and_cpu(processes)
        semaphore = asyncio.Semaphore(200)
        started = time.monotonic()
        clients = await asyncio.gather(*(connect(port, semaphore) for _ in range(count)))
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(1.0)  # let the web settle after the burst
        rss_after, cpu_before = rss_and_cpu(processes)
        waiting = [asyncio.ensure_future(wait_for_games(client)) for client in clients]
        published_at = await asyncio.to_thread(seed_and_publish, score)
        await asyncio.wait(waiting, timeout=60)
        _, cpu_after = rss_and_cpu(processes)
        latencies = [c.received_at - published_at for c in clients if c.received_at is not None]
        missing = sum(1 for c in clients if c.received_at is None)
        closed = sum(1 for c in clients if c.closed)
        for client in clients:
            client.writer.close()
        return {
            "clients": count,
            "connect_seconds": connect_seconds,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": percentile(latencies, 0.95) if latencies else float("nan"),
            "max": max(latencies) if latencies else float("nan"),
            "delivered": len(latencies),
            "missing": missing,
            "closed": closed,
            "memory_per_connection_kib": (rss_after - rss_before) / count / 1024,
            "cpu_per_1000": (cpu_after - cpu_before) / max(1, len(latencies)) * 1000,
        }

    return uvloop.run(run())


# --------------------------------------------------------------------------- freshness


def freshness(env: dict[str, str], web_port: int, workdir: Path, changes_wanted: int) -> dict:
    from espn.replay import ReplayClock, ReplayConfig, make_server
    from espn.replay.timeline import state_at
    from tests.sse_client import SseClient

    config = ReplayConfig(
        start=datetime.now(UTC).replace(microsecond=0),
        speed=60.0,
        first_kickoff_after=30.0,
        stagger=45.0,
        game_ids=("401671784", "401671834", "401547417", "401772988"),
    )
    clock = ReplayClock(config.start, config.speed)
    server = make_server("127.0.0.1", 0, config, clock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    appeared: dict[tuple[str, int, int], float] = {}
    stop_sampling = threading.Event()

    def sample() -> None:  # when each score shows at "ESPN"
        while not stop_sampling.is_set():
            moment, real = clock.now(), time.time()
            for game in server.replay.games:
                state = state_at(game, moment)
                appeared.setdefault((game.event_id, state.home_score, state.away_score), real)
            time.sleep(0.05)

    celery = [sys.executable, "-m", "celery", "-A", "config"]
    proc_env = {
        **{k: v for k, v in env.items() if not k.startswith("POLL_")},
        "ESPN_BASE_URL": server.url,
        "ESPN_LEAGUES": "football/nfl,football/college-football?groups=80",
    }
    workers = []
    for name, argv in {
        "worker": [*celery, "worker", "--pool", "prefork", "--concurrency", "2", "--loglevel", "WARNING",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"],
        "beat": [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(workdir / "beat-schedule")],
    }.items():  # fmt: skip
        log = (workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            argv, cwd=workdir, env=proc_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        workers.append(process)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    client = SseClient("127.0.0.1", web_port, "/api/games/live/stream/").start()
    seen: dict[tuple[str, int, int], float] = {}
    last_final = max(game.final_at for game in server.replay.games)
    deadline = time.time() + (last_final - clock.now()).total_seconds() / config.speed + 60
    try:
        while time.time() < deadline:
            for game in client.snapshot().values():
                key = (game["espn_id"], game["home"]["score"], game["away"]["score"])
                if key not in seen and key[1] is not None and sum(key[1:]) > 0:
                    seen[key] = time.time()
            finals = [g for g in client.snapshot().values() if g["status"]["phase"] == "final"]
            if len(finals) == len(config.game_ids):
                break
            time.sleep(0.02)
    finally:
        client.stop()
        stop_sampling.set()
        for process in workers:
            stop(process)
        server.shutdown()
    delays = [received - appeared[key] for key, received in seen.items() if key in appeared]
    return {
        "changes": len(delays),
        "p50": statistics.median(delays) if delays else float("nan"),
        "p95": percentile(delays, 0.95) if delays else float("nan"),
        "max": max(delays) if delays else float("nan"),
        "wanted": changes_wanted,
    }


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", default="1000,10000", help="client counts, comma-separated")
    parser.add_argument("--skip-freshness", action="store_true")
    args = parser.parse_args()

    open_files = raise_open_files()
    workdir = Path(tempfile.mkdtemp(prefix="bench-streams-"))
    redis_port = free_port()
    redis_server = start_redis(redis_port)
    metrics_dir = workdir / "prometheus"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}",
        "DEBUG": "false",
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "WEB_MAX_OPEN_FILES": str(open_files),
        # Every client of the benchmark comes from 127.0.0.1: no per-address limit on streams.
        "STREAM_CONNECT_RATE": "",
        "STREAM_MAX_PER_ADDRESS": "0",
    }
    env.pop("POLL_LIVE_SECONDS", None)
    web = None
    try:
        setup_django(env)
        seed_and_publish()
        port = free_port()
        web = start_web(env, port, workdir / "web.log")
        print(
            f"web: gunicorn + 2 uvicorn workers; clients: one asyncio process on the same {os.cpu_count()}-CPU "
            f"machine; open files limit raised to {open_files}",
            flush=True,
        )
        rows = []
        for index, count in enumerate(int(n) for n in args.clients.split(",")):
            dropped_before = dropped_counter(port)
            result = fanout(port, count, web, score=(30 + index, 24))
            result["dropped_counter"] = dropped_counter(port) - dropped_before
            rows.append(result)
            print(
                f"fan-out {count:>6} clients: connected in {result['connect_seconds']:.1f}s; latency p50 "
                f"{result['p50'] * 1000:.0f} ms, p95 {result['p95'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms "
                f"(target p95 < {TARGETS['p95_fanout_s'] * 1000:.0f} ms); delivered {result['delivered']}/{count}; "
                f"dropped {result['closed'] + result['missing']} (server counter {result['dropped_counter']:.0f}; "
                f"target 0); memory {result['memory_per_connection_kib']:.1f} KiB/connection; "
                f"CPU {result['cpu_per_1000']:.3f} s per 1,000 deliveries",
                flush=True,
            )
            time.sleep(2)  # the web notices the closed clients before the next round
        held = max((r["clients"] for r in rows if r["delivered"] == r["clients"]), default=0)
        print(f"clients held and all delivered: {held} (target {TARGETS['clients']})", flush=True)
        if not args.skip_freshness:
            fresh = freshness(env, port, workdir, 20)
            print(
                f"freshness (replay score change -> stream client, default cadence POLL_LIVE_SECONDS=4): "
                f"{fresh['changes']} changes (want >= {fresh['wanted']}); p50 {fresh['p50']:.2f} s, "
                f"p95 {fresh['p95']:.2f} s, max {fresh['max']:.2f} s "
                f"(target p95 <= {TARGETS['p95_freshness_s']:.0f} s)",
                flush=True,
            )
    finally:
        if web is not None:
            stop(web)
        redis_server.terminate()
        redis_server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
