"""`make demo` end to end: `python -m config.demo` brings up its own embedded Redis, the replay, web,
worker and beat, and every replayed game ends final at its recorded score.

Sped up (x600, kickoffs seconds apart) so that it takes about a minute; the demo's own check compares
the finals that the app's API serves with the recordings and exits non-zero when one differs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.demo import replay_origin
from config.embedded_redis import free_port
from espn import EASTERN

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_demo_plays_every_game_to_its_recorded_final_and_stops(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    command = [
        sys.executable, "-m", "config.demo", "--port", str(free_port()), "--replay-port", "0",
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
