"""Pick'em API: one APIView per endpoint, input and output serializers, rules in `services`.

Status codes: 400 bad input, 403 not yours (or not a member), 404 no such thing,
409 too late (the game or the tiebreaker game has locked). Errors read
{"detail": "...", "code": "...", "errors": [{"game_id": .., "code": .., "message": ..}]}.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import ChangeSource, Entry, PickemLeague
from .selectors import current_week, pick_status, picks_grid, user_entries, week_board
from .standings import Standings, season_standings, week_standings
from .weeks import Week


def error_response(exc: services.PickemError) -> Response:
    body = {"detail": exc.message, "code": exc.code}
    if isinstance(exc, services.PicksRejected):
        body["errors"] = [{"game_id": p.game_id, "code": p.code, "message": p.message} for p in exc.problems]
    return Response(body, status=exc.status)


def bad_request(detail: str, errors: dict | None = None) -> Response:
    body = {"detail": detail, "code": "invalid"}
    if errors:
        body["fields"] = errors
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class WeekParam:
    @staticmethod
    def read(request: Request, league: PickemLeague) -> Week | None:
        """The ?week= asked for (ValueError if unreadable), else the league's current week."""
        slug = request.query_params.get("week", "")
        return Week.parse(slug) if slug else current_week(league, timezone.now())


def week_json(week: Week | None, league: PickemLeague) -> dict | None:
    if week is None:
        return None
    label = week.label(league.espn_league)
    return {"slug": week.slug, "season_type": week.season_type, "number": week.number, "label": label}


def league_json(league: PickemLeague) -> dict:
    return {
        "id": league.pk,
        "name": league.name,
        "espn_league": league.espn_league,
        "season_year": league.season_year,
        "scoring": league.scoring,
        "against_spread": league.against_spread,
        "commissioner_id": league.commissioner_id,
    }


def own_entry(request: Request, entry_id: int) -> Entry:
    entry = get_object_or_404(Entry.objects.select_related("league"), pk=entry_id)
    services.require_own_entry(entry, request.user)
    return entry


class EntryListApi(APIView):
    """GET: my pick'em entries (one per league I belong to)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        entries = user_entries(request.user)
        return Response({"entries": [{"id": e.pk, "league": league_json(e.league)} for e in entries]})


class EntryGamesApi(APIView):
    """GET ?week=regular-3: the week's games to pick, with my picks, lock state and live status."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, entry_id: int) -> Response:
        try:
            entry = own_entry(request, entry_id)
            week = WeekParam.read(request, entry.league)
        except services.PickemError as exc:
            return error_response(exc)
        except ValueError as exc:
            return bad_request(str(exc))
        league = entry.league
        if week is None:
            return Response({"entry_id": entry.pk, "league": league_json(league), "week": None, "games": []})
        board = week_board(entry, week, now=timezone.now())
        games = []
        for row in board.rows:
            game, pick = row.game, row.pick
            code, words = pick_status(pick, game, row.line, against_spread=league.against_spread)
            games.append(
                {
                    "game_id": game.pk,
                    "espn_id": game.espn_id,
                    "name": str(game),
                    "kickoff": game.kickoff,
                    "phase": game.phase,
                    "status_detail": game.short_detail,
                    "locked": row.locked,
                    "lock_reason": row.lock_reason,
                    "line": row.line,
                    "is_tiebreak": row.is_tiebreak,
                    "home": team_json(game.home_team, game.home_score),
                    "away": team_json(game.away_team, game.away_score),
                    "pick": None
                    if pick is None
                    else {
                        "team_id": pick.team_id,
                        "confidence": pick.confidence,
                        "result": pick.result,
                        "points": pick.points,
                        "line_at_lock": pick.line_at_lock,
                    },
                    "status": {"code": code, "text": words},
                }
            )
        return Response(
            {
                "entry_id": entry.pk,
                "league": league_json(league),
                "week": week_json(week, league),
                "weeks": [w.slug for w in board.weeks],
                "games": games,
                "tiebreaker": {
                    "game_id": board.tiebreak.pk if board.tiebreak else None,
                    "guess": board.tiebreak_guess,
                    "locked": board.tiebreak_locked,
                },
            }
        )


def team_json(team, score) -> dict:
    return {"team_id": team.pk, "abbreviation": team.abbreviation, "name": team.display_name, "score": score}


