"""A pick no longer carries its line at lock: it was a copy of its game's `GameLine` or `PublishedLine`,
written on every pick by every grading even in straight-up leagues. The line a pick is graded on is
derived from its league's rule (`picks.selectors.pick_lines`), and grading writes fewer bytes per pick.

Reversing adds the column back empty: the next regrade of a game does not refill it either.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("picks", "0008_pick_fillfactor_45")]

    operations = [migrations.RemoveField(model_name="pick", name="line_at_lock")]
