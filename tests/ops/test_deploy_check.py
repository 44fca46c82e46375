"""Production settings pass `check --deploy`; the Procfile, gunicorn config and docker-compose.yml hold together."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "scores.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://scores.example.com",
    "HTTPS": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
# Not inherited from the test run: settings under test, and what other tests set for themselves
# (the browser tests allow Django's ORM beside Playwright's event loop; production never does).
SETTING_NAMES = {
    *PRODUCTION, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    return subprocess.run(
        command,
        cwd=REPO,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], **env)


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_catches_a_development_setup():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="true", SECRET_KEY="short")

    assert result.returncode != 0
    for warning in ("W004", "W008", "W009", "W012", "W016", "W018"):
        assert f"security.{warning}" in result.stderr, warning


def test_https_requires_the_secret_key_from_the_environment():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "HTTPS=true: set SECRET_KEY in the environment" in result.stderr


def test_gunicorn_loads_its_config_and_the_app():
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = run([gunicorn, "--check-config", "-c", "config/gunicorn.conf.py", "config.asgi"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr


def test_procfile_serves_the_web_with_gunicorn_and_its_config():
    processes = dict(line.split(": ", 1) for line in (REPO / "Procfile").read_text().splitlines() if line.strip())

    assert processes["web"].startswith("gunicorn -c config/gunicorn.conf.py config.asgi")
    # honcho stops everything when one process exits: the worker and beat are started again instead.
    assert processes["worker"].startswith("python -m config.keep_running -- celery -A config worker")
    assert processes["beat"].startswith("python -m config.keep_running -- celery -A config beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_postgres_and_redis_with_health_checks(compose):
    services = compose["services"]

    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["command"] == ["gunicorn", "-c", "config/gunicorn.conf.py", "config.asgi"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert "/health/?checks=database,redis" in services["web"]["healthcheck"]["test"][-1]


def test_compose_starts_services_in_order_of_health(compose):
    services = compose["services"]
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert {d["condition"] for d in depends.values()} <= conditions
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_keeps_secrets_out_of_the_file(compose):
    app_env = compose["services"]["web"]["environment"]
    assert app_env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in app_env["DATABASE_URL"]
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert compose["services"]["worker"]["environment"]["SECRET_KEY"] == app_env["SECRET_KEY"]
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_compose_only_uses_keys_of_the_compose_specification(compose):
    # The keys this file uses, each checked against compose-spec's schema (no Docker engine here to run `config`).
    service_keys = {
        "build", "image", "restart", "environment", "tmpfs", "command", "depends_on", "ports", "expose",
        "healthcheck", "volumes",
    }  # fmt: skip
    healthcheck_keys = {"test", "interval", "timeout", "retries", "start_period"}
    assert set(compose) <= {"name", "services", "volumes"} | {k for k in compose if k.startswith("x-")}
    for name, service in compose["services"].items():
        assert set(service) <= service_keys, name
        assert set(service.get("healthcheck", {})) <= healthcheck_keys, name
        assert re.fullmatch(r"[a-zA-Z0-9._-]+", name)
    assert compose["services"]["redis"]["command"][:3] == ["redis-server", "--maxmemory-policy", "noeviction"]


# --------------------------------------------------------------------------- the headers production sends


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    return settings


@pytest.mark.django_db
def test_production_redirects_to_https_sends_hsts_and_secure_cookies(client, production):
    plain = client.get("/live/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/live/"
    assert client.get("/health/?checks=database").status_code == 200  # load balancers may check over HTTP

    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page.cookies["csrftoken"]["secure"] is True
