"""Grading's statements keep a linear plan on PostgreSQL whatever the number of picks.

A `NOT (x IN (SELECT ...))` becomes a plain (non-hashed) SubPlan once its subquery's rows outgrow
`work_mem`: the subquery is then rescanned for every pick, and grading grows with the square of
the picks. Here `work_mem` is made tiny so that a few thousand entries are enough to show it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from picks.grading import grade_game
from picks.models import Entry, Pick, PickemLeague

from .factories import NOW, make_game, make_user, set_result

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: run with DATABASE_URL=postgres://..."),
]

LEAGUES, MEMBERS = 60, 100  # 6,000 entries and picks, half of them against the spread
SMALL_WORK_MEM = "64kB"


def load_picks(game) -> None:
    """Leagues, entries and a pick each on `game`, written set-based (INSERT ... SELECT)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"member{i:03d}", password="!") for i in range(MEMBERS)
    )
    commissioner = make_user("cat")
    PickemLeague.objects.bulk_create(
        PickemLeague(
            name=f"League {i}",
            espn_league="football/nfl",
            season_year=2025,
            commissioner=commissioner,
            against_spread=bool(i % 2),
            invite_code=f"plan-{i}",
        )
        for i in range(LEAGUES)
    )
    entry, pick, user = Entry._meta.db_table, Pick._meta.db_table, get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry} (league_id, user_id, joined_at) "  # noqa: S608 - table names from the models
            f"SELECT l.id, u.id, now() FROM {PickemLeague._meta.db_table} l CROSS JOIN {user} u "
            "WHERE u.id = ANY(%s)",
            [[u.pk for u in users]],
        )
        cursor.execute(
            f"INSERT INTO {pick} (entry_id, game_id, team_id, season_type, week, result, points, "  # noqa: S608
            "created_at, updated_at) "
            f"SELECT e.id, %s, CASE WHEN e.id %% 2 = 0 THEN %s ELSE %s END, 2, 1, 'pending', 0, now(), now() "
            f"FROM {entry} e",
            [game.pk, game.home_team_id, game.away_team_id],
        )
        cursor.execute("ANALYZE")


def plain_subplans(plan: dict) -> list[str]:
    """Names of the SubPlans that are not hashed (run once per outer row), anywhere in a JSON plan."""
    found = []
    if plan.get("Parent Relationship") == "SubPlan" and not plan.get("Subplan Name", "").startswith("hashed"):
        found.append(plan.get("Subplan Name", "SubPlan"))
    for child in plan.get("Plans", []):
        found.extend(plain_subplans(child))
    return found


def test_grading_has_no_plain_subplan_even_with_a_tiny_work_mem():
    game = make_game(kickoff=NOW - timedelta(hours=4), spread=Decimal("-3.5"))
    load_picks(game)
    set_result(game, home_score=27, away_score=20)

    with CaptureQueriesContext(connection) as captured:
        result = grade_game(game.pk, now=NOW)
        set_result(game, home_score=20, away_score=27)  # ESPN corrects it: a regrade and its audit record
        regraded = grade_game(game.pk, now=NOW)
    assert result.picks_graded == regraded.picks_graded == LEAGUES * MEMBERS

    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert statements, "grading ran no UPDATE"
    offending = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SMALL_WORK_MEM}'")
        for sql in statements:
            # The captured SQL has its parameters inlined by the driver: EXPLAIN it as it ran.
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            subplans = plain_subplans(plan[0]["Plan"])
            if subplans:
                offending[sql] = subplans
    assert offending == {}, "grading has a non-hashed SubPlan (quadratic): " + json.dumps(offending, indent=1)
