"""What a game looks like on a page, worked out once on the server: the payload's `display` block.

`display_of` reads the game payload (`game_shape.game_payload`) and nothing else, so it costs no
query. The card, the game page and the scripts that repaint them (static/js/live.js, game.js) all
show what it says; none of them works out a colour, a marker or a label again.
"""

from __future__ import annotations

import re

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
        "away": side_display(game, "away"),
        "home": side_display(game, "home"),
    }
