"""Each member's chance to win the week (and, in the season's last week, the season), live.

The model, in three parts:

1. Every game not yet final ends with the home team's margin M ~ Normal(mu, sd^2) (Stern's model
   of NFL results, "On the probability of winning a football game", 1991):
   - not started: mu = -spread (the spread is the home team's: -3 means home favoured by 3), sd =
     13.45 points in the NFL (15.5 in college football); no line: mu = 0;
   - in play: with r the fraction of regulation left (from the period and the clock), sd_r =
     sd * sqrt(r). Where ESPN's live win probability p of the home team is known (the latest
     stored play's), mu = sd_r * inv_Phi(p) (the margin that makes ESPN's p); otherwise mu =
     current margin - spread * r.
   A pick on the home side wins with P = Phi((mu + line) / sd_r), line 0 straight up, the line it
   is graded on against the spread (by its league's rule, as grading derives it: `selectors.graded_lines`).
   Ties and pushes are left out (their chance is small).
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

import numpy as np
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from espn.leagues import NFL_CHANCE, ChanceModel, league_of
from games.models import Game, Phase, Play

from .grading import side_results
from .models import Entry, Pick, PickemLeague, PickResult, WeeklyTiebreaker
from .selectors import graded_lines, kickoff_line, league_games, tiebreak_game, week_games
from .weeks import Week

log = logging.getLogger(__name__)


def chance_model(espn_league: str) -> ChanceModel:
    """The league's figures, else the NFL's."""
    return league_of(espn_league).chance or NFL_CHANCE


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
    sd = chance_model(game.espn_league).margin_sd
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
    """The pre-game line the margin is expected around (the market's view, whatever line a league's
    picks are graded on): the kickoff line, frozen at lock when there is one, else ESPN's current one."""
    return kickoff_line(game)


@dataclass(frozen=True)
class TotalForecast:
    mean: float
    sd: float | None  # None: known (the game is final)


def total_forecast(game: Game | None) -> TotalForecast | None:
    if game is None:
        return None
    scored = None if game.home_score is None or game.away_score is None else game.home_score + game.away_score
    if game.phase == Phase.FINAL and scored is not None:
        return TotalForecast(float(scored), None)
    expected = float(game.over_under) if game.over_under else chance_model(game.espn_league).typical_total
    if game.phase == Phase.SCHEDULED or scored is None:
        return TotalForecast(expected, TOTAL_SD)
    left = remaining_fraction(game.period, game.display_clock)
    return TotalForecast(scored + expected * left, TOTAL_SD * math.sqrt(max(left, 1e-4)))


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
    [chances], method = win_chances_together([problem], samples=samples, seed=seed)
    return chances, method


