"""Recorded ESPN JSON under tests/fixtures/espn/, by path relative to that folder.

    load_fixture("nfl/scoreboard-20241215-wk15-sunday-final.json")

The files are real ESPN responses kept byte for byte; tests never read anything outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "espn"


def fixture_path(relative: str) -> Path:
    """Absolute path of a fixture; fails loudly if it is missing or escapes the fixtures folder."""
    path = (FIXTURES_DIR / relative).resolve()
    if not path.is_relative_to(FIXTURES_DIR):
        raise ValueError(f"fixture path escapes {FIXTURES_DIR}: {relative}")
    if not path.is_file():
        raise FileNotFoundError(f"no ESPN fixture {relative!r} in {FIXTURES_DIR}")
    return path


def fixture_bytes(relative: str) -> bytes:
    """The fixture exactly as ESPN sent it (what an HTTP mock should return)."""
    return fixture_path(relative).read_bytes()


def load_fixture(relative: str) -> dict:
    """The fixture decoded as JSON."""
    return json.loads(fixture_bytes(relative))
