"""Names for the raw SQL that grading and auto-picks write (set-based UPDATE and INSERT ... SELECT)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


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