def win_chances_together(
    problems: Sequence[ChanceProblem], *, samples: int = SAMPLES, seed: int = SEED
) -> tuple[list[np.ndarray], str]:
    """`win_chances` of several standings over the same open games (the week's and the season's):
    they share the outcomes counted (and the tiebreaker's open total), so the work is done once.
    Every problem must have the same gains and p_home; their base, guesses, offsets, total may differ."""
    first = problems[0]
    members = len(first.base)
    games = first.gain_home.shape[1] if first.gain_home.ndim == 2 else 0
    if members == 0:
        return [np.zeros(0) for _ in problems], "exact"
    open_total = next((p.total for p in problems if p.total is not None and p.total.sd is not None), None)
    total_points = TOTAL_QUANTILES if open_total else 1
    exact = (2**games) * total_points <= EXACT_ROWS
    # Members who cannot catch the best sure score even if every open game goes their way never win:
    # they are left out of the counting (their chance is exactly 0).
    sure = np.minimum(first.gain_home, first.gain_away).sum(axis=1)
    best = np.maximum(first.gain_home, first.gain_away).sum(axis=1)
    contenders = [np.flatnonzero(p.base + best >= (p.base + sure).max()) for p in problems]
    union = np.unique(np.concatenate(contenders))
    swing = np.ascontiguousarray((first.gain_home - first.gain_away)[union].astype(np.float32).T)  # (k, m)
    away_points = first.gain_away.sum(axis=1)
    prepared = []
    for problem, chosen in zip(problems, contenders, strict=True):
        offsets = np.zeros(members) if problem.offsets is None else problem.offsets.astype(np.float64)
        ties = TieBreak(guesses=problem.guesses.astype(np.float64)[chosen], offsets=offsets[chosen])
        base = (problem.base + away_points)[chosen].astype(np.float32)
        prepared.append((np.searchsorted(union, chosen), base, ties, problem.total))
    found = [np.zeros(len(chosen)) for chosen in contenders]
    p_home = np.clip(first.p_home.astype(np.float64), 0.0, 1.0)

    def count(outcomes: np.ndarray, weights: np.ndarray, open_totals: Callable[[np.ndarray], tuple]) -> None:
        """Rows of outcomes and their weights; `open_totals(rows)`: for rows where members are level,
        the rows again (repeated), the open tiebreaker total of each, and its weight."""
        swung = outcomes @ swing
        for n, (columns, base, ties, total) in enumerate(prepared):
            expand: Callable[..., tuple]
            if total is None or total.sd is None:
                known = np.nan if total is None else total.mean

                def expand(rows, known=known):
                    return rows, np.full(len(rows), known), weights[rows]
            else:
                expand = open_totals
            everyone = len(columns) == swung.shape[1]  # then `columns` is 0..m-1: no copy
            found[n] += accumulate(
                base, swung if everyone else np.ascontiguousarray(swung[:, columns]), weights, ties, expand
            )

    if exact:
        outcomes = ((np.arange(2**games)[:, None] >> np.arange(games)[None, :]) & 1).astype(np.float32)
        weights = np.prod(np.where(outcomes == 1, p_home, 1 - p_home), axis=1)
        keep = weights > 0
        outcomes, weights = outcomes[keep], weights[keep]
        quantiles = total_values(open_total, total_points)

        def quadrature(rows):  # each row once per quantile of the open total, sharing its weight
            return (
                np.repeat(rows, total_points),
                np.tile(quantiles, len(rows)),
                np.repeat(weights[rows] / total_points, total_points),
            )

        count(outcomes, weights, quadrature)
    else:
        rng = np.random.default_rng(seed)
        drawn = rng.random((samples, games)) < p_home
        totals = rng.normal(open_total.mean, open_total.sd or 0.0, samples) if open_total else np.full(samples, np.nan)
        # Samples with the same outcomes score the same: count each distinct outcome once, weighted by
        # how often it was drawn; only where members end level do the samples' own totals matter.
        codes = drawn.astype(np.int64) @ (np.int64(1) << np.arange(games, dtype=np.int64))
        distinct, inverse, drawn_count = np.unique(codes, return_inverse=True, return_counts=True)
        by_distinct = np.argsort(inverse, kind="stable")
        first_sample = np.concatenate(([0], np.cumsum(drawn_count)[:-1]))
        for start in range(0, len(distinct), CHUNK_ROWS):
            chunk = distinct[start : start + CHUNK_ROWS]
            outcomes = ((chunk[:, None] >> np.arange(games)[None, :]) & 1).astype(np.float32)
            weights = drawn_count[start : start + CHUNK_ROWS] / samples

            def sampled(rows, start=start):
                lengths = drawn_count[start + rows]
                offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                picked = by_distinct[np.repeat(first_sample[start + rows], lengths) + offsets]
                return np.repeat(rows, lengths), totals[picked], np.full(len(picked), 1 / samples)

            count(outcomes, weights, sampled)
    results = []
    for chosen, counted in zip(contenders, found, strict=True):
        chances = np.zeros(members)
        chances[chosen] = counted
        results.append(chances)
    return results, "exact" if exact else "sampled"


@dataclass(frozen=True)
class TieBreak:
    guesses: np.ndarray  # NaN: no guess, never wins a tiebreak
    offsets: np.ndarray  # distance already run up


def total_values(total: TotalForecast | None, count: int) -> np.ndarray:
    if total is None:
        return np.full(count, np.nan)
    if total.sd is None:
        return np.full(count, total.mean)
    quantiles = [STANDARD.inv_cdf((q + 0.5) / count) for q in range(count)]
    return total.mean + total.sd * np.array(quantiles)


