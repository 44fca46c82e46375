"""`make demo` end to end: `python -m devtools.demo` brings up its own embedded Redis, the replay, web,
worker and beat, and every replayed game ends final at its recorded score.

Sped up (x600, kickoffs seconds apart) so that it takes about a minute; the demo's own check compares
the finals that the app's API serves with the recordings and exits non-zero when one differs.
Ctrl-C is a SIGINT to the demo's whole process group, as a terminal sends it.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from devtools.demo import demo_env, parse_args, replay_origin
from devtools.embedded_redis import free_port
from espn import EASTERN

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_demo_plays_every_game_to_its_recorded_final_and_stops(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    command = [
        sys.executable, "-m", "devtools.demo", "--port", str(free_port()), "--replay-port", "0",
        "--speed", "600", "--first-kickoff", "8", "--stagger", "2", "--exit-when-final",
        "--database", str(tmp_path / "demo.sqlite3"),
    ]  # fmt: skip
    demo = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = demo.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGTERM)
        output, _ = demo.communicate(timeout=30)
        pytest.fail(f"the demo did not finish within 4 minutes:\n{output}\n{tail(tmp_path / 'demo.log')}")

    assert demo.returncode == 0, f"{output}\n{tail(tmp_path / 'demo.log')}"
    assert "every game is final, each at its recorded score." in output
    assert output.count(": final, ") == 6, output
    assert "poller: " in output, output  # the poller's cadence is told
    assert "Demo stopped." in output


def tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-40:]) if path.exists() else ""


def start_demo(port: int, database: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    command = [
        sys.executable, "-m", "devtools.demo", "--port", str(port), "--replay-port", "0",
        "--speed", "600", "--first-kickoff", "3", "--stagger", "2", "--database", str(database),
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def read_until_running(demo: subprocess.Popen, log: Path, timeout: float = 120) -> list[str]:
    """The demo's lines up to "Ctrl-C stops everything." (web, worker and beat are up by then)."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            pytest.fail(f"the demo ended while starting:\n{''.join(lines)}\n{tail(log)}")
        lines.append(line)
        if line.startswith("Ctrl-C stops everything."):
            return lines
    os.killpg(demo.pid, signal.SIGKILL)
    pytest.fail(f"the demo did not start within {timeout:.0f} s:\n{''.join(lines)}\n{tail(log)}")


def descendants(pid: int) -> set[int]:
    """Every live process under `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ctrl_c(demo: subprocess.Popen, log: Path) -> str:
    """Ctrl-C as a terminal sends it; returns what the demo printed from then on. Every process it had is gone."""
    processes = descendants(demo.pid)
    assert len(processes) >= 5, processes  # at least the Redis runner, redis-server, honcho, web, worker, beat
    os.killpg(demo.pid, signal.SIGINT)
    try:
        output, _ = demo.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)
        pytest.fail(f"the demo did not stop within 60 s of Ctrl-C\n{tail(log)}")
    left = {pid for pid in processes if alive(pid)}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left after Ctrl-C: {left}"
    return output


def scraped(text: str, name: str) -> float:
    return sum(float(value) for value in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE))


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_demo_stops_cleanly_on_ctrl_c_restarts_at_once_and_can_be_reached_beside_it(tmp_path):
    port = free_port()
    database, log = tmp_path / "demo.sqlite3", tmp_path / "demo.log"
    demo = start_demo(port, database)
    try:
        lines = read_until_running(demo, log)
        banner = "".join(lines)
        redis_url = re.search(r"^  Redis +(redis://127\.0\.0\.1:\d+)", banner, re.MULTILINE)
        assert redis_url, banner
        beside = re.search(r"^  Other commands +(.*manage\.py poll_espn_now)$", banner, re.MULTILINE)
        assert beside, banner

        # Another terminal, with the environment the demo printed and nothing else of the test's.
        assignments = [word for word in shlex.split(beside[1]) if "=" in word and not word.startswith(".")]
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
        env.update(word.split("=", 1) for word in assignments)
        assert env["REDIS_URL"] == redis_url[1]
        polled = subprocess.run(
            [sys.executable, "manage.py", "poll_espn_now"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert polled.returncode == 0, polled.stdout + polled.stderr
        assert "games seen: 6" in polled.stdout, polled.stdout

        # /metrics adds up every process's counters: the worker's polls show there, not only the web's own.
        metrics = f"http://127.0.0.1:{port}/metrics"
        deadline = time.monotonic() + 60
        while scraped(requests.get(metrics, timeout=5).text, "scores_poll_runs_total") < 3:
            assert time.monotonic() < deadline, requests.get(metrics, timeout=5).text
            time.sleep(1)  # waiting on the worker's polls (every 5 s once a game is live)

        time.sleep(6)  # the demo's own watch keeps a connection to the web open: stop with it in use
        output = ctrl_c(demo, log)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert "Traceback" not in output, output
    assert "Demo stopped." in output, output

    # At once, on the same port.
    again = start_demo(port, database)
    try:
        lines = read_until_running(again, log)
        assert not any("is taken" in line for line in lines), lines
        output = ctrl_c(again, log)
    finally:
        if again.poll() is None:
            os.killpg(again.pid, signal.SIGKILL)
    assert "Traceback" not in output, output
    assert "Demo stopped." in output, output


def test_demo_schedule_starts_now_while_the_last_kickoff_is_still_today_in_the_east():
    afternoon = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # noon Eastern
    origin, note = replay_origin(afternoon, last_kickoff_after=5 * 3600)
    assert (origin, note) == (afternoon, "")


def test_demo_schedule_moves_back_late_in_the_evening_so_every_game_is_on_todays_scoreboard():
    evening = datetime(2026, 12, 2, 4, 30, tzinfo=UTC)  # 23:30 Eastern
    origin, note = replay_origin(evening, last_kickoff_after=5 * 3600)

    last_kickoff = origin + timedelta(seconds=5 * 3600)
    assert origin < evening
    assert last_kickoff.astimezone(EASTERN).date() == evening.astimezone(EASTERN).date()
    assert "moved back" in note


def test_the_links_in_the_demos_reminders_lead_to_its_own_web():
    env = demo_env("http://127.0.0.1:8765", parse_args(["--port", "8130"]))
    assert env["SITE_URL"] == "http://127.0.0.1:8130"  # unsubscribe and picks links, as the log shows them
