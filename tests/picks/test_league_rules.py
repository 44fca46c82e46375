"""League rules chosen by the commissioner (frozen from the first lock) and several named entries per member."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from picks import leagues, submission
from picks.models import Entry, PickemLeague

from .factories import NOW, PASSWORD, entry_of, make_game, make_league, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def api(ann):
    client = APIClient()
    client.force_authenticate(ann)
    return client


def new_league(api, **rules):
    body = {"name": "Office", "espn_league": "football/nfl", "season_year": 2025, **rules}
    return api.post("/api/picks/leagues/", body, format="json")


# --------------------------------------------------------------------------- rules through the API


def test_a_league_is_created_with_its_rules_through_the_api(api, ann):
    response = new_league(
        api,
        pool_type="survivor",
        survivor_lives=2,
        survivor_tie_costs_life=True,
        survivor_buyback_until_week=4,
        entries_per_member=3,
        postponed_games="keep_same_week",
    )
    assert response.status_code == 201, response.json()
    league = PickemLeague.objects.get()
    assert (league.pool_type, league.survivor_lives, league.survivor_tie_costs_life) == ("survivor", 2, True)
    assert (league.survivor_buyback_until_week, league.entries_per_member) == (4, 3)
    assert response.json()["league"]["postponed_games"] == "keep_same_week"
    assert Entry.objects.get(league=league).name == "ann"


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"survivor_lives": 4}, "survivor_lives"),
        ({"entries_per_member": 0}, "entries_per_member"),
        ({"missed_picks": "coin_toss"}, "missed_picks"),
        ({"line_time": "25:00"}, "line_time"),
        ({"drop_lowest_weeks": -1}, "drop_lowest_weeks"),
        ({"survior_lives": 2}, "survior_lives"),  # misspelt: refused, never silently ignored
    ],
)
def test_a_bad_rule_is_a_400_naming_it(api, rules, field):
    response = new_league(api, **rules)
    assert response.status_code == 400
    assert field in response.json()
    assert not PickemLeague.objects.exists()


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"scoring": "confidence"}, "scoring"),
        ({"against_spread": True}, "against_spread"),
        ({"missed_picks": "favourite"}, "missed_picks"),
        ({"drop_lowest_weeks": 2}, "drop_lowest_weeks"),
    ],
)
def test_a_survivor_pool_refuses_the_pickem_scoring_rules(api, rules, field):
    response = new_league(api, pool_type="survivor", **rules)
    assert response.status_code == 400
    assert named_fields(response.json()) == [field]


def test_rules_change_until_the_first_lock_then_a_change_is_a_409_naming_the_rule(api, ann):
    league = make_league(ann)
    game = make_game(kickoff=NOW + timedelta(hours=2))
    url = f"/api/picks/leagues/{league.pk}/"
    response = api.patch(url, {"line_lock": "weekly", "line_weekday": 2, "line_time": "09:30"}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["changed"]) == ["line_lock", "line_time", "line_weekday"]
    league.refresh_from_db()
    assert (league.line_lock, league.line_weekday, league.line_time) == ("weekly", 2, time(9, 30))

    with time_machine.travel(game.kickoff, tick=False):
        refused = api.patch(url, {"name": "Renamed", "drop_lowest_weeks": 1}, format="json")
        renamed = api.patch(url, {"name": "Renamed"}, format="json")
        got = api.get(url).json()
    assert refused.status_code == 409  # too late, as for a locked pick: the request itself was well formed
    assert refused.json()["code"] == "season_started"
    assert named_fields(refused.json()) == ["drop_lowest_weeks"]
    assert renamed.status_code == 200 and got["rules_locked"] is True
    league.refresh_from_db()
    assert (league.name, league.drop_lowest_weeks) == ("Renamed", 0)


def test_only_the_commissioner_changes_the_rules(ann):
    league = make_league(ann)
    bob = make_user("bob")
    entry_of(league, bob)
    client = APIClient()
    client.force_authenticate(bob)
    assert client.patch(f"/api/picks/leagues/{league.pk}/", {"survivor_lives": 2}, format="json").status_code == 403


def test_the_schema_documents_the_rules():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    rules = schemas["PickemLeagueCreateInputRequest"]["properties"]
    assert set(leagues.RULE_FIELDS) <= set(rules)
    assert set(leagues.RULE_FIELDS) <= set(schemas["PickemLeague"]["properties"])


# --------------------------------------------------------------------------- rules through the pages


def test_the_create_page_sets_every_rule(client, ann):
    client.force_login(ann)
    page = client.get("/picks/leagues/new/").content.decode()
    for name in leagues.RULE_FIELDS:
        assert f'name="{name}"' in page
    response = client.post(
        "/picks/leagues/new/",
        {
            "name": "Pool",
            "espn_league": "football/nfl",
            "season_year": "2025",
            "pool_type": "pickem",
            "scoring": "straight_up",
            "against_spread": "on",
            "entries_per_member": "2",
            "missed_picks": "favourite",
            "line_lock": "weekly",
            "line_weekday": "1",
            "line_time": "12:00",
            "postponed_games": "keep_same_week",
            "drop_lowest_weeks": "1",
            "survivor_lives": "1",
            "survivor_buyback_until_week": "",
            "survivor_missed_week": "loss",
            "survivor_all_out": "co_winners",
        },
    )
    assert response.status_code == 302
    league = PickemLeague.objects.get()
    assert (league.missed_picks, league.line_lock, league.drop_lowest_weeks) == ("favourite", "weekly", 1)
    assert (league.entries_per_member, league.postponed_games) == (2, "keep_same_week")


def test_the_create_page_names_the_field_of_a_contradiction(client, ann):
    client.force_login(ann)
    response = client.post(
        "/picks/leagues/new/",
        {"name": "Pool", "espn_league": "football/nfl", "season_year": "2025", "pool_type": "survivor",
         "scoring": "confidence"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["scoring"]


def test_the_admin_edits_the_rules(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.test", PASSWORD)
    client.force_login(admin)
    league = make_league()
    page = client.get(f"/admin/picks/pickemleague/{league.pk}/change/").content.decode()
    for name in leagues.RULE_FIELDS:
        assert f'name="{name}"' in page


# --------------------------------------------------------------------------- entries per member


def test_a_member_adds_named_entries_up_to_the_league_limit(api, ann):
    league = make_league(ann)
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    url = f"/api/picks/leagues/{league.pk}/entries/"

    second = api.post(url, {"name": "ann's long shots"}, format="json")
    third = api.post(url, {"name": "one more"}, format="json")

    assert second.status_code == 201 and second.json()["name"] == "ann's long shots"
    assert third.status_code == 409 and "name" in third.json()  # the league is full for me, not my input bad
    assert third.json()["code"] == "too_many_entries"
    mine = api.get("/api/picks/entries/").json()["entries"]
    assert [e["name"] for e in mine] == ["ann", "ann's long shots"]


def test_entry_names_are_unique_in_a_league_and_joining_never_takes_a_taken_name(api, ann):
    league = make_league(ann)
    league.entries_per_member = 3
    league.save(update_fields=["entries_per_member"])
    assert api.post(f"/api/picks/leagues/{league.pk}/entries/", {"name": "bob"}, format="json").status_code == 201
    bob = make_user("bob")
    entry, created = leagues.league_join(user=bob, invite_code=league.invite_code)
    assert created and entry.name == "bob 2"
    again = api.post(f"/api/picks/leagues/{league.pk}/entries/", {"name": "bob"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "name_taken"
    assert leagues.league_join(user=bob, invite_code=league.invite_code) == (entry, False)


def test_a_single_entry_league_refuses_a_second_entry(api, ann):
    league = make_league(ann)
    response = api.post(f"/api/picks/leagues/{league.pk}/entries/", {"name": "second"}, format="json")
    assert response.status_code == 409


def test_every_page_and_api_names_the_entries(api, ann, client):
    league = make_league(ann)
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    second = leagues.entry_add(league=league, user=ann, name="Plan B")
    make_game(kickoff=NOW + timedelta(hours=2))

    standings = api.get(f"/api/picks/leagues/{league.pk}/standings/").json()
    grid = api.get(f"/api/picks/leagues/{league.pk}/picks/").json()
    games = api.get(f"/api/picks/entries/{second.pk}/games/").json()
    assert sorted(r["entry_name"] for r in standings["rows"]) == ["Plan B", "ann"]
    assert sorted(m["entry_name"] for m in grid["members"]) == ["Plan B", "ann"]
    assert games["entry_name"] == "Plan B"

    client.force_login(ann)
    league_page = client.get(f"/picks/leagues/{league.pk}/").content.decode()
    picks_page = client.get(f"/picks/?entry={second.pk}").content.decode()
    assert "Plan B" in league_page
    assert "Sunday friends · Plan B</span></h1>" in picks_page
    assert f'<option value="{second.pk}" selected>' in picks_page


def test_the_league_page_adds_an_entry(client, ann):
    league = make_league(ann)
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    client.force_login(ann)
    assert "Add an entry (1 of 2)" in client.get(f"/picks/leagues/{league.pk}/").content.decode()
    response = client.post(f"/picks/leagues/{league.pk}/entries/new/", {"name": "Second"})
    entry = Entry.objects.get(league=league, name="Second")
    assert response.status_code == 302 and response["Location"] == f"/picks/?entry={entry.pk}"
    assert "Add an entry" not in client.get(f"/picks/leagues/{league.pk}/").content.decode()


def test_removing_a_member_removes_all_their_entries(ann):
    league = make_league(ann)
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    bob = make_user("bob")
    first, _ = leagues.league_join(user=bob, invite_code=league.invite_code)
    leagues.entry_add(league=league, user=bob, name="bob B")
    leagues.member_remove(league=league, entry_id=first.pk, user=ann)
    assert not Entry.objects.filter(league=league, user=bob, removed_at=None).exists()


def test_the_settings_and_audit_pages_name_the_entries(client, ann):
    league = make_league(ann)
    league.entries_per_member = 2
    league.save(update_fields=["entries_per_member"])
    game = make_game(kickoff=NOW + timedelta(hours=2))
    second = leagues.entry_add(league=league, user=ann, name="Plan B")
    submission.submit_picks(user=ann, entry=second, picks=[submission.PickInput(game.pk, game.home_team_id)], now=NOW)
    client.force_login(ann)
    settings_page = client.get(f"/picks/leagues/{league.pk}/settings/").content.decode()
    audit_page = client.get(f"/picks/leagues/{league.pk}/audit/").content.decode()
    assert "Plan B" in settings_page
    assert "Plan B" in audit_page


def test_the_admin_refuses_a_contradiction_naming_the_rule(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.test", PASSWORD)
    client.force_login(admin)
    league = make_league()
    url = f"/admin/picks/pickemleague/{league.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if not isinstance(v, bool) or v}
    data.update({"pool_type": "survivor", "missed_picks": "favourite", "entries-TOTAL_FORMS": "0",
                 "entries-INITIAL_FORMS": "0"})  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "missed_picks" in response.context["adminform"].form.errors
    league.refresh_from_db()
    assert league.pool_type == "pickem"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 0),  # DRF's CharField would store "0"
        ("season_year", "2025"),  # DRF's IntegerField would read 2025
        ("entries_per_member", 2.0),
        ("against_spread", 0),  # DRF's BooleanField would read false
        ("survivor_tie_costs_life", "yes"),
        ("line_weekday", "2"),  # DRF's ChoiceField would match 2
        ("espn_league", ["football/nfl"]),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400_naming_its_field(api, ann, field, value):
    response = new_league(api, **{field: value})
    assert response.status_code == 400, response.json()
    assert named_fields(response.json()) == [field]
    assert not PickemLeague.objects.exists()


def test_the_schema_documents_the_season_years_a_league_may_have(api):
    schema = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_ENCODING="identity").json()
    season_year = schema["components"]["schemas"]["PickemLeagueCreateInputRequest"]["properties"]["season_year"]
    assert (season_year["minimum"], season_year["maximum"]) == (2000, NOW.year + 1)
    assert new_league(api, season_year=NOW.year + 1).status_code == 201
    refused = new_league(api, season_year=NOW.year + 2)
    assert refused.status_code == 400 and named_fields(refused.json()) == ["season_year"]


def test_line_time_is_documented_as_the_wall_clock_time_it_is_sent_as(api, ann):
    """No UTC offset: OpenAPI's "time" format would call the API's own "12:00:00" invalid."""
    schema = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_ENCODING="identity").json()
    line_time = schema["components"]["schemas"]["PickemLeague"]["properties"]["line_time"]
    assert "format" not in line_time
    sent = api.get(f"/api/picks/leagues/{make_league(ann).pk}/").json()["league"]["line_time"]
    assert re.fullmatch(line_time["pattern"], sent)
    assert re.fullmatch(line_time["pattern"], "09:30") and not re.fullmatch(line_time["pattern"], "24:00")


def named_fields(body: dict) -> list[str]:
    """The fields an error body names: every key beside its code, detail and problems."""
    return [key for key in body if key not in ("code", "detail", "errors")]
