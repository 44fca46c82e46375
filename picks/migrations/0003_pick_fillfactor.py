"""Leave room in each page of the pick table so grading's UPDATEs can be HOT (PostgreSQL only).

Grading rewrites result, points, graded_at and line_at_lock, none of them indexed: with free
space in the page, PostgreSQL writes the new row version beside the old one and skips every
index (a heap-only tuple), instead of adding an entry to each of the table's indexes.
"""

from django.db import migrations

FILLFACTOR = 70


def set_fillfactor(apps, schema_editor, value: int = FILLFACTOR) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("picks", "Pick")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):
    dependencies = [("picks", "0002_drop_indexes_covered_by_constraints")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
