"""What `games` announces to the rest of the project. It knows nothing of who listens."""

from django.dispatch import Signal

# Sent after the ingest transaction commits, with keyword arguments holding Game primary keys:
#   final_ids:     games that have just gone final
#   corrected_ids: games already final whose score ESPN corrected
#   voided_ids:    games just postponed or cancelled
game_results_changed = Signal()

# Sent after a poll's commit and the live feed's publication, with `espn_ids`: the games whose
# score, status or situation changed in that poll.
games_changed = Signal()
