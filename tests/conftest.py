import pytest

from config.redis_client import cache_redis
from tests.celery_queue import clear_queue


@pytest.fixture
def redis_client():
    """The real Redis cache database (embedded or REDIS_URL), emptied around each test."""
    client = cache_redis()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(autouse=True)
def _clean_redis_for_db_tests(request):
    # Tests that touch the database also touch Redis (snapshots, live state): start them clean.
    # Their ingests may queue grading tasks on the broker: start with an empty queue too.
    if "django_db" in request.keywords or "db" in request.fixturenames:
        cache_redis().flushdb()
        clear_queue()


@pytest.fixture
def espn_settings(settings):
    settings.ESPN_BASE_URL = "https://espn.test"
    settings.ESPN_LEAGUES = ["football/nfl", "football/college-football?groups=80"]
    settings.ESPN_MAX_RETRIES = 2
    return settings


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made by the dozen: the production hasher's deliberate slowness is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    # The manifest exists only after collectstatic; tests render pages without running it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
