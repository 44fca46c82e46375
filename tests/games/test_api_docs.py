"""The API's schema and docs page, CORS and throttling (on GET /api/status/, the cheapest endpoint)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STATUS = reverse("api-status")


def test_schema_describes_every_games_endpoint(client, db):
    response = client.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/games/", "/api/games/live/", "/api/games/{id}/", "/api/status/"):
        assert path in schema["paths"], path
    names = {p["name"] for p in schema["paths"]["/api/games/"]["get"]["parameters"]}
    assert {"date", "league", "season", "week", "team", "state", "live", "page", "page_size"} <= names
    assert "304" in schema["paths"]["/api/games/live/"]["get"]["responses"]


def test_docs_page_lists_the_operations_without_outside_assets(client, db):
    response = client.get(reverse("api-docs"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "GET /api/games/live/" in html and "If-None-Match" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<footer")[0].replace("ESPN", "")


def test_cors_allows_configured_origins_only(client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://scores.example"]

    allowed = client.get(STATUS, HTTP_ORIGIN="https://scores.example")
    other = client.get(STATUS, HTTP_ORIGIN="https://elsewhere.example")

    assert allowed["Access-Control-Allow-Origin"] == "https://scores.example"
    assert "Access-Control-Allow-Origin" not in other


def test_api_clients_are_throttled(client, db, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "5/min"},
    }
    # DRF binds the rates to the throttle class when it is imported.
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        codes = [client.get(STATUS).status_code for _ in range(3)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert codes == [200, 200, 429]
