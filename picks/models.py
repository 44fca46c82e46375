"""Pick'em leagues, their members' entries, picks, and the bookkeeping of locking and grading.

A pick'em league (never just "league": an ESPN league is something else) follows one ESPN
league's season. A member's entry holds their picks, one per game; the week of a pick is
ESPN's (season type, week) of its game.
"""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from espn.leagues import PICKEM_LEAGUES
from games.models import Game, Team, espn_league_label

INVITE_CODE_BYTES = 9  # 12 URL-safe characters


def new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


class ScoringMode(models.TextChoices):
    STRAIGHT_UP = "straight_up", "Straight up: one point per correct pick"
    CONFIDENCE = "confidence", "Confidence points: each pick of a week gets a distinct weight"


class PoolType(models.TextChoices):
    PICKEM = "pickem", "Pick'em: pick the winner of every game"
    SURVIVOR = "survivor", "Survivor: one team a week, each team once; a loss costs a life"


class MissedPicks(models.TextChoices):
    NONE = "none", "A missed pick scores nothing"
    FAVOURITE = "favourite", "Pick the favourite at lock (the home team when there is no line)"
    LOWEST_MINUS_ONE = "lowest_minus_one", "A whole missed week scores the week's lowest score minus one"


class LineLock(models.TextChoices):
    KICKOFF = "kickoff", "At each game's kickoff"
    WEEKLY = "weekly", "At a weekly publication time (US Eastern)"


class PostponedGames(models.TextChoices):
    VOID = "void", "Void the picks"
    KEEP_SAME_WEEK = "keep_same_week", "Keep the picks when the game is rescheduled within the same week"


class SurvivorMissedWeek(models.TextChoices):
    LOSS = "loss", "Counts as a loss"
    FAVOURITE = "favourite", "The first favourite not used yet is picked for the member"


class SurvivorAllOut(models.TextChoices):
    CO_WINNERS = "co_winners", "They are co-winners"
    STAY_ALIVE = "stay_alive", "Nobody falls that week: they all play on"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


MAX_ENTRIES_PER_MEMBER = 10
MAX_SURVIVOR_LIVES = 3
MAX_DROPPED_WEEKS = 10


class PickResult(models.TextChoices):
    PENDING = "pending", "Pending"
    WIN = "win", "Win"
    LOSS = "loss", "Loss"
    PUSH = "push", "Push"
    VOID = "void", "Void"


class ChangeSource(models.TextChoices):
    WEB = "web", "Web page"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    DEMO = "demo", "Demo seed"


# The ESPN leagues a pick'em league can follow.
PICKEM_ESPN_LEAGUES = [(league.slug, league.label) for league in PICKEM_LEAGUES]


