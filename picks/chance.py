"""Each member's chance to win the week (and, in the season's last week, the season), live.

The model, in three parts:

1. Every game not yet final ends with the home team's margin M ~ Normal(mu, sd^2) (Stern's model
   of NFL results, "On the probability of winning a football game", 1991):
   - not started: mu = -spread (the spread is the home team's: -3 means home favoured by 3), sd =
     13.45 points in the NFL (15.5 in college football); no line: mu = 0;
   - in play: with r the fraction of regulation left (from the period and the clock), sd_r =
     sd * sqrt(r). Where ESPN's live win probability p of the home team is known, mu = sd_r *
     inv_Phi(p) (the margin that makes ESPN's p); otherwise mu = current margin - spread * r.
   A pick on the home side wins with P = Phi((mu + line) / sd_r), line 0 straight up, the line it
   is graded on against the spread. Ties and pushes are left out (their chance is small).
2. The week's tiebreaker (the total points of the week's last game) is T ~ Normal(over/under, 10^2)
   before kickoff (44 NFL / 55 college without an over/under), current total + over/under * r with
   sd 10 * sqrt(r) in play, and exact once final.
3. The members' points follow from the outcomes: exact over all 2^k outcomes of the k open games
   with T over 32 equally likely quantiles when that is few enough (at most EXACT_ROWS rows),
   otherwise SAMPLES seeded samples (the same figures for the same state). Among the members
   with the most points, the smallest tiebreaker distance wins; co-winners share the win.
   Game outcomes are taken as independent (also of T).

`win_chances` does the counting on plain arrays; `week_chances` reads a league's state with a
constant number of queries whatever the number of members.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

import numpy as np
import orjson

from espn.snapshots import Phase
from games.models import EspnLeague, Game

from .grading import side_results
from .models import Entry, Pick, PickemLeague, PickResult, WeeklyTiebreaker
from .selectors import UNSETTLED_PHASES, VOID_PHASES, league_games, line_of, tiebreak_game, week_games
from .weeks import Week

log = logging.getLogger(__name__)

MARGIN_SD = {EspnLeague.NFL.value: 13.45, EspnLeague.COLLEGE_FOOTBALL.value: 15.5}
DEFAULT_TOTAL = {EspnLeague.NFL.value: 44.0, EspnLeague.COLLEGE_FOOTBALL.value: 55.0}
TOTAL_SD = 10.0
REGULATION_SECONDS = 4 * 15 * 60
OVERTIME_LEFT = 0.05  # overtime: about as open as the last three minutes of regulation
SAMPLES = 10_000
SEED = 20_260_101
TOTAL_QUANTILES = 32
EXACT_ROWS = 4096
CHUNK_ROWS = 2048
STANDARD = NormalDist()
HOME, AWAY = "home", "away"


# --------------------------------------------------------------------------- one game


def remaining_fraction(period: int, clock: str) -> float:
    """The fraction of regulation still to play, from ESPN's period and display clock ("12:34")."""
    if period > 4:
        return OVERTIME_LEFT
    found = re.fullmatch(r"\s*(\d+):(\d{2})(?:\.\d+)?\s*", clock or "")
    seconds = int(found[1]) * 60 + int(found[2]) if found else 0
    period = max(period, 1)
    left = (4 - period) * 15 * 60 + min(seconds, 15 * 60)
    return max(left / REGULATION_SECONDS, 0.0)


@dataclass(frozen=True)
class GameForecast:
    """What is known of one game's end: the home margin's mean and spread (None: over, margin known)."""

    mean: float
    sd: float | None

    def home_pick_wins(self, line: float = 0.0) -> float:
        """The probability that a pick on the home side wins, graded against `line` (home's view)."""
        if self.sd is None or self.sd <= 0:
            adjusted = self.mean + line
            return 1.0 if adjusted > 0 else 0.0 if adjusted < 0 else 0.5
        return STANDARD.cdf((self.mean + line) / self.sd)


def forecast(game: Game, *, home_win_probability: float | None = None) -> GameForecast:
    """The home margin's distribution at the end of `game`, from its state now (see the module)."""
    sd = MARGIN_SD.get(game.espn_league, MARGIN_SD[EspnLeague.NFL.value])
    spread = float(game_spread(game) or 0)
    if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
        return GameForecast(mean=float(game.home_score - game.away_score), sd=None)
    if game.phase == Phase.SCHEDULED or game.home_score is None or game.away_score is None:
        return GameForecast(mean=-spread, sd=sd)
    left = remaining_fraction(game.period, game.display_clock)
    sd_left = sd * math.sqrt(max(left, 1e-4))
    if home_win_probability is not None:
        p = min(max(home_win_probability, 1e-4), 1 - 1e-4)
        return GameForecast(mean=sd_left * STANDARD.inv_cdf(p), sd=sd_left)
    return GameForecast(mean=float(game.home_score - game.away_score) - spread * left, sd=sd_left)


