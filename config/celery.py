import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("scores")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Prometheus (ops/metrics.py): a pool process that exits is marked dead; a worker can serve its
# own /metrics on WORKER_METRICS_PORT (for machines without a web process sharing its metrics dir).
@signals.worker_process_shutdown.connect
def _metrics_process_exit(pid: int | None = None, **kwargs: object) -> None:
    from ops.metrics import mark_process_dead

    mark_process_dead(pid or os.getpid())


@signals.worker_ready.connect
def _metrics_server(**kwargs: object) -> None:
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        from ops.metrics import start_worker_metrics_server

        start_worker_metrics_server(settings.WORKER_METRICS_PORT)
