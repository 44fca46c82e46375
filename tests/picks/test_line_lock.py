"""Against the spread: the line locked at a weekly publication time (US Eastern) or at kickoff; the summary's
`pickcenter` line where the scoreboard has none; a game with no line by lock graded straight up and marked so."""

import itertools
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.redis_client import cache_redis
from espn.snapshots import Phase
from picks.chance import week_chances
from picks.grading import freeze_lines_at_lock, grade_game
from picks.lines import publication_moment, publish_weekly_lines
from picks.models import GameLine, Pick, PickResult, PublishedLine
from picks.standings import season_standings, week_standings
from picks.standings_stream import publish_league_standings
from picks.weeks import Week
from tests.espn_fixtures import load_fixture

from .factories import entry_of, line_at_lock, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db
GB_AT_CLE = "401772842"  # 2025 week 3; its summary's pickcenter: GB -7.5 (CLE +7.5)
THURSDAY_KICKOFF = datetime(2025, 9, 5, 0, 20, tzinfo=UTC)  # Thursday 20:20 US Eastern (EDT)
TUESDAY_NOON = datetime(2025, 9, 2, 16, 0, tzinfo=UTC)  # Tuesday 12:00 EDT


_commissioners = itertools.count()


def weekly_league(**rules):
    league = make_league(make_user(f"commissioner{next(_commissioners)}"), against_spread=True)
    league.line_lock = "weekly"
    for name, value in rules.items():
        setattr(league, name, value)
    league.save()
    return league


def pick_page_and_api_row(client, user, entry, *, at: datetime, week: str = "") -> tuple[str, dict]:
    """The member's pick page and the API's row for the week's (first) game, as seen at `at`."""
    week_query = {"week": week} if week else {}
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        page = client.get("/picks/", {"entry": entry.pk, **week_query}).content.decode()
        api = APIClient()
        api.force_authenticate(user)
        row = api.get(f"/api/picks/entries/{entry.pk}/games/", week_query).json()["games"][0]
    return page, row


