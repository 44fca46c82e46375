"""Benchmark GET /api/games/live/ against a fixed-bytes view through the same stack (`make bench`).

What it does:
1. a throwaway SQLite database and its own embedded Redis (nothing of the developer's is touched);
2. seeds 16 games (NFL week 1 2022, recorded ESPN JSON), then 150 (copies of that and a college
   Saturday), all on today's Eastern date, and publishes them as a poll does;
3. runs the app as the Procfile does (gunicorn -c config/gunicorn.conf.py config.asgi: uvicorn
   workers; --wsgi: gthread and config.wsgi instead) on a free loopback port, with
   BENCHMARK_VIEWS=true for /api/bench/fixed/ (a plain Django view returning as many fixed bytes
   as the live body, so both answers cost the same on the wire);
4. loads each URL from loopback with wrk when installed, otherwise with a small multi-process
   Python load generator, and prints requests per second for live and fixed, the ratio, and the
   same for the 304 path (If-None-Match), as the median of alternating rounds;
5. also times each view in-process through Django's ASGI handler and middleware (CPU microseconds
   per request), a figure that stays put on a busy machine where requests per second do not.

    .venv/bin/python benchmarks/bench_live_api.py [--duration 5] [--connections 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from config.redis_keys import LIVE_FEED_KEY, NEXT_POLL_KEY

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- seeding (in this process)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_games(count: int) -> tuple[int, bytes]:
    """Replace the games with `count` of them on today's Eastern date and publish; returns (games, body)."""
    from django.utils import timezone

    from config.redis_client import cache_redis
    from espn.parsing import parse_scoreboard
    from games import live_state
    from games.ingest import ingest_snapshots
    from games.models import Game
    from games.polling import PollResult, publish_after_poll
    from tests.espn_fixtures import load_fixture

    sources = [
        ("nfl/scoreboard-2022-wk01-20220911-live-mixed.json", "football/nfl"),
        ("college-football/scoreboard-2022-wk03-20220917-fbs-groups80-live-mixed.json", "football/college-football"),
    ]
    templates = [g for path, league in sources for g in parse_scoreboard(load_fixture(path), league).games]
    now = timezone.now()
    day_start, day_end = live_state.eastern_day_bounds(0, now)
    snapshots = []
    for index in range(count):
        template = templates[index % len(templates)]
        # A new game id per copy; kickoffs spread over today so every game belongs in the feed.
        kickoff = day_start + timedelta(
            minutes=1 + (index * 7) % (int((day_end - day_start).total_seconds() // 60) - 2)
        )
        snapshots.append(dataclasses.replace(template, espn_id=f"9{index:07d}", kickoff=kickoff))
    Game.objects.all().delete()
    result = ingest_snapshots(snapshots, now=now)
    publish_after_poll(PollResult(started_at=now, ingest=result), cache_redis(), now)
    # A poll interval long enough that the benchmark does not see the poll gate expire.
    cache_redis().pexpire(NEXT_POLL_KEY, 600_000)
    body = cache_redis().hget(LIVE_FEED_KEY, "body")
    return len(snapshots), body


# --------------------------------------------------------------------------- load


@dataclasses.dataclass
class Run:
    requests_per_second: float
    statuses: str
    tool: str


def wrk_run(url: str, *, duration: int, connections: int, headers: dict[str, str]) -> Run:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Run(rps, f"{errors.group(1)} non-2xx/3xx" if errors else "all 2xx/3xx", "wrk")


def _worker(args: tuple) -> tuple[int, dict[int, int]]:
    host, port, path, headers, threads, deadline = args
    import threading

    counts: dict[int, int] = {}
    lock = threading.Lock()

    def loop() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        local: dict[int, int] = {}
        while time.time() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            local[response.status] = local.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
        with lock:
            for status, n in local.items():
                counts[status] = counts.get(status, 0) + n

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts.values()), counts


def python_run(url: str, *, duration: int, connections: int, headers: dict[str, str]) -> Run:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    processes = 2
    per_process = max(1, connections // processes)
    start = time.time()
    deadline = start + duration
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_worker, [(host, port, path, headers, per_process, deadline)] * processes)
    elapsed = time.time() - start
    total = sum(n for n, _ in results)
    statuses: dict[int, int] = {}
    for _, counts in results:
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    return Run(total / elapsed, ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())), "python")


def load(url: str, *, duration: int, connections: int, headers: dict[str, str] | None = None) -> Run:
    runner = wrk_run if shutil.which("wrk") else python_run
    runner(url, duration=1, connections=connections, headers=headers or {})  # warm-up
    return runner(url, duration=duration, connections=connections, headers=headers or {})


