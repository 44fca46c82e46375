"""Attacks, tried the way an attacker would: other people's picks, forged forms, password guessing,
floods, hostile input, secrets in the repository, the admin without staff rights."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from picks.models import Pick, PickemLeague
from tests.picks.factories import NOW, PASSWORD, entry_of, make_game, make_league, make_user

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def victim_league(frozen):
    """Vic's league and entry, a game still open for picks; Mallory is a user of the site, not a member."""
    vic = make_user("vic")
    league = make_league(vic, name="Vic's league")
    entry = entry_of(league, vic)
    game = make_game(kickoff=NOW + timedelta(hours=3))
    return league, entry, game


@pytest.fixture
def mallory_client(frozen):
    mallory = make_user("mallory")
    client = Client()
    client.force_login(mallory)
    return client


# --------------------------------------------------------------------------- picks belong to their owner


def test_picking_for_someone_elses_entry_is_refused(mallory_client, victim_league):
    _, entry, game = victim_league
    body = {"picks": [{"game_id": game.pk, "team_id": game.away_team_id}]}

    response = mallory_client.post(f"/api/picks/entries/{entry.pk}/picks/", body, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_your_entry"
    assert not Pick.objects.exists()


def test_reading_someone_elses_entry_league_or_audit_is_refused(mallory_client, victim_league):
    league, entry, _ = victim_league
    for url in (
        f"/api/picks/entries/{entry.pk}/games/",
        f"/api/picks/leagues/{league.pk}/standings/",
        f"/api/picks/leagues/{league.pk}/picks/",
        f"/picks/leagues/{league.pk}/",
        f"/picks/leagues/{league.pk}/settings/",
        f"/picks/leagues/{league.pk}/audit/",
    ):
        assert mallory_client.get(url).status_code == 403, url


def test_commissioner_actions_are_refused_to_others(mallory_client, victim_league):
    league, entry, _ = victim_league
    old_code = league.invite_code

    assert mallory_client.post(f"/picks/leagues/{league.pk}/settings/invite/").status_code == 403
    assert mallory_client.post(f"/picks/leagues/{league.pk}/members/{entry.pk}/remove/").status_code == 403
    assert mallory_client.post(f"/picks/leagues/{league.pk}/settings/", {"name": "pwned"}).status_code == 403
    league.refresh_from_db()
    entry.refresh_from_db()
    assert (league.name, league.invite_code, entry.removed_at) == ("Vic's league", old_code, None)


def test_guessing_ids_finds_nothing(mallory_client):
    for url in ("/api/picks/entries/999999/picks/", "/api/picks/entries/999999/games/"):
        response = mallory_client.get(url) if "games" in url else mallory_client.post(url, {}, "application/json")
        assert response.status_code == 404, url


def test_anonymous_visitors_get_no_pick_data(client, victim_league):
    league, entry, _ = victim_league
    assert client.get(f"/api/picks/entries/{entry.pk}/games/").status_code in (401, 403)
    page = client.get(f"/picks/leagues/{league.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- CSRF on every form


def all_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    return list(walk(get_resolver().url_patterns))


def test_no_view_skips_csrf_except_apis_that_enforce_it_or_take_no_session():
    exempt = [(route, view) for route, view in all_views() if getattr(view, "csrf_exempt", False)]
    assert exempt, "DRF's views are csrf_exempt by design: the walk must find them"
    for route, view in exempt:
        cls = getattr(view, "cls", None)
        assert cls is not None and issubclass(cls, APIView), f"{route} skips CSRF"
        auth = cls.authentication_classes
        # SessionAuthentication enforces CSRF on unsafe methods; a view without authentication has no session.
        assert all(issubclass(a, SessionAuthentication) for a in auth), route


def test_forms_posted_without_a_csrf_token_are_refused(victim_league, frozen):
    league, _, game = victim_league
    member = make_user("member")
    entry = entry_of(league, member)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "member", "password": PASSWORD}).status_code == 403
    assert strict.post("/accounts/signup/", {"username": "x", "password1": "p", "password2": "p"}).status_code == 403
    strict.force_login(member)
    for url, data in (
        ("/picks/", {"league": league.pk}),
        ("/picks/join/", {"invite_code": league.invite_code}),
        ("/picks/leagues/new/", {"name": "csrf league"}),
        ("/accounts/logout/", {}),
    ):
        assert strict.post(url, data).status_code == 403, url
    api = strict.post(
        f"/api/picks/entries/{entry.pk}/picks/",
        {"picks": [{"game_id": game.pk, "team_id": game.home_team_id}]},
        content_type="application/json",
    )
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]
    assert not Pick.objects.exists()
    assert not PickemLeague.objects.filter(name="csrf league").exists()


