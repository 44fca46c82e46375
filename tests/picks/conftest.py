import pytest
import time_machine

from tests.games.conftest import fake_espn  # noqa: F401 - a fixture, re-exported (ESPN at the HTTP boundary)

from .factories import NOW, make_user


@pytest.fixture
def frozen_clock():
    """The factories' NOW, standing still: a module asks for it with usefixtures."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ann():
    return make_user("ann")


@pytest.fixture
def signed_in_ann(client):
    """ann, signed in on the test client (a page test module names it `ann`)."""
    user = make_user("ann")
    client.force_login(user)
    return user
