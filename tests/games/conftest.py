"""A fake ESPN at the HTTP boundary: real recorded JSON served through `responses`."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from games import polling
from tests.espn_fixtures import load_fixture

NFL_FINAL_DAY = "nfl/scoreboard-20241215-wk15-sunday-final.json"  # 13 finals, 2024-12-15
NFL_LIVE_DAY = "nfl/scoreboard-2022-wk01-20220911-live-mixed.json"  # 16 games: 8 live, 6 pre, 2 final
CFB_LIVE_DAY = "college-football/scoreboard-2022-wk03-20220917-fbs-groups80-live-mixed.json"  # 25 games

SCOREBOARD_URL = re.compile(r"https://espn\.test/apis/site/v2/sports/(\w+)/([\w.-]+)/scoreboard")
SUMMARY_URL = re.compile(r"https://espn\.test/apis/site/v2/sports/(\w+)/([\w.-]+)/summary")


class FakeEspn:
    """Scoreboards by (league, YYYYMMDD) and summaries by event id; anything else is an empty day."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.scoreboards: dict[tuple[str, str], object] = {}
        self.summaries: dict[str, object] = {}
        self.requests: list[tuple[str, dict]] = []
        rsps.add_callback(responses.GET, SCOREBOARD_URL, callback=self._scoreboard)
        rsps.add_callback(responses.GET, SUMMARY_URL, callback=self._summary)

    def board(self, league: str, day: str, payload_or_response: object) -> None:
        self.scoreboards[(league, day)] = payload_or_response

    def _answer(self, found: object):
        if isinstance(found, tuple):  # (status, headers, body)
            return found
        return 200, {"Content-Type": "application/json"}, json.dumps(found)

    def _scoreboard(self, request):
        url = urlsplit(request.url)
        league = "/".join(url.path.split("/")[5:7])
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((league, params))
        found = self.scoreboards.get((league, params.get("dates", "")), {"events": []})
        return self._answer(found)

    def _summary(self, request):
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.requests.append(("summary", params))
        found = self.summaries.get(params.get("event", ""))
        if found is None:
            return 404, {}, "{}"
        return self._answer(found)

    def days_asked(self, league: str) -> list[str]:
        return [p["dates"] for lg, p in self.requests if lg == league]


@pytest.fixture
def fake_espn(espn_settings, redis_client):
    polling.espn_client.cache_clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeEspn(rsps)
    polling.espn_client.cache_clear()


def fixture_copy(relative: str) -> dict:
    return copy.deepcopy(load_fixture(relative))


def event(payload: dict, espn_id: str) -> dict:
    return next(e for e in payload["events"] if e["id"] == espn_id)


def set_score(payload: dict, espn_id: str, *, home: int, away: int) -> None:
    for competitor in event(payload, espn_id)["competitions"][0]["competitors"]:
        competitor["score"] = str(home if competitor["homeAway"] == "home" else away)


def set_final(payload: dict, espn_id: str) -> None:
    competition = event(payload, espn_id)["competitions"][0]
    competition["status"]["type"].update(
        {
            "id": "3",
            "name": "STATUS_FINAL",
            "state": "post",
            "completed": True,
            "detail": "Final",
            "shortDetail": "Final",
        }
    )
    competition.pop("situation", None)


def set_status(payload: dict, espn_id: str, *, name: str, state: str, completed: bool, short: str) -> None:
    competition = event(payload, espn_id)["competitions"][0]
    competition["status"]["type"].update(
        {"name": name, "state": state, "completed": completed, "detail": short, "shortDetail": short}
    )
