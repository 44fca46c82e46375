"""One HTTP request through an ASGI application in-process, as uvicorn would send it."""

from __future__ import annotations

import asyncio

from tests.event_loops import in_own_thread


def asgi_request(
    application, method: str, path: str, *, body: bytes = b"", headers=(), host: str = "testserver"
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer's status, headers (as sent) and body; the request runs on its own loop in its own thread."""
    sent: list[dict] = []

    async def scenario():
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            if messages:
                return messages.pop()
            await asyncio.Future()  # no disconnect: Django cancels this wait once it has answered

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(b"host", host.encode()), *headers], "client": ("127.0.0.1", 5000), "server": (host, 80),
        }  # fmt: skip
        await application(scope, receive, send)

    in_own_thread(lambda: asyncio.run(scenario()))
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:])
