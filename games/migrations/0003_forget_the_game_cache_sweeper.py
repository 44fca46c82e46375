"""The beat entry `cleanup-old-game-cache` swept the per-game Redis keys (`scores:game:{espn_id}`),
which nothing read and the poll no longer writes. django-celery-beat's database scheduler keeps
entries that left CELERY_BEAT_SCHEDULE, so beat would go on sending a task no worker knows."""

from django.db import migrations

SWEEPER = "cleanup-old-game-cache"


def forget_the_sweeper(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=SWEEPER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("games", "0002_plays_tracking_baseball_shootout"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forget_the_sweeper, migrations.RunPython.noop)]
