"""gunicorn's worker for the web: uvicorn (uvloop, httptools) serving config.asgi.

Streams never end by themselves: at shutdown uvicorn stops accepting, waits this long for open
responses, then cancels them; their browsers reconnect (with Last-Event-ID) to another process.
"""

import os

from uvicorn_worker import UvicornWorker


class WebWorker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",  # Django has no lifespan handler
        "timeout_graceful_shutdown": int(os.environ.get("WEB_STREAM_GRACE_SECONDS", "5")),
    }
