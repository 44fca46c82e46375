"""Run the ESPN replay server: `python -m espn.replay --port 8765 --speed 60 --stagger 120`."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

from .faults import FAULT_KINDS, FaultConfig
from .server import ReplayConfig, make_server
from .timeline import EASTERN


def parse_start(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("--start needs a UTC offset, e.g. 2026-09-12T17:00:00Z")
    return moment.astimezone(UTC)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m espn.replay", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--speed", type=float, default=60.0, help="replay seconds per real second")
    parser.add_argument("--start", type=parse_start, help="pin the replay's start (ISO 8601 with offset)")
    parser.add_argument("--first-kickoff", type=float, default=60.0, help="replay seconds to the first kickoff")
    parser.add_argument("--stagger", type=float, default=120.0, help="replay seconds between kickoffs")
    parser.add_argument("--max-game-minutes", type=float, default=180.0, help="compress longer games to this")
    parser.add_argument("--games", default="", help="comma-separated event ids (default: all)")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of ESPN requests that fail")
    parser.add_argument("--fault-kinds", default=",".join(FAULT_KINDS), help="failures to draw from")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--hang-seconds", type=float, default=30.0, help="how long a timeout fault holds")
    parser.add_argument("--outage-start", type=float, help="seconds after start when the outage begins")
    parser.add_argument("--outage-seconds", type=float, default=0.0)
    parser.add_argument("--outage-clock", choices=("real", "replay"), default="real")
    parser.add_argument("--seed", type=int)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> ReplayConfig:
    faults = FaultConfig(
        error_rate=args.error_rate,
        kinds=tuple(k for k in args.fault_kinds.split(",") if k),
        latency_ms=args.latency_ms,
        hang_seconds=args.hang_seconds,
        outage_start=args.outage_start,
        outage_seconds=args.outage_seconds,
        outage_clock=args.outage_clock,
        seed=args.seed,
    )
    return ReplayConfig(
        start=args.start,
        speed=args.speed,
        first_kickoff_after=args.first_kickoff,
        stagger=args.stagger,
        max_game_seconds=args.max_game_minutes * 60,
        game_ids=tuple(g for g in args.games.split(",") if g),
        faults=faults,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    server = make_server(args.host, args.port, config_from_args(args))
    replay = server.replay
    print(f"ESPN replay at {server.url}  (speed x{replay.config.speed:g})")
    print(f"  ESPN base URL: {server.espn_base_url}")
    print(f"  status:        {server.url}/replay/status")
    for game in replay.games:
        recording = game.recording
        home, away = recording.competitor("home"), recording.competitor("away")
        kickoff_et = game.kickoff.astimezone(EASTERN)
        final_et = game.final_at.astimezone(EASTERN)
        print(
            f"  {recording.espn_league:<26} {recording.event_id:>10}  "
            f"{away['team']['abbreviation']:>4} @ {home['team']['abbreviation']:<4}  "
            f"kickoff {kickoff_et:%Y-%m-%d %H:%M %Z} ({game.kickoff:%H:%MZ}), final ~{final_et:%H:%M %Z}  "
            f"-> {away['team']['abbreviation']} {recording.final_away_score}, "
            f"{home['team']['abbreviation']} {recording.final_home_score}"
        )
    sys.stdout.flush()  # show the game list at once even when stdout is a file
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
