"""The web's ASGI handler (config/asgi.py) with Django's middleware hooks run on the event loop.

A sign-in through it uses every hook that must still reach the database through Django's thread:
the CSRF cookie set and checked inline, the session saved, the redirect's cookies set.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from config.asgi import Handler
from config.async_middleware import INLINE, asgi_middleware
from tests.asgi_calls import asgi_request

pytestmark = pytest.mark.django_db(transaction=True)


def request(application, method: str, path: str, *, body: bytes = b"", headers=()) -> tuple[int, list, bytes]:
    return asgi_request(application, method, path, body=body, headers=headers)


def cookies(headers: list) -> SimpleCookie:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == b"set-cookie":
            jar.load(value.decode())
    return jar


def test_signing_in_through_the_asgi_handler_saves_the_session(settings):
    settings.LOGIN_RATE_LIMIT = ""
    get_user_model().objects.create_user("ann", password="a-long-pass-1")
    application = Handler()

    status, headers, page = request(application, "GET", "/accounts/login/")
    csrf_cookie = cookies(headers)[settings.CSRF_COOKIE_NAME].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urlencode({"username": "ann", "password": "a-long-pass-1", "csrfmiddlewaretoken": token}).encode()
    signed_in, signed_headers, _ = request(
        application, "POST", "/accounts/login/", body=form,
        headers=[(b"content-type", b"application/x-www-form-urlencoded"),
                 (b"cookie", f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}".encode())],
    )  # fmt: skip
    refused, _, _ = request(
        application, "POST", "/accounts/login/", body=form,
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
    )  # fmt: skip

    assert status == 200
    assert signed_in == 302 and dict(signed_headers)[b"Location"] == b"/picks/"
    session_key = cookies(signed_headers)[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=session_key).exists()  # saved through Django's thread
    assert refused == 403  # no CSRF cookie: CsrfViewMiddleware still refuses, inline


def test_every_inline_class_replaces_the_middleware_it_runs_and_checks_see_djangos_names():
    loaded = asgi_middleware(settings.MIDDLEWARE)

    assert len(loaded) == len(settings.MIDDLEWARE)
    assert all(path in settings.MIDDLEWARE for path in INLINE)  # none is left out of MIDDLEWARE unnoticed
    assert "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE
    for path, inline in INLINE.items():
        assert f"config.async_middleware.{inline.__name__}" in loaded
        assert path not in loaded