class EntryPicksApi(APIView):
    """POST {"picks": [{"game_id", "team_id", "confidence"?}], "tiebreaker"?: {"week", "guess"}}.

    All or nothing: 200 with what changed, or an error and nothing saved.
    """

    permission_classes = [IsAuthenticated]

    class PickSerializer(serializers.Serializer):
        game_id = serializers.IntegerField()
        team_id = serializers.IntegerField()
        confidence = serializers.IntegerField(required=False, allow_null=True)

    class TiebreakerSerializer(serializers.Serializer):
        week = serializers.CharField()
        guess = serializers.IntegerField()

        def validate_week(self, value: str) -> Week:
            try:
                return Week.parse(value)
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from None

    class InputSerializer(serializers.Serializer):
        picks = serializers.ListField(child=serializers.DictField(), required=False, default=list, max_length=500)
        tiebreaker = serializers.DictField(required=False, allow_null=True)

    def post(self, request: Request, entry_id: int) -> Response:
        try:
            entry = own_entry(request, entry_id)
        except services.PickemError as exc:
            return error_response(exc)
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            return bad_request("The request is not a list of picks.", data.errors)
        picks = self.PickSerializer(data=data.validated_data["picks"], many=True)
        if not picks.is_valid():
            return bad_request("Some picks are not readable.", {"picks": picks.errors})
        tiebreaker = None
        if data.validated_data.get("tiebreaker") is not None:
            tb = self.TiebreakerSerializer(data=data.validated_data["tiebreaker"])
            if not tb.is_valid():
                return bad_request("The tiebreaker is not readable.", {"tiebreaker": tb.errors})
            tiebreaker = services.TiebreakerInput(week=tb.validated_data["week"], guess=tb.validated_data["guess"])
        if not picks.validated_data and tiebreaker is None:
            return bad_request("Send at least one pick or a tiebreaker.")
        try:
            result = services.submit_picks(
                user=request.user,
                entry=entry,
                picks=[services.PickInput(**p) for p in picks.validated_data],
                tiebreaker=tiebreaker,
                now=timezone.now(),
                source=ChangeSource.API,
            )
        except services.PickemError as exc:
            return error_response(exc)
        return Response(
            {
                "created": result.created,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "tiebreaker_changed": result.tiebreaker_changed,
            }
        )


def member_league(request: Request, league_id: int) -> tuple[PickemLeague, Entry]:
    league = get_object_or_404(PickemLeague.objects.select_related("commissioner"), pk=league_id)
    entry = Entry.objects.filter(league=league, user=request.user, removed_at=None).first()
    if entry is None:
        raise services.NotAllowed("You are not a member of this league.", code="not_a_member")
    return league, entry


class LeagueStandingsApi(APIView):
    """GET ?view=week|season&week=regular-3: standings, with the live projection while games are on."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, league_id: int) -> Response:
        try:
            league, entry = member_league(request, league_id)
            week = WeekParam.read(request, league)
        except services.PickemError as exc:
            return error_response(exc)
        except ValueError as exc:
            return bad_request(str(exc))
        season = request.query_params.get("view") == "season" or week is None
        standings = season_standings(league) if season else week_standings(league, week)
        return Response(standings_json(standings, viewer_entry_id=entry.pk, now=timezone.now()))


def standings_json(standings: Standings, *, viewer_entry_id: int, now) -> dict:
    from .locking import is_locked

    league = standings.league
    reveal = standings.tiebreak is not None and is_locked(standings.tiebreak, now)
    return {
        "league": league_json(league),
        "view": "week" if standings.week else "season",
        "week": week_json(standings.week, league),
        "live_games": standings.live_games,
        "tiebreak": None
        if standings.tiebreak is None
        else {
            "game_id": standings.tiebreak.pk,
            "name": str(standings.tiebreak),
            "total": standings.tiebreak_total,
        },
        "rows": [
            {
                "rank": r.rank,
                "entry_id": r.entry_id,
                "username": r.username,
                "points": r.points,
                "wins": r.wins,
                "losses": r.losses,
                "pushes": r.pushes,
                "tiebreak_guess": r.tiebreak_guess if (reveal or r.entry_id == viewer_entry_id) else None,
                "tiebreak_distance": r.tiebreak_distance,
                "live_points": r.live_points,
                "projected_points": r.projected_points,
                "live_rank": r.live_rank,
            }
            for r in standings.rows
        ],
    }


class LeaguePicksApi(APIView):
    """GET ?week=: members' picks of the week; others' picks only once their game has locked."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, league_id: int) -> Response:
        try:
            league, entry = member_league(request, league_id)
            week = WeekParam.read(request, league)
        except services.PickemError as exc:
            return error_response(exc)
        except ValueError as exc:
            return bad_request(str(exc))
        if week is None:
            return Response({"league": league_json(league), "week": None, "games": [], "members": []})
        members = list(
            Entry.objects.filter(league=league, removed_at=None)
            .order_by("user__username")
            .values_list("pk", "user__username")
        )
        grid = picks_grid(league, week, members, viewer_entry_id=entry.pk, now=timezone.now())
        return Response(
            {
                "league": league_json(league),
                "week": week_json(week, league),
                "games": [{"game_id": g.pk, "name": str(g)} for g in grid.games],
                "members": [
                    {
                        "entry_id": row.entry_id,
                        "username": row.username,
                        "tiebreak_guess": row.tiebreak_guess,
                        "picks": [
                            {
                                "game_id": game.pk,
                                "hidden": cell.hidden,
                                "team": cell.team_abbreviation or None,
                                "confidence": cell.confidence,
                                "result": cell.result or None,
                            }
                            for game, cell in zip(grid.games, row.cells, strict=True)
                        ],
                    }
                    for row in grid.rows
                ],
            }
        )


class LeagueJoinApi(APIView):
    """POST {"invite_code": "..."}: 201 joined, 200 already a member, 400 wrong code."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        invite_code = serializers.CharField(max_length=64)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            return bad_request("Send the league's invite code.", data.errors)
        try:
            entry, created = services.league_join(user=request.user, invite_code=data.validated_data["invite_code"])
        except services.PickemError as exc:
            return error_response(exc)
        return Response(
            {"entry_id": entry.pk, "league": league_json(entry.league), "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
