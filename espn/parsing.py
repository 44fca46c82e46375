"""ESPN site-API JSON -> the typed snapshots of `espn.snapshots`.

Pure functions: no Django, no I/O. ESPN documents nothing and changes shapes
without notice (see the shared ESPN notes), so every field is read
defensively: odd types and missing keys become defaults, and one unreadable
event is recorded as skipped instead of sinking the whole scoreboard.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from espn.snapshots import (
    CompetitorSnapshot,
    GameSnapshot,
    GameSummary,
    OddsSnapshot,
    Phase,
    PlaySnapshot,
    Scoreboard,
    SituationSnapshot,
    SkippedEvent,
    StatusSnapshot,
    TeamSnapshot,
    WinProbabilityPoint,
    pause_of,
)

__all__ = [
    "EspnPayloadError",
    "parse_scoreboard",
    "parse_scoreboard_bytes",
    "parse_summary",
    "parse_summary_bytes",
    "phase_of",
]


class EspnPayloadError(ValueError):
    """The response is not ESPN JSON we can read (HTML error page, truncated body, wrong shape)."""


class _SkipEvent(Exception):  # internal control flow, never escapes this module
    """One event cannot be read; the caller records why and moves on."""


# --------------------------------------------------------------------------- small readers


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    """A trimmed string; ids and labels sometimes arrive as numbers."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else str(value)
    return ""


def _float(value: Any) -> float | None:
    """ESPN numbers come as ints, floats or numeric strings ("24", "46.5")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _float(value)
    return int(number) if number is not None else None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def _score(value: Any) -> int | None:
    """A score is "24" on scoreboards, an object {value, displayValue} on team schedules."""
    if isinstance(value, dict):
        number = _int(value.get("value"))
        return number if number is not None else _int(value.get("displayValue"))
    return _int(value)


def _parse_datetime(value: Any) -> datetime | None:
    """ESPN sends UTC with minute precision ("2025-09-07T17:00Z"); plays add seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:  # no offset at all: ESPN times are UTC
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --------------------------------------------------------------------------- status


_PHASE_BY_NAME = {
    "STATUS_POSTPONED": Phase.POSTPONED,
    "STATUS_CANCELED": Phase.CANCELED,
    "STATUS_CANCELLED": Phase.CANCELED,
    "STATUS_SUSPENDED": Phase.SUSPENDED,
}


def phase_of(state: str, completed: bool, name: str) -> Phase:
    """Normalise ESPN's state / completed / status name into a Phase.

    The name wins for postponed, canceled and suspended: ESPN reports those as
    state "post" (a postponed game can even look final), and they must never be
    graded. Everything else is decided by state + completed, so names ESPN
    invents later (delays, new halftime codes) still land somewhere sensible.
    """
    by_name = _PHASE_BY_NAME.get(name.strip().upper()) if isinstance(name, str) else None
    if by_name is not None:
        return by_name
    state = state.strip().lower() if isinstance(state, str) else ""
    if state == "post":
        # post without completed = stopped without a result (suspended-like); never grade it
        return Phase.FINAL if completed is True else Phase.SUSPENDED
    if state == "in":
        return Phase.LIVE
    return Phase.SCHEDULED


def _status(raw: Any) -> StatusSnapshot:
    status = _dict(raw)
    kind = _dict(status.get("type"))
    state = _str(kind.get("state")).lower()
    completed = _bool(kind.get("completed"))
    name = _str(kind.get("name"))
    return StatusSnapshot(
        phase=phase_of(state, completed, name),
        state=state,
        name=name,
        detail=_str(kind.get("detail")),
        short_detail=_str(kind.get("shortDetail")),
        period=_int(status.get("period")) or 0,
        display_clock=_str(status.get("displayClock")),
        clock_seconds=_float(status.get("clock")) or 0.0,
        pause=pause_of(name),
    )


# --------------------------------------------------------------------------- teams and competitors