def test_the_api_accepts_the_token_from_the_page(victim_league, frozen):
    league, _, game = victim_league
    member = make_user("member")
    entry = entry_of(league, member)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    strict.get("/picks/")  # sets the csrftoken cookie, as a browser gets it

    response = strict.post(
        f"/api/picks/entries/{entry.pk}/picks/",
        {"picks": [{"game_id": game.pk, "team_id": game.home_team_id}]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=strict.cookies["csrftoken"].value,
    )

    assert response.status_code == 200, response.content


# --------------------------------------------------------------------------- password guessing


WRONG = "wrong-guess"


def guess(client: Client, url: str, username: str, password: str = WRONG, ip: str = "203.0.113.9"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_is_rate_limited_per_address(client, settings, redis_client):
    settings.LOGIN_RATE_LIMIT = "5/min"
    make_user("vic")
    codes = [guess(client, "/accounts/login/", f"user{i}").status_code for i in range(6)]

    assert codes == [200] * 5 + [429]  # wrong passwords re-show the form; the sixth try is not even checked
    blocked = guess(client, "/accounts/login/", "vic", PASSWORD)
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    assert guess(client, "/accounts/login/", "vic", PASSWORD, ip="198.51.100.7").status_code == 302


def test_login_is_rate_limited_per_username_across_addresses(client, settings, redis_client):
    settings.LOGIN_RATE_LIMIT = "5/min"
    make_user("vic")
    codes = [guess(client, "/accounts/login/", "Vic", ip=f"198.51.100.{i}").status_code for i in range(6)]

    assert codes == [200] * 5 + [429]


def test_admin_login_and_signup_are_rate_limited_too(client, settings, redis_client):
    settings.LOGIN_RATE_LIMIT = "3/min"
    admin_codes = [guess(client, "/admin/login/", "root").status_code for _ in range(4)]
    signup_codes = [
        client.post("/accounts/signup/", {"username": f"bot{i}"}, REMOTE_ADDR="192.0.2.1").status_code for i in range(4)
    ]

    assert admin_codes == [200, 200, 200, 429]
    assert signup_codes[-1] == 429


def test_login_still_works_with_redis_down(client, redis_down):
    make_user("vic")
    assert guess(client, "/accounts/login/", "vic", PASSWORD).status_code == 302


def test_login_never_redirects_off_site(client, redis_client):
    make_user("vic")
    response = client.post(
        "/accounts/login/?next=https://evil.example/steal",
        {"username": "vic", "password": PASSWORD, "next": "https://evil.example/steal"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --------------------------------------------------------------------------- floods


def test_the_api_throttles_a_flooding_client(client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"}}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # DRF binds rates at import
    try:
        codes = [client.get("/api/games/", REMOTE_ADDR="203.0.113.50").status_code for _ in range(4)]
        other = client.get("/api/games/", REMOTE_ADDR="203.0.113.51").status_code
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert codes == [200, 200, 200, 429]
    assert other == 200


def test_the_live_endpoint_throttles_a_flooding_client(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "live": "5/min"},
    }
    codes = [client.get("/api/games/live/", REMOTE_ADDR="203.0.113.60").status_code for _ in range(7)]

    assert codes[-1] == 429


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/games/?date=2024-13-45", "date"),
        ("/api/games/?league=<script>alert(1)</script>", "league"),
        ("/api/games/?week=-1", "week"),
        ("/api/games/?season=1e9", "season"),
        ("/api/games/?state=' OR 1=1 --", "state"),
        ("/api/games/?live=maybe", "live"),
        ("/api/games/?page_size=100000", "page_size"),
        ("/api/games/1/?plays=-5", "plays"),
        ("/health/?checks=../../etc/passwd", "checks"),
    ],
)
def test_bad_input_is_a_400_that_names_the_parameter(client, url, named):
    response = client.get(url)

    assert response.status_code == 400, response.content
    assert named in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/api/games/99999999999999999999/", "/games/99999999999999999999/", "/api/games/?page=999999", "/games/0/"],
)
def test_absurd_ids_and_pages_are_not_found_never_a_server_error(client, url):
    assert client.get(url).status_code == 404


def test_input_echoed_into_pages_is_escaped(mallory_client, django_user_model):
    mallory = django_user_model.objects.get(username="mallory")
    entry_of(make_league(mallory, name="Mallory's"), mallory)
    payload = "<script>alert(1)</script>"

    for response in (
        mallory_client.get("/picks/", {"week": payload, "league": payload}),
        mallory_client.post("/picks/join/", {"invite_code": payload}),
        mallory_client.post("/picks/leagues/new/", {"name": payload * 20}),
    ):
        assert response.status_code in (200, 400, 404), response.status_code
        assert payload not in response.content.decode()


def test_pages_cannot_be_framed(client):
    assert client.get("/live/")["X-Frame-Options"] == "DENY"


# --------------------------------------------------------------------------- the admin is for staff


def test_every_admin_page_turns_away_non_staff(client):
    client.force_login(make_user("member"))
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


# --------------------------------------------------------------------------- no secret in the repository

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
    "Django insecure key": re.compile(r"django-insecur[e]-"),  # [e]: this file must not match itself
    "SECRET_KEY literal": re.compile(r"""SECRET_KEY\s*[:=]\s*["'][^"'${}]{16,}["']"""),
    "password in a URL": re.compile(r"\b(?:postgres(?:ql)?|redis|amqp)://[^:@/\s]+:(?!\$\{)[^@\s]+@"),
}


def tracked_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in names if not name.startswith("tests/fixtures/")]


def test_no_secret_is_committed():
    found = []
    for path in tracked_files():
        if not path.is_file() or path.suffix in {".png", ".jpg", ".ico", ".woff2", ".gz"}:
            continue
        text = path.read_text(errors="ignore")
        found += [
            f"{path.relative_to(REPO)}: {what}" for what, pattern in SECRET_PATTERNS.items() if pattern.search(text)
        ]
    assert not found, found


def test_local_secrets_stay_out_of_git():
    tracked = {str(p.relative_to(REPO)) for p in tracked_files()}
    assert not {"var/secret_key", ".env"} & tracked
    ignored = subprocess.run(
        ["git", "check-ignore", "var/secret_key", ".env"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert ignored.stdout.split() == ["var/secret_key", ".env"]
