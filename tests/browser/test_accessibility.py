"""Every page through axe-core (WCAG 2 A and AA) in light and dark mode, at a phone's and a laptop's width.

axe-core is vendored in tests/browser/vendor/axe.min.js (npm's axe-core, version in its header,
MPL-2.0: vendor/LICENSE) and injected into each page; nothing is fetched at test time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from games.models import Game
from games.plays import store_plays
from tests.games.seed import (
    NFL_LIVE_DAY,
    SUNDAY_2022,
    fresh_live_feed_process_state,  # noqa: F401  (autouse)
    ingest,
    payload,
    publish,
    rebased,
    recording_moment_today,
    scoreboard_snapshots,
    summary,
)

from .pickem import full_week, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}

RUN_AXE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  const why = n => (n.failureSummary || '').split('\\n').slice(1).join(' ');
  return result.violations.map(v => ({
    id: v.id,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + why(n)),
  }));
}"""

# The contrast of the keyboard focus ring against what is behind the focused element.
FOCUS_RING = """() => {
  // The ring is the element's outline, or (a game card's link) its card's box-shadow ring.
  let el = document.activeElement, ringColor = null, ring = 'none';
  const own = getComputedStyle(el);
  if (own.outlineStyle !== 'none') {
    ringColor = own.outlineColor; ring = own.outlineStyle + ' ' + own.outlineWidth;
  } else {
    for (let p = el; p && !ringColor; p = p.parentElement) {
      const shadow = getComputedStyle(p).boxShadow;
      if (shadow && shadow !== 'none') { ringColor = shadow; ring = 'solid shadow ' + shadow; el = p; }
    }
  }
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const lin = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  let bg = null;
  for (let p = el.parentElement; p && !bg; p = p.parentElement) {
    const c = getComputedStyle(p).backgroundColor;
    if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') bg = c;
  }
  bg = bg || getComputedStyle(document.documentElement).backgroundColor || 'rgb(255, 255, 255)';
  if (!ringColor) return {element: el.tagName, outline: 'none', ratio: 0};
  const a = lum(rgb(ringColor)), b = lum(rgb(bg));
  return {
    element: el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30),
    outline: ring,
    ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}"""


@pytest.fixture
def site(live_server):
    """Live games, a final game with its plays, a pick'em week, and a member who is also staff."""
    now = timezone.now()
    snapshots = scoreboard_snapshots(payload(NFL_LIVE_DAY), "football/nfl")
    moment = recording_moment_today(snapshots, recorded_at=SUNDAY_2022, now=now)
    publish(ingest(rebased(snapshots, recorded_at=SUNDAY_2022, now=moment), now=now), now=now)
    final = summary()
    ingest([final.game], now=final.game.kickoff)
    store_plays(Game.objects.get(espn_id=final.game.espn_id).pk, final, now=now)
    week = full_week(now, finals=4, live=2, scheduled=2)
    user = week.me.user
    user.is_staff = user.is_superuser = True
    user.save()
    game = Game.objects.get(espn_id=final.game.espn_id)
    return {
        "user": user,
        "anonymous": ["/accounts/login/", "/accounts/signup/"],
        "member": [
            "/live/",
            f"/games/{game.pk}/",
            "/picks/",
            f"/picks/?league={week.league.pk}",
            week.standings_url,
            f"{week.standings_url}?view=season",
            "/picks/join/",
            f"{week.standings_url}?view=AAA&page=0",  # the 400 page naming bad parameters
            "/admin/games/game/",
        ],
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["phone", "laptop"])
def test_every_page_passes_axe(live_server, browser_page, site, screenshot, scheme, width):
    page = browser_page
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size(WIDTHS[width])
    found = {}

    def check(path: str) -> None:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[path] = violations
        description = page.locator('meta[name="description"]')
        expect(description).to_have_count(1)
        assert len(description.get_attribute("content")) > 20, path

    for path in site["anonymous"]:
        check(path)
    sign_in(page, live_server, site["user"])
    for path in site["member"]:
        check(path)
        if path == site["member"][4]:
            screenshot(page, f"league-{scheme}-{width}")
        if path == "/picks/":
            screenshot(page, f"my-picks-{scheme}-{width}")
    assert found == {}
    assert page.js_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_ring_stands_out_from_the_page(live_server, browser_page, site, scheme):
    page = browser_page
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # the card's ring without its fade-in
    sign_in(page, live_server, site["user"])
    weak = []
    for path in ("/live/", "/picks/", site["member"][4]):
        page.goto(f"{live_server.url}{path}")
        for _ in range(14):
            page.keyboard.press("Tab")
            ring = page.evaluate(FOCUS_RING)
            if not ring["outline"].startswith("solid") or ring["ratio"] < 3:
                weak.append((path, ring))
    assert weak == []
