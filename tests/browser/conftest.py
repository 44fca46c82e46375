"""Real headless Chromium for page tests: Debian's `chromium` package driven by Playwright's Python package.

Playwright's own browser download is not used. The browser is found at $CHROMIUM_PATH,
/usr/bin/chromium or /usr/bin/chromium-browser; when none is there and the tests run as root
on a machine with apt-get, `apt-get install chromium` is tried once per session. Otherwise the
browser tests are skipped with the reason.

Fixtures: `chromium` (session: the launched browser), `browser_page` (a fresh page in its own
context, phone-sized or not), `screenshot(page, name)` (saves test-output/screenshots/NAME.png).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), *CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def install_chromium() -> str:
    """Try Debian's package; returns why it could not be done (empty when it was)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not running as root"
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command)} failed: {exc}"
        if done.returncode != 0:
            return f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-300:]}"
    return ""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        why = install_chromium()
        path = find_chromium()
        if path is None:
            pytest.skip(
                "browser tests need Chromium: none at $CHROMIUM_PATH or /usr/bin/chromium, and "
                f"installing Debian's chromium package was not possible ({why or 'installed but not found'})"
            )
    return path


@pytest.fixture(scope="session")
def chromium(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright Python package (requirements-dev.txt)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (seeding games between page actions) are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium):
    """A page in a fresh context (desktop size, UTC, en-US)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # tests assert there were none
    yield page
    context.close()


@pytest.fixture
def screenshot():
    def take(page, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
