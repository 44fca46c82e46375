"""What a game looks like on a page, worked out once on the server: the payload's `display` block, and
the game page's win-probability chart.

`display_of` reads the game payload (`game_shape.game_payload`) and nothing else, so it costs no
query. `win_probability_chart` reads the payload and the chart's points. The card, the game page and
the scripts that repaint them (static/js/live.js, game.js) all show what these say; none of them works
out a colour, a marker, a period's name or the chart's words again.
"""

from __future__ import annotations

import re

from espn.leagues import league_of, period_prefix
from espn.snapshots import Pause, Phase

HEX_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
NEUTRAL_BADGE = "5b6470"

# The live page's sections, in order: key, heading, the phases shown there.
GROUPS = (
    ("live", "Live", {Phase.LIVE, Phase.SUSPENDED}),
    ("upcoming", "Upcoming", {Phase.SCHEDULED}),
    ("final", "Final", Phase.SETTLED),
)


def group_of(phase: str) -> str:
    for key, _label, phases in GROUPS:
        if phase in phases:
            return key
    return "final"


def badge_colors(color: str) -> tuple[str, str]:
    """Background from ESPN's team colour; black or white text, whichever contrasts more."""
    color = color if HEX_COLOR.match(color or "") else NEUTRAL_BADGE
    channels = [int(color[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); they are equal at L ~ 0.179.
    return f"#{color.lower()}", "#000000" if luminance > 0.179 else "#ffffff"


def status_marker(game: dict) -> str:
    """The status as a word, so that nothing depends on colour."""
    phase = game["status"]["phase"]
    if phase == Phase.LIVE:
        return "HALFTIME" if game["status"]["pause"] == Pause.HALFTIME else "LIVE"
    if phase == Phase.SCHEDULED:
        return ""
    return phase.upper()


def detail_beside_marker(game: dict, key: str) -> str:
    """The status detail beside the marker, or "" when it only repeats it ("FINAL Final", "HALFTIME Halftime")."""
    detail = game["status"][key]
    return detail if detail and detail.upper() != status_marker(game) else ""


def score_words(game: dict) -> str:
    away, home = game["away"], game["home"]
    phase = game["status"]["phase"]
    if phase == Phase.SCHEDULED or away["score"] is None or home["score"] is None:
        return f"{away['display_name']} at {home['display_name']}"
    return f"{away['display_name']} {away['score']}, {home['display_name']} {home['score']}"


def aria_label(game: dict) -> str:
    """e.g. "Green Bay Packers 24, Atlanta Falcons 25, final"."""
    phase = game["status"]["phase"]
    words = score_words(game)
    if phase == Phase.SCHEDULED:
        return f"{words}, kickoff {game['kickoff']}"
    if phase == Phase.LIVE:
        detail = game["status"]["short_detail"] or game["status"]["detail"]
        return f"{words}, live, {detail}" if detail else f"{words}, live"
    return f"{words}, {phase}"


def odds_text(game: dict) -> str:
    odds = game["odds"]
    if not odds or game["status"]["phase"] != Phase.SCHEDULED:
        return ""
    parts = [f"Line {odds['details']}"] if odds["details"] else []
    if odds["over_under"] is not None:
        parts.append(f"O/U {odds['over_under']:g}")
    return ", ".join(parts)


def side_display(game: dict, side: str) -> dict:
    team = game[side]
    other = game["home" if side == "away" else "away"]
    background, foreground = badge_colors(team["color"])
    situation = game["situation"] or {}
    phase = game["status"]["phase"]
    possession = situation.get("possession_team_espn_id")
    return {
        "badge_bg": background,
        "badge_fg": foreground,
        "has_ball": bool(possession) and possession == team["espn_id"],
        "winner": phase == Phase.FINAL
        and team["score"] is not None
        and other["score"] is not None
        and team["score"] > other["score"],
        "score_text": "" if team["score"] is None or phase == Phase.SCHEDULED else str(team["score"]),
    }


def regulation_periods(espn_league: str) -> int | None:
    """The league's regulation periods (espn/leagues.py's game clock); None where it is not known."""
    clock = league_of(espn_league).game_clock
    return clock[0] if clock else None


def period_name(espn_league: str, period: int, *, periods: int, prefixed: bool = False) -> str:
    """Period `period` of a game that has reached period `periods`, by name: "1".."4", then "OT" (one
    overtime) or "OT1", "OT2", ...; by number where the regulation is not known.
    `prefixed`: the sport's prefix on numbered periods ("Q1", "P2"), as the chart's axis and the plays read."""
    regulation = regulation_periods(espn_league)
    if regulation is None or period <= regulation:
        prefix = period_prefix(espn_league) if prefixed else ""
        return f"{prefix}{period}"
    return "OT" if periods - regulation == 1 else f"OT{period - regulation}"


def period_labels(espn_league: str, count: int, *, prefixed: bool = False) -> list[str]:
    """Periods 1 to `count` by name (`period_name`)."""
    return [period_name(espn_league, n, periods=count, prefixed=prefixed) for n in range(1, count + 1)]


def linescore_labels(game: dict) -> list[str]:
    """The score by period's column headings: one per period either team has a line score for."""
    return period_labels(game["espn_league"], max(len(game["away"]["linescores"]), len(game["home"]["linescores"])))


def display_of(game: dict) -> dict:
    """The display block of a game payload (everything but `display` itself must be there)."""
    situation = game["situation"] or {}
    return {
        "group": group_of(game["status"]["phase"]),
        "marker": status_marker(game),
        "detail": detail_beside_marker(game, "short_detail"),
        "full_detail": detail_beside_marker(game, "detail"),
        "aria_label": aria_label(game),
        "odds_text": odds_text(game),
        "situation_text": situation.get("down_distance_text", ""),
        "red_zone": bool(situation.get("is_red_zone")),
        "period_labels": linescore_labels(game),
        "away": side_display(game, "away"),
        "home": side_display(game, "home"),
    }


# --------------------------------------------------------------------------- the game page's chart


def win_probability_now(points: list[dict]) -> dict | None:
    if not points:
        return None
    home = round(points[-1]["home"] * 100)
    return {"home": home, "away": 100 - home}


def win_probability_caption(game: dict, points: list[dict]) -> str:
    """Words for the chart: the winner once the game is final, else the latest chances; "" before any."""
    away, home = game["away"], game["home"]
    if game["status"]["phase"] == Phase.FINAL and away["score"] is not None and home["score"] is not None:
        if away["score"] == home["score"]:
            return f"Final: tied {away['score']}\N{EN DASH}{home['score']}."
        winner, loser = (home, away) if home["score"] > away["score"] else (away, home)
        return f"Final: {winner['display_name']} won {winner['score']}\N{EN DASH}{loser['score']}."
    now = win_probability_now(points)
    if now is None:
        return ""
    chances = f"{home['abbreviation']} {now['home']}%, {away['abbreviation']} {now['away']}%"
    return f"After the latest play: {chances} to win."


def chart_period_count(espn_league: str, points: list[dict]) -> int:
    """The periods the chart's axis spans: regulation when the league's clock is known, and any later one played."""
    clock = league_of(espn_league).game_clock
    last = max((point["period"] or 0 for point in points), default=0)
    return max(clock[0] if clock else 0, last)


def win_probability_chart(game: dict, points: list[dict]) -> dict:
    """The chart's caption and the name of each period on its axis (period 1 first).

    `points` in game order; the latest are enough (pushed plays bring only theirs): the caption reads
    the last, and the axis the last one's period, since a game's periods only grow.
    """
    count = chart_period_count(game["espn_league"], points)
    return {
        "caption": win_probability_caption(game, points),
        "period_labels": period_labels(game["espn_league"], count, prefixed=True),
    }


def chart_data(detail: dict) -> dict:
    """What game.js draws the chart from: the game page's `game-data` (a game detail payload's parts)."""
    espn_league = detail["espn_league"]
    return {
        "clock": league_of(espn_league).game_clock,
        "home": {"abbreviation": detail["home"]["abbreviation"], "color": detail["display"]["home"]["badge_bg"]},
        "away": {"abbreviation": detail["away"]["abbreviation"], "color": detail["display"]["away"]["badge_bg"]},
        "win_probability": detail["win_probability"],
        **detail["win_probability_chart"],
    }


def linescore_rows(game: dict) -> list[dict]:
    """The score by period's rows, away then home: a cell per heading (None where a team has none yet)."""
    count = len(game["display"]["period_labels"])
    rows = []
    for side in ("away", "home"):
        team = game[side]
        cells = [*team["linescores"], *[None] * (count - len(team["linescores"]))]
        rows.append({"team": team, "cells": cells, "total": team["score"]})
    return rows
