"""How pick'em things are shown: a pick's status in words, lines and tiebreaker texts, the rows of the
pick and standings pages, and the dicts the API's output serializers read. No queries and no writes:
views pass in what selectors and standings have read.
"""

from __future__ import annotations

from decimal import Decimal

from games.models import Game, Phase

from .chance import WeekChances
from .forms import SurvivorPickForm, survivor_value, team_field, weight_field
from .grading import side_results
from .locking import is_locked
from .models import Pick, PickemLeague, PickResult
from .standings import Standings
from .submission import SubmitResult
from .weeks import Week

# How a pick on a live game is doing, were the game to end now (side_results' results).
LIVE_WORDS: dict[str, str] = {PickResult.WIN: "Winning", PickResult.LOSS: "Losing", PickResult.PUSH: "Level"}


def pick_status(pick: Pick | None, game: Game, line: Decimal | None, *, against_spread: bool) -> tuple[str, str]:
    """(code, words) for how a pick is doing now: open, no pick, winning/losing/level, or its result."""
    if pick is None:
        return ("none", "No pick")
    if pick.result != PickResult.PENDING:
        return (pick.result, PickResult(pick.result).label)
    if game.phase == Phase.LIVE and game.home_score is not None and game.away_score is not None:
        home, away = side_results(game.home_score, game.away_score, line if against_spread else None)
        now_result = home if pick.team_id == game.home_team_id else away
        return (f"live-{now_result}", LIVE_WORDS[now_result])
    if game.phase == Phase.FINAL:
        return ("grading", "Being graded")
    return ("picked", "Picked")


def status_text(pick: Pick | None, words: str) -> str:
    """The status as the pick page shows it: its words, whether the missed-picks rule made the pick, and
    a won pick's points ("Win (made for you) · 1 pt")."""
    if pick is not None and pick.auto:
        words = f"{words} (made for you)"
    if pick is None or pick.result != PickResult.WIN:
        return words
    return f"{words} · {pick.points} pt{'' if pick.points == 1 else 's'}"


def score_text(game: Game) -> str:
    """The score as the pick page shows it, away team first, with ESPN's status ("NO 24 \N{EN DASH} 26 ATL ·
    0:48 - 4th"); nothing before kickoff (ESPN's 0-0 and its US Eastern kickoff would only repeat the local time)."""
    if game.phase == Phase.SCHEDULED or game.home_score is None or game.away_score is None:
        return ""
    away, home = game.away_team.abbreviation, game.home_team.abbreviation
    score = f"{away} {game.away_score} \N{EN DASH} {game.home_score} {home}"
    return f"{score} · {game.short_detail}" if game.short_detail else score


def straight_up_for_want_of_a_line(row, *, against_spread: bool) -> bool:
    """Against the spread, but no line by lock: the pick is graded straight up (and says so).

    A locked row's line is the line at lock by the league's rule, the one grading uses (`selectors.shown_lines`).
    """
    return against_spread and (row.locked or row.line_locked) and row.line is None


def line_at_lock(row) -> Decimal | None:
    """The line a graded pick was graded on (home team's view; a straight-up league's kickoff line for
    information); None while pending, when void or with no line by lock. Derived, never stored."""
    graded = row.pick is not None and row.pick.graded_at is not None and row.pick.result != PickResult.VOID
    return row.line if graded and row.locked else None


# --------------------------------------------------------------------------- pages


def week_context(league: PickemLeague, week: Week | None, weeks: list[Week]) -> dict:
    espn_league = league.espn_league
    return {
        "week_label": week.label(espn_league) if week else "",
        "week_options": [(w.slug, w.label(espn_league)) for w in weeks],
    }


def saved_message(result: SubmitResult) -> str:
    if not result.saved:
        return "No changes to save."
    parts = []
    if result.created or result.changed:
        count = len(result.created) + len(result.changed)
        parts.append(f"{count} pick{'s' if count != 1 else ''} saved")
    if result.tiebreaker_changed:
        parts.append("tiebreaker saved")
    return (", ".join(parts) + ".").capitalize()


def board_rows(board, form) -> list[dict]:
    against_spread = board.entry.league.against_spread
    rows = []
    for row in board.rows:
        code, words = pick_status(row.pick, row.game, row.line, against_spread=against_spread)
        pk = row.game.pk
        rows.append(
            {
                "row": row,
                "game": row.game,
                "team_field": form[team_field(pk)] if team_field(pk) in form.fields else None,
                "weight_field": form[weight_field(pk)] if weight_field(pk) in form.fields else None,
                "status_code": code,
                "status_text": status_text(row.pick, words),
                "score_text": score_text(row.game),
                "line_text": line_text(row.line, row.game) if against_spread or row.line is not None else "",
                "straight_up": straight_up_for_want_of_a_line(row, against_spread=against_spread),
            }
        )
    return rows


def line_text(line, game) -> str:
    """'HOME -3.5' style, naming the favourite; 'Pick' for an even line."""
    if line is None:
        return ""
    if line == 0:
        return "Even (pick)"
    favourite = game.home_team if line < 0 else game.away_team
    return f"{favourite.abbreviation} -{abs(float(line)):g}"