def game_spread(game: Game) -> Decimal | None:
    """The pre-game line: frozen at lock when there is one, else ESPN's current one."""
    return line_of(game)


@dataclass(frozen=True)
class TotalForecast:
    mean: float
    sd: float | None  # None: known (the game is final)


def total_forecast(game: Game | None) -> TotalForecast | None:
    if game is None:
        return None
    scored = game.home_score is not None and game.away_score is not None
    if game.phase == Phase.FINAL and scored:
        return TotalForecast(float(game.home_score + game.away_score), None)
    expected = float(game.over_under) if game.over_under else DEFAULT_TOTAL.get(game.espn_league, 44.0)
    if game.phase == Phase.SCHEDULED or not scored:
        return TotalForecast(expected, TOTAL_SD)
    left = remaining_fraction(game.period, game.display_clock)
    return TotalForecast(game.home_score + game.away_score + expected * left, TOTAL_SD * math.sqrt(max(left, 1e-4)))


# --------------------------------------------------------------------------- counting


@dataclass
class ChanceProblem:
    """Plain arrays: m members, k open games.

    base[i]: member i's points already certain; gain_home[i, j] / gain_away[i, j]: the points i
    scores if the home / away pick of game j wins; p_home[j]: the chance the home pick wins;
    guesses[i]: i's tiebreaker guess (NaN: none, never wins a tiebreak); offsets[i]: tiebreaker
    distance already run up (the season's decided weeks).
    """

    base: np.ndarray
    gain_home: np.ndarray
    gain_away: np.ndarray
    p_home: np.ndarray
    guesses: np.ndarray
    offsets: np.ndarray | None = None
    total: TotalForecast | None = None


def win_chances(problem: ChanceProblem, *, samples: int = SAMPLES, seed: int = SEED) -> tuple[np.ndarray, str]:
    """Each member's chance to finish first, and how it was counted ("exact" or "sampled")."""
    members, games = problem.gain_home.shape if problem.gain_home.ndim == 2 else (len(problem.base), 0)
    if members == 0:
        return np.zeros(0), "exact"
    base = problem.base.astype(np.float64) + problem.gain_away.sum(axis=1)
    swing = (problem.gain_home - problem.gain_away).astype(np.float32).T  # (k, m)
    offsets = np.zeros(members) if problem.offsets is None else problem.offsets.astype(np.float64)
    guesses = problem.guesses.astype(np.float64)
    total = problem.total
    total_points = 1 if total is None or total.sd is None else TOTAL_QUANTILES
    p_home = np.clip(problem.p_home.astype(np.float64), 0.0, 1.0)
    chances = np.zeros(members)
    if (2**games) * total_points <= EXACT_ROWS:
        outcomes = ((np.arange(2**games)[:, None] >> np.arange(games)[None, :]) & 1).astype(np.float32)
        weights = np.prod(np.where(outcomes == 1, p_home, 1 - p_home), axis=1)
        totals = total_values(total, total_points)
        outcomes = np.repeat(outcomes, total_points, axis=0)
        weights = np.repeat(weights, total_points) / total_points
        totals = np.tile(totals, 2**games)
        keep = weights > 0
        chances += shares(base, swing, outcomes[keep], totals[keep], guesses, offsets).T @ weights[keep]
        return chances, "exact"
    rng = np.random.default_rng(seed)
    for start in range(0, samples, CHUNK_ROWS):
        rows = min(CHUNK_ROWS, samples - start)
        outcomes = (rng.random((rows, games)) < p_home).astype(np.float32)
        if total is None or total.sd is None:
            totals = np.full(rows, np.nan if total is None else total.mean)
        else:
            totals = rng.normal(total.mean, total.sd, rows)
        chances += shares(base, swing, outcomes, totals, guesses, offsets).sum(axis=0)
    return chances / samples, "sampled"


def total_values(total: TotalForecast | None, count: int) -> np.ndarray:
    if total is None:
        return np.full(count, np.nan)
    if total.sd is None:
        return np.full(count, total.mean)
    quantiles = [STANDARD.inv_cdf((q + 0.5) / count) for q in range(count)]
    return total.mean + total.sd * np.array(quantiles)


def shares(base, swing, outcomes, totals, guesses, offsets) -> np.ndarray:
    """(rows, m): each member's share of the win in each row (1, a co-winner's fraction, or 0)."""
    scores = base[None, :] + (outcomes @ swing).astype(np.float64)
    top = scores >= scores.max(axis=1, keepdims=True) - 1e-9
    distance = offsets[None, :] + np.abs(guesses[None, :] - totals[:, None])
    distance = np.where(top & ~np.isnan(distance), distance, np.inf)
    closest = distance.min(axis=1, keepdims=True)
    winners = np.where(np.isinf(closest), top, distance <= closest + 1e-9)
    return winners / winners.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- survivor


