"""The embedded Redis runner (`make run`, `make test`, `make demo` without REDIS_URL) never leaves a server,
nor the command it runs, behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.embedded_redis import port_answers

REPO = Path(__file__).resolve().parents[2]
# The command run beside the server: says where Redis is and its own pid, then waits to be stopped.
COMMAND = "import os, signal; print(os.environ['REDIS_URL'], os.getpid(), flush=True); signal.pause()"


def start_runner() -> tuple[subprocess.Popen, int, int]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    runner = subprocess.Popen(
        [sys.executable, "-m", "devtools.embedded_redis", "run", "--port", "0", "--", sys.executable, "-c", COMMAND],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    line = runner.stdout.readline().split()
    assert len(line) == 2 and line[0].startswith("redis://127.0.0.1:"), line
    port, command_pid = int(line[0].rsplit(":", 1)[1]), int(line[1])
    assert port_answers(port)
    return runner, port, command_pid


def wait_until_closed(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_answers(port):
            return True
        time.sleep(0.05)  # waiting on another process, not standing in for time
    return False


def is_running(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting for a parent that is not this test."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def wait_until_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.05)  # waiting on another process, not standing in for time
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_runner_stops_its_command_and_then_its_redis(signum):
    runner, port, command_pid = start_runner()

    runner.send_signal(signum)

    assert runner.wait(timeout=15) != 0
    assert wait_until_closed(port), f"redis-server still answers on {port} after the runner got {signum!r}"
    assert wait_until_gone(command_pid), f"the runner's command (pid {command_pid}) outlived it"


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG and /proc are Linux's")
def test_a_killed_runner_takes_its_redis_and_its_command_with_it():
    runner, port, command_pid = start_runner()

    runner.kill()  # no handler runs: the server and the command must notice their parent is gone by themselves
    runner.wait(timeout=5)

    try:
        assert wait_until_closed(port), f"redis-server orphaned on {port}"
        assert wait_until_gone(command_pid), f"the runner's command (pid {command_pid}) orphaned"
    finally:
        if is_running(command_pid):
            os.kill(command_pid, signal.SIGKILL)  # never leave it behind, even when the test fails
