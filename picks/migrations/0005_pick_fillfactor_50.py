"""Half of each page of the pick table left free, so that grading a whole game's picks stays HOT.

A pick grows when it is graded (a result, a line and a time), and a HOT update needs its new row
version on the same page as the old one. Picks made together (one game's picks, written in a
row) fill pages with picks of the same game: grading that game rewrites every row of those pages,
so each page needs room for a second version of all its rows. At 70 most of them did not fit and
went to other pages with a new entry in each of the table's four indexes: a million-pick game
then wrote a gigabyte of WAL. At 50 the old versions are pruned by the next access after the
grading commits, and the table stays smaller than one grown by non-HOT updates at 70.

Applies to pages written from now on; existing pages keep their layout until the table is
rewritten (VACUUM FULL or CLUSTER).
"""

from django.db import migrations

from picks.sql import pick_fillfactor

FILLFACTOR = 50
PREVIOUS_FILLFACTOR = 70


class Migration(migrations.Migration):
    dependencies = [("picks", "0004_score_corrections")]

    operations = [pick_fillfactor(FILLFACTOR, previous=PREVIOUS_FILLFACTOR)]