_PLACEHOLDER_WORDS = {"TBD", "TBA", "TBC"}
# "Quarterfinal 3 Winner", "Semifinal 1 Loser", "Winner of Game 4"
_PLACEHOLDER_NAME = re.compile(r"\b(winner|loser)s?\b", re.IGNORECASE)
# "QW4", "SFW1", "QFW3", "SF L1" (only trusted together with isActive false)
_PLACEHOLDER_ABBR = re.compile(r"^[A-Z]{1,3} ?[WL]\d{1,2}$")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def _is_placeholder(team: dict, competitor: dict, espn_id: str, abbreviation: str, display_name: str) -> bool:
    if not espn_id:
        return True
    if any(_bool(source.get(key)) for source in (team, competitor) for key in ("isTBD", "tbd")):
        return True
    if abbreviation.upper() in _PLACEHOLDER_WORDS or display_name.upper().startswith(("TBD", "TBA")):
        return True
    if _PLACEHOLDER_NAME.search(display_name) or _PLACEHOLDER_NAME.search(_str(team.get("name"))):
        return True
    return team.get("isActive") is False and bool(_PLACEHOLDER_ABBR.match(abbreviation))


def _team_logo(team: dict) -> str:
    logo = _str(team.get("logo"))
    if logo:
        return logo
    for entry in _list(team.get("logos")):
        href = _str(_dict(entry).get("href"))
        if href:
            return href
    return ""


def _team(team: dict, competitor: dict, home_away: str) -> TeamSnapshot:
    espn_id = _str(team.get("id")) or _str(competitor.get("id"))
    abbreviation = _str(team.get("abbreviation"))
    display_name = _str(team.get("displayName"))
    placeholder = _is_placeholder(team, competitor, espn_id, abbreviation, display_name)
    if placeholder:
        # A stable made-up id: ESPN's placeholder ids are not real teams and picks must never key on them.
        label = abbreviation or display_name or _str(team.get("name")) or home_away
        espn_id = "tbd-" + (_SLUG_JUNK.sub("-", label.lower()).strip("-") or home_away)
    return TeamSnapshot(
        espn_id=espn_id,
        abbreviation=abbreviation,
        display_name=display_name or abbreviation,
        short_name=_str(team.get("shortDisplayName")),
        location=_str(team.get("location")),
        name=_str(team.get("name")),
        color=_str(team.get("color")).lstrip("#"),
        alternate_color=_str(team.get("alternateColor")).lstrip("#"),
        logo_url=_team_logo(team),
        is_placeholder=placeholder,
    )


def _linescores(raw: Any) -> tuple[int, ...]:
    # Positions matter (one entry per period), so an unreadable entry counts as 0 rather than vanishing.
    values = []
    for entry in _list(raw):
        entry = _dict(entry)
        value = _int(entry.get("value"))
        if value is None:
            value = _int(entry.get("displayValue"))
        values.append(value or 0)
    return tuple(values)


def _competitor(raw: dict, home_away: str) -> CompetitorSnapshot:
    return CompetitorSnapshot(
        team=_team(_dict(raw.get("team")), raw, home_away),
        score=_score(raw.get("score")),
        linescores=_linescores(raw.get("linescores")),
        shootout_score=_int(raw.get("shootoutScore")),
    )


def _home_and_away(competition: dict) -> tuple[dict, dict]:
    """Pick home and away by `homeAway`, never by position."""
    competitors = [c for c in _list(competition.get("competitors")) if isinstance(c, dict)]
    if len(competitors) != 2:
        raise _SkipEvent(f"expected 2 competitors, found {len(competitors)}")
    sides = [_str(c.get("homeAway")).lower() for c in competitors]
    if sorted(sides) == ["away", "home"]:
        home_index = sides.index("home")
    elif sides.count("home") == 1 and "away" not in sides:
        home_index = sides.index("home")  # only one side labelled: the other is the away team
    elif sides.count("away") == 1 and "home" not in sides:
        home_index = 1 - sides.index("away")
    else:
        raise _SkipEvent(f"cannot tell home from away (homeAway={sides})")
    return competitors[home_index], competitors[1 - home_index]


# --------------------------------------------------------------------------- odds, situation, venue


_DETAILS_LINE = re.compile(r"^(?P<team>\S+)\s+(?P<line>[+-]?\d+(?:\.\d+)?)$")


def _spread_from_details(details: str, home: TeamSnapshot, away: TeamSnapshot) -> float | None:
    """2022-shape odds carry only "TEN -5.5": turn it into the home team's line."""
    if details.upper() in ("EVEN", "PK", "PICK"):
        return 0.0
    match = _DETAILS_LINE.match(details)
    if not match:
        return None
    line = float(match["line"])
    team = match["team"].upper()
    if team == home.abbreviation.upper() and team != away.abbreviation.upper():
        return line
    if team == away.abbreviation.upper() and team != home.abbreviation.upper():
        return -line
    return None


