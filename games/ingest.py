"""Snapshots from ESPN become rows: compare with the database, write only what changed, in bulk.

The number of SQL queries of one ingest does not depend on the number of games: one read
and at most one bulk upsert each for seasons, teams and games, inside one transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import orjson
from django.db import transaction
from django.db.models import Q

from espn.snapshots import GameSnapshot, Phase, TeamSnapshot

from .models import Game, Season, Team

log = logging.getLogger(__name__)

TEAM_FIELDS = (
    "abbreviation", "display_name", "short_name", "location", "name",
    "color", "alternate_color", "logo_url", "is_placeholder",
)  # fmt: skip

GAME_UPDATE_FIELDS = (
    "espn_league", "season", "season_type", "week", "name", "short_name", "kickoff",
    "home_team", "away_team", "home_score", "away_score", "home_linescores", "away_linescores",
    "phase", "state", "status_name", "status_detail", "short_detail", "period", "display_clock",
    "possession_team", "down", "distance", "yard_line", "down_distance_text", "possession_text",
    "is_red_zone", "last_play", "balls", "strikes", "outs", "on_first", "on_second", "on_third",
    "home_shootout_score", "away_shootout_score", "odds_details", "spread", "over_under",
    "venue", "venue_city", "neutral_site", "broadcast",
    "content_hash", "last_changed_at", "final_at", "score_corrected_at",
)  # fmt: skip

# Phases a final game may still move to: ESPN may genuinely postpone or cancel after a bad "final".
PHASE_PROGRESS = {
    Phase.SCHEDULED: 0,
    Phase.POSTPONED: 1,
    Phase.CANCELED: 1,
    Phase.SUSPENDED: 2,
    Phase.LIVE: 3,
    Phase.FINAL: 4,
}


@dataclass
class IngestResult:
    seen: list[str] = field(default_factory=list)  # espn ids
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # includes created
    went_final: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)  # final games whose score ESPN corrected
    voided: list[str] = field(default_factory=list)  # just postponed or cancelled
    ignored_flaps: list[str] = field(default_factory=list)


def snapshot_hash(snapshot: GameSnapshot) -> str:
    payload = orjson.dumps(snapshot.to_dict(), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def progress_key(snapshot: GameSnapshot) -> tuple:
    """Orders two reports of one game: the further along wins (yesterday's and today's scoreboards can overlap)."""
    return (
        PHASE_PROGRESS.get(snapshot.status.phase, 0),
        snapshot.status.period,
        (snapshot.home.score or 0) + (snapshot.away.score or 0),
        -snapshot.status.clock_seconds,
    )


def merge_snapshots(snapshots: Iterable[GameSnapshot]) -> list[GameSnapshot]:
    by_id: dict[str, GameSnapshot] = {}
    for snapshot in snapshots:
        current = by_id.get(snapshot.espn_id)
        if current is None or progress_key(snapshot) > progress_key(current):
            by_id[snapshot.espn_id] = snapshot
    return list(by_id.values())


def ingest_snapshots(snapshots: Iterable[GameSnapshot], *, now: datetime) -> IngestResult:
    """Write what changed; announce finals after commit. Safe to call twice with the same input."""
    merged = merge_snapshots(snapshots)
    result = IngestResult(seen=[s.espn_id for s in merged])
    if not merged:
        return result
    with transaction.atomic():
        existing = Game.objects.in_bulk([s.espn_id for s in merged], field_name="espn_id")
        pending = []
        for snapshot in merged:
            content_hash = snapshot_hash(snapshot)
            game = existing.get(snapshot.espn_id)
            if game is not None and game.content_hash == content_hash:
                continue
            if game is not None and game.is_final and snapshot.status.phase not in Phase.SETTLED:
                # ESPN flaps right after the whistle; one odd answer must not undo a final.
                log.warning(
                    "ignored regression of final game game=%s league=%s reported=%s",
                    snapshot.espn_id, snapshot.espn_league, snapshot.status.name,
                )  # fmt: skip
                result.ignored_flaps.append(snapshot.espn_id)
                continue
            pending.append((snapshot, game, content_hash))
        if not pending:
            return result
        teams = upsert_teams([s for s, _, _ in pending])
        seasons = upsert_seasons([s for s, _, _ in pending])
        rows = [
            game_row(snapshot, game, content_hash, teams=teams, seasons=seasons, now=now, result=result)
            for snapshot, game, content_hash in pending
        ]
        announce_locking(pending, rows, now=now)
        Game.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["espn_id"], update_fields=list(GAME_UPDATE_FIELDS)
        )
        announce_after_commit(rows, result)
    return result


def game_row(
    snapshot: GameSnapshot,
    existing: Game | None,
    content_hash: str,
    *,
    teams: dict[tuple[str, str], Team],
    seasons: dict[tuple[str, int], Season],
    now: datetime,
    result: IngestResult,
) -> Game:
    league = snapshot.espn_league
    status = snapshot.status
    situation = snapshot.situation
    odds = snapshot.odds
    home, away = snapshot.home, snapshot.away
    game = Game(
        espn_id=snapshot.espn_id,
        espn_league=league,
        season=seasons[(league, snapshot.season_year)],
        season_type=snapshot.season_type,
        week=snapshot.week,
        name=snapshot.name,
        short_name=snapshot.short_name,
        kickoff=snapshot.kickoff,
        home_team=teams[(league, home.team.espn_id)],
        away_team=teams[(league, away.team.espn_id)],
        home_score=home.score,
        away_score=away.score,
        home_linescores=list(home.linescores),
        away_linescores=list(away.linescores),
        phase=status.phase.value,
        state=status.state,
        status_name=status.name,
        status_detail=status.detail,
        short_detail=status.short_detail,
        period=status.period,
        display_clock=status.display_clock,
        possession_team=teams.get((league, situation.possession_team_espn_id)) if situation else None,
        down=situation.down if situation else None,
        distance=situation.distance if situation else None,
        yard_line=situation.yard_line if situation else None,
        down_distance_text=situation.down_distance_text if situation else "",
        possession_text=situation.possession_text if situation else "",
        is_red_zone=situation.is_red_zone if situation else False,
        last_play=situation.last_play_text if situation else "",
        balls=situation.balls if situation else None,
        strikes=situation.strikes if situation else None,
        outs=situation.outs if situation else None,
        on_first=situation.on_first if situation else False,
        on_second=situation.on_second if situation else False,
        on_third=situation.on_third if situation else False,
        home_shootout_score=home.shootout_score,
        away_shootout_score=away.shootout_score,
        odds_details=odds.details if odds else "",
        spread=decimal_or_none(odds.spread) if odds else None,
        over_under=decimal_or_none(odds.over_under) if odds else None,
        venue=snapshot.venue,
        venue_city=snapshot.venue_city,
        neutral_site=snapshot.neutral_site,
        broadcast=snapshot.broadcast,
        content_hash=content_hash,
        last_changed_at=now,
        final_at=None,
        score_corrected_at=None,
    )
    if existing is None:
        result.created.append(snapshot.espn_id)
    else:
        game.pk = existing.pk
        keep_what_espn_stopped_sending(game, existing)
    result.changed.append(snapshot.espn_id)
    note_result_change(game, existing, now=now, result=result)
    return game


def keep_what_espn_stopped_sending(game: Game, existing: Game) -> None:
    """ESPN drops the line once a game is live, summaries carry no broadcast, and a final summary without
    plays no period or clock: keep the last known."""
    if not game.odds_details and game.spread is None and game.over_under is None:
        game.odds_details, game.spread, game.over_under = (
            existing.odds_details,
            existing.spread,
            existing.over_under,
        )
    for name in ("venue", "venue_city", "broadcast"):
        if not getattr(game, name):
            setattr(game, name, getattr(existing, name))
    if not game.period and game.phase != Phase.SCHEDULED:
        game.period, game.display_clock = existing.period, existing.display_clock
    game.score_corrected_at = existing.score_corrected_at


def note_result_change(game: Game, existing: Game | None, *, now: datetime, result: IngestResult) -> None:
    was_final = existing is not None and existing.is_final
    if game.is_final and not was_final:
        game.final_at = now
        result.went_final.append(game.espn_id)
    elif game.is_final and existing is not None and was_final:
        game.final_at = existing.final_at
        if (game.home_score, game.away_score) != (existing.home_score, existing.away_score):
            game.score_corrected_at = now
            log.warning(
                "final score corrected game=%s league=%s from=%s-%s to=%s-%s",
                game.espn_id, game.espn_league, existing.away_score, existing.home_score,
                game.away_score, game.home_score,
            )  # fmt: skip
            result.corrected.append(game.espn_id)
    if game.phase in Phase.VOID and (existing is None or existing.phase != game.phase):
        result.voided.append(game.espn_id)


def announce_locking(pending: list[tuple[GameSnapshot, Game | None, str]], rows: list[Game], *, now: datetime) -> None:
    """Tell listeners, before writing, which games this write locks and the spread each had while open."""
    last_open_spreads = {
        existing.pk: existing.spread
        for (_, existing, _), game in zip(pending, rows, strict=True)
        if existing is not None
        and existing.phase == Phase.SCHEDULED
        and (game.phase != Phase.SCHEDULED or game.kickoff <= now)
    }
    if last_open_spreads:
        from .signals import games_locking

        games_locking.send(sender=Game, last_open_spreads=last_open_spreads, now=now)


def announce_after_commit(rows: list[Game], result: IngestResult) -> None:
    if not (result.went_final or result.corrected or result.voided):
        return
    pks = {row.espn_id: row.pk for row in rows}
    if None in pks.values():  # a backend that does not return upserted keys
        pks = dict(Game.objects.filter(espn_id__in=pks).values_list("espn_id", "pk"))
    from .signals import game_results_changed

    def announce() -> None:
        game_results_changed.send(
            sender=Game,
            final_ids=[pks[i] for i in result.went_final],
            corrected_ids=[pks[i] for i in result.corrected],
            voided_ids=[pks[i] for i in result.voided],
        )

    transaction.on_commit(announce, robust=True)


def upsert_teams(snapshots: list[GameSnapshot]) -> dict[tuple[str, str], Team]:
    wanted: dict[tuple[str, str], TeamSnapshot] = {}
    for snapshot in snapshots:
        for competitor in (snapshot.home, snapshot.away):
            wanted[(snapshot.espn_league, competitor.team.espn_id)] = competitor.team
    query = Q()
    for league in {league for league, _ in wanted}:
        query |= Q(espn_league=league, espn_id__in=[i for lg, i in wanted if lg == league])
    teams = {(t.espn_league, t.espn_id): t for t in Team.objects.filter(query)}
    to_write = []
    for (league, espn_id), team_snapshot in wanted.items():
        values = {name: getattr(team_snapshot, name) for name in TEAM_FIELDS}
        team = teams.get((league, espn_id))
        if team is not None and all(getattr(team, k) == v for k, v in values.items()):
            continue
        if team is not None and team_snapshot.is_placeholder is False and not team_snapshot.display_name:
            continue  # a thinner report (e.g. a summary) never blanks a known team
        to_write.append(Team(espn_league=league, espn_id=espn_id, **values))
    if to_write:
        written = Team.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=["espn_league", "espn_id"],
            update_fields=list(TEAM_FIELDS),
        )
        if any(team.pk is None for team in written):
            written = list(Team.objects.filter(query))
        teams.update({(t.espn_league, t.espn_id): t for t in written})
    return teams


def upsert_seasons(snapshots: list[GameSnapshot]) -> dict[tuple[str, int], Season]:
    wanted = {(s.espn_league, s.season_year) for s in snapshots}
    query = Q()
    for league, year in wanted:
        query |= Q(espn_league=league, year=year)
    seasons = {(s.espn_league, s.year): s for s in Season.objects.filter(query)}
    missing = [Season(espn_league=league, year=year) for league, year in wanted - seasons.keys()]
    if missing:
        Season.objects.bulk_create(missing, ignore_conflicts=True)
        seasons = {(s.espn_league, s.year): s for s in Season.objects.filter(query)}
    return seasons


def decimal_or_none(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 1)))
