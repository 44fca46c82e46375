"""Six recorded games replayed at high speed through the real poller: real Celery worker and beat
processes, real Redis, the test database. Every game must end final with exactly its recorded
score, no score may ever go down on the way, halftime must be seen, and the picks of a demo
pick'em league made before kickoff must each be graded once, correctly. With ESPN failing a
fifth of the time and down across three final whistles, the end must be the same.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from espn.replay import FaultConfig, ReplayConfig
from espn.replay.server import Replay
from espn.snapshots import Phase
from games.models import Game
from picks.demo import seed_demo_league
from picks.models import GameGrading, GradingOutcome, Pick, PickResult
from picks.selectors import pick_lines

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# 360 replay seconds per real second: a 3-hour game plays in 30 s, its halftime (13 to 26 replay
# minutes in these recordings) lasts 2 to 4 s, several polls at the one-second live cadence.
SPEED = 360.0
FIRST_KICKOFF = 60.0  # replay seconds
STAGGER = 300.0  # replay seconds between kickoffs: the six games overlap, their finals 0.8 s apart
SETTLE_SECONDS = 3.0  # keep watching after the end: later polls must change nothing
SAMPLE_EVERY = 0.2
PHASE_ORDER = {Phase.SCHEDULED: 0, Phase.LIVE: 1, Phase.FINAL: 2}


def replay_config(**overrides) -> ReplayConfig:
    return ReplayConfig(speed=SPEED, first_kickoff_after=FIRST_KICKOFF, stagger=STAGGER, **overrides)


@dataclass
class Observed:
    """What the database said about each game, sample after sample."""

    samples: dict[str, list[tuple[str, str, int | None, int | None]]] = field(default_factory=lambda: defaultdict(list))
    samples_taken: int = 0
    lines_before_kickoff: dict[str, Decimal | None] = field(default_factory=dict)
    final_seen_at: dict[str, float] = field(default_factory=dict)  # replay seconds since the origin

    def sample(self, replay_elapsed: float) -> None:
        for espn_id, phase, status_name, home, away in Game.objects.values_list(
            "espn_id", "phase", "status_name", "home_score", "away_score"
        ):
            history = self.samples[espn_id]
            if not history or history[-1] != (phase, status_name, home, away):
                history.append((phase, status_name, home, away))
            if phase == Phase.FINAL:
                self.final_seen_at.setdefault(espn_id, replay_elapsed)
        self.samples_taken += 1

    def statuses(self) -> set[str]:
        return {status for history in self.samples.values() for _, status, _, _ in history}


def test_replay_ends_with_every_game_final_at_its_recorded_score_and_every_pick_graded_once(e2e_system):
    system = e2e_system(replay_config())

    observed, expected = play_through(system)

    assert_end_state(observed, expected)


def test_replay_through_errors_and_an_outage_across_final_whistles_ends_the_same(e2e_system):
    origin = datetime.now(UTC).replace(microsecond=0)
    finals = sorted(game.final_at for game in Replay(replay_config(start=origin)).games)
    # ESPN down (503 to everything) from 15 replay minutes before the first final whistle to 15
    # after the third; a fifth of all other requests fail in every way the replay knows.
    outage_start = (finals[0] - origin).total_seconds() - 900
    outage_end = (finals[2] - origin).total_seconds() + 900
    faults = FaultConfig(
        error_rate=0.2,
        hang_seconds=2.0,
        outage_start=outage_start,
        outage_seconds=outage_end - outage_start,
        outage_clock="replay",
        seed=20261122,
    )
    system = e2e_system(replay_config(start=origin, faults=faults))

    observed, expected = play_through(system)

    assert_end_state(observed, expected)
    injected = system.replay.status()["faults"]["injected"]
    assert injected.get("outage", 0) > 0, injected
    assert sum(count for kind, count in injected.items() if kind != "outage") > 0, injected
    # The outage did hide final whistles (the finals come 5 replay minutes apart, so more than three):
    # those games were live in the database when it began, and final only once ESPN answered again.
    window_start, window_end = origin + timedelta(seconds=outage_start), origin + timedelta(seconds=outage_end)
    hidden = [game.event_id for game in system.replay.server.replay.games if window_start < game.final_at < window_end]
    assert len(hidden) >= 3, hidden
    for espn_id in hidden:
        assert observed.final_seen_at[espn_id] >= outage_end, (espn_id, observed.final_seen_at[espn_id])
        assert Phase.LIVE in [phase for phase, *_ in observed.samples[espn_id]]


def play_through(system) -> tuple[Observed, dict[str, dict]]:
    """Poll the games in while the replay holds before kickoff, seed the pick'em league, play to the end."""
    expected = {game["id"]: game for game in system.replay.status()["games"]}
    system.wait_for(
        "the worker's first polls (fired by beat) to bring the games in",
        lambda: Game.objects.count() == len(expected),
        timeout=90,
    )
    assert set(Game.objects.values_list("phase", flat=True)) == {Phase.SCHEDULED}

    seeded = seed_demo_league()
    assert seeded.leagues and Pick.objects.count() > 0
    assert not Pick.objects.exclude(game__phase=Phase.SCHEDULED).exists(), "picks made before kickoff"
    observed = Observed(lines_before_kickoff=dict(Game.objects.values_list("espn_id", "spread")))

    system.replay.kick_off()
    deadline = time.monotonic() + system.replay.real_seconds_to_last_final() + 90
    while not (system.replay.status()["allFinal"] and database_done(expected)):
        observed.sample(system.replay.elapsed())
        system.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"the replay did not end final in the database in time\n{system.logs()}")
        time.sleep(SAMPLE_EVERY)  # sampling a running system, not waiting for a result
    settle_until = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < settle_until:
        observed.sample(system.replay.elapsed())
        time.sleep(SAMPLE_EVERY)
    system.check_alive()
    return observed, expected