def _odds(entries: Any, home: TeamSnapshot, away: TeamSnapshot, *, details_is_spread: bool) -> OddsSnapshot | None:
    # Soccer lists several providers and the first can be a bare money-line entry: take the
    # first that has a line; entries can also be null.
    for entry in _list(entries):
        entry = _dict(entry)
        details = _str(entry.get("details"))
        spread = _float(entry.get("spread"))
        over_under = _float(entry.get("overUnder"))
        if not details and spread is None and over_under is None:
            continue
        if spread is None and details and details_is_spread:
            # Only football details are point spreads; hockey/baseball ones are money lines ("WSH -160").
            spread = _spread_from_details(details, home, away)
        return OddsSnapshot(details=details, spread=spread, over_under=over_under)
    return None


def _situation(raw: Any) -> SituationSnapshot | None:
    situation = _dict(raw)
    down = _int(situation.get("down"))
    distance = _int(situation.get("distance"))
    yard_line = _int(situation.get("yardLine"))
    snapshot = SituationSnapshot(
        possession_team_espn_id=_str(situation.get("possession")),
        down=down if down is not None and down > 0 else None,  # -1 between plays / at halftime
        distance=distance if distance is not None and distance >= 0 else None,
        yard_line=yard_line if yard_line is not None and 0 <= yard_line <= 100 else None,
        down_distance_text=_str(situation.get("downDistanceText")),
        possession_text=_str(situation.get("possessionText")),
        is_red_zone=_bool(situation.get("isRedZone")),
        last_play_text=_str(_dict(situation.get("lastPlay")).get("text")),
        balls=_count(situation.get("balls")),
        strikes=_count(situation.get("strikes")),
        outs=_count(situation.get("outs")),
        on_first=_bool(situation.get("onFirst")),
        on_second=_bool(situation.get("onSecond")),
        on_third=_bool(situation.get("onThird")),
    )
    return None if snapshot == _EMPTY_SITUATION else snapshot


_EMPTY_SITUATION = SituationSnapshot()


def _count(value: Any) -> int | None:
    """Balls, strikes or outs: a small non-negative number, or None."""
    number = _int(value)
    return number if number is not None and 0 <= number <= 4 else None


_US_COUNTRIES = {"", "USA", "US", "UNITED STATES", "UNITED STATES OF AMERICA"}


def _venue(raw: Any) -> tuple[str, str]:
    venue = _dict(raw)
    address = _dict(venue.get("address"))
    city = _str(address.get("city"))
    state = _str(address.get("state"))
    country = _str(address.get("country"))
    if city and state:
        city = f"{city}, {state}"
    elif city and "," not in city and country.upper() not in _US_COUNTRIES:
        city = f"{city}, {country}"  # "London, England" for games abroad
    return _str(venue.get("fullName")), city


def _broadcast(competition: dict) -> str:
    """ESPN's own one-line label when it sends one, else national networks, else everything."""
    label = _str(competition.get("broadcast"))
    if label:
        return label
    national: list[str] = []
    every: list[str] = []
    for entry in _list(competition.get("broadcasts")):
        entry = _dict(entry)
        if _str(_dict(entry.get("type")).get("shortName")).lower() == "radio":
            continue
        names = [_str(n) for n in _list(entry.get("names"))]
        names.append(_str(_dict(entry.get("media")).get("shortName")))  # summary shape
        market = entry.get("market")
        market_name = _str(market) if isinstance(market, str) else _str(_dict(market).get("type"))
        is_national = market_name.lower() == "national" or _bool(entry.get("isNational"))
        for name in names:
            if name and name not in every:
                every.append(name)
            if name and is_national and name not in national:
                national.append(name)
    return "/".join(national or every)


def _week(value: Any) -> int | None:
    # Scoreboards: {"number": 15}; summary headers: 15.
    number = _int(_dict(value).get("number")) if isinstance(value, dict) else _int(value)
    return number if number is not None and number > 0 else None


# --------------------------------------------------------------------------- games


