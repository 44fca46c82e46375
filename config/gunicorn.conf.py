"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.conf.py config.asgi`).

ASGI: uvicorn workers (config/asgi_worker.py), so that a process holds thousands of open event
streams (GET /api/games/live/stream/) on one event loop. Django runs the synchronous views in a
thread beside it. No max-requests recycling: it would cut every stream of the recycled process.
Every value can be changed from the environment; the defaults suit a small machine.
"""

import os

# All interfaces by default (containers, a proxy in front); WEB_HOST=127.0.0.1 keeps a machine's site to itself.
bind = f"{os.environ.get('WEB_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
worker_class = "config.asgi_worker.WebWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
keepalive = 5
timeout = 30
graceful_timeout = 20
# One open file per stream client: raise the soft limit to the hard one (at most WEB_MAX_OPEN_FILES).
WEB_MAX_OPEN_FILES = int(os.environ.get("WEB_MAX_OPEN_FILES", "65536"))
accesslog = "-"
# One line per request, key=value like the application's log lines.
access_log_format = 'ts="%(t)s" logger=gunicorn.access method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s ms=%(M)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def raise_open_files_limit(wanted: int = WEB_MAX_OPEN_FILES) -> int:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def on_starting(server):
    server.log.info("open files limit %s", raise_open_files_limit())  # the workers inherit it
    # Prometheus multiprocess mode: every process writes its counters here; /metrics adds them up.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
