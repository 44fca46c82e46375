from django.urls import path

from . import health, metrics, status

urlpatterns = [
    path("health/", health.health_view, name="health"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/status/", status.StatusApi.as_view(), name="api-status"),
]