@dataclass(frozen=True)
class SurvivorGame:
    home_team_id: int
    away_team_id: int
    home_wins: float  # the chance the home team wins
    away_wins: float  # the chance the away team wins (a tie: neither)
    void: bool = False  # postponed or cancelled: its picks are void


def survival_chances(picks: Mapping[int, int | None], games: Sequence[SurvivorGame]) -> dict[int, float]:
    """Each alive member's chance to survive the week: the chance their team wins.

    `picks`: member -> the team picked this week (None: no pick, which counts as a loss). A tie is
    a loss; a void game is survived (its picks are void).
    """
    chance_of_team: dict[int, float] = {}
    for game in games:
        chance_of_team[game.home_team_id] = 1.0 if game.void else game.home_wins
        chance_of_team[game.away_team_id] = 1.0 if game.void else game.away_wins
    return {member: chance_of_team.get(team, 0.0) if team else 0.0 for member, team in picks.items()}


def survivor_game(game: Game, *, home_win_probability: float | None = None) -> SurvivorGame:
    if game.phase in VOID_PHASES:
        return SurvivorGame(game.home_team_id, game.away_team_id, 0.0, 0.0, void=True)
    if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
        margin = game.home_score - game.away_score
        return SurvivorGame(game.home_team_id, game.away_team_id, float(margin > 0), float(margin < 0))
    home = forecast(game, home_win_probability=home_win_probability).home_pick_wins()
    return SurvivorGame(game.home_team_id, game.away_team_id, home, 1.0 - home)


# --------------------------------------------------------------------------- a league's week


def live_home_win_probabilities(games: Sequence[Game]) -> dict[int, float]:
    """ESPN's latest home win probability (0-1) of each game in play, where one is stored.

    Read from the last point of the game's cached summary (games.summary_cache, one Redis MGET):
    the one place to repoint once plays and their win probability are stored in the database.
    Games without one fall back to the score-and-clock model (see the module).
    """
    from config.redis_client import cache_redis
    from games.summary_cache import SUMMARY_KEY

    live = [game for game in games if game.phase == Phase.LIVE]
    if not live:
        return {}
    try:
        raws = cache_redis().mget([SUMMARY_KEY.format(espn_id=game.espn_id) for game in live])
    except Exception:  # Redis is a cache: without it, the model does without ESPN's figure
        log.warning("win probabilities unavailable", exc_info=True)
        return {}
    found = {}
    for game, raw in zip(live, raws, strict=True):
        points = orjson.loads(raw).get("win_probability") if raw else None
        home = points[-1].get("home") if points else None
        if isinstance(home, int | float) and 0 <= home <= 1:
            found[game.pk] = float(home)
    return found


@dataclass
class MemberChance:
    entry_id: int
    username: str
    points: int  # certain: graded, or on games already final
    if_chosen: int  # points + what the chosen outcomes add (equals points without a "what if")
    week: float
    season: float | None = None


@dataclass
class WeekChances:
    week: Week
    rows: list[MemberChance]
    method: str
    open_games: list[Game]
    home_pick_wins: dict[int, float]  # open game -> the chance its home pick wins
    chosen: dict[int, str]
    season_decided_this_week: bool