def _game(
    event: dict,
    competition: dict,
    espn_league: str,
    *,
    fallback_season: dict,
    fallback_week: int | None,
    venue_raw: Any,
    odds_raw: Any,
    situation_raw: Any = None,
    derive_situation: Callable[[dict, dict], SituationSnapshot | None] | None = None,
) -> GameSnapshot:
    espn_id = _str(event.get("id")) or _str(competition.get("id"))
    if not espn_id:
        raise _SkipEvent("no event id")
    kickoff = _parse_datetime(event.get("date")) or _parse_datetime(competition.get("date"))
    if kickoff is None:
        kickoff = _parse_datetime(competition.get("startDate"))
    if kickoff is None:
        raise _SkipEvent(f"no readable date ({event.get('date')!r})")
    home_raw, away_raw = _home_and_away(competition)
    home = _competitor(home_raw, "home")
    away = _competitor(away_raw, "away")
    status_raw = competition.get("status")
    if not isinstance(status_raw, dict) or not status_raw:
        status_raw = event.get("status")  # scoreboards duplicate it on the event
    status = _status(status_raw)

    season = _dict(event.get("season"))
    season_year = _int(season.get("year")) or _int(fallback_season.get("year")) or kickoff.year
    season_type = _int(season.get("type"))
    if season_type is None:
        season_type = _int(fallback_season.get("type"))
    week = _week(event.get("week"))
    if week is None:
        week = fallback_week

    situation = None
    if status.phase is Phase.LIVE:  # ESPN leaves stale situations on finished games
        situation = _situation(situation_raw if situation_raw is not None else competition.get("situation"))
        if situation is None and derive_situation is not None:
            situation = derive_situation(home_raw, away_raw)

    venue, venue_city = _venue(venue_raw if venue_raw is not None else competition.get("venue"))
    name = _str(event.get("name")) or f"{away.team.display_name} at {home.team.display_name}"
    short_name = _str(event.get("shortName")) or f"{away.team.abbreviation} @ {home.team.abbreviation}"
    return GameSnapshot(
        espn_id=espn_id,
        espn_league=espn_league,
        kickoff=kickoff,
        season_year=season_year,
        season_type=season_type or 0,
        week=week,
        home=home,
        away=away,
        status=status,
        name=name,
        short_name=short_name,
        situation=situation,
        odds=_odds(odds_raw, home.team, away.team, details_is_spread=espn_league.startswith("football/")),
        venue=venue,
        venue_city=venue_city,
        neutral_site=_bool(competition.get("neutralSite")),
        broadcast=_broadcast(competition),
    )


def _top_level_season(payload: dict) -> dict:
    """Week-view scoreboards carry `season`; dated ones only `leagues[0].season`."""
    season = _dict(payload.get("season"))
    if season:
        return season
    leagues = _list(payload.get("leagues"))
    league_season = _dict(_dict(leagues[0]).get("season")) if leagues else {}
    return {
        "year": league_season.get("year"),
        "type": _dict(league_season.get("type")).get("type"),
    }


def parse_scoreboard(payload: object, espn_league: str) -> Scoreboard:
    """Every readable event of a scoreboard response; unreadable ones land in `skipped`."""
    if not isinstance(payload, dict):
        raise EspnPayloadError(f"scoreboard: expected a JSON object, got {type(payload).__name__}")
    events = payload.get("events")
    if not isinstance(events, list):
        raise EspnPayloadError("scoreboard: no `events` list in the response")
    fallback_season = _top_level_season(payload)
    fallback_week = _week(payload.get("week"))

    games: list[GameSnapshot] = []
    skipped: list[SkippedEvent] = []
    seen: set[str] = set()
    for event in events:
        event_id = _str(_dict(event).get("id"))
        try:
            if not isinstance(event, dict):
                raise _SkipEvent(f"event is a {type(event).__name__}, not an object")
            competitions = _list(event.get("competitions"))
            competition = _dict(competitions[0]) if competitions else {}
            if not competition:
                raise _SkipEvent("no competitions")
            game = _game(
                event,
                competition,
                espn_league,
                fallback_season=fallback_season,
                fallback_week=fallback_week,
                venue_raw=None,
                odds_raw=competition.get("odds"),
            )
        except _SkipEvent as exc:
            skipped.append(SkippedEvent(espn_id=event_id, reason=str(exc)))
            continue
        except Exception as exc:  # one odd event must never sink the other games of the poll
            skipped.append(SkippedEvent(espn_id=event_id, reason=f"unreadable event: {exc!r}"))
            continue
        if game.espn_id in seen:  # ESPN has listed an event twice; one row per game downstream
            skipped.append(SkippedEvent(espn_id=game.espn_id, reason="duplicate event id"))
            continue
        seen.add(game.espn_id)
        games.append(game)
    return Scoreboard(espn_league=espn_league, games=tuple(games), skipped=tuple(skipped))


