"""Leave room in each page of the pick table so grading's UPDATEs can be HOT (PostgreSQL only).

Grading rewrites result, points, graded_at and line_at_lock, none of them indexed: with free
space in the page, PostgreSQL writes the new row version beside the old one and skips every
index (a heap-only tuple), instead of adding an entry to each of the table's indexes.
"""

from django.db import migrations

from picks.sql import pick_fillfactor

FILLFACTOR = 70


class Migration(migrations.Migration):
    dependencies = [("picks", "0002_drop_indexes_covered_by_constraints")]

    operations = [pick_fillfactor(FILLFACTOR, previous=100)]
