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

# Sent inside the ingest transaction, before the games' rows are written, with keyword arguments:
#   last_open_spreads: {Game primary key: spread (Decimal or None)} for the games this write locks
#                      (stored as scheduled, now under way or past kickoff), each with the spread it
#                      had while still open: a line ESPN moves in the same poll never replaces it
#   now:               the ingest's time
# A receiver that raises rolls the write back: what it records is committed with the write or not at all.
games_locking = Signal()
