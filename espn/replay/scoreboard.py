"""Scoreboard JSON for a game at a moment, in the shape of ESPN's scoreboard events.

As the real payloads do (shared/espn/ESPN-API-NOTES.md §2): scores as strings ("0" before
kickoff), `winner` only once final, `situation` only while live, `odds` only before kickoff.
"""

from __future__ import annotations

from .drives import partial_drive, win_probability_of
from .recording import COLLEGE_CONFERENCE_BY_TEAM, Recording, espn_minute
from .timeline import IN, PRE, GameState, ScheduledGame, status_type

LEAGUES = {
    "football/nfl": {
        "id": "28",
        "uid": "s:20~l:28",
        "name": "National Football League",
        "abbreviation": "NFL",
        "slug": "nfl",
    },
    "football/college-football": {
        "id": "23",
        "uid": "s:20~l:23",
        "name": "NCAA - Football",
        "abbreviation": "NCAAF",
        "midsizeName": "NCAA Football",
        "slug": "college-football",
    },
}

SEASON_SLUGS = {1: "preseason", 2: "regular-season", 3: "post-season", 4: "off-season"}

UNRANKED = 99  # ESPN's curatedRank for an unranked team


RECORD_NAMES = {"total": "overall", "home": "Home", "road": "Road"}


def scoreboard_payload(espn_league: str, events: list[dict], groups: str | None = None) -> dict:
    """A dated scoreboard: no top-level season/week/day, as ESPN answers `dates=` requests."""
    payload: dict = {"leagues": [dict(LEAGUES[espn_league])]}
    if groups:
        payload["groups"] = [groups]
    payload["events"] = events
    return payload


def scoreboard_event(game: ScheduledGame, state: GameState) -> dict:
    recording = game.recording
    header = recording.summary["header"]
    home, away = recording.competitor("home"), recording.competitor("away")
    status = scoreboard_status(game, state)
    networks = broadcasts(recording)
    competition = {
        "id": recording.competition["id"],
        "uid": recording.competition["uid"],
        "date": espn_minute(game.kickoff),
        "attendance": recording.summary.get("gameInfo", {}).get("attendance", 0) if state.completed else 0,
        "type": {"id": "1", "abbreviation": "STD"},
        "timeValid": True,
        "neutralSite": bool(recording.competition.get("neutralSite")),
        "conferenceCompetition": bool(recording.competition.get("conferenceCompetition")),
        "playByPlayAvailable": state.state != PRE,
        "recent": state.state != PRE,
        "venue": venue(recording),
        "competitors": [scoreboard_competitor(recording, state, c) for c in (home, away)],
        "notes": [{"type": "event", "headline": header["gameNote"]}] if header.get("gameNote") else [],
        "status": status,
        "broadcasts": networks,
        "format": {"regulation": {"periods": 4}},
        "startDate": espn_minute(game.kickoff),
        "broadcast": "/".join(name for b in networks for name in b["names"]),
    }
    if state.state == IN:
        competition["situation"] = situation(game, state)
    if state.state == PRE and (odds := event_odds(recording)):
        competition["odds"] = [odds]
    separator = " VS " if competition["neutralSite"] else " @ "
    season_type = int(header["season"]["type"])
    return {
        "id": recording.event_id,
        "uid": header["uid"],
        "date": espn_minute(game.kickoff),
        "name": f"{away['team']['displayName']} at {home['team']['displayName']}",
        "shortName": f"{away['team']['abbreviation']}{separator}{home['team']['abbreviation']}",
        "season": {
            "year": int(header["season"]["year"]),
            "type": season_type,
            "slug": SEASON_SLUGS.get(season_type, ""),
        },
        "week": {"number": int(header["week"])},
        "competitions": [competition],
        "links": [],
        "status": status,
    }


def scoreboard_status(game: ScheduledGame, state: GameState) -> dict:
    return {
        "clock": state.clock,
        "displayClock": state.display_clock,
        "period": state.period,
        "type": status_type(game, state),
    }


