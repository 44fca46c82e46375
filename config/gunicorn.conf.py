"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

gthread workers: keep-alive and a few threads per process for the ETag polling of /api/games/live/.
Every value can be changed from the environment; the defaults suit a small machine.
"""

import os

# All interfaces by default (containers, a proxy in front); WEB_HOST=127.0.0.1 keeps a machine's site to itself.
bind = f"{os.environ.get('WEB_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5
max_requests = 2000  # a leaking process is replaced now and then; jitter so that not all at once
max_requests_jitter = 200
timeout = 30
graceful_timeout = 20
accesslog = "-"
# One line per request, key=value like the application's log lines.
access_log_format = 'ts="%(t)s" logger=gunicorn.access method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s ms=%(M)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    # Prometheus multiprocess mode: every process writes its counters here; /metrics adds them up.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
