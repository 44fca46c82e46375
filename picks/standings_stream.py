"""A league's live standings projection, pushed: GET /api/picks/leagues/<id>/standings/stream/.

A worker recomputes the projection once per poll for each league with a game that changed while
in play (and once more after such a game is graded), never once per client: it stores the result
in Redis (`scores:standings:{league}`, the snapshot a connecting client gets) and publishes it on
the league's channel, in the same transaction. Web processes fan it out through games/streams.py.

The event (`event: standings`, `id:` a growing version) carries the week's rows, with what a page
shows: the entry's name, rank, points, record, the live projection and its rank, and (pick'em) each
entry's chance to win the week, and the season in its last week. Tiebreaker guesses and survivor
picks are left out: who may see them depends on the viewer (the page and GET .../standings/ show them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import cast

import orjson
import redis
from django.conf import settings
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated

from config.redis_client import cache_redis
from config.redis_keys import STANDINGS_CHANNEL, STANDINGS_KEY, STANDINGS_TTL
from games import streams
from games.models import Game, Phase
from games.stream_api import LAST_EVENT_ID_PARAMS, StreamApiView, last_event_id, sse_response
from games.stream_publisher import next_version, parse_stream_message, stream_message

from .chance import WeekChances, week_chances
from .models import PickemLeague
from .selectors import is_member
from .standings import Standings, week_standings
from .weeks import Week

log = logging.getLogger(__name__)

IN_PLAY = (Phase.LIVE, Phase.FINAL)


def standings_document(standings: Standings, chances: WeekChances | None = None) -> dict:
    week = standings.week
    chance_of = {row.entry_id: row for row in chances.rows} if chances else {}
    return {
        "league_id": standings.league.pk,
        "week": {"slug": week.slug, "label": week.label(standings.league.espn_league)} if week else None,
        "live_games": standings.live_games,
        "rows": [
            {
                "entry_id": row.entry_id,
                "entry_name": row.entry_name,
                "username": row.username,
                "rank": row.rank,
                "points": row.points,
                "record": row.record,
                "live_points": row.live_points,
                "projected_points": row.projected_points,
                "live_rank": row.live_rank,
                **chance_fields(chance_of.get(row.entry_id)),
            }
            for row in standings.rows
        ],
    }


def chance_fields(chance) -> dict:
    if chance is None:
        return {}
    return {"chance_week": chance.week, "chance_season": chance.season}


def leagues_to_project(game_ids: Iterable[int] = (), espn_ids: Iterable[str] = ()) -> dict[PickemLeague, set[Week]]:
    """The leagues (and weeks) whose standings these games move: games in play or just final."""
    games = Game.objects.filter(phase__in=IN_PLAY).exclude(week=None)
    games = games.filter(pk__in=list(game_ids)) if game_ids else games.filter(espn_id__in=list(espn_ids))
    weeks: dict[tuple[str, int], set[Week]] = defaultdict(set)
    for espn_league, year, season_type, number in games.values_list(
        "espn_league", "season__year", "season_type", "week"
    ):
        if number is not None:  # a game ESPN gives no week is in no pick'em week
            weeks[(espn_league, year)].add(Week(season_type, number))
    if not weeks:
        return {}
    found: dict[PickemLeague, set[Week]] = {}
    for league in PickemLeague.objects.filter(espn_league__in={league for league, _ in weeks}):
        league_weeks = weeks.get((league.espn_league, league.season_year))
        if league_weeks:
            found[league] = league_weeks
    return found


def publish_league_standings(client: redis.Redis, league: PickemLeague, week: Week) -> int:
    """Recompute one league's week and publish it; returns its version."""
    chances = None if league.is_survivor else week_chances(league, week)
    document = orjson.dumps(standings_document(week_standings(league, week), chances))
    key = STANDINGS_KEY.format(league_id=league.pk)
    previous = cast(bytes | None, client.get(key))  # the cache client returns bytes (no decode_responses)
    version = next_version(parse_stream_message(previous)[1] if previous else None)
    message = stream_message("standings", version, document)
    pipe = client.pipeline(transaction=True)
    pipe.set(key, message, ex=STANDINGS_TTL)
    pipe.publish(STANDINGS_CHANNEL.format(league_id=league.pk), message)
    pipe.execute()
    return version


def publish_standings_for(*, game_ids: Iterable[int] = (), espn_ids: Iterable[str] = ()) -> int:
    """Once per league (and week) these games touch, whatever its number of members or viewers."""
    client = cache_redis()
    published = 0
    for league, weeks in leagues_to_project(game_ids, espn_ids).items():
        for week in sorted(weeks, key=lambda w: (w.season_type, w.number)):
            publish_league_standings(client, league, week)
            published += 1
    return published


# --------------------------------------------------------------------------- the stream


async def standings_snapshot(the_hub: streams.Hub, league_id: int) -> tuple[int | None, bytes, str] | None:
    raw = await the_hub.read_key(STANDINGS_KEY.format(league_id=league_id))
    if raw is None:
        return None
    kind, version, data = parse_stream_message(raw)
    return version, data, kind


def standings_events(league_id: int, last_event_id: int | None):
    the_hub = streams.hub()
    return streams.events(
        the_hub,
        channel=STANDINGS_CHANNEL.format(league_id=league_id),
        stream="standings",
        last_event_id=last_event_id,
        snapshot=lambda: standings_snapshot(the_hub, league_id),
        heartbeat_seconds=settings.STREAM_HEARTBEAT_SECONDS,
    )


class LeagueStandingsStreamApi(StreamApiView):
    """A league's live standings projection, pushed after each poll that moves it. Members only."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A league's live standings as Server-Sent Events (members only)",
        description=(
            "An SSE stream (`text/event-stream`) for a signed-in member (session cookie). `event: standings` "
            '(`id:` a growing version; `data: {"league_id", "week": {"slug", "label"}, "live_games", "rows": '
            '[{"entry_id", "entry_name", "username", "rank", "points", "record", "live_points", '
            '"projected_points", "live_rank", "chance_week", "chance_season"}]}`: the chances, 0 to 1, in '
            "pick'em leagues only, chance_season null but in the season's last week), first the latest stored "
            "one, then one after each poll that changed a game of the league in play, and after its grading. "
            "Heartbeat comment every 15 s; Last-Event-ID as for the live stream. 403 for a non-member, 404 for "
            "no such league."
        ),
        parameters=LAST_EVENT_ID_PARAMS,
        responses={
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="SSE events"),
            403: OpenApiResponse(description="not signed in, or not a member"),
            404: OpenApiResponse(description="no such league"),
        },
    )
    def get(self, request, league_id: int):  # pragma: no cover - documentation only; `serve` answers
        raise NotImplementedError

    @staticmethod
    async def serve(request: HttpRequest, league_id: int) -> StreamingHttpResponse | JsonResponse:
        user = await request.auser()
        if not user.is_authenticated:
            return JsonResponse({"detail": "Sign in first."}, status=403)
        if not await PickemLeague.objects.filter(pk=league_id).aexists():
            return JsonResponse({"detail": "No such league."}, status=404)
        if not await is_member(league_id, user):
            return JsonResponse({"detail": "Only the league's members can follow its standings."}, status=403)
        return sse_response(standings_events(league_id, last_event_id(request)))
