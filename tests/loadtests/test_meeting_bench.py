"""The general-meeting benchmark's driver: its lag bookkeeping, and a smoke
pass (50 members, 20 online) against a real `live serve` and its own
stand-in SMS gateway."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

LOADTESTS = Path(__file__).resolve().parents[2] / "loadtests"
sys.path.insert(0, str(LOADTESTS))

import meeting_bench  # noqa: E402
from meeting_gauge import lags  # noqa: E402


def test_gauge_lag_runs_from_each_change_to_the_first_reading_counting_it() -> None:
    readings = [(0.0, 0), (1.0, 1), (2.0, 3), (3.0, 3)]
    found = lags([0.5, 1.5, 1.8], readings)
    assert found["unseen"] == 0
    # 0.5 -> 1.0 (D 1), 1.5 -> 2.0 (D 3), 1.8 -> 2.0 (D 3)
    assert found["lag"]["count"] == 3 and found["lag"]["max"] == pytest.approx(500)
    assert lags([1.8], [(0.0, 0), (2.0, 1)])["lag"]["max"] == pytest.approx(200)
    assert lags([1.0], [(0.0, 0), (0.9, 1)])["lag"]["max"] == 0  # counted before the ack came


def test_a_change_no_reading_counted_is_reported_unseen() -> None:
    assert lags([0.5, 0.6], [(0.0, 0), (1.0, 1)])["unseen"] == 1


def test_the_roster_has_one_phone_per_member() -> None:
    rows = meeting_bench.roster(20).splitlines()[1:]
    assert len({row.split(",")[2] for row in rows}) == 20


def test_a_smoke_meeting_signs_everyone_in_counts_every_vote_and_signs_the_record(
        tmp_path: Path) -> None:
    out = tmp_path / "meeting.json"
    assert meeting_bench.main(["--smoke", "--workdir", str(tmp_path / "work"),
                               "--json", str(out)]) == 0
    run = json.loads(out.read_text())
    assert run["storm"]["signed_in"] == 20 and run["storm"]["gauge"]["unseen"] == 0
    assert run["storm"]["gateway"]["refused"] >= 1  # some texts failed and were sent again
    assert run["vote"]["acked"] == 20
    assert run["close"]["told"] == 20 and run["close"]["counts_match"]
    assert run["close"]["one_result"]
    assert run["records"]["verify"]["exit"] == 0
