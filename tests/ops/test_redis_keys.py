"""The registry of Redis keys is the only place that names one, and the README's table lists it."""

from __future__ import annotations

import re
from pathlib import Path

from config.redis_keys import REDIS_KEYS

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("espn", "games", "picks", "ops", "config", "devtools")
REGISTRY = REPO / "config" / "redis_keys.py"


def readme_key_table() -> list[tuple[str, str]]:
    section = REPO.joinpath("README.md").read_text().split("## Redis keys", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = []
    for row in rows:
        key, _holds, lifetime = (cell.strip() for cell in row.strip("|").split(" | "))
        table.append((key.strip("`"), lifetime))
    return table


def test_the_readme_lists_every_key_with_its_lifetime_as_the_registry_names_them():
    assert readme_key_table() == [(key.name, key.lifetime) for key in REDIS_KEYS]


def test_no_module_but_the_registry_spells_out_a_key():
    spelled = re.compile(r"""["']scores:""")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if path != REGISTRY and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if spelled.search(line)
    ]
    assert offenders == []


def test_every_registered_name_is_unique_and_in_the_projects_namespace():
    names = [key.name for key in REDIS_KEYS]
    assert len(names) == len(set(names))
    assert all(name.startswith("scores:") for name in names)
