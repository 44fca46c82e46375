"""The replay HTTP server: answers ESPN's site-API URLs from recorded games.

- GET /apis/site/v2/sports/football/{nfl|college-football}/scoreboard?dates=YYYYMMDD&groups=80&limit=N
- GET .../scoreboard?dates=YYYY&seasontype=N&week=W (ESPN's week view: the games recorded in that week)
- GET /apis/site/v2/sports/football/{nfl|college-football}/summary?event={id}
- GET /replay/status (never faulted): what the replay is doing and the finals to expect
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .clock import Clock, ReplayClock
from .faults import HTML_200, HTML_502, HTTP_500, OUTAGE, TIMEOUT, TRUNCATED, FaultConfig, FaultInjector
from .recording import load_recordings
from .report import status_report
from .scoreboard import scoreboard_event, scoreboard_payload
from .summary import summary_payload
from .timeline import EASTERN, ScheduledGame, schedule_games, state_at

log = logging.getLogger(__name__)

ESPN_PATH = re.compile(r"^/apis/site/v2/sports/(?P<sport>[^/]+)/(?P<league>[^/]+)/(?P<endpoint>[^/]+)/?$")
ESPN_DAY = re.compile(r"^\d{8}$")
ESPN_YEAR = re.compile(r"^\d{4}$")
ESPN_RANGE = re.compile(r"^\d{8}-\d{8}$")
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"
# ESPN quietly answers only 25 events when asked for more than 500 (notes §5.15).
MAX_LIMIT, OVER_LIMIT_EVENTS = 500, 25
RANKED, UNRANKED = 25, 99  # ESPN's curatedRank for an unranked team is 99


@dataclass(frozen=True)
class ReplayConfig:
    start: datetime | None = None  # the replay's origin (aware); None = when the server starts
    speed: float = 60.0  # replay seconds per real second
    first_kickoff_after: float = 60.0  # replay seconds from start to the first kickoff
    stagger: float = 120.0  # replay seconds between kickoffs
    max_game_seconds: float = 3 * 3600.0  # longer recordings are compressed to this
    game_ids: tuple[str, ...] = ()  # a subset of the recorded games (default: all)
    faults: FaultConfig = field(default_factory=FaultConfig)


class Replay:
    """Everything the server answers from: the scheduled games, the clock and the faults."""

    def __init__(self, config: ReplayConfig, clock: Clock | None = None) -> None:
        self.config = config
        if config.speed <= 0:
            raise ValueError("ReplayConfig.speed must be positive")
        origin = config.start or datetime.now(UTC)
        if origin.tzinfo is None:
            raise ValueError("ReplayConfig.start must be timezone-aware")
        self.origin = origin
        self.clock = clock or ReplayClock(origin, config.speed)
        recordings = load_recordings()
        if config.game_ids:
            unknown = set(config.game_ids) - {r.event_id for r in recordings}
            if unknown:
                raise ValueError(f"no recording for games {sorted(unknown)}")
            recordings = tuple(r for r in recordings if r.event_id in config.game_ids)
        self.games: tuple[ScheduledGame, ...] = schedule_games(
            recordings,
            origin,
            first_kickoff_after=config.first_kickoff_after,
            stagger=config.stagger,
            max_game_seconds=config.max_game_seconds,
        )
        self.faults = FaultInjector(config.faults)

    def elapsed(self) -> float:
        """Replay seconds since the replay's start."""
        return (self.clock.now() - self.origin).total_seconds()

    def scoreboard(self, espn_league: str, query: dict[str, str]) -> tuple[int, dict]:
        if "week" in query:
            return self.week_scoreboard(espn_league, query)
        now = self.clock.now()
        dates = query.get("dates", now.astimezone(EASTERN).strftime("%Y%m%d"))
        if not ESPN_DAY.match(dates):
            # Ranges stopped working on ESPN in 2026 (notes §5.17); so do malformed dates.
            return 400, {"code": 400, "message": "Failed to get events endpoint."}
        try:
            day = date(int(dates[:4]), int(dates[4:6]), int(dates[6:]))
        except ValueError:
            return 400, {"code": 400, "message": "Failed to get events endpoint."}
        return 200, self.listing(espn_league, query, now, lambda game: game.eastern_date == day)

    def week_scoreboard(self, espn_league: str, query: dict[str, str]) -> tuple[int, dict]:
        """ESPN's week view (dates=YYYY&seasontype=N&week=W): the games recorded in that season, season
        type and week (as their events say), with the top-level `season` and `week` ESPN sends."""
        season, season_type, week = query.get("dates", ""), query.get("seasontype", "2"), query["week"]
        if not (ESPN_YEAR.match(season) and season_type.isdigit() and week.isdigit()):
            return 400, {"code": 400, "message": "Failed to get events endpoint."}
        wanted = (int(season), int(season_type), int(week))
        payload = self.listing(espn_league, query, self.clock.now(), lambda game: game.recording.season_week == wanted)
        leagues = payload.pop("leagues")
        return 200, {
            "leagues": leagues,
            "season": {"type": wanted[1], "year": wanted[0]},
            "week": {"number": wanted[2]},
            **payload,
        }

    def listing(
        self, espn_league: str, query: dict[str, str], now: datetime, wanted: Callable[[ScheduledGame], bool]
    ) -> dict:
        """A scoreboard of the league's wanted games at `now`, with `groups` and `limit` applied."""
        groups = query.get("groups") or None
        games = [g for g in self.games if g.espn_league == espn_league and wanted(g) and self.listed(g, groups)]
        games.sort(key=lambda g: (g.kickoff, g.event_id))
        games = games[: event_limit(query.get("limit"))]
        events = [scoreboard_event(g, state_at(g, now)) for g in games]
        echoed_groups = groups if espn_league == "football/college-football" else None
        return scoreboard_payload(espn_league, events, echoed_groups)

    @staticmethod
    def listed(game: ScheduledGame, groups: str | None) -> bool:
        """College scoreboards: `groups=G` lists games in group G (80 = FBS, or a conference);
        without groups only top-25 games, as ESPN's default college scoreboard is a featured
        subset. NFL ignores groups."""
        recording = game.recording
        if not recording.is_college:
            return True
        if groups:
            return groups in recording.groups
        ranks = [int(c.get("rank") or UNRANKED) for c in recording.competition["competitors"]]
        return min(ranks) <= RANKED

    def summary(self, espn_league: str, query: dict[str, str]) -> tuple[int, dict]:
        event_id = query.get("event", "")
        if not event_id:
            return 400, {"code": 400, "message": "Failed to get event summary: missing event."}
        game = next((g for g in self.games if g.event_id == event_id and g.espn_league == espn_league), None)
        if game is None:
            return 404, {"code": 404, "message": f"Failed to get event summary for event {event_id}."}
        return 200, summary_payload(game, state_at(game, self.clock.now()))

    def status(self) -> dict:
        now = self.clock.now()
        extra = {
            "start": self.origin.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "speed": self.config.speed,
            "faults": {**asdict(self.config.faults), **self.faults.report()},
        }
        return status_report([(g, state_at(g, now)) for g in self.games], now, extra)