def accumulate(base, swung, weights, ties: TieBreak, expand) -> np.ndarray:
    """Each member's weighted wins over rows of outcomes (`swung`: the points each row's outcomes
    add). Where several members are level at the top, `expand(rows)` gives those rows (repeated,
    one per value of the tiebreaker total), the totals and their weights: the nearest guess wins."""
    scores = swung + base
    leader = scores.argmax(axis=1)
    best = scores[np.arange(len(scores)), leader]
    top = scores >= best[:, None]
    sole = np.count_nonzero(top, axis=1) == 1
    found = np.bincount(leader[sole], weights=weights[sole], minlength=len(base)).astype(np.float64)
    tied = np.flatnonzero(~sole)
    if not len(tied):
        return found
    columns = np.flatnonzero(top[tied].any(axis=0))  # only members ever level at the top
    rows, totals, row_weights = expand(tied)
    level = top[np.ix_(rows, columns)]
    distance = ties.offsets[columns][None, :] + np.abs(ties.guesses[columns][None, :] - totals[:, None])
    distance = np.where(level & ~np.isnan(distance), distance, np.inf)
    closest = distance.min(axis=1, keepdims=True)
    winners = np.where(np.isinf(closest), level, distance <= closest + 1e-9)
    found[columns] += (row_weights[:, None] * winners / winners.sum(axis=1, keepdims=True)).sum(axis=0)
    return found


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
    if game.phase in Phase.VOID:
        return SurvivorGame(game.home_team_id, game.away_team_id, 0.0, 0.0, void=True)
    if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
        margin = game.home_score - game.away_score
        return SurvivorGame(game.home_team_id, game.away_team_id, float(margin > 0), float(margin < 0))
    home = forecast(game, home_win_probability=home_win_probability).home_pick_wins()
    return SurvivorGame(game.home_team_id, game.away_team_id, home, 1.0 - home)


# --------------------------------------------------------------------------- a league's week


def live_home_win_probabilities(games: Sequence[Game]) -> dict[int, float]:
    """ESPN's latest home win probability (0-1) of each game in play, where one is stored.

    The win probability after the game's latest play that has one (the plays the worker stores
    from ESPN's summaries): one query for every live game together. The one place that knows
    where ESPN's live win probability lives. Games without one fall back to the score-and-clock
    model (see the module).
    """
    live = [game.pk for game in games if game.phase == Phase.LIVE]
    if not live:
        return {}
    latest = Play.objects.filter(game_id=OuterRef("pk"), home_win_pct__isnull=False).order_by("-sequence")
    found = (
        Game.objects.filter(pk__in=live)
        .annotate(home_win_pct=Subquery(latest.values("home_win_pct")[:1]))
        .values_list("pk", "home_win_pct")
    )
    return {pk: float(pct) for pk, pct in found if pct is not None and 0 <= pct <= 1}


@dataclass
class MemberChance:
    entry_id: int
    username: str
    entry_name: str  # a member with several entries tells them apart by name
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


