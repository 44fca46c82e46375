"""`make demo`: the whole app, on a fresh database, following six recorded games from kickoff to final.

`python -m devtools.demo [--port 8000]`. Without REDIS_URL (`make demo` unsets it) it becomes the
embedded Redis runner running the demo beside a private Redis (on a free port), then:

1. checks that the web port is free, then makes a fresh demo database (var/demo.sqlite3, deleted
   and migrated; `--database` puts it elsewhere), a demo admin account, and collects the static files;
2. starts the ESPN replay (espn/replay) in this process: at x60 a 3-hour game plays in 3 minutes;
   the first kickoff is 90 s after start and the others follow 42 s apart, so every game is final
   about 8 minutes in;
3. polls the replay once (`manage.py poll_espn_now`) so that the games are in, and seeds the demo
   pick'em league (`manage.py seed_demo_league`) while every game is still scheduled;
4. starts web (gunicorn on 127.0.0.1 only: the demo accounts' passwords are printed), worker and
   beat with honcho from the `Procfile` (web on 127.0.0.1 only), their output in demo.log beside the
   database, their Prometheus counters in demo-prometheus/ beside it (so /metrics adds them up);
5. prints where to look (with the Redis URL and the environment for manage.py commands beside the
   demo), then a line whenever the poller changes cadence or a game kicks off, reaches halftime or
   ends. Ctrl-C (or SIGTERM) stops everything and waits for it, without a traceback.

The poller runs with a 4 s live cadence (the default) and a 30 s idle one, so that the switch from idle (before
the first kickoff, and again after the last final) to live shows in the admin and /api/status/.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from espn import EASTERN
from espn.leagues import DEFAULT_TRACKED

REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var"
PROCFILE = REPO / "Procfile"
LEAGUES = DEFAULT_TRACKED
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - a local demo's account on 127.0.0.1, printed on screen
MEMBER_PASSWORD = "pickem-demo"  # noqa: S105 - picks.demo.DEMO_PASSWORD: the seeded members' password
MEMBERS = ("demo_ann", "demo_bob", "demo_cat", "demo_dan")
POLL_LIVE_SECONDS, POLL_IDLE_SECONDS = 4, 30
WATCH_EVERY = 3.0  # seconds between looks at the app's API (well under the anonymous throttle)
STOP_WAIT = 20


class Stop(Exception):
    """Ctrl-C or SIGTERM: stop everything."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="web port")
    parser.add_argument("--replay-port", type=int, default=8765, help="ESPN replay port (taken: any free one)")
    parser.add_argument("--speed", type=float, default=60.0, help="replay seconds per real second")
    parser.add_argument("--first-kickoff", type=float, default=90.0, help="real seconds to the first kickoff")
    parser.add_argument("--stagger", type=float, default=42.0, help="real seconds between kickoffs")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of ESPN requests the replay fails")
    parser.add_argument("--exit-when-final", action="store_true", help="stop once every game is final")
    parser.add_argument(
        "--database", type=Path, default=VAR / "demo.sqlite3", help="the demo's SQLite file (deleted at start)"
    )
    args = parser.parse_args(argv)
    args.database = args.database.resolve()
    args.log = args.database.parent / "demo.log"
    args.metrics_dir = args.database.parent / "demo-prometheus"
    return args


def say(message: str = "") -> None:
    print(message, flush=True)


def stamp(message: str) -> None:
    say(f"{datetime.now().astimezone():%H:%M:%S}  {message}")


