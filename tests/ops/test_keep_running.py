"""The Procfile's restart wrapper: a worker that dies is started again; stopping the wrapper stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Dies the first time it runs; the second time it says so and waits to be stopped.
FLAKY = """
import pathlib, signal, sys, time
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "run\\n" if runs.exists() else "run\\n")
if runs.read_text().count("run") == 1:
    sys.exit(1)
signal.signal(signal.SIGTERM, lambda *_: (runs.write_text(runs.read_text() + "stopped\\n"), sys.exit(0)))
while True:
    time.sleep(1)
"""


def wait_for(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_command_that_dies_is_started_again_and_stopping_the_runner_stops_it(tmp_path):
    runs = tmp_path / "runs"
    runner = subprocess.Popen(
        [sys.executable, "-m", "config.keep_running", "--first-delay", "0.1", "--",
         sys.executable, "-c", FLAKY, str(runs)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: runs.exists() and runs.read_text().count("run") == 2)
        assert runner.poll() is None
        time.sleep(0.3)  # the second run keeps going: no third start
        assert runs.read_text().count("run") == 2

        runner.send_signal(signal.SIGTERM)  # as a supervisor stops it
        assert runner.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runs.read_text().splitlines() == ["run", "run", "stopped"]  # the signal reached the command
    assert "exited with code 1: starting it again" in runner.stderr.read()


# Takes its time to stop: says it got the signal, then exits a moment later.
SLOW_TO_STOP = """
import pathlib, signal, sys, time
said = pathlib.Path(sys.argv[1])
def stop(*_):
    said.write_text("stopping")
    time.sleep(0.5)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
said.write_text("running")
while True:
    time.sleep(1)
"""


def test_a_second_stop_signal_does_not_interrupt_the_wait_for_the_command(tmp_path):
    said = tmp_path / "said"
    runner = subprocess.Popen(
        [sys.executable, "-m", "config.keep_running", "--", sys.executable, "-c", SLOW_TO_STOP, str(said)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: said.exists() and said.read_text() == "running")
        runner.send_signal(signal.SIGTERM)
        wait_for(lambda: said.read_text() == "stopping")
        runner.send_signal(signal.SIGTERM)  # a supervisor repeating itself while the command stops
        assert runner.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        if runner.poll() is None:
            runner.kill()
    assert "Traceback" not in runner.stderr.read()