class PickemLeague(models.Model):
    name = models.CharField(max_length=80)
    espn_league = models.CharField(max_length=64, choices=PICKEM_ESPN_LEAGUES, help_text="the ESPN league it follows")
    season_year = models.PositiveIntegerField(help_text="ESPN's season year (the year the season starts)")
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissioned_pickem_leagues"
    )
    invite_code = models.CharField(max_length=32, unique=True, default=new_invite_code)
    scoring = models.CharField(max_length=16, choices=ScoringMode.choices, default=ScoringMode.STRAIGHT_UP)
    against_spread = models.BooleanField(
        default=False, help_text="graded against ESPN's line as it stood when the game locked"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # League rules: chosen before the season, frozen from the first lock (see leagues.RULE_FIELDS).
    pool_type = models.CharField(
        max_length=16, choices=PoolType.choices, default=PoolType.PICKEM, db_default=PoolType.PICKEM
    )
    entries_per_member = models.PositiveSmallIntegerField(
        default=1, db_default=1, help_text="how many entries a member may hold"
    )
    missed_picks = models.CharField(
        max_length=20, choices=MissedPicks.choices, default=MissedPicks.NONE, db_default=MissedPicks.NONE
    )
    line_lock = models.CharField(
        max_length=16, choices=LineLock.choices, default=LineLock.KICKOFF, db_default=LineLock.KICKOFF
    )
    line_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        default=Weekday.TUESDAY,
        db_default=Weekday.TUESDAY,
        help_text="weekly line lock: the day, US Eastern",
    )
    line_time = models.TimeField(
        default=time(12, 0), db_default=time(12, 0), help_text="weekly line lock: the time, US Eastern"
    )
    postponed_games = models.CharField(
        max_length=16, choices=PostponedGames.choices, default=PostponedGames.VOID, db_default=PostponedGames.VOID
    )
    drop_lowest_weeks = models.PositiveSmallIntegerField(
        default=0, db_default=0, help_text="season standings: weeks dropped"
    )
    survivor_lives = models.PositiveSmallIntegerField(default=1, db_default=1)
    survivor_tie_costs_life = models.BooleanField(default=False, db_default=False)
    survivor_buyback_until_week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="regular-season week up to which an eliminated entry may buy back in"
    )
    survivor_missed_week = models.CharField(
        max_length=16,
        choices=SurvivorMissedWeek.choices,
        default=SurvivorMissedWeek.LOSS,
        db_default=SurvivorMissedWeek.LOSS,
    )
    survivor_all_out = models.CharField(
        max_length=16,
        choices=SurvivorAllOut.choices,
        default=SurvivorAllOut.CO_WINNERS,
        db_default=SurvivorAllOut.CO_WINNERS,
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(espn_league__in=[value for value, _ in PICKEM_ESPN_LEAGUES]),
                name="pickem_league_follows_football",
            ),
            models.CheckConstraint(condition=Q(scoring__in=ScoringMode.values), name="pickem_league_scoring_known"),
            models.CheckConstraint(condition=Q(pool_type__in=PoolType.values), name="pickem_league_pool_type_known"),
            models.CheckConstraint(
                condition=Q(entries_per_member__gte=1, entries_per_member__lte=MAX_ENTRIES_PER_MEMBER),
                name="pickem_league_entries_per_member_range",
            ),
            models.CheckConstraint(
                condition=Q(survivor_lives__gte=1, survivor_lives__lte=MAX_SURVIVOR_LIVES),
                name="pickem_league_survivor_lives_range",
            ),
            # A survivor pick is a team to win outright: no weights, no spread.
            models.CheckConstraint(
                condition=~Q(pool_type=PoolType.SURVIVOR) | Q(scoring=ScoringMode.STRAIGHT_UP, against_spread=False),
                name="pickem_league_survivor_straight_up",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def espn_league_label(self) -> str:
        return espn_league_label(self.espn_league)

    @property
    def uses_confidence(self) -> bool:
        return self.scoring == ScoringMode.CONFIDENCE

    @property
    def is_survivor(self) -> bool:
        return self.pool_type == PoolType.SURVIVOR

    @property
    def rules_summary(self) -> str:
        if self.is_survivor:
            lives = f"{self.survivor_lives} li{'ves' if self.survivor_lives > 1 else 'fe'}"
            return f"survivor, {lives}" + (", a tie costs a life" if self.survivor_tie_costs_life else "")
        rules = "confidence points" if self.uses_confidence else "straight up"
        return f"{rules}, against the spread" if self.against_spread else rules


class EntryQuerySet(models.QuerySet["Entry"]):
    def active(self) -> EntryQuerySet:
        """Entries of current members: a removed member's entries keep their history but count for nothing."""
        return self.filter(removed_at=None)


class Entry(models.Model):
    """A member's place in one pick'em league; it holds their picks."""

    # Foreign keys a unique constraint already indexes (as its first column) get no index of their own.
    league = models.ForeignKey(PickemLeague, on_delete=models.CASCADE, related_name="entries", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pickem_entries")
    # Shown wherever the entry is: a member with several entries tells them apart by name.
    name = models.CharField(max_length=40)
    joined_at = models.DateTimeField(default=timezone.now)
    # A removed member keeps their history (audit trail) but leaves the standings and cannot pick.
    removed_at = models.DateTimeField(null=True, blank=True)
    # Survivor: lives bought back after falling (each adds one life).
    buybacks = models.PositiveSmallIntegerField(default=0, db_default=0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        constraints = [models.UniqueConstraint(fields=["league", "name"], name="entry_name_unique_in_league")]
        indexes = [models.Index(fields=["user", "league"])]

    def __str__(self) -> str:
        return f"{self.name} in {self.league}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class Pick(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="picks", db_index=False)
    game = models.ForeignKey(Game, on_delete=models.PROTECT, related_name="pickem_picks")
    # Never looked up by team alone: an index would only slow down grading's updates.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The game's week when picked: kept here so "distinct weights per week" has a database backstop.
    season_type = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True, help_text="confidence leagues only")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Grading. The line a pick is graded on is not kept here: it is its game's GameLine or PublishedLine,
    # chosen by its league's rule (`selectors.pick_lines`).
    result = models.CharField(max_length=8, choices=PickResult.choices, default=PickResult.PENDING)
    points = models.PositiveIntegerField(default=0)
    graded_at = models.DateTimeField(null=True, blank=True)
    auto = models.BooleanField(
        default=False, db_default=False, help_text="made for the member by the missed-picks rule"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "game"], name="pick_one_per_entry_and_game"),
            # NULL confidences (straight-up leagues) never collide with one another.
            models.UniqueConstraint(
                fields=["entry", "season_type", "week", "confidence"],
                name="pick_confidence_distinct_per_week",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1), name="pick_confidence_positive"
            ),
            models.CheckConstraint(condition=Q(result__in=PickResult.values), name="pick_result_known"),
            models.CheckConstraint(condition=Q(result=PickResult.WIN) | Q(points=0), name="pick_points_only_for_wins"),
        ]

    def __str__(self) -> str:
        return f"{self.entry.name} picks {self.team} ({self.game})"