def test_the_publication_moment_is_the_last_one_before_the_weeks_first_kickoff():
    assert publication_moment(THURSDAY_KICKOFF, weekday=1, at=time(12, 0)) == TUESDAY_NOON
    # A week opening on a Tuesday morning publishes the Tuesday before; US Eastern in winter is UTC-5.
    tuesday_morning = datetime(2025, 12, 9, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert publication_moment(tuesday_morning, weekday=1, at=time(12, 0)) == datetime(2025, 12, 2, 17, 0, tzinfo=UTC)
    assert publication_moment(THURSDAY_KICKOFF, weekday=3, at=time(9, 30)) == datetime(2025, 9, 4, 13, 30, tzinfo=UTC)


def test_a_weekly_league_grades_on_the_tuesday_line_a_kickoff_league_on_the_kickoff_line(client):
    game = make_game(kickoff=THURSDAY_KICKOFF, spread="-3")
    weekly, at_kickoff = weekly_league(), make_league(against_spread=True)
    ann_user = make_user("ann")
    ann, bob = entry_of(weekly, ann_user), entry_of(at_kickoff, make_user("bob"))
    make_pick(ann, game, "home"), make_pick(bob, game, "home")

    assert publish_weekly_lines(now=TUESDAY_NOON - timedelta(minutes=1)) == 0
    assert publish_weekly_lines(now=TUESDAY_NOON) == 1
    assert publish_weekly_lines(now=TUESDAY_NOON + timedelta(hours=1)) == 0  # once
    game.spread = Decimal("-7")  # the line moves after Tuesday
    game.save(update_fields=["spread"])

    page, row = pick_page_and_api_row(client, ann_user, ann, at=TUESDAY_NOON + timedelta(days=1))
    assert "Line: HOM -3 (locked Tuesday 12:00 US Eastern)" in page
    assert (row["line"], row["line_locked"]) == (-3.0, True)

    freeze_lines_at_lock(now=THURSDAY_KICKOFF + timedelta(minutes=5))
    set_result(game, home_score=24, away_score=19)  # home by 5: covers -3, not -7
    grade_game(game.pk, now=THURSDAY_KICKOFF + timedelta(hours=4))
    assert Pick.objects.get(entry=ann).result == PickResult.WIN
    assert line_at_lock(Pick.objects.get(entry=ann)) == Decimal("-3")
    assert Pick.objects.get(entry=bob).result == PickResult.LOSS


def test_a_week_whose_publication_passed_before_the_rule_was_chosen_locks_its_lines_at_kickoff(client):
    """No line was published at the week's moment (the league chose the weekly lock after it): the page
    must not call the moving line locked, and grading takes the kickoff line."""
    game = make_game(kickoff=THURSDAY_KICKOFF, spread="-3")
    publish_weekly_lines(now=TUESDAY_NOON)  # nobody locks weekly yet: nothing is published
    late = weekly_league()  # chosen on Wednesday
    ann_user = make_user("ann")
    ann = entry_of(late, ann_user)
    make_pick(ann, game, "home")
    game.spread = Decimal("-7")
    game.save(update_fields=["spread"])

    page, row = pick_page_and_api_row(client, ann_user, ann, at=TUESDAY_NOON + timedelta(days=1))
    assert "Line: HOM -7</span>" in page and "(locked Tuesday" not in page
    assert (row["line"], row["line_locked"]) == (-7.0, False)

    freeze_lines_at_lock(now=THURSDAY_KICKOFF + timedelta(minutes=5))
    set_result(game, home_score=24, away_score=19)  # home by 5: covers -3, not the kickoff line's -7
    grade_game(game.pk, now=THURSDAY_KICKOFF + timedelta(hours=4))
    assert (line_at_lock(Pick.objects.get(entry=ann)), Pick.objects.get(entry=ann).result) == (Decimal("-7"), "loss")


def test_grading_weekly_lines_costs_no_query_per_pick():
    def queries(members: int) -> int:
        kickoff = THURSDAY_KICKOFF + timedelta(days=7 * members)
        game = make_game(home=f"H{members}", away=f"A{members}", week=members, kickoff=kickoff, spread="-3")
        weekly, other = weekly_league(), weekly_league(line_weekday=2)
        for i in range(members):
            make_pick(entry_of(weekly if i % 2 else other, make_user(f"m{members}-{i}")), game, "home")
        publish_weekly_lines(now=kickoff - timedelta(hours=1))
        set_result(game, home_score=20, away_score=10)
        with CaptureQueriesContext(connection) as run:
            grade_game(game.pk, now=kickoff + timedelta(hours=4))
        return len(run)

    assert queries(4) == queries(16)


def test_the_summarys_pickcenter_line_when_the_scoreboard_has_none(fake_espn):
    fake_espn.summaries[GB_AT_CLE] = load_fixture("nfl/summary-401772842-2025-wk03-GB-at-CLE-pre.json")
    kickoff = datetime(2025, 9, 21, 17, 0, tzinfo=UTC)
    game = make_game(home="CLE", away="GB", week=3, kickoff=kickoff, espn_id=GB_AT_CLE)
    ann = entry_of(make_league(against_spread=True), make_user("ann"))
    entry_of(weekly_league(), make_user("bob"))
    make_pick(ann, game, "home")

    assert publish_weekly_lines(now=kickoff - timedelta(days=3)) == 1
    assert PublishedLine.objects.get(game=game).spread == Decimal("7.5")
    freeze_lines_at_lock(now=kickoff + timedelta(minutes=1))
    assert GameLine.objects.get(game=game).spread == Decimal("7.5")
    set_result(game, home_score=17, away_score=20)  # CLE +7.5 covers a 3-point loss
    grade_game(game.pk, now=kickoff + timedelta(hours=4))
    assert Pick.objects.get(entry=ann).result == PickResult.WIN


def test_no_line_by_lock_is_graded_straight_up_and_marked_so(fake_espn, client):
    kickoff = datetime(2025, 9, 21, 17, 0, tzinfo=UTC)
    game = make_game(home="NYG", away="KC", week=3, kickoff=kickoff)  # no odds, and its summary is a 404
    ann_user = make_user("ann")
    league = make_league(ann_user, against_spread=True)
    ann = entry_of(league, ann_user)
    make_pick(ann, game, "home")
    freeze_lines_at_lock(now=kickoff + timedelta(minutes=1))
    assert GameLine.objects.get(game=game).spread is None
    set_result(game, home_score=20, away_score=17)
    grade_game(game.pk, now=kickoff + timedelta(hours=4))
    assert Pick.objects.get(entry=ann).result == PickResult.WIN

    page, row = pick_page_and_api_row(client, ann_user, ann, at=kickoff + timedelta(hours=5), week="regular-3")
    assert "No line by lock: graded straight up" in page
    assert row["graded_straight_up"] is True and row["phase"] == Phase.FINAL


def test_the_live_projection_of_a_weekly_league_uses_its_published_line():
    game = make_game(kickoff=THURSDAY_KICKOFF, spread="-7")
    weekly = weekly_league()
    ann = entry_of(weekly, make_user("ann"))
    make_pick(ann, game, "home")
    publish_weekly_lines(now=TUESDAY_NOON)  # home -7
    game.spread = Decimal("-3")
    game.save(update_fields=["spread"])
    set_result(game, phase=Phase.LIVE, home_score=14, away_score=9)  # home by 5: covers -3, not -7
    with time_machine.travel(THURSDAY_KICKOFF + timedelta(hours=1), tick=False):
        freeze_lines_at_lock(now=THURSDAY_KICKOFF + timedelta(minutes=1))  # the kickoff line: -3
        row = next(r for r in week_standings(weekly, Week(2, 1)).rows if r.entry_id == ann.pk)
    assert row.live_points == 0


def test_a_weekly_leagues_live_readers_cost_no_query_per_member_or_live_week():
    """The week's and the season's standings, the chance to win and the pushed projection read the
    published lines in a fixed number of queries, however many members and weeks with a game on."""

    def queries(members: int, weeks: int) -> tuple[int, ...]:
        league = weekly_league()
        entries = [entry_of(league, make_user(f"w{members}-{weeks}-{i}")) for i in range(members)]
        for number in range(1, weeks + 1):
            kickoff = THURSDAY_KICKOFF + timedelta(days=7 * (number - 1))
            game = make_game(home=f"H{members}{number}", away="A", week=number, kickoff=kickoff, spread="-7")
            PublishedLine.objects.create(
                game=game, published_at=publication_moment(kickoff, weekday=1, at=time(12)), spread="-3"
            )
            set_result(game, phase=Phase.LIVE, home_score=14, away_score=9)  # covers -3, not -7
            for i, entry in enumerate(entries):
                make_pick(entry, game, "home" if i % 2 else "away")
        counts = []
        with time_machine.travel(THURSDAY_KICKOFF + timedelta(days=7 * weeks), tick=False):
            for read in (
                lambda: week_standings(league, Week(2, 1)),
                lambda: season_standings(league),
                lambda: week_chances(league, Week(2, 1)),
                lambda: publish_league_standings(cache_redis(), league, Week(2, 1)),
            ):
                with CaptureQueriesContext(connection) as run:
                    read()
                counts.append(len(run))
            season = season_standings(league)
        # Each home pick covers the published line: the projection is graded on it in every live week.
        assert {row.live_points for row in season.rows if row.entry_id in {e.pk for e in entries[1::2]}} == {weeks}
        return tuple(counts)

    # The pushed standings carry each entry's chance to win: the stream's publish is the week's standings and chance.
    assert queries(2, 2) == queries(20, 4) == (5, 8, 6, 11)
