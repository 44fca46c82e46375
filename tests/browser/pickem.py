"""A pick'em league around the real clock for the browser tests, and a signed-in browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.test import Client

from espn.snapshots import Phase
from games.models import Game
from picks.models import Entry, Pick, PickemLeague, PickResult
from tests.picks.factories import entry_of, make_game, make_league, make_pick, make_user

MEMBERS = ("bo", "cy", "di", "a_member_with_a_rather_long_username", "ed", "flo", "gus")


@dataclass
class League:
    league: PickemLeague
    me: Entry
    games: list[Game] = field(default_factory=list)

    @property
    def standings_url(self) -> str:
        return f"/picks/leagues/{self.league.pk}/"


def sign_in(page, live_server, user) -> None:
    """The browser carries a session of `user`, as if they had logged in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def full_week(now: datetime, *, finals: int = 12, live: int = 2, scheduled: int = 2) -> League:
    """Eight members, `finals` graded games, `live` games on now and `scheduled` to come, all in one week."""
    ann = make_user("ann")
    league = make_league(ann, name="Sunday friends")
    me = entry_of(league, ann)
    entries = [me, *(entry_of(league, make_user(name)) for name in MEMBERS)]
    games = []
    for n in range(finals):
        game = make_game(
            home=f"H{n:02d}", away=f"A{n:02d}", kickoff=now - timedelta(hours=4, minutes=n),
            phase=Phase.FINAL, home_score=20 + n, away_score=17,
        )  # fmt: skip
        game.short_detail = game.status_detail = "Final"
        game.save(update_fields=["short_detail", "status_detail"])
        for i, entry in enumerate(entries):
            pick = make_pick(entry, game, "home" if (i + n) % 3 else "away")
            Pick.objects.filter(pk=pick.pk).update(
                result=PickResult.WIN if pick.team_id == game.home_team_id else PickResult.LOSS,
                points=1 if pick.team_id == game.home_team_id else 0,
            )
        games.append(game)
    for n in range(live):
        game = live_game(f"LH{n}", f"LA{n}", kickoff=now - timedelta(hours=1), home_score=14, away_score=7)
        for i, entry in enumerate(entries):
            make_pick(entry, game, "home" if (i + n) % 2 == 0 else "away")
        games.append(game)
    for n in range(scheduled):
        game = make_game(home=f"SH{n}", away=f"SA{n}", kickoff=now + timedelta(hours=3 + n))
        games.append(game)
    return League(league=league, me=me, games=games)


def live_game(home: str, away: str, *, kickoff: datetime, home_score: int, away_score: int) -> Game:
    game = make_game(
        home=home, away=away, kickoff=kickoff, phase=Phase.LIVE, home_score=home_score, away_score=away_score
    )
    game.short_detail = game.status_detail = "8:12 - 3rd"
    game.save(update_fields=["short_detail", "status_detail"])
    return game


def go_live(game: Game, *, home_score: int, away_score: int) -> Game:
    """What a poll does when ESPN reports the game under way (for the pages: phase, score, detail)."""
    game.phase, game.state, game.status_name = Phase.LIVE, "in", "STATUS_IN_PROGRESS"
    game.home_score, game.away_score = home_score, away_score
    game.short_detail = game.status_detail = "14:10 - 1st"
    game.save()
    return game
