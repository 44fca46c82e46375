"""The embedded Redis runner (`make run`, `make test`, `make demo` without REDIS_URL) never leaves a server behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.embedded_redis import port_answers

REPO = Path(__file__).resolve().parents[2]
# The command run beside the server: says where Redis is, then waits to be stopped.
COMMAND = "import os, signal; print(os.environ['REDIS_URL'], flush=True); signal.pause()"


def start_runner() -> tuple[subprocess.Popen, int]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    runner = subprocess.Popen(
        [sys.executable, "-m", "config.embedded_redis", "run", "--port", "0", "--", sys.executable, "-c", COMMAND],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    url = runner.stdout.readline().strip()
    assert url.startswith("redis://127.0.0.1:"), url
    port = int(url.rsplit(":", 1)[1])
    assert port_answers(port)
    return runner, port


def wait_until_closed(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_answers(port):
            return True
        time.sleep(0.05)  # waiting on another process, not standing in for time
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_runner_stops_its_command_and_then_its_redis(signum):
    runner, port = start_runner()

    runner.send_signal(signum)

    assert runner.wait(timeout=15) != 0
    assert wait_until_closed(port), f"redis-server still answers on {port} after the runner got {signum!r}"


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_runner_takes_its_redis_with_it():
    runner, port = start_runner()

    runner.kill()  # no handler runs: the server must notice its parent is gone by itself
    runner.wait(timeout=5)

    assert wait_until_closed(port), f"redis-server orphaned on {port}"
