"""Names for the raw SQL that grading and auto-picks write (set-based UPDATE and INSERT ... SELECT)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, migrations, models


def quoted_table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def quoted_columns(model: type[models.Model], names: Iterable[str]) -> str:
    """The named fields' columns, quoted for this database, comma-separated."""
    columns = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # a concrete column, not a reverse relation
        columns.append(connection.ops.quote_name(field.column))
    return ", ".join(columns)


def pick_fillfactor(value: int, *, previous: int) -> migrations.RunPython:
    """A migration step that leaves (100 - value)% of each new page of the pick table free (PostgreSQL only),
    so that grading's UPDATEs stay HOT; reversed, it puts back the previous figure. Existing pages keep
    their layout until the table is rewritten (VACUUM FULL or CLUSTER)."""

    def set_to(figure: int):
        def run(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                table = schema_editor.quote_name(apps.get_model("picks", "Pick")._meta.db_table)
                schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(figure)})")

        return run

    return migrations.RunPython(set_to(value), set_to(previous))