def survivor_context(board, form: SurvivorPickForm) -> dict:
    """The week's choices for the survivor page: every team of every game, with why it cannot be picked."""
    from .survivor import entry_state

    state = entry_state(board.entry)
    chosen = form["team"].value() or ""
    games = []
    for row in board.rows:
        teams = []
        for side, team in (("away", row.game.away_team), ("home", row.game.home_team)):
            value = survivor_value(row.game.pk, team.pk)
            why_not = ""
            if not row.pickable:
                why_not = "locked"
            elif team.pk in board.used_team_ids:
                why_not = "used"
            teams.append({"team": team, "side": side, "value": value, "why_not": why_not, "checked": value == chosen})
        games.append({"row": row, "game": row.game, "teams": teams})
    return {"games": games, "state": state, "pick": board.survivor_pick}


def tiebreak_text(row, *, season: bool, revealed: bool) -> str:
    """Week: the guess (once the tiebreaker game locks) and how far off it was; season: the summed distance."""
    if season:
        return "—" if row.tiebreak_distance is None else f"off by {row.tiebreak_distance}"
    guess = str(row.tiebreak_guess) if revealed and row.tiebreak_guess is not None else "—"
    return guess if row.tiebreak_distance is None else f"{guess} (off by {row.tiebreak_distance})"


# --------------------------------------------------------------------------- API (the output serializers' input)


def week_data(week: Week | None, league: PickemLeague) -> dict | None:
    if week is None:
        return None
    label = week.label(league.espn_league)
    return {"slug": week.slug, "season_type": week.season_type, "number": week.number, "label": label}


def game_data(row, *, against_spread: bool) -> dict:
    game, pick = row.game, row.pick
    code, words = pick_status(pick, game, row.line, against_spread=against_spread)
    return {
        "game_id": game.pk,
        "espn_id": game.espn_id,
        "name": str(game),
        "kickoff": game.kickoff,
        "phase": game.phase,
        "status_detail": game.short_detail,
        "locked": row.locked,
        "lock_reason": row.lock_reason,
        "line": row.line,
        "line_locked": row.line_locked or row.locked,
        "graded_straight_up": straight_up_for_want_of_a_line(row, against_spread=against_spread),
        "is_tiebreak": row.is_tiebreak,
        "home": side_data(game.home_team, game.home_score),
        "away": side_data(game.away_team, game.away_score),
        "pick": None if pick is None else {**pick_data(pick), "line_at_lock": line_at_lock(row)},
        "score_text": score_text(game),
        "status": {"code": code, "text": words, "display": status_text(pick, words)},
    }


def pick_data(pick: Pick) -> dict:
    return {
        "team_id": pick.team_id,
        "confidence": pick.confidence,
        "auto": pick.auto,
        "result": pick.result,
        "points": pick.points,
    }


def side_data(team, score) -> dict:
    return {"team_id": team.pk, "abbreviation": team.abbreviation, "name": team.display_name, "score": score}


def standings_data(
    standings: Standings, *, viewer_entry_ids: set[int], now, chances: WeekChances | None = None
) -> dict:
    league = standings.league
    reveal = standings.tiebreak is not None and is_locked(standings.tiebreak, now)
    last = standings.tiebreak
    chance_of = {row.entry_id: row for row in chances.rows} if chances else {}
    rows = []
    for row in standings.rows:
        own = row.entry_id in viewer_entry_ids
        shown = reveal or own
        chance = chance_of.get(row.entry_id)
        rows.append(
            {
                **row.__dict__,
                "tiebreak_guess": row.tiebreak_guess if shown else None,
                "projected_points": row.projected_points,
                "fell_in": row.fell_in.slug if row.fell_in else None,
                "dropped_weeks": [week.slug for week in row.dropped_weeks],
                "week_pick": (row.week_pick or None) if (own or row.week_pick_locked) else None,
                "chance_week": chance.week if chance and standings.week else None,
                "chance_survive": row.chance_survive if (own or row.week_pick_locked or not row.week_pick) else None,
                "chance_season": chance.season if chance else None,
            }
        )
    return {
        "league": league,
        "view": "week" if standings.week else "season",
        "week": week_data(standings.week, league),
        "live_games": standings.live_games,
        "tiebreak": None
        if last is None
        else {"game_id": last.pk, "name": str(last), "total": standings.tiebreak_total},
        "week_complete": standings.complete if standings.week else None,
        "season_complete": None if standings.week else standings.complete,
        "winners": [
            {"entry_id": row.entry_id, "entry_name": row.entry_name, "username": row.username, "points": row.points}
            for row in standings.winners
        ],
        "chance_method": chances.method if chances else None,
        "rows": rows,
    }


def what_if_data(league: PickemLeague, chances: WeekChances) -> dict:
    rows, rank, previous = [], 0, None
    for position, row in enumerate(chances.rows, start=1):
        if row.if_chosen != previous:
            rank, previous = position, row.if_chosen
        rows.append(
            {
                "rank": rank,
                "entry_id": row.entry_id,
                "entry_name": row.entry_name,
                "username": row.username,
                "points": row.if_chosen,
                "chance_week": row.week,
                "chance_season": row.season,
            }
        )
    games = [
        {
            "game_id": game.pk,
            "name": str(game),
            "home": game.home_team.abbreviation,
            "away": game.away_team.abbreviation,
            "chosen": chances.chosen.get(game.pk),
            "home_pick_wins": chances.home_pick_wins[game.pk],
        }
        for game in chances.open_games
    ]
    return {"week": week_data(chances.week, league), "chance_method": chances.method, "games": games, "rows": rows}
