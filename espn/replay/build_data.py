"""Rebuild `espn/replay/data/` from the recorded final summaries.

    python -m espn.replay.build_data [SOURCE_DIR]     # default: ../shared/espn beside the repository

Keeps the real data unchanged; only drops top-level sections the replay never serves
(news, article, standings, videos, injuries, leaders, ...) and the boxscore's players,
then writes gzip-compressed JSON so the repository stays small.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
# The team's recordings sit beside the repository, in ../shared/espn (a developer tool, never run by the app).
DEFAULT_SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "espn"

# Source file (relative to SOURCE_DIR) -> file name in data/.
SOURCES = {
    "nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json": "nfl-401547417-GB-at-ATL.json.gz",
    "nfl/summary-401671784-2024-wk05-DAL-at-PIT-final.json": "nfl-401671784-DAL-at-PIT.json.gz",
    "nfl/summary-401671834-2024-wk18-CLE-at-BAL-final.json": "nfl-401671834-CLE-at-BAL.json.gz",
    "nfl/summary-401772988-2025-postseason-wk05-superbowl-LX-SEA-at-NE-final.json": ("nfl-401772988-SEA-at-NE.json.gz"),
    "college-football/summary-400935250-2017-wk01-WASH-at-RUTG-final-nowallclock.json": (
        "college-football-400935250-WASH-at-RUTG.json.gz"
    ),
    "college-football/summary-400935257-2017-wk01-STAN-at-RICE-final-nowallclock.json": (
        "college-football-400935257-STAN-at-RICE.json.gz"
    ),
}

KEPT_SECTIONS = (
    "header",
    "drives",
    "scoringPlays",
    "winprobability",
    "pickcenter",
    "odds",
    "format",
    "gameInfo",
    "broadcasts",
    "boxscore",
    "meta",
    "wallclockAvailable",
)


def strip_summary(summary: dict) -> dict:
    """The sections the replay serves, unchanged, minus the boxscore's per-player tables."""
    kept = {key: summary[key] for key in KEPT_SECTIONS if key in summary}
    if "boxscore" in kept:
        kept["boxscore"] = {"teams": kept["boxscore"].get("teams", [])}
    return kept


def build(source_dir: Path = DEFAULT_SOURCE, data_dir: Path = DATA_DIR) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in SOURCES.items():
        summary = json.loads((source_dir / source).read_text(encoding="utf-8"))
        payload = json.dumps(strip_summary(summary), separators=(",", ":")).encode()
        path = data_dir / target
        # mtime=0 keeps the gzip bytes stable, so rebuilding does not churn git.
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(payload)
        written.append(path)
    return written


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    for path in build(source):
        print(f"{path.stat().st_size:>8}  {path}")
