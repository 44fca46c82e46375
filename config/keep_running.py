"""Run a command and start it again whenever it exits, until this runner is stopped.

`python -m config.keep_running -- celery -A config worker ...`: the Procfile runs the worker and beat
this way, because honcho (`make run`, `make demo`) stops every process as soon as one exits: a worker
that dies (a broker failure it cannot recover from, the OOM killer) would otherwise take the web down
with it. docker-compose does the same with `restart: unless-stopped`; in production, a process
supervisor's restart policy (systemd's Restart=always, Kubernetes) does.

Restarts wait 1 s, doubling to 30 s while the command keeps dying within a minute of starting.
SIGTERM, SIGINT or SIGHUP stop the command (the signal is passed on) and then the runner.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

STABLE_SECONDS = 60  # a run this long resets the delay between restarts
MAX_DELAY = 30.0


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Stopped(Exception):
    """SIGTERM, Ctrl-C or SIGHUP reached the runner: pass it on to the command, wait for it, stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def raise_stopped(signum: int, frame: object) -> None:
    # One stop at a time: a second signal (Ctrl-C reaches the command too, a supervisor may repeat its
    # SIGTERM) must not interrupt the wait for the command with a traceback.
    for each in STOP_SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    raise Stopped(signum)


def command_after_dashes(argv: list[str], usage: str) -> tuple[list[str], list[str]]:
    """A runner's own options, and the command after `--` that it runs (SystemExit with the usage if none)."""
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        raise SystemExit(usage)
    split = argv.index("--")
    return argv[:split], argv[split + 1 :]


def die_with_parent() -> None:
    """In a child's process (Linux): SIGTERM when the runner dies, even by SIGKILL, so no child is orphaned."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the runner's own handlers still stop the server


def say(message: str) -> None:
    print(f"keep_running: {message}", file=sys.stderr, flush=True)


def keep_running(command: list[str], *, first_delay: float = 1.0) -> int:
    for signum in STOP_SIGNALS:
        signal.signal(signum, raise_stopped)
    delay = first_delay
    child = None
    try:
        while True:
            started = time.monotonic()
            # Its own process group: a signal to ours (honcho stops a process with killpg) is passed on
            # once, by us; it dies with us even if we are killed outright.
            child = subprocess.Popen(command, start_new_session=True, preexec_fn=die_with_parent)  # noqa: S603 - our own command line
            code = child.wait()
            child = None
            if time.monotonic() - started >= STABLE_SECONDS:
                delay = first_delay
            say(f"{command[0]} exited with code {code}: starting it again in {delay:g} s")
            time.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
    except Stopped as stopped:
        if child is not None:
            child.send_signal(stopped.signum)
            child.wait()
        return 128 + stopped.signum


def main() -> None:
    usage = "usage: python -m config.keep_running [--first-delay SECONDS] -- <command...>"
    options, command = command_after_dashes(sys.argv[1:], usage)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first-delay", type=float, default=1.0, help="seconds before the first restart")
    args = parser.parse_args(options)
    sys.exit(keep_running(command, first_delay=args.first_delay))


if __name__ == "__main__":
    main()
