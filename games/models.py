from django.db import models

from espn import leagues
from espn.snapshots import Phase

__all__ = ["Phase"]  # pick'em takes the game's phase from here, not from the ESPN client


class EspnLeague(models.TextChoices):
    """ESPN's sport/league pairs (their facts: espn.leagues). Not a pick'em league (picks.PickemLeague)."""

    NFL = leagues.NFL.slug, leagues.NFL.label
    COLLEGE_FOOTBALL = leagues.COLLEGE_FOOTBALL.slug, leagues.COLLEGE_FOOTBALL.label
    NBA = leagues.NBA.slug, leagues.NBA.label
    WNBA = leagues.WNBA.slug, leagues.WNBA.label
    NHL = leagues.NHL.slug, leagues.NHL.label
    MLB = leagues.MLB.slug, leagues.MLB.label


def espn_league_label(espn_league: str) -> str:
    """A readable name for any sport/league slug, tracked by configuration or not."""
    return leagues.league_of(espn_league).label


class Season(models.Model):
    espn_league = models.CharField(max_length=64, help_text="ESPN sport/league, e.g. football/nfl")
    year = models.PositiveIntegerField(help_text="ESPN's season year (NFL and college: the year it starts)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["espn_league", "year"], name="season_unique_per_league")]
        ordering = ["espn_league", "-year"]

    def __str__(self) -> str:
        return f"{espn_league_label(self.espn_league)} {self.year}"


class Team(models.Model):
    # ESPN team ids are per league (NFL team 1 is not college team 1).
    espn_league = models.CharField(max_length=64)
    espn_id = models.CharField(max_length=64)
    abbreviation = models.CharField(max_length=16)
    display_name = models.CharField(max_length=128)
    short_name = models.CharField(max_length=64, blank=True)
    location = models.CharField(max_length=128, blank=True)
    name = models.CharField(max_length=128, blank=True)
    color = models.CharField(max_length=8, blank=True, help_text="hex without #")
    alternate_color = models.CharField(max_length=8, blank=True)
    logo_url = models.URLField(max_length=300, blank=True)
    is_placeholder = models.BooleanField(default=False, help_text="a team still to be decided (TBD)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["espn_league", "espn_id"], name="team_unique_per_league"),
        ]
        ordering = ["espn_league", "display_name"]

    def __str__(self) -> str:
        return self.display_name


class Game(models.Model):
    espn_id = models.CharField(max_length=32, unique=True)
    espn_league = models.CharField(max_length=64, db_index=True)
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="games")
    season_type = models.PositiveSmallIntegerField(help_text="1 preseason, 2 regular, 3 postseason")
    week = models.PositiveSmallIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)
    short_name = models.CharField(max_length=64, blank=True)
    kickoff = models.DateTimeField(db_index=True)

    home_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="home_games")
    away_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="away_games")
    home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    away_score = models.PositiveSmallIntegerField(null=True, blank=True)
    home_linescores = models.JSONField(default=list, blank=True)
    away_linescores = models.JSONField(default=list, blank=True)

    # ESPN status
    phase = models.CharField(max_length=16, choices=[(p.value, p.value.title()) for p in Phase], db_index=True)
    state = models.CharField(max_length=8, help_text="ESPN state: pre, in or post")
    status_name = models.CharField(max_length=48, help_text="e.g. STATUS_HALFTIME")
    status_detail = models.CharField(max_length=100, blank=True)
    short_detail = models.CharField(max_length=64, blank=True)
    period = models.PositiveSmallIntegerField(default=0)
    display_clock = models.CharField(max_length=16, blank=True)

    # Live situation (football)
    possession_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    down = models.PositiveSmallIntegerField(null=True, blank=True)
    distance = models.PositiveSmallIntegerField(null=True, blank=True)
    yard_line = models.PositiveSmallIntegerField(null=True, blank=True)
    down_distance_text = models.CharField(max_length=64, blank=True)
    possession_text = models.CharField(max_length=32, blank=True)
    is_red_zone = models.BooleanField(default=False)
    last_play = models.TextField(blank=True)

    # Live situation (baseball): the count, outs and runners on base
    balls = models.PositiveSmallIntegerField(null=True, blank=True)
    strikes = models.PositiveSmallIntegerField(null=True, blank=True)
    outs = models.PositiveSmallIntegerField(null=True, blank=True)
    on_first = models.BooleanField(default=False)
    on_second = models.BooleanField(default=False)
    on_third = models.BooleanField(default=False)

    # Soccer: a penalty shoot-out's score (the match score stays level; the shoot-out decides the winner)
    home_shootout_score = models.PositiveSmallIntegerField(null=True, blank=True)
    away_shootout_score = models.PositiveSmallIntegerField(null=True, blank=True)

    # Odds (ESPN's line; gone once the game is live)
    odds_details = models.CharField(max_length=64, blank=True, help_text='e.g. "TB -2.5"')
    spread = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="home team's view: negative = home favoured",
    )
    over_under = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    venue = models.CharField(max_length=200, blank=True)
    venue_city = models.CharField(max_length=120, blank=True)
    neutral_site = models.BooleanField(default=False)
    broadcast = models.CharField(max_length=100, blank=True)

    # Bookkeeping
    content_hash = models.CharField(max_length=32, help_text="hash of what ESPN said; a poll writes only on change")
    last_changed_at = models.DateTimeField()
    final_at = models.DateTimeField(null=True, blank=True)
    score_corrected_at = models.DateTimeField(
        null=True, blank=True, help_text="when ESPN last corrected the score of a game already final"
    )

    class Meta:
        ordering = ["kickoff", "espn_id"]
        indexes = [models.Index(fields=["espn_league", "season", "week"])]

    def __str__(self) -> str:
        return self.short_name or self.name or self.espn_id

    @property
    def is_final(self) -> bool:
        return self.phase == Phase.FINAL

    @property
    def is_live(self) -> bool:
        return self.phase == Phase.LIVE

    @property
    def winner(self) -> Team | None:
        """The winning team of a final game; None for a tie or a game not final."""
        if not self.is_final or self.home_score is None or self.away_score is None:
            return None
        if self.home_score == self.away_score:
            return None
        return self.home_team if self.home_score > self.away_score else self.away_team

    @property
    def shootout_winner(self) -> Team | None:
        """The team that won a penalty shoot-out, for a final decided by one."""
        home, away = self.home_shootout_score, self.away_shootout_score
        if not self.is_final or home is None or away is None or home == away:
            return None
        return self.home_team if home > away else self.away_team