def database_done(expected: dict[str, dict]) -> bool:
    finals = {
        espn_id: (home, away)
        for espn_id, home, away in Game.objects.filter(phase=Phase.FINAL).values_list(
            "espn_id", "home_score", "away_score"
        )
    }
    if finals != {espn_id: recorded_final(game) for espn_id, game in expected.items()}:
        return False
    return not Pick.objects.filter(graded_at=None).exists()


def recorded_final(game: dict) -> tuple[int, int]:
    return game["expectedFinal"]["home"], game["expectedFinal"]["away"]


def assert_end_state(observed: Observed, expected: dict[str, dict]) -> None:
    games = {game.espn_id: game for game in Game.objects.select_related("home_team", "away_team")}
    assert set(games) == set(expected)
    for espn_id, game in games.items():
        assert (game.phase, game.status_name) == (Phase.FINAL, "STATUS_FINAL"), espn_id
        assert (game.home_score, game.away_score) == recorded_final(expected[espn_id]), espn_id
        assert game.home_team.espn_id == expected[espn_id]["home"]["id"]
        assert game.away_team.espn_id == expected[espn_id]["away"]["id"]

    assert scores_that_went_backwards(observed) == []
    assert phases_that_went_backwards(observed) == []
    assert "STATUS_HALFTIME" in observed.statuses(), f"halftime never seen in {observed.samples_taken} samples"

    assert picks_graded_wrongly(expected, observed.lines_before_kickoff) == []
    gradings = {
        grading.game.espn_id: grading
        for grading in GameGrading.objects.select_related("game").filter(game__pickem_picks__isnull=False).distinct()
    }
    assert set(gradings) == set(expected), "every game had picks and a grading"
    for espn_id, grading in gradings.items():
        assert grading.times_graded == 1, f"{espn_id} graded {grading.times_graded} times"
        assert grading.outcome == GradingOutcome.FINAL
        assert (grading.home_score, grading.away_score) == recorded_final(expected[espn_id])


def scores_that_went_backwards(observed: Observed) -> list[str]:
    problems = []
    for espn_id, history in observed.samples.items():
        previous: tuple[int, int] | None = None
        for _, status, home, away in history:
            if home is None or away is None:
                if previous is not None:
                    problems.append(f"{espn_id}: score gone after {previous} ({status})")
                continue
            if previous is not None and (home < previous[0] or away < previous[1]):
                problems.append(f"{espn_id}: {previous} then {(home, away)} ({status})")
            previous = (home, away)
    return problems