# --------------------------------------------------------------------------- gunicorn


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, *, wsgi: bool) -> subprocess.Popen:
    """The Procfile's web (gunicorn -c config/gunicorn.conf.py config.asgi: uvicorn workers), or with
    --wsgi the gthread WSGI server it replaced, for comparison."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if wsgi:
        command = [
            gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
            "--workers", str(workers), "--threads", str(threads), "--keep-alive", "5", "--log-level", "warning",
        ]  # fmt: skip
    else:
        command = [gunicorn, "-c", "config/gunicorn.conf.py", "config.asgi", "--log-level", "warning"]
    env = {**env, "WEB_HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    # The access log stays on as in production; its lines are thrown away here.
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/api/bench/fixed/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def cpu_per_request(path: str, query: str = "", headers: dict[str, str] | None = None, n: int = 3000) -> float:
    """Microseconds of CPU per request through the web's ASGI handler and middleware, in this process.

    No sockets and no load generator: unlike requests per second on a shared machine, this figure
    barely moves with whatever else the machine is doing. Sequential requests on one event loop, so
    it counts the thread hops a synchronous view or middleware costs, not the waiting for that thread.
    """
    import asyncio

    from config.asgi import Handler

    handler = Handler()  # the production web's handler, with its middleware
    raw_headers = [(b"host", b"127.0.0.1")] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": raw_headers,
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
    }  # fmt: skip

    async def send(message):
        return None

    async def many(count: int) -> None:
        for _ in range(count):
            messages = [{"type": "http.request", "body": b"", "more_body": False}]

            async def receive(messages=messages):
                if messages:
                    return messages.pop()
                await asyncio.Future()  # no disconnect: Django cancels this wait once it has answered

            await handler(dict(scope), receive, send)

    asyncio.run(many(300))
    started = time.process_time()
    asyncio.run(many(n))
    return (time.process_time() - started) / n * 1e6


def measure(base: str, body_size: int, args) -> dict[str, list[Run] | float]:
    live = f"{base}/api/games/live/"
    fixed = f"{base}/api/bench/fixed/?bytes={body_size}"
    connection = http.client.HTTPConnection(base.split("//")[1].split(":")[0], int(base.rsplit(":", 1)[1]))
    connection.request("GET", "/api/games/live/")
    response = connection.getresponse()
    assert response.status == 200 and len(response.read()) == body_size, "the live feed is not what was seeded"
    etag = response.getheader("ETag")
    options = {"duration": args.duration, "connections": args.connections}
    runs: dict[str, list[Run] | float] = {"live": [], "fixed": [], "live 304": [], "fixed 304": []}
    for round_number in range(args.rounds):
        # Alternate the order so that drift on a shared machine does not favour either view.
        pairs = [("live", live, {}), ("fixed", fixed, {})]
        pairs_304 = [("live 304", live, {"If-None-Match": etag}), ("fixed 304", fixed, {"If-None-Match": '"fixed"'})]
        for pair in (pairs, pairs_304):
            for name, url, headers in pair if round_number % 2 == 0 else reversed(pair):
                runs[name].append(load(url, headers=headers, **options))
    runs["cpu live"] = cpu_per_request("/api/games/live/")
    runs["cpu fixed"] = cpu_per_request("/api/bench/fixed/", f"bytes={body_size}")
    runs["cpu live 304"] = cpu_per_request("/api/games/live/", headers={"If-None-Match": etag})
    runs["cpu fixed 304"] = cpu_per_request("/api/bench/fixed/", headers={"If-None-Match": '"fixed"'})
    return runs


def median_rps(runs: list[Run]) -> float:
    return statistics.median(run.requests_per_second for run in runs)


def report(games: int, body_size: int, runs: dict) -> list[str]:
    lines = []
    for path, live_key, fixed_key in (("200", "live", "fixed"), ("304", "live 304", "fixed 304")):
        live, fixed = median_rps(runs[live_key]), median_rps(runs[fixed_key])
        cpu_live, cpu_fixed = runs[f"cpu {live_key}"], runs[f"cpu {fixed_key}"]
        bad = [run.statuses for run in runs[live_key] + runs[fixed_key] if run.statuses not in ("all 2xx/3xx",)]
        bad = [s for s in bad if not re.fullmatch(r"(200|304): \d+", s)]
        lines.append(
            f"{games:>4} games {path}  {body_size if path == '200' else 0:>7} B | "
            f"live {live:>6.0f} req/s  fixed {fixed:>6.0f} req/s  ratio {live / fixed:>5.0%} | "
            f"CPU/request live {cpu_live:>4.0f} us  fixed {cpu_fixed:>4.0f} us  ratio {cpu_fixed / cpu_live:>5.0%}"
            + (f"  errors: {bad}" if bad else "")
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (--wsgi only)")
    parser.add_argument("--wsgi", action="store_true", help="gthread and config.wsgi, not the Procfile's")
    parser.add_argument("--games", default="16,150", help="comma-separated game counts")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per URL; the median counts")
    args = parser.parse_args()

    from devtools.embedded_redis import start as start_redis

    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    redis_port = free_port()
    redis_server = start_redis(redis_port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}",
        "BENCHMARK_VIEWS": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_LIVE": "100000000/min",  # one client (this script) sends everything
        "ESPN_LEAGUES": "football/nfl,football/college-football?groups=80",
    }
    gunicorn = None
    try:
        setup_django(env)
        port = free_port()
        gunicorn = start_gunicorn(env, port, args.workers, args.threads, wsgi=args.wsgi)
        base = f"http://127.0.0.1:{port}"
        tool = "wrk" if shutil.which("wrk") else "python load generator"
        server = f"{args.workers} uvicorn workers"
        if args.wsgi:
            server = f"gthread {args.workers} workers x {args.threads} threads"
        print(
            f"gunicorn {server}, {args.connections} connections, "
            f"{args.duration}s per run, {tool}, {os.cpu_count()} CPUs (load generator on the same machine)"
        )
        lines = []
        for count in (int(n) for n in args.games.split(",")):
            games, body = seed_games(count)
            runs = measure(base, len(body), args)
            lines += report(games, len(body), runs)
            print("\n".join(lines[-2:]), flush=True)
        print(
            "\nsummary (req/s: median of the rounds, live / fixed; CPU per request in-process through the same "
            "middleware, fixed / live; the target is 80%)"
        )
        print("\n".join(lines))
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
        redis_server.terminate()
        redis_server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