# --------------------------------------------------------------------------- summaries


def _summary_play_dicts(payload: dict) -> list[dict]:
    """Football keeps plays in drives (live: also `drives.current`, usually repeated); others flat."""
    drives = _dict(payload.get("drives"))
    if drives:
        chain = [*_list(drives.get("previous")), drives.get("current")]
        raw_plays = [play for drive in chain for play in _list(_dict(drive).get("plays"))]
    else:
        raw_plays = _list(payload.get("plays"))

    seen_ids: set[str] = set()
    ordered: list[dict] = []
    for play in raw_plays:
        if not isinstance(play, dict):
            continue
        play_id = _str(play.get("id"))
        if play_id in seen_ids:
            continue  # a drive repeated in `current` (or a replayed entry): keep the first copy
        if play_id:
            seen_ids.add(play_id)
        ordered.append(play)
    return ordered


def _play(raw: dict, sequence: int) -> PlaySnapshot:
    start = _dict(raw.get("start"))
    team_id = _str(_dict(raw.get("team")).get("id")) or _str(_dict(start.get("team")).get("id"))
    return PlaySnapshot(
        espn_id=_str(raw.get("id")),
        sequence=sequence,
        period=_int(_dict(raw.get("period")).get("number")) or 0,
        clock=_str(_dict(raw.get("clock")).get("displayValue")),
        text=_str(raw.get("text")) or _event_text(raw),
        type_text=_str(_dict(raw.get("type")).get("text")),
        home_score=_int(raw.get("homeScore")) or 0,
        away_score=_int(raw.get("awayScore")) or 0,
        scoring_play=_bool(raw.get("scoringPlay")),
        team_espn_id=team_id,
        wallclock=_parse_datetime(raw.get("wallclock")),
        down_distance_text=_str(start.get("downDistanceText")),
    )


def _sorted_plays(payload: dict) -> list[tuple[int, dict]]:
    """(sequence, raw play) in game order."""
    keyed = []
    last_sequence = 0
    for index, raw in enumerate(_summary_play_dicts(payload)):
        sequence = _int(raw.get("sequenceNumber"))
        if sequence is None:  # keep it where the document had it
            sequence = last_sequence
        last_sequence = sequence
        keyed.append((sequence, index, raw))
    # sequenceNumber is a string ("432100"): sort as a number; NBA files are not in order.
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [(sequence, raw) for sequence, _index, raw in keyed]


def _event_text(raw: dict) -> str:
    """A soccer event without text of its own: "Yellow Card: Nathan Saliba"."""
    kind = _str(_dict(raw.get("type")).get("text"))
    people = [_str(_dict(a).get("displayName")) for a in _list(raw.get("athletesInvolved"))]
    named = ", ".join(name for name in people if name)
    return f"{kind}: {named}" if kind and named else kind


def _key_events(payload: dict) -> list[tuple[int, dict]]:
    """Soccer summaries have no `plays`: their `keyEvents` (goals, cards, substitutions), numbered in order."""
    events = [event for event in _list(payload.get("keyEvents")) if isinstance(event, dict)]
    return list(enumerate(events, start=1))


def _win_probability(payload: dict) -> tuple[WinProbabilityPoint, ...]:
    points = []
    for entry in _list(payload.get("winprobability")):
        entry = _dict(entry)
        pct = _float(entry.get("homeWinPercentage"))
        play_id = _str(entry.get("playId"))
        if pct is None or not play_id or not 0.0 <= pct <= 1.0:
            continue
        points.append(WinProbabilityPoint(play_espn_id=play_id, home_win_pct=pct))
    return tuple(points)