def scoreboard_competitor(recording: Recording, state: GameState, competitor: dict) -> dict:
    home_away = competitor["homeAway"]
    score = state.home_score if home_away == "home" else state.away_score
    lines = state.home_linescores if home_away == "home" else state.away_linescores
    result = {
        "id": competitor["id"],
        "uid": competitor["uid"],
        "type": "team",
        "order": competitor.get("order", 0 if home_away == "home" else 1),
        "homeAway": home_away,
    }
    if state.completed:
        result["winner"] = bool(competitor.get("winner"))
    result["team"] = scoreboard_team(recording, competitor)
    result["score"] = str(score)
    if state.state != PRE:
        result["linescores"] = [
            {"value": float(v), "displayValue": str(v), "period": n} for n, v in enumerate(lines, 1)
        ]
    result["statistics"] = []
    if recording.is_college:
        result["curatedRank"] = {"current": int(competitor.get("rank") or UNRANKED)}
    result["records"] = [
        {"name": RECORD_NAMES.get(r["type"], r["type"]), "type": r["type"], "summary": r["summary"]}
        for r in records(recording, competitor, state)
        if r["type"] in RECORD_NAMES
    ]
    return result


def scoreboard_team(recording: Recording, competitor: dict) -> dict:
    """The scoreboard's team object, with colors and a logo URL from the summary's team."""
    team = competitor["team"]
    boxscore_team: dict = next(
        (t["team"] for t in recording.summary.get("boxscore", {}).get("teams", []) if t["team"]["id"] == team["id"]),
        {},
    )
    result = {
        "id": team["id"],
        "uid": team["uid"],
        "location": team.get("location", ""),
        "name": team.get("name", ""),
        "abbreviation": team["abbreviation"],
        "displayName": team["displayName"],
        "shortDisplayName": boxscore_team.get("shortDisplayName") or team.get("name", ""),
        "color": team.get("color", ""),
        "alternateColor": team.get("alternateColor", ""),
        "isActive": True,
        "logo": team_logo(team) or boxscore_team.get("logo", ""),
    }
    if recording.is_college and team["id"] in COLLEGE_CONFERENCE_BY_TEAM:
        result["conferenceId"] = COLLEGE_CONFERENCE_BY_TEAM[team["id"]]
    return result


def team_logo(team: dict) -> str:
    """The scoreboard logo where the summary has one (NFL), else the default logo."""
    logos = team.get("logos", [])
    for logo in logos:
        if "scoreboard" in logo.get("rel", []) and "dark" not in logo.get("rel", []):
            return logo["href"]
    return logos[0]["href"] if logos else ""


def records(recording: Recording, competitor: dict, state: GameState) -> list[dict]:
    """The recorded records count this game; before the final, take its result back out
    (regular season only: playoff games are not in the recorded records)."""
    recorded = competitor.get("record", [])
    if state.completed or int(recording.summary["header"]["season"]["type"]) != 2:
        return recorded
    home_away = competitor["homeAway"]
    mine = recording.final_home_score if home_away == "home" else recording.final_away_score
    theirs = recording.final_away_score if home_away == "home" else recording.final_home_score
    column = 0 if mine > theirs else 1 if mine < theirs else 2
    affected = {"total", "home" if home_away == "home" else "road"}
    if recording.competition.get("conferenceCompetition"):
        affected.add("vsconf")
    result = []
    for record in recorded:
        record = dict(record)
        if record["type"] in affected:
            record["summary"] = record["displayValue"] = take_back(record["summary"], column)
        result.append(record)
    return result


def take_back(summary: str, column: int) -> str:
    parts = [int(x) for x in summary.split("-")]
    if column < len(parts) and parts[column] > 0:
        parts[column] -= 1
    return "-".join(str(x) for x in parts)