def event_limit(raw: str | None) -> int | None:
    if not raw or not raw.isdigit():
        return None
    limit = int(raw)
    return OVER_LIMIT_EVENTS if limit > MAX_LIMIT else limit


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung (timeout-fault) request must not hold up shutdown

    def __init__(self, address: tuple[str, int], replay: Replay) -> None:
        super().__init__(address, ReplayHandler)
        self.replay = replay

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    @property
    def espn_base_url(self) -> str:
        """What the ESPN client should use in place of https://site.api.espn.com/apis/site/v2/sports."""
        return f"{self.url}/apis/site/v2/sports"


def make_server(host: str, port: int, config: ReplayConfig, clock: Clock | None = None) -> ReplayServer:
    """A replay server bound to host:port (port 0 = any free port); call serve_forever()."""
    return ReplayServer((host, port), Replay(config, clock))


class ReplayHandler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        replay = self.server.replay
        if parts.path.rstrip("/") == "/replay/status":
            self.send_json(200, replay.status())
            return
        match = ESPN_PATH.match(parts.path)
        if not match:
            self.send_json(404, {"code": 404, "message": "Not found."})
            return
        fault = replay.faults.next_fault(replay.elapsed(), replay.config.speed)
        if fault == OUTAGE:
            self.send_body(*FAULT_ANSWERS[OUTAGE])
            return
        if replay.config.faults.latency_ms:
            time.sleep(replay.config.faults.latency_ms / 1000)
        status, body = self.espn_answer(match["sport"], match["league"], match["endpoint"], query)
        self.send_espn(status, body, fault)

    def espn_answer(self, sport: str, league: str, endpoint: str, query: dict[str, str]) -> tuple[int, dict]:
        espn_league = f"{sport}/{league}"
        replay = self.server.replay
        if espn_league not in ("football/nfl", "football/college-football"):
            return 404, {"code": 404, "message": f"Unknown league {espn_league}."}
        if endpoint == "scoreboard":
            return replay.scoreboard(espn_league, query)
        if endpoint == "summary":
            return replay.summary(espn_league, query)
        return 404, {"code": 404, "message": "Not found."}

    def send_espn(self, status: int, body: dict, fault: str | None) -> None:
        encoded = json.dumps(body, separators=(",", ":")).encode()
        if fault == TIMEOUT:
            time.sleep(self.server.replay.config.faults.hang_seconds)
            self.close_connection = True  # the client gave up long ago: say nothing
        elif fault == TRUNCATED:
            self.send_body(status, JSON_TYPE, encoded[: max(len(encoded) // 2, 1)])
        elif fault in FAULT_ANSWERS:
            self.send_body(*FAULT_ANSWERS[fault])
        else:
            self.send_body(status, JSON_TYPE, encoded)

    def send_json(self, status: int, body: dict) -> None:
        self.send_body(status, JSON_TYPE, json.dumps(body).encode(), cache=False)

    def send_body(self, status: int, content_type: str, body: bytes, cache: bool = True) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            # ESPN's scoreboard says max-age=2 (notes §5.16); no ETag or Last-Modified.
            self.send_header("Cache-Control", "max-age=2" if cache else "no-store")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


def error_page(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode()


# Faults answered with a fixed (status, content type, body).
FAULT_ANSWERS = {
    OUTAGE: (503, HTML_TYPE, error_page("503 Service Unavailable")),
    HTTP_500: (500, JSON_TYPE, b'{"code":500,"message":"Internal Server Error"}'),
    HTML_200: (200, HTML_TYPE, error_page("Service temporarily unavailable")),
    HTML_502: (502, HTML_TYPE, error_page("502 Bad Gateway")),
}