def port_is_free(port: int) -> bool:
    """Whether the web can bind the port: connections of a demo just stopped (TIME_WAIT) do not count,
    as they do not for gunicorn, which binds with SO_REUSEADDR too."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def replay_origin(now: datetime, last_kickoff_after: float) -> tuple[datetime, str]:
    """When the replay's day starts: now, unless its last kickoff would fall on the next US-Eastern day.

    The poller asks ESPN for today's Eastern date, and the replay files each game under its kickoff's
    Eastern date; late in the evening the schedule is moved back so that every game is filed today.
    """
    last_kickoff = now + timedelta(seconds=last_kickoff_after + 60)
    if last_kickoff.astimezone(EASTERN).date() == now.astimezone(EASTERN).date():
        return now, ""
    midnight = datetime.combine(now.astimezone(EASTERN).date() + timedelta(days=1), datetime.min.time(), EASTERN)
    origin = (midnight - timedelta(seconds=last_kickoff_after + 300)).astimezone(UTC)
    return origin, (
        "Late evening US Eastern: the replay's kickoff times are moved back so that every game is on "
        "today's ESPN scoreboard; they show earlier than the clock, and picks show as locked."
    )


def shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def demo_env(replay_url: str, args: argparse.Namespace) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("POLL_", "ESPN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{args.database}",
        ESPN_BASE_URL=replay_url,
        ESPN_LEAGUES=LEAGUES,
        POLL_LIVE_SECONDS=str(POLL_LIVE_SECONDS),
        POLL_IDLE_SECONDS=str(POLL_IDLE_SECONDS),
        POLL_TICK_SECONDS="1",
        PORT=str(args.port),
        WEB_HOST="127.0.0.1",  # the demo accounts' passwords are printed: not on the network
        SITE_URL=f"http://127.0.0.1:{args.port}",  # the links in the reminders the demo's log shows
        PROMETHEUS_MULTIPROC_DIR=str(args.metrics_dir),  # as `make run`: /metrics counts every process
        PYTHONUNBUFFERED="1",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",  # gunicorn, celery, honcho of this virtualenv
    )
    return env


def beside_env(env: dict[str, str], database: Path) -> dict[str, str]:
    """What a manage.py command in another terminal (in this directory) needs to act on this demo's
    database, Redis and replay, and to plan polls as its poller does."""
    keys = ("REDIS_URL", "ESPN_BASE_URL", "POLL_LIVE_SECONDS", "POLL_IDLE_SECONDS")
    return {"DATABASE_URL": f"sqlite:///{shown(database)}"} | {key: env[key] for key in keys}


def manage(env: dict[str, str], *args: str, what: str, attempts: int = 1) -> str:
    """Run a manage.py command; its output is shown only when it fails."""
    for attempt in range(1, attempts + 1):
        done = subprocess.run(  # noqa: S603 - this project's own manage.py
            [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False,
            start_new_session=True,  # Ctrl-C stops the demo, which ends it: no traceback of its own on screen
        )  # fmt: skip
        if done.returncode == 0:
            return done.stdout
        if attempt < attempts:
            time.sleep(2)  # the replay may be injecting errors: try again
    say(f"{what} failed:\n{done.stdout}{done.stderr}")
    raise SystemExit(1)


def fresh_database(env: dict[str, str], database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    manage(env, "migrate", "--noinput", "--verbosity", "0", what="migrate")
    manage(
        env | {"DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        "createsuperuser", "--noinput", "--username", ADMIN_USERNAME, "--email", "admin@demo.invalid",
        what="creating the admin account",
    )  # fmt: skip
    manage(env, "collectstatic", "--noinput", "--verbosity", "0", what="collectstatic")


def clear_redis_state() -> None:
    """Forget the poller's state from an earlier demo on the same Redis (the embedded one starts empty)."""
    import redis

    from config.env import redis_url_for_db
    from config.redis_keys import EVERY_KEY_PATTERN

    client = redis.Redis.from_url(redis_url_for_db(os.environ["REDIS_URL"], 1), socket_timeout=2)
    try:
        keys = list(client.scan_iter(EVERY_KEY_PATTERN, count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def start_replay(args: argparse.Namespace):
    from espn.replay import FaultConfig, ReplayConfig, make_server

    first, stagger = args.first_kickoff * args.speed, args.stagger * args.speed
    origin, note = replay_origin(datetime.now(UTC).replace(microsecond=0), first + 5 * stagger)
    config = ReplayConfig(
        start=origin,
        speed=args.speed,
        first_kickoff_after=first,
        stagger=stagger,
        faults=FaultConfig(error_rate=args.error_rate, hang_seconds=3.0),
    )
    try:
        server = make_server("127.0.0.1", args.replay_port, config)
    except OSError:
        server = make_server("127.0.0.1", 0, config)
    threading.Thread(target=server.serve_forever, name="espn-replay", daemon=True).start()
    return server, note


@dataclass
class Watch:
    """What the demo has told about so far, to print only what changed."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    polling: tuple | None = None
    games: dict[str, tuple[str, str]] = field(default_factory=dict)
    all_final_told: bool = False

    def get(self, path: str) -> dict | None:
        try:
            response = self.session.get(f"{self.base_url}{path}", timeout=5)
            return response.json()
        except (requests.RequestException, ValueError):
            return None

    def look(self) -> list[dict]:
        status = self.get("/api/status/") or {}
        polling = status.get("polling") or {}
        current = (polling.get("regime"), polling.get("interval_seconds") if polling.get("regime") == "live" else None)
        if polling.get("regime") and current != self.polling:
            self.polling = current
            every = f"every {polling.get('interval_seconds')} s"
            stamp(f"poller: {polling['regime']}, {every} ({polling.get('reason')})")
        page = self.get("/api/games/?page_size=50") or {}
        games = page.get("results") or []
        for game in games:
            self.tell(game)
        return games

    def tell(self, game: dict) -> None:
        status = game["status"]
        now = (status["phase"], status["pause"])
        before = self.games.get(game["espn_id"])
        self.games[game["espn_id"]] = now
        if before is None or before == now:
            return
        away, home = game["away"], game["home"]
        score = f"{away['abbreviation']} {away['score']}, {home['abbreviation']} {home['score']}"
        if now[0] == "live" and before[0] == "scheduled":
            stamp(f"{game['short_name']}: under way")
        elif now[1] == "halftime":
            stamp(f"{game['short_name']}: halftime, {score}")
        elif now[0] == "final":
            stamp(f"{game['short_name']}: final, {score}")


def wrong_finals(games: list[dict], replay_games: list[dict]) -> list[str]:
    """The games whose final score in the app differs from the recording's."""
    expected = {g["id"]: g["expectedFinal"] for g in replay_games}
    return [
        g["short_name"]
        for g in games
        if g["espn_id"] in expected
        and (g["home"]["score"], g["away"]["score"]) != (expected[g["espn_id"]]["home"], expected[g["espn_id"]]["away"])
    ]


def banner(args: argparse.Namespace, env: dict[str, str], server, note: str) -> None:
    base = f"http://127.0.0.1:{args.port}"
    games = server.replay.games
    first = min(g.kickoff for g in games)
    last_final = max(g.final_at for g in games)
    clock = server.replay.clock

    def real(moment: datetime) -> datetime:
        """When a replay moment comes, on this machine's clock."""
        return datetime.now().astimezone() + (moment - clock.now()) / clock.speed

    say()
    say(f"Demo running: {len(games)} recorded games replayed at x{clock.speed:g} (a game takes "
        f"{3 * 60 / clock.speed:g} minutes), first kickoff at {real(first):%H:%M:%S}, "
        f"all final by about {real(last_final):%H:%M}.")  # fmt: skip
    if note:
        say(note)
    say(f"  Live scores    {base}/live/")
    say(f"  Admin          {base}/admin/   ({ADMIN_USERNAME} / {ADMIN_PASSWORD}); Games shows the poller's interval")
    say(f"  Pick'em        {base}/picks/   ({MEMBERS[0]} / {MEMBER_PASSWORD}; also {', '.join(MEMBERS[1:])})")
    say(f"  Poller status  {base}/api/status/")
    say(f"  ESPN replay    {server.url}/replay/status")
    say(f"  Redis          {env['REDIS_URL']}")
    say(f"  Logs           {shown(args.log)}")
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in beside_env(env, args.database).items())
    say(f"  Other commands {prefix} .venv/bin/python manage.py poll_espn_now")
    say("Ctrl-C stops everything.")
    say()


def wait_for_web(base_url: str, honcho: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if honcho.poll() is not None:
            fail_with_log("web, worker or beat exited while starting", log)
        try:
            requests.get(f"{base_url}/api/status/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    fail_with_log("the web process did not answer within 60 s", log)


def fail_with_log(message: str, log: Path) -> None:
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""
    say(f"{message}. The end of {shown(log)}:\n{tail}")
    raise SystemExit(1)


def stop_processes(honcho: subprocess.Popen | None) -> None:
    if honcho is None or honcho.poll() is not None:
        return
    # honcho stops web, worker and beat, each in its own session (SIGTERM, then SIGKILL after 5 s), and
    # exits once they have.
    honcho.terminate()
    try:
        honcho.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        honcho.kill()
        honcho.wait()


def run(args: argparse.Namespace) -> int:
    if not port_is_free(args.port):
        say(f"Port {args.port} is taken: stop what uses it, or choose another one (make demo PORT=8001).")
        return 1
    say(f"Preparing a fresh demo database ({shown(args.database)}) ...")
    shutil.rmtree(args.metrics_dir, ignore_errors=True)  # a new demo counts from zero
    args.metrics_dir.mkdir(parents=True)
    fresh_database(demo_env("http://127.0.0.1:0", args), args.database)
    clear_redis_state()
    server, note = start_replay(args)
    env = demo_env(server.url, args)
    honcho = None
    try:
        say(f"ESPN replay at {server.url}; polling it once and seeding the demo pick'em league ...")
        manage(env, "poll_espn_now", what="the first poll", attempts=5)
        manage(env, "seed_demo_league", "--wait", "30", what="seeding the demo pick'em league")
        with args.log.open("wb") as log:
            honcho = subprocess.Popen(  # noqa: S603 - this virtualenv's honcho on this project's Procfile
                [str(Path(sys.executable).parent / "honcho"), "start", "--no-colour", "-f", str(PROCFILE),
                 "-d", str(REPO), "-p", str(args.port)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        base_url = f"http://127.0.0.1:{args.port}"
        wait_for_web(base_url, honcho, args.log)
        banner(args, env, server, note)
        watch = Watch(base_url)
        while True:
            if honcho.poll() is not None:
                fail_with_log(f"honcho exited ({honcho.returncode}): one of web, worker, beat stopped", args.log)
            games = watch.look()
            status = server.replay.status()
            all_final = status["allFinal"] and games and all(g["status"]["phase"] == "final" for g in games)
            if all_final and not watch.all_final_told:
                watch.all_final_told = True
                wrong = wrong_finals(games, status["games"])
                if wrong:
                    stamp(f"every game is final, but the scores of {', '.join(wrong)} differ from the recordings!")
                else:
                    stamp("every game is final, each at its recorded score.")
                if args.exit_when_final:
                    return 1 if wrong else 0
                say("Still running for a look around; Ctrl-C stops everything.")
            time.sleep(WATCH_EVERY)
    finally:
        ignore_stop_signals()
        say("Stopping web, worker and beat ...")
        stop_processes(honcho)
        server.shutdown()
        server.server_close()


def ignore_stop_signals() -> None:
    """Stop once: Ctrl-C reaches this process twice (from the terminal and passed on by the Redis
    runner), and a repeat must not cut the stopping short with a traceback."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def raise_stop(signum: int, frame: object) -> None:
    ignore_stop_signals()
    raise Stop


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.chdir(REPO)
    if not os.environ.get("REDIS_URL"):
        # No Redis given (`make demo` unsets it): become the embedded Redis runner, running the demo
        # beside a private Redis; one process less between the terminal and the demo.
        command = [sys.executable, "-m", "devtools.embedded_redis", "run", "--port", "0", "--",
                   sys.executable, "-m", "devtools.demo", *(argv if argv is not None else sys.argv[1:])]  # fmt: skip
        os.execv(sys.executable, command)  # noqa: S606 - this project's own modules
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, raise_stop)
    try:
        code = run(args)
    except Stop:
        code = 0
    say("Demo stopped.")
    sys.exit(code)


if __name__ == "__main__":
    main()