def venue(recording: Recording) -> dict:
    raw = recording.summary.get("gameInfo", {}).get("venue", {})
    address = {k: v for k, v in raw.get("address", {}).items() if k in ("city", "state", "country")}
    return {"id": raw.get("id", ""), "fullName": raw.get("fullName", ""), "address": address}


def broadcasts(recording: Recording) -> list[dict]:
    """`[{market, names}]` from the summary's broadcasts (grouped by market, in order)."""
    grouped: dict[str, list[str]] = {}
    for item in recording.competition.get("broadcasts", []):
        name = item.get("media", {}).get("shortName")
        if not name:
            continue
        market = "national" if item.get("isNational") else item.get("market", {}).get("type", "").lower()
        grouped.setdefault(market, []).append(name)
    return [{"market": market, "names": names} for market, names in grouped.items()]


def event_odds(recording: Recording) -> dict | None:
    """Pre-game odds from the summary's pickcenter[0], in the scoreboard's `odds[]` shape."""
    pickcenter = recording.summary.get("pickcenter") or []
    if not pickcenter:
        return None
    pick = pickcenter[0]
    odds: dict = {}
    if provider := pick.get("provider"):
        odds["provider"] = {k: provider[k] for k in ("id", "name", "priority") if k in provider}
    for key in ("details", "overUnder", "spread"):
        if key in pick:
            odds[key] = pick[key]
    for side, home_away in (("awayTeamOdds", "away"), ("homeTeamOdds", "home")):
        if side in pick:
            team = recording.competitor(home_away)["team"]
            side_odds = {
                k: pick[side][k]
                for k in ("favorite", "underdog", "moneyLine", "spreadOdds", "favoriteAtOpen")
                if k in pick[side]
            }
            side_odds["team"] = {
                "id": team["id"],
                "abbreviation": team["abbreviation"],
                "displayName": team["displayName"],
                "shortDisplayName": team.get("name", ""),
            }
            odds[side] = side_odds
    return odds


def situation(game: ScheduledGame, state: GameState) -> dict:
    """Down and distance after the latest play; -1 (no possession) at a break, as ESPN does."""
    index = state.last_play_index
    if index is None:
        return {}  # before the first snap there is no situation to show
    play = game.recording.plays[index]
    end = play.get("end", {})
    result: dict = {"lastPlay": last_play(game, state, index)}
    down = int(end.get("down") or 0)
    live = state.status_name == "STATUS_IN_PROGRESS" and down > 0
    result["down"] = down if live else -1
    result["yardLine"] = end.get("yardLine", 0)
    result["distance"] = int(end.get("distance") or 0) if live else -1
    if live:
        for key in ("downDistanceText", "shortDownDistanceText", "possessionText"):
            if key in end:
                result[key] = end[key]
    result["isRedZone"] = live and int(end.get("yardsToEndzone", 100)) <= 20
    if state.possession:
        result["possession"] = state.possession
    return result


def last_play(game: ScheduledGame, state: GameState, index: int) -> dict:
    recording = game.recording
    play = recording.plays[index]
    before = (recording.home_scores[index - 1], recording.away_scores[index - 1]) if index else (0, 0)
    score_value = recording.home_scores[index] + recording.away_scores[index] - sum(before)
    result = {
        "id": play["id"],
        "type": play.get("type", {}),
        "text": play.get("text", ""),
        "scoreValue": score_value,
        "team": {"id": str(play.get("start", {}).get("team", {}).get("id", ""))},
    }
    if probability := win_probability_of(recording, play["id"]):
        result["probability"] = probability
    drive = partial_drive(game, state, recording.drive_index[index])
    result["drive"] = {k: drive[k] for k in ("description", "start", "timeElapsed") if k in drive}
    for key in ("start", "end"):
        side = play.get(key, {})
        result[key] = {"yardLine": side.get("yardLine", 0), "team": side.get("team", {})}
    result["statYardage"] = play.get("statYardage", 0)
    return result
