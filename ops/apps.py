from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health, poller status, metrics and the admin's poller panel: how an operator sees the poller."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = "Operations"
