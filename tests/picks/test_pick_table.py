"""The pick table's storage settings, as the migrations leave them (PostgreSQL only)."""

from __future__ import annotations

import pytest
from django.db import connection

from picks.models import Pick

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fillfactor is a PostgreSQL storage parameter")
def test_the_pick_table_leaves_room_for_grading_to_update_in_place():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Pick._meta.db_table])
        [options] = cursor.fetchone()
    assert options == ["fillfactor=45"]