def week_chances(
    league: PickemLeague, week: Week, *, chosen: Mapping[int, str] | Mapping[str, str] | None = None
) -> WeekChances:
    """Every member's chance to win `week` (and the season when no other week has games left).

    `chosen` ("what if"): game id (a number, or its text as a client sent it) -> HOME or AWAY, the
    side whose pick wins, for games not final; those games are then certain. Raises ChoiceError naming
    the offending game.
    """
    games = list(week_games(league, week))
    open_games = [g for g in games if g.phase in Phase.UNSETTLED]
    chosen = validate_choices(chosen or {}, games, open_games)
    probabilities = live_home_win_probabilities(open_games)
    lines = graded_lines(games, league, now=timezone.now(), whole_weeks=True)  # the line each pick is graded on
    p_home = {}
    for game in open_games:
        if game.pk in chosen:
            p_home[game.pk] = 1.0 if chosen[game.pk] == HOME else 0.0
        else:
            line = float(lines[game.pk] or 0)
            p_home[game.pk] = forecast(game, home_win_probability=probabilities.get(game.pk)).home_pick_wins(line)
    week_guess = WeeklyTiebreaker.objects.filter(entry=OuterRef("pk"), season_type=week.season_type, week=week.number)
    found_members = list(
        Entry.objects.active()
        .filter(league=league)
        .annotate(guess=Subquery(week_guess.values("guess")[:1]))
        .values_list("pk", "user__username", "name", "guess")
    )
    members = [(entry_id, username) for entry_id, username, _, _ in found_members]
    entry_names = {entry_id: name for entry_id, _, name, _ in found_members}
    column = {game.pk: j for j, game in enumerate(open_games)}
    settled_home = {}
    for game in games:
        if game.phase == Phase.FINAL and game.home_score is not None and game.away_score is not None:
            settled_home[game.pk] = side_results(game.home_score, game.away_score, lines[game.pk])
    size, width = len(members), len(open_games)
    graded = np.zeros(size)
    base = np.zeros(size)
    gain_home = np.zeros((size, width), dtype=np.float32)
    gain_away = np.zeros((size, width), dtype=np.float32)
    picks = (
        Pick.objects.filter(entry__league=league, season_type=week.season_type, week=week.number)
        .annotate(
            weight=Coalesce("confidence", Value(1)),
            graded=Case(When(result=PickResult.PENDING, then=Value(0)), default=Value(1)),
            is_home=Case(When(team_id=F("game__home_team_id"), then=Value(1)), default=Value(0)),
        )
        .values_list("entry_id", "game_id", "is_home", "weight", "points", "graded")
    )
    found = np.array(list(picks), dtype=np.int64).reshape(-1, 6)
    # Vectorised over the picks: the member's row, the game's column (-1: not open), sure points.
    entry_ids = np.array([entry_id for entry_id, _ in members], dtype=np.int64)
    order = np.argsort(entry_ids)
    spot = np.searchsorted(entry_ids[order], found[:, 0]).clip(max=max(size - 1, 0))
    member = np.where(size and entry_ids[order][spot] == found[:, 0], order[spot] if size else -1, -1)
    mine = member >= 0  # a removed member's picks are left out
    found, member = found[mine], member[mine]
    game_column = np.array([column.get(game_id, -1) for game_id in found[:, 1].tolist()], dtype=np.int64)
    is_home, weight, points, was_graded = found[:, 2] == 1, found[:, 3], found[:, 4], found[:, 5] == 1
    np.add.at(graded, member[was_graded], points[was_graded])
    np.add.at(base, member[was_graded], points[was_graded])
    pending_open = ~was_graded & (game_column >= 0)
    for gains, side in ((gain_home, is_home), (gain_away, ~is_home)):
        chosen_rows = pending_open & side
        gains[member[chosen_rows], game_column[chosen_rows]] = weight[chosen_rows]
    wins = np.array(
        [
            settled_home.get(game_id, (None, None))[0 if home else 1] == PickResult.WIN
            for game_id, home in zip(found[:, 1].tolist(), is_home.tolist(), strict=True)
        ],
        dtype=bool,
    )
    sure_wins = ~was_graded & (game_column < 0) & wins
    np.add.at(base, member[sure_wins], weight[sure_wins])
    guesses = np.array([np.nan if guess is None else guess for _, _, _, guess in found_members], dtype=np.float64)
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
    chosen_points = base.copy()
    for game_id, side in chosen.items():
        chosen_points += (gain_home if side == HOME else gain_away)[:, column[game_id]]
    last_week = not league_games(league).filter(phase__in=Phase.UNSETTLED).exclude(
        season_type=week.season_type, week=week.number
    ).exists() and bool(open_games or total is not None)
    problems = [problem]
    if last_week:
        problems.append(season_problem(league, problem, members, base - graded, last))
    figures, method = win_chances_together(problems)
    week_figures, season_figures = figures[0], figures[1] if last_week else None
    rows = [
        MemberChance(
            entry_id=entry_id,
            username=username,
            entry_name=entry_names[entry_id],
            points=int(base[i]),
            if_chosen=int(chosen_points[i]),
            week=float(week_figures[i]),
            season=None if season_figures is None else float(season_figures[i]),
        )
        for i, (entry_id, username) in enumerate(members)
    ]
    rows.sort(key=lambda r: (-r.if_chosen, -r.week, r.entry_name.lower()))
    return WeekChances(
        week=week,
        rows=rows,
        method=method,
        open_games=open_games,
        home_pick_wins=p_home,
        chosen=chosen,
        season_decided_this_week=last_week,
    )


def season_problem(league, problem: ChanceProblem, members, ungraded_certain, last: Game | None) -> ChanceProblem:
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
    return season


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