def _situation_deriver(last_play: dict) -> Callable[[dict, dict], SituationSnapshot | None]:
    """Live summaries have no `situation`: rebuild it from possession flags and the latest play."""

    def derive(home_raw: dict, away_raw: dict) -> SituationSnapshot | None:
        possession = ""
        for competitor in (home_raw, away_raw):
            if competitor.get("possession") is True:
                possession = _str(_dict(competitor.get("team")).get("id")) or _str(competitor.get("id"))
        end = _dict(last_play.get("end"))  # down and distance after the latest play = the next snap
        return _situation(
            {
                "possession": possession,
                "down": end.get("down"),
                "distance": end.get("distance"),
                "yardLine": end.get("yardLine"),
                "downDistanceText": end.get("downDistanceText"),
                "possessionText": end.get("possessionText"),
                "lastPlay": {"text": last_play.get("text")},
            }
        )

    return derive


def parse_summary(payload: object, espn_league: str) -> GameSummary:
    """One game from `summary?event=`: the header's game and score, plus plays and win probability."""
    if not isinstance(payload, dict):
        raise EspnPayloadError(f"summary: expected a JSON object, got {type(payload).__name__}")
    header = payload.get("header")
    if not isinstance(header, dict):
        raise EspnPayloadError("summary: no `header` in the response")
    competitions = _list(header.get("competitions"))
    competition = _dict(competitions[0]) if competitions else {}
    if not competition:
        raise EspnPayloadError("summary: `header.competitions` is empty")

    sorted_plays = _sorted_plays(payload) or _key_events(payload)
    plays = tuple(_play(raw, sequence) for sequence, raw in sorted_plays)
    odds_raw = payload.get("pickcenter") if _list(payload.get("pickcenter")) else payload.get("odds")
    event = {
        "id": header.get("id"),
        "date": competition.get("date"),
        "season": header.get("season"),
        "week": header.get("week"),
    }
    venue_raw = _dict(payload.get("gameInfo")).get("venue")
    try:
        game = _game(
            event,
            competition,
            espn_league,
            fallback_season={},
            fallback_week=None,
            venue_raw=venue_raw if isinstance(venue_raw, dict) else None,
            odds_raw=odds_raw,
            situation_raw=payload.get("situation"),
            derive_situation=_situation_deriver(sorted_plays[-1][1] if sorted_plays else {}),
        )
    except _SkipEvent as exc:
        raise EspnPayloadError(f"summary: {exc}") from exc
    game = dataclasses.replace(game, status=_status_with_last_play_time(game.status, plays))
    return GameSummary(game=game, plays=plays, win_probability=_win_probability(payload))


def _status_with_last_play_time(status: StatusSnapshot, plays: tuple[PlaySnapshot, ...]) -> StatusSnapshot:
    """A final summary's header status has no period or clock: the last play ("End of Game") has them."""
    if status.period or status.phase is Phase.SCHEDULED:
        return status
    last = next((play for play in reversed(plays) if play.period), None)
    if last is None:
        return status
    return dataclasses.replace(status, period=last.period, display_clock=last.clock)


# --------------------------------------------------------------------------- raw bytes


def _decode(body: bytes | str, what: str) -> object:
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not isinstance(body, bytes):
        raise EspnPayloadError(f"{what}: expected bytes or str, got {type(body).__name__}")
    body = body.lstrip().removeprefix(b"\xef\xbb\xbf")  # orjson refuses a UTF-8 BOM
    if not body:
        raise EspnPayloadError(f"{what}: empty response body")
    if body.startswith(b"<"):
        # Error pages, captive portals and CDN blocks can answer 200 with HTML.
        snippet = body[:80].decode("utf-8", "replace")
        raise EspnPayloadError(f"{what}: got HTML, not JSON: {snippet!r}")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise EspnPayloadError(f"{what}: invalid or truncated JSON ({len(body)} bytes): {exc}") from exc


def parse_scoreboard_bytes(body: bytes | str, espn_league: str) -> Scoreboard:
    """Decode a scoreboard response body and parse it; EspnPayloadError for HTML or broken JSON."""
    return parse_scoreboard(_decode(body, "scoreboard"), espn_league)


def parse_summary_bytes(body: bytes | str, espn_league: str) -> GameSummary:
    """Decode a summary response body and parse it; EspnPayloadError for HTML or broken JSON."""
    return parse_summary(_decode(body, "summary"), espn_league)
