"""Every inbound limit keys on the real client: the socket address unless proxies are configured."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from config.ratelimit import client_address
from tests.picks.factories import make_user

pytestmark = pytest.mark.django_db


def test_forged_forwarded_for_headers_do_not_escape_the_anonymous_api_limit(client, redis_client):
    # The default 120/min: each request forges a new X-Forwarded-For, all from one socket address.
    codes = [
        client.get("/api/status/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.1.{i // 250}.{i % 250}")
        for i in range(300)
    ]
    statuses = [response.status_code for response in codes]

    assert statuses.count(429) == 300 - 120
    assert statuses[:120] == [statuses[0]] * 120 and statuses[0] != 429


def test_forged_forwarded_for_headers_do_not_escape_the_sign_in_limit(settings, redis_client):
    settings.LOGIN_RATE_LIMIT = "5/min"
    make_user("vic")
    client = Client()
    codes = [
        client.post(
            "/accounts/login/",
            {"username": f"someone{i}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code
        for i in range(7)
    ]

    assert codes == [200] * 5 + [429, 429]


def test_forged_forwarded_for_headers_do_not_escape_the_sign_up_limit(settings, redis_client):
    settings.LOGIN_RATE_LIMIT = "3/min"
    codes = [
        Client()
        .post("/accounts/signup/", {"username": f"bot{i}"}, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        .status_code
        for i in range(4)
    ]

    assert codes[-1] == 429


def test_the_live_feed_limit_keys_on_the_socket_address(client, settings, redis_client):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "live": "5/min"},
    }
    codes = [
        client.get("/api/games/live/", REMOTE_ADDR="203.0.113.61", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}").status_code
        for i in range(7)
    ]

    assert codes[-1] == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.10"),
        (0, "198.51.100.1", "192.0.2.10"),  # no proxy: the header is the client's own words
        (1, "", "192.0.2.10"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the one proxy appended what it saw
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),  # the outer proxy's entry, then the inner's
        (2, "198.51.100.1", "198.51.100.1"),  # shorter than the chain: the leftmost
        (1, " 198.51.100.1 ,", "192.0.2.10"),  # an empty last entry is no address
    ],
)
def test_client_address_is_the_nth_from_the_right(settings, proxies, forwarded, expected):
    settings.API_NUM_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", **headers)

    assert client_address(request) == expected


def test_behind_one_proxy_the_api_limit_counts_each_client(client, settings, redis_client):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    settings.API_NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"}}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # DRF binds rates at import
    try:
        proxy = {"REMOTE_ADDR": "10.0.0.1"}
        first = [client.get("/api/status/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1", **proxy) for _ in range(4)]
        second = client.get("/api/status/", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert [r.status_code for r in first][-1] == 429
    assert second.status_code != 429