class ChoiceError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def week_chances(league: PickemLeague, week: Week, *, chosen: Mapping[int, str] | None = None) -> WeekChances:
    """Every member's chance to win `week` (and the season when no other week has games left).

    `chosen` ("what if"): game id -> HOME or AWAY, the side whose pick wins, for games not final;
    those games are then certain. Raises ChoiceError naming the offending game.
    """
    games = list(week_games(league, week))
    open_games = [g for g in games if g.phase in UNSETTLED_PHASES]
    chosen = validate_choices(chosen or {}, games, open_games)
    probabilities = live_home_win_probabilities(open_games)
    p_home = {}
    for game in open_games:
        if game.pk in chosen:
            p_home[game.pk] = 1.0 if chosen[game.pk] == HOME else 0.0
        else:
            line = float(line_of(game) or 0) if league.against_spread else 0.0
            p_home[game.pk] = forecast(game, home_win_probability=probabilities.get(game.pk)).home_pick_wins(line)
    members = list(Entry.objects.filter(league=league, removed_at=None).values_list("pk", "user__username"))
    index = {entry_id: i for i, (entry_id, _) in enumerate(members)}
    column = {game.pk: j for j, game in enumerate(open_games)}
    settled_home = {}
    for game in games:
        if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
            line = line_of(game) if league.against_spread else None
            settled_home[game.pk] = side_results(game.home_score, game.away_score, line)
    size, width = len(members), len(open_games)
    graded = np.zeros(size)
    base = np.zeros(size)
    gain_home = np.zeros((size, width), dtype=np.float32)
    gain_away = np.zeros((size, width), dtype=np.float32)
    home_team = {game.pk: game.home_team_id for game in games}
    picks = Pick.objects.filter(entry__league=league, season_type=week.season_type, week=week.number)
    for entry_id, game_id, team_id, confidence, points, result in picks.values_list(
        "entry_id", "game_id", "team_id", "confidence", "points", "result"
    ).iterator(chunk_size=5000):
        i = index.get(entry_id)
        if i is None:  # a removed member
            continue
        weight = confidence or 1
        is_home = team_id == home_team.get(game_id)
        if result != PickResult.PENDING:
            graded[i] += points
            base[i] += points
        elif game_id in column:
            (gain_home if is_home else gain_away)[i, column[game_id]] = weight
        elif game_id in settled_home:
            home_result, away_result = settled_home[game_id]
            base[i] += weight if (home_result if is_home else away_result) == PickResult.WIN else 0
    guesses = np.full(size, np.nan)
    for entry_id, guess in WeeklyTiebreaker.objects.filter(
        entry__league=league, season_type=week.season_type, week=week.number
    ).values_list("entry_id", "guess"):
        if entry_id in index:
            guesses[index[entry_id]] = guess
    last = tiebreak_game(games)
    total = total_forecast(last)
    problem = ChanceProblem(
        base=base,
        gain_home=gain_home,
        gain_away=gain_away,
        p_home=np.array([p_home[g.pk] for g in open_games]),
        guesses=guesses,
        total=total,
    )
    week_figures, method = win_chances(problem)
    chosen_points = base.copy()
    for game_id, side in chosen.items():
        chosen_points += (gain_home if side == HOME else gain_away)[:, column[game_id]]
    season_figures = None
    last_week = not league_games(league).filter(phase__in=UNSETTLED_PHASES).exclude(
        season_type=week.season_type, week=week.number
    ).exists() and bool(open_games or total is not None)
    if last_week:
        season_figures = season_problem_chances(league, problem, members, base - graded, last)
    rows = [
        MemberChance(
            entry_id=entry_id,
            username=username,
            points=int(base[i]),
            if_chosen=int(chosen_points[i]),
            week=float(week_figures[i]),
            season=None if season_figures is None else float(season_figures[i]),
        )
        for i, (entry_id, username) in enumerate(members)
    ]
    rows.sort(key=lambda r: (-r.if_chosen, -r.week, r.username.lower()))
    return WeekChances(
        week=week,
        rows=rows,
        method=method,
        open_games=open_games,
        home_pick_wins=p_home,
        chosen=chosen,
        season_decided_this_week=last_week,
    )


def season_problem_chances(league, problem: ChanceProblem, members, ungraded_certain, last: Game | None):
    """The season's last week: season points so far plus the week's, the season tiebreaker's distance."""
    from .standings import season_progress, season_totals

    totals, distances, decided = season_totals(league, season_progress(league).grading_version)
    all_totals = sum(decided.values())
    base = np.array([totals.get(entry_id, (0,))[0] for entry_id, _ in members], dtype=np.float64)
    offsets = np.array([distances.get(entry_id, all_totals) for entry_id, _ in members], dtype=np.float64)
    week_decided = last is not None and last.phase == Phase.FINAL
    season = ChanceProblem(
        base=base + ungraded_certain,
        gain_home=problem.gain_home,
        gain_away=problem.gain_away,
        p_home=problem.p_home,
        guesses=np.nan_to_num(problem.guesses, nan=0.0),  # a missing guess counts as 0 for the season
        offsets=offsets,
        total=None if week_decided else problem.total,
    )
    if week_decided:  # its distance is in `offsets` already
        season.guesses = np.zeros(len(members))
        season.total = TotalForecast(0.0, None)
    figures, _ = win_chances(season)
    return figures


def validate_choices(chosen: Mapping, games: list[Game], open_games: list[Game]) -> dict[int, str]:
    known = {game.pk for game in games}
    open_ids = {game.pk for game in open_games}
    valid = {}
    for key, side in chosen.items():
        try:
            game_id = int(key)
        except (TypeError, ValueError):
            raise ChoiceError(f"outcomes.{key}", f"{key!r} is not a game id") from None
        field_name = f"outcomes.{game_id}"
        if game_id not in known:
            raise ChoiceError(field_name, f"game {game_id} is not a game of this week")
        if game_id not in open_ids:
            raise ChoiceError(field_name, f"game {game_id} is already settled")
        if side not in (HOME, AWAY):
            raise ChoiceError(field_name, f"{side!r} is not an outcome: use {HOME!r} or {AWAY!r}")
        valid[game_id] = side
    return valid
