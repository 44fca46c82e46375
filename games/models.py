from django.db import models

from espn.snapshots import Phase


class EspnLeague(models.TextChoices):
    """ESPN's sport/league pairs. Not to be confused with a pick'em league (picks.PickemLeague)."""

    NFL = "football/nfl", "NFL"
    COLLEGE_FOOTBALL = "football/college-football", "College football"
    NBA = "basketball/nba", "NBA"
    NHL = "hockey/nhl", "NHL"
    MLB = "baseball/mlb", "MLB"


def espn_league_label(espn_league: str) -> str:
    """A readable name for any sport/league slug, tracked by configuration or not."""
    try:
        return EspnLeague(espn_league).label
    except ValueError:
        return espn_league.split("/")[-1].upper()


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