class Play(models.Model):
    """One play of a game as ESPN's summary reported it, keyed by ESPN's sequence number.

    Written by idempotent upserts (games.plays): a fetch adds the plays above the game's
    watermark and rewrites in place any older play ESPN corrected (text, score, win probability).
    """

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="plays")
    sequence = models.BigIntegerField(help_text="ESPN's sequenceNumber: game order")
    espn_id = models.CharField(max_length=40, blank=True)
    period = models.PositiveSmallIntegerField(default=0)
    clock = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    type_text = models.CharField(max_length=64, blank=True)
    home_score = models.PositiveSmallIntegerField(default=0)
    away_score = models.PositiveSmallIntegerField(default=0)
    scoring_play = models.BooleanField(default=False)
    team_espn_id = models.CharField(max_length=32, blank=True)
    down_distance_text = models.CharField(max_length=64, blank=True)
    wallclock = models.DateTimeField(null=True, blank=True)
    home_win_pct = models.FloatField(null=True, blank=True, help_text="ESPN's home win probability after the play")
    content_hash = models.CharField(max_length=32, help_text="hash of what ESPN said; a corrected play is rewritten")
    stored_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["game", "sequence"], name="play_unique_per_game_sequence")]
        ordering = ["game", "sequence"]

    def __str__(self) -> str:
        return f"{self.game_id}#{self.sequence}: {self.text[:60]}"


class TrackingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    AWAITING_KICKOFF = "awaiting_kickoff", "Awaiting kickoff"
    LIVE = "live", "Live"
    FINAL = "final", "Final"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class GameTracking(models.Model):
    """How the poller is following one game, from its schedule to its final (games.tracking)."""

    game = models.OneToOneField(Game, on_delete=models.CASCADE, primary_key=True, related_name="tracking")
    status = models.CharField(max_length=20, choices=TrackingStatus.choices, default=TrackingStatus.SCHEDULED)
    status_since = models.DateTimeField()
    scheduled_since = models.DateTimeField(null=True, blank=True)
    awaiting_since = models.DateTimeField(null=True, blank=True)
    live_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="final, postponed or cancelled")

    # Summary fetches (games.summary_fetch)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0, help_text="fetches made after a failed one")
    last_error = models.CharField(max_length=300, blank=True)
    final_fetch_at = models.DateTimeField(null=True, blank=True, help_text="the one fetch after the final")

    # Plays (games.plays)
    play_watermark = models.BigIntegerField(null=True, blank=True, help_text="highest play sequence stored")
    plays_stored = models.PositiveIntegerField(default=0)
    plays_version = models.PositiveIntegerField(default=0, help_text="bumped by every write of plays (ETags)")

    # Stuck-game alerts (games.tracking): code -> ISO time it was raised
    alerts = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]
        verbose_name = "followed game"

    def __str__(self) -> str:
        return f"{self.game_id}: {self.status}"

    @property
    def needs_attention(self) -> bool:
        return bool(self.alerts) or self.status == TrackingStatus.FAILED