def phases_that_went_backwards(observed: Observed) -> list[str]:
    problems = []
    for espn_id, history in observed.samples.items():
        phases = [phase for phase, *_ in history]
        assert set(phases) <= set(PHASE_ORDER), f"{espn_id}: unexpected phases {phases}"
        ranks = [PHASE_ORDER[phase] for phase in phases]
        if ranks != sorted(ranks):
            problems.append(f"{espn_id}: {phases}")
    return problems


def expected_result(pick: Pick, final: dict, line: Decimal | None) -> str:
    """The pick's result, worked out from the recorded final (and the line at kickoff against the spread)."""
    game = pick.game
    if pick.entry.league.against_spread and line:
        margin = Decimal(final["home"] - final["away"]) + line
        home_result = PickResult.WIN if margin > 0 else PickResult.LOSS if margin < 0 else PickResult.PUSH
    elif final["winnerTeamId"] is None:
        home_result = PickResult.PUSH
    else:
        home_result = PickResult.WIN if final["winnerTeamId"] == game.home_team.espn_id else PickResult.LOSS
    if pick.team_id == game.home_team_id or home_result == PickResult.PUSH:
        return home_result
    return PickResult.LOSS if home_result == PickResult.WIN else PickResult.WIN


def picks_graded_wrongly(expected: dict[str, dict], lines_before_kickoff: dict[str, Decimal | None]) -> list[str]:
    problems = []
    picks = list(
        Pick.objects.select_related("entry__league", "entry__user", "team", "game__home_team", "game__away_team")
    )
    lines = pick_lines(picks)
    for pick in picks:
        espn_id = pick.game.espn_id
        final = expected[espn_id]["expectedFinal"]
        line = lines_before_kickoff[espn_id]
        result = expected_result(pick, final, line)
        points = (pick.confidence or 1) if result == PickResult.WIN else 0
        where = f"{pick.entry.user} on {espn_id} ({pick.entry.league.name}, picked {pick.team.abbreviation})"
        if pick.graded_at is None:
            problems.append(f"{where}: not graded")
        if (pick.result, pick.points) != (result, points):
            problems.append(f"{where}: {pick.result}/{pick.points}, expected {result}/{points}")
        if lines[pick.pk].at_lock != line:
            problems.append(f"{where}: line at lock {lines[pick.pk].at_lock}, line before kickoff {line}")
    return problems


def test_a_worker_killed_mid_game_follows_every_game_again_and_stores_every_play(e2e_system):
    from games.models import GameTracking, Play, TrackingStatus

    system = e2e_system(replay_config())
    expected = {game["id"]: game for game in system.replay.status()["games"]}
    recorded_plays = {game.event_id: len(game.recording.plays) for game in system.replay.server.replay.games}
    system.wait_for("the games", lambda: Game.objects.count() == len(expected), timeout=90)
    seed_demo_league()
    system.replay.kick_off()
    system.wait_for(
        "a game followed live with plays stored",
        lambda: GameTracking.objects.filter(status=TrackingStatus.LIVE).exists() and Play.objects.exists(),
        timeout=90,
    )

    def two_finals_while_down() -> bool:
        return sum(game["state"] == "post" for game in system.replay.status()["games"]) >= 2

    system.restart("worker", down_until=two_finals_while_down, timeout=120)
    # The tracking records catch up with a final at the follower's next sync (every few seconds),
    # so "every record final" is part of what is waited for, not asserted the instant plays land.
    system.wait_for(
        "every game final, graded, every play stored and every tracking record final",
        lambda: (
            database_done(expected)
            and all(
                Play.objects.filter(game__espn_id=espn_id).count() == count for espn_id, count in recorded_plays.items()
            )
            and not GameTracking.objects.exclude(status=TrackingStatus.FINAL).exists()
        ),
        timeout=system.replay.real_seconds_to_last_final() + 120,
    )
    records = {t.game.espn_id: t for t in GameTracking.objects.select_related("game")}
    assert set(records) == set(expected)
    assert {t.status for t in records.values()} == {TrackingStatus.FINAL}
    assert all(t.final_fetch_at is not None and t.play_watermark is not None for t in records.values())
    gradings = GameGrading.objects.filter(game__pickem_picks__isnull=False).distinct()
    assert sorted(g.times_graded for g in gradings) == [1] * len(expected)
