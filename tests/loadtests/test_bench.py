"""The benchmark driver itself: its WebSocket framing, its bookkeeping, and a
tiny end-to-end pass against the bare server and a real `live serve`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

LOADTESTS = Path(__file__).resolve().parents[2] / "loadtests"
sys.path.insert(0, str(LOADTESTS))

import analysis  # noqa: E402
import bench  # noqa: E402
from wsclient import frame  # noqa: E402


def unmask(data: bytes) -> str:
    length = data[1] & 0x7F
    head = 2 + {126: 2, 127: 8}.get(length, 0)
    if length >= 126:
        length = int.from_bytes(data[2:head], "big")
    mask, payload = data[head:head + 4], data[head + 4:head + 4 + length]
    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload)).decode()


@pytest.mark.parametrize("text", ["", "3", "42/voter,7[\"vote:cast\",{}]", "é" * 70,
                                  "x" * 70_000])
def test_driver_frames_are_masked_text_frames_of_any_length(text: str) -> None:
    data = frame(text)
    assert data[0] == 0x81 and data[1] & 0x80
    assert unmask(data) == text


def vote(voter: int, option: int, seq: int, status: str = "new", receipt: str = "R") -> (
        analysis.Vote):
    return analysis.Vote((0, voter), option, 0.0, 0.0, 0.1, seq, status, receipt, f"k{seq}")


def test_a_changed_vote_counts_only_its_last_applied_choice() -> None:
    votes = [vote(1, 0, 5, receipt="A"), vote(1, 2, 9, "changed", "B"), vote(2, 1, 7)]
    standing = analysis.final_choices(votes)
    assert {v.voter: v.option for v in standing.values()} == {(0, 1): 2, (0, 2): 1}


def test_counting_check_flags_a_vote_counted_but_never_acked() -> None:
    votes = [vote(1, 0, 1, receipt="A"), vote(2, 1, 2, receipt="B")]
    record = {"counts": [1, 2], "voters": 3, "receipts_sha256": analysis.receipts_sha(["A", "B"])}
    sealed = {"record": record, "sha256": analysis.canonical_sha(record)}
    check = analysis.correctness(votes, 2, None, sealed, sealed, None)
    assert check["double_counted"] == 1 and not check["ok"]


def test_screen_lag_is_measured_to_the_first_tally_showing_the_vote() -> None:
    votes = [vote(1, 0, 3)]  # acked at 0.1
    lag = analysis.presenter_lag(votes, [(0.2, 2), (0.35, 4), (0.5, 5)])
    assert lag["after_ack_ms"]["p99"] == pytest.approx(250)


def test_a_smoke_run_against_both_servers_counts_every_vote(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert bench.main(["--smoke", "--targets", "bare,live", "--procs", "2",
                       "--workdir", str(tmp_path / "work"), "--json", str(out)]) == 0
    bare, live = json.loads(out.read_text())["targets"]
    for target in (bare, live):
        assert target["end"]["held"] == 50 and target["end"]["dropped"] == 0
        assert target["burst"]["acked"] == 50 and target["burst"]["lost"] == 0
    assert live["burst"]["correct"]["ok"], live["burst"]["correct"]
    assert live["ladder"]["correct"]["ok"], live["ladder"]["correct"]
    assert live["burst"]["close"]["told"] == 50
