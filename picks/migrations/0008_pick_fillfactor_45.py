"""55% of each page of the pick table left free: a pick now also carries whether it was made for
the member (`auto`), and at 50% a page filled with one game's picks no longer held a graded copy
of every row, so some of grading's updates left the page and added an entry to every index.

Applies to pages written from now on, like the earlier fillfactor migrations.
"""

from django.db import migrations

FILLFACTOR = 45
PREVIOUS_FILLFACTOR = 50


def set_fillfactor(apps, schema_editor, value: int = FILLFACTOR) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("picks", "Pick")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, value=PREVIOUS_FILLFACTOR)


class Migration(migrations.Migration):
    dependencies = [("picks", "0007_pick_reminders")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
