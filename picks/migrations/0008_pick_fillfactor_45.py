"""55% of each page of the pick table left free: a pick now also carries whether it was made for
the member (`auto`), and at 50% a page filled with one game's picks no longer held a graded copy
of every row, so some of grading's updates left the page and added an entry to every index.

Applies to pages written from now on, like the earlier fillfactor migrations.
"""

from django.db import migrations

from picks.sql import pick_fillfactor

FILLFACTOR = 45
PREVIOUS_FILLFACTOR = 50


class Migration(migrations.Migration):
    dependencies = [("picks", "0007_pick_reminders")]

    operations = [pick_fillfactor(FILLFACTOR, previous=PREVIOUS_FILLFACTOR)]
