"""The /live/ and /games/<id>/ pages, and the fixed-bytes view the benchmark compares the live API with.

Both pages render from the same payloads the API serves (the live feed, `game_payload`), so the
server's first paint and the script's later repaints show the same thing.
"""

from __future__ import annotations

import re

import orjson
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.views.decorators.http import require_safe

from espn.leagues import league_of, period_prefix
from espn.snapshots import Phase

from . import live_feed, selectors
from .api import game_detail_payload

HEX_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
NEUTRAL_BADGE = "5b6470"

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
        return "HALFTIME" if game["status"]["name"] == "STATUS_HALFTIME" else "LIVE"
    if phase == Phase.SCHEDULED:
        return ""
    return phase.upper()


def show_detail(game: dict, key: str = "short_detail") -> bool:
    """The status detail beside the marker, unless it only repeats it ("FINAL Final", "HALFTIME Halftime")."""
    detail = game["status"][key]
    return bool(detail) and detail.upper() != status_marker(game)


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


def side_view(game: dict, side: str) -> dict:
    team = game[side]
    other = game["home" if side == "away" else "away"]
    background, foreground = badge_colors(team["color"])
    situation = game["situation"] or {}
    final = game["status"]["phase"] == Phase.FINAL
    return {
        **team,
        "side": side,
        "badge_bg": background,
        "badge_fg": foreground,
        "has_ball": bool(situation.get("possession_team_espn_id"))
        and situation.get("possession_team_espn_id") == team["espn_id"],
        "is_winner": final
        and team["score"] is not None
        and other["score"] is not None
        and team["score"] > other["score"],
    }


def odds_text(game: dict) -> str:
    odds = game["odds"]
    if not odds or game["status"]["phase"] != Phase.SCHEDULED:
        return ""
    parts = [f"Line {odds['details']}"] if odds["details"] else []
    if odds["over_under"] is not None:
        parts.append(f"O/U {odds['over_under']:g}")
    return ", ".join(parts)


def card(game: dict) -> dict:
    """What a game card shows, worked out once (static/js/live.js repeats it for repaints)."""
    situation = game["situation"] or {}
    return {
        "game": game,
        "group": group_of(game["status"]["phase"]),
        "aria_label": aria_label(game),
        "marker": status_marker(game),
        "show_detail": show_detail(game),
        "away": side_view(game, "away"),
        "home": side_view(game, "home"),
        "situation_text": situation.get("down_distance_text", ""),
        "red_zone": bool(situation.get("is_red_zone")),
        "odds_text": odds_text(game),
    }


def grouped_cards(games: list[dict]) -> list[dict]:
    cards = [card(game) for game in games]
    return [{"key": key, "label": label, "cards": [c for c in cards if c["group"] == key]} for key, label, _ in GROUPS]


@require_safe
def live_page(request: HttpRequest) -> HttpResponse:
    feed = live_feed.current_feed()
    document = orjson.loads(feed.body)
    context = {
        "groups": grouped_cards(document["games"]),
        "feed": document,
        "etag": live_feed.etag_header(feed.etag, gzipped=False),
        "stale": feed.stale,
    }
    return render(request, "games/live.html", context)


def period_labels(espn_league: str, count: int) -> list[str]:
    regulation = {"football": 4, "basketball": 4, "hockey": 3}.get(espn_league.split("/")[0])
    if regulation is None:
        return [str(n) for n in range(1, count + 1)]
    labels = [str(n) for n in range(1, min(count, regulation) + 1)]
    overtime = count - regulation
    if overtime == 1:
        labels.append("OT")
    elif overtime > 1:
        labels.extend(f"OT{n}" for n in range(1, overtime + 1))
    return labels


def win_probability_caption(game: dict, points: list[dict]) -> str:
    """Words for the chart: the winner once the game is final, else the latest chances."""
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


def chart_side(team: dict) -> dict:
    return {
        "abbreviation": team["abbreviation"],
        "display_name": team["display_name"],
        "score": team["score"],
        "color": badge_colors(team["color"])[0],
    }


def win_probability_now(points: list[dict]) -> dict | None:
    if not points:
        return None
    home = round(points[-1]["home"] * 100)
    return {"home": home, "away": 100 - home}


def linescore_rows(game: dict) -> tuple[list[str], list[dict]]:
    count = max(len(game["away"]["linescores"]), len(game["home"]["linescores"]))
    labels = period_labels(game["espn_league"], count)
    rows = []
    for side in ("away", "home"):
        team = game[side]
        cells = [*team["linescores"], *[None] * (count - len(team["linescores"]))]
        rows.append({"team": team, "cells": cells, "total": team["score"]})
    return labels, rows


@require_safe
def game_page(request: HttpRequest, pk: int) -> HttpResponse:
    game = selectors.game_by_id(pk)
    if game is None:
        raise Http404("No such game.")
    detail = game_detail_payload(game, plays_limit=500)
    labels, rows = linescore_rows(detail)
    context = {
        "game": detail,
        "card": card(detail),
        "period_labels": labels,
        "linescore_rows": rows,
        "period_prefix": period_prefix(game.espn_league),
        "show_status_detail": show_detail(detail, "detail"),
        "wp_caption": win_probability_caption(detail, detail["win_probability"]),
        "chart": {
            "phase": detail["status"]["phase"],
            "period_prefix": period_prefix(game.espn_league),
            "clock": league_of(game.espn_league).game_clock,
            "home": chart_side(detail["home"]),
            "away": chart_side(detail["away"]),
            "win_probability": detail["win_probability"],
        },
    }
    return render(request, "games/game.html", context)


def schema_operations(schema: dict) -> list[dict]:
    """The OpenAPI schema as a list of operations a template can show."""
    operations = []
    for route, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "required": p.get("required", False),
                    "type": p.get("schema", {}).get("type", ""),
                    "enum": p.get("schema", {}).get("enum", []),
                    "description": p.get("description", ""),
                }
                for p in operation.get("parameters", [])
            ]
            responses = [
                {"code": code, "description": answer.get("description", "")}
                for code, answer in operation.get("responses", {}).items()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": route,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "responses": responses,
                    "anchor": operation.get("operationId", f"{method}-{route}"),
                }
            )
    return operations


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """A readable page of the OpenAPI schema, served without any script or asset from elsewhere."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    context = {"info": schema.get("info", {}), "operations": schema_operations(schema)}
    return render(request, "games/api_docs.html", context)


_fixed_bodies: dict[int, bytes] = {}
FIXED_ETAG = '"fixed"'


@require_safe
def bench_fixed_bytes(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: a fixed byte string of the requested size, through the same stack.

    Answers 304 to `If-None-Match: "fixed"`, the yardstick for the live endpoint's 304 path.
    """
    if request.META.get("HTTP_IF_NONE_MATCH") == FIXED_ETAG:
        return HttpResponseNotModified(headers={"ETag": FIXED_ETAG})
    try:
        size = max(2, min(int(request.GET.get("bytes", "1024")), 4_000_000))
    except ValueError:
        size = 1024
    body = _fixed_bodies.get(size)
    if body is None:
        body = _fixed_bodies.setdefault(size, b'"' + b"x" * (size - 2) + b'"')
    return HttpResponse(body, content_type="application/json", headers={"ETag": FIXED_ETAG})
