"""ESPN's public site API: the client, parsing into typed snapshots, and the replay server. No Django."""

from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")  # ESPN files games under their kickoff's US-Eastern date