class WeeklyTiebreaker(models.Model):
    """A guess of the total points of the week's last game; the closest guess wins a tie."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="tiebreakers", db_index=False)
    season_type = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    guess = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "season_type", "week"], name="tiebreaker_one_per_entry_and_week"),
        ]

    def __str__(self) -> str:
        return f"{self.entry}: {self.guess} (week {self.week})"


class PickChange(models.Model):
    """The audit trail: every change of a pick or a tiebreaker guess, from what to what, by whom."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes", db_index=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=ChangeSource.choices, default=ChangeSource.WEB)
    game = models.ForeignKey(Game, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    season_type = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    old_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    new_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    old_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    new_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    old_guess = models.PositiveSmallIntegerField(null=True, blank=True)
    new_guess = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["entry", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.entry} changed {self.game or 'tiebreaker'} at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def is_tiebreaker(self) -> bool:
        return self.game_id is None


class GameLine(models.Model):
    """ESPN's spread as it stood when the game locked, frozen once: ATS picks are graded against it."""

    game = models.OneToOneField(Game, on_delete=models.CASCADE, primary_key=True, related_name="pickem_line")
    spread = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="home team's view; empty: ESPN had no line",
    )
    frozen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.game}: {self.spread}"


class PublishedLine(models.Model):
    """ESPN's spread of a game as it stood at a weekly publication time: what weekly-lock leagues grade on.

    Keyed by the moment, not the league: every league publishing at that moment shares the row.
    """

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="+", db_index=False)
    published_at = models.DateTimeField()
    spread = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="home team's view; empty: no line"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["game", "published_at"], name="published_line_one_per_game_and_time")
        ]

    def __str__(self) -> str:
        return f"{self.game} at {self.published_at:%Y-%m-%d %H:%M}: {self.spread}"


class GradingOutcome(models.TextChoices):
    NONE = "", "Not graded"
    FINAL = "final", "Final"
    VOID = "void", "Void (postponed or cancelled)"


class GameGrading(models.Model):
    """The grading marker of one game: what it was graded on. Claimed by a conditional update."""

    game = models.OneToOneField(Game, on_delete=models.CASCADE, primary_key=True, related_name="pickem_grading")
    outcome = models.CharField(max_length=8, choices=GradingOutcome.choices, default=GradingOutcome.NONE, blank=True)
    home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    away_score = models.PositiveSmallIntegerField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    times_graded = models.PositiveIntegerField(default=0, help_text="more than one: regraded (score correction)")
    picks_graded = models.PositiveIntegerField(default=0, help_text="picks graded by the last grading")

    def __str__(self) -> str:
        return f"{self.game}: {self.outcome or 'not graded'}"


class ScoreCorrection(models.Model):
    """A regrade of a game already graded: ESPN corrected its final score (or voided it after a final).

    Kept for the leagues' audit trails, with the picks whose result it changed.
    """

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)
    old_outcome = models.CharField(max_length=8, choices=GradingOutcome.choices)
    new_outcome = models.CharField(max_length=8, choices=GradingOutcome.choices)
    old_home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    old_away_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_away_score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-corrected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.game}: {self.old_score} -> {self.new_score}"

    @staticmethod
    def _score(outcome: str, away: int | None, home: int | None) -> str:
        return "void" if outcome == GradingOutcome.VOID else f"{away}\u2013{home}"

    @property
    def old_score(self) -> str:
        """Away-home, as scoreboards write it."""
        return self._score(self.old_outcome, self.old_away_score, self.old_home_score)

    @property
    def new_score(self) -> str:
        return self._score(self.new_outcome, self.new_away_score, self.new_home_score)


class CorrectedPick(models.Model):
    """A pick whose result a score correction changed."""

    correction = models.ForeignKey(ScoreCorrection, on_delete=models.CASCADE, related_name="picks")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", db_index=False)
    old_result = models.CharField(max_length=8, choices=PickResult.choices)
    new_result = models.CharField(max_length=8, choices=PickResult.choices)
    old_points = models.PositiveIntegerField(default=0)
    new_points = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.entry}: {self.old_result} -> {self.new_result}"


class PickReminder(models.Model):
    """One email reminding one member to pick one week of one league: claimed once, so sent at most once.

    A worker claims a reminder by inserting its row (the unique constraint turns a second worker's
    insert into nothing) marked with its own claim token, then sends only the rows carrying its token.
    """

    league = models.ForeignKey(PickemLeague, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    season_type = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    claim = models.CharField(max_length=32, db_index=True, help_text="the token of the worker that claimed it")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True, help_text="why sending failed (it is not retried)")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["league", "user", "season_type", "week"], name="pick_reminder_once_per_member_and_week"
            )
        ]

    def __str__(self) -> str:
        return f"reminder to {self.user} for week {self.week} of {self.league}"


class ReminderOptOut(models.Model):
    """A member who wants no pick reminders from this league (the unsubscribe link or their setting)."""

    league = models.ForeignKey(PickemLeague, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["league", "user"], name="reminder_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.user} takes no reminders from {self.league}"
