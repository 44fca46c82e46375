"""The API against its own OpenAPI schema, fuzzed by Schemathesis: no 5xx, and every answer (status,
content type, body) is one the schema documents, for an anonymous client and for a logged-in member."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import schemathesis
import time_machine
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from tests.picks.factories import NOW, entry_of, make_game, make_league, make_user

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=20,  # per operation and client: the module stays under two minutes, even on a busy machine
    deadline=None,
    database=None,  # nothing written to the work tree
    derandomize=True,  # the same examples on every run: a failure in CI is one to reproduce
    suppress_health_check=list(HealthCheck),
)

# Schemathesis's WSGI transport does not undo gzip, which the site applies whenever asked.
PLAIN = {"Accept-Encoding": "identity"}


def served_schema() -> schemathesis.schemas.BaseSchema:
    """The schema /api/schema/ serves, driven through the WSGI app in this process (the test database).

    Built here rather than fetched, so that collecting the tests needs no request (and no Redis).
    """
    with time_machine.travel(NOW, tick=False):  # as served on the day the fuzzer's requests are made
        document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


# Event streams need the ASGI server (through this WSGI app they answer 503 at once, by design) and
# never end; tests/games/test_streams.py and the end-to-end tests drive them instead.
schema = served_schema().exclude(path_regex=r"/stream/$")


@pytest.fixture(autouse=True)
def fuzz_data(db, redis_client, settings):
    """Unthrottled, at a fixed time, with a league, a member and a game open and one live."""
    from rest_framework.throttling import SimpleRateThrottle

    # The fuzzer sends hundreds of requests a minute: throttling has its own tests.
    rates = {"anon": "100000/min", "user": "100000/min", "live": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates  # DRF binds rates at import
    # As Django's test client does: a request's end must not close the test transaction's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with time_machine.travel(NOW, tick=False):
        alice = make_user("alice")
        league = make_league(alice, name="Alice's league")
        entry_of(league, alice)
        sign_in(alice, MemberSession.KEY)
        make_game(kickoff=NOW + timedelta(hours=3))
        make_game(home="HM2", away="AW2", kickoff=NOW - timedelta(hours=1), phase="live", home_score=3, away_score=0)
        yield
    SimpleRateThrottle.THROTTLE_RATES = original
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class MemberSession:
    """Alice's session cookie and a CSRF token pair, as her browser would send them. Given to
    Schemathesis as the auth, so that its own checks know when a request goes without it."""

    # Known before the test database has Alice (fuzz_data gives her this session), because the
    # coverage phase's cases are built, and signed, when the module is collected.
    KEY = "fuzzsession0123456789abcdefghijk"
    current = (KEY, _get_new_csrf_string())

    def get(self, case, context):
        return MemberSession.current

    def set(self, case, data, context):
        session, token = data
        case.cookies = {**(case.cookies or {}), "sessionid": session, "csrftoken": token}
        case.headers = {**(case.headers or {}), "X-CSRFToken": token}


def sign_in(user, session_key: str) -> None:
    """A session under a key chosen in advance, holding what Django's login leaves in one."""
    store = SessionStore()  # the database backend, the site's
    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    store.model.objects.create(
        session_key=session_key, session_data=store.encode(data), expire_date=store.get_expiry_date()
    )


def checks_for(case) -> dict:
    if case.operation.path == "/api/picks/leagues/join/":
        # An invite code the schema allows may still name no league: 400, by design.
        return {"excluded_checks": [schemathesis.checks.positive_data_acceptance]}
    if case.operation.path in ("/api/picks/entries/{entry_id}/picks/", "/api/picks/leagues/{league_id}/what-if/"):
        # Game ids, team ids and weeks the schema allows may name no game, no side of it, or a week with
        # no game: 400 naming the field at fault, by design (a schema cannot list the games there are).
        return {"excluded_checks": [schemathesis.checks.positive_data_acceptance]}
    return {}


@schema.parametrize()
@EXAMPLES
def test_api_as_an_anonymous_client(case):
    case.call_and_validate(headers=PLAIN, **checks_for(case))


@schema.parametrize()
@schema.auth.apply(MemberSession, refresh_interval=None)
@EXAMPLES
def test_api_as_a_member(case):
    case.call_and_validate(headers=PLAIN, **checks_for(case))
