"""A Server-Sent Events client for tests that behaves like a browser's EventSource.

It reads in a thread, keeps the state of the games as a page would (a `snapshot` replaces it, a
`games` event replaces the games it carries) and, when the connection ends or cannot be made,
reconnects after a short delay with the last event id it received.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import threading
import time
from dataclasses import dataclass, field


@dataclass
class SseClient:
    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    reconnect_seconds: float = 0.5
    last_event_id: str | None = None
    games: dict[int, dict] = field(default_factory=dict)
    events: list[tuple[str, str | None, float]] = field(default_factory=list)  # (event, id, received at)
    connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _conn: http.client.HTTPConnection | None = None

    def start(self) -> SseClient:
        self._thread = threading.Thread(target=self._run, name=f"sse {self.path}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(2)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def snapshot(self) -> dict[int, dict]:
        with self._lock:
            return copy.deepcopy(self.games)

    def event_names(self) -> list[str]:
        with self._lock:
            return [name for name, _, _ in self.events]

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, http.client.HTTPException):
                self._read_one_connection()
            if not self._stop.is_set():
                time.sleep(self.reconnect_seconds)  # EventSource's retry delay

    def _read_one_connection(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self._conn = conn
        headers = {"Accept": "text/event-stream", **self.headers}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        conn.request("GET", self.path, headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            response.read()
            raise http.client.HTTPException(f"status {response.status}")
        self.connections += 1
        name, data, event_id = "message", [], None
        while not self._stop.is_set():
            line = response.readline()
            if not line:
                return  # the server closed the stream
            line = line.decode().rstrip("\r\n")
            if line == "":
                if data:
                    self._dispatch(name, "\n".join(data), event_id)
                name, data, event_id = "message", [], None
                continue
            if line.startswith(":"):
                continue
            field_name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field_name == "event":
                name = value
            elif field_name == "data":
                data.append(value)
            elif field_name == "id":
                event_id = value

    def _dispatch(self, name: str, data: str, event_id: str | None) -> None:
        document = json.loads(data)
        with self._lock:
            if event_id is not None:
                self.last_event_id = event_id
            if name == "snapshot":
                self.games = {game["id"]: game for game in document["games"]}
            elif name == "games":
                for game in document["games"]:
                    self.games[game["id"]] = game
            self.events.append((name, event_id, time.time()))
            self.last_document = document
