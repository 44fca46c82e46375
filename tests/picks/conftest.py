import pytest
import time_machine

from tests.games.conftest import fake_espn  # noqa: F401 - a fixture, re-exported (ESPN at the HTTP boundary)

from .factories import NOW, make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Members are made by the dozen: the production hasher's deliberate slowness is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Pages render {% static %}: without `collectstatic` there is no manifest to look names up in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def frozen_clock():
    """The factories' NOW, standing still: a module asks for it with usefixtures."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ann():
    return make_user("ann")
