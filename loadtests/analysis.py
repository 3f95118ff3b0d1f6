"""What the records say: throughput, latency, presenter lag, and whether every
acked vote was counted exactly once (acks vs tally vs sealed vs persisted)."""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from stats import summary

OK = ("new", "changed", "repeat")


@dataclass(frozen=True)
class Vote:
    voter: tuple[int, int]  # (driver process, phone index)
    option: int
    scheduled: float
    sent: float
    acked: float  # -1: no ack within the grace period
    seq: int
    status: str
    receipt: str
    key: str

    @property
    def ok(self) -> bool:
        return self.status in OK


def votes(per_worker: list[list[list[Any]]]) -> list[Vote]:
    return [Vote((w, r[0]), *r[1:9])
            for w, records in enumerate(per_worker) for r in records]


def throughput(vs: list[Vote], offered_s: float) -> dict[str, Any]:
    """Counts, ack rate and latencies (from the scheduled moment: open loop)."""
    acked = [v for v in vs if v.acked >= 0]
    ok = [v for v in acked if v.ok]
    errors = Counter(v.status for v in vs if not v.ok and v.acked >= 0)
    errors.update(v.status for v in vs if v.status == "err:closed")
    span = (max(v.acked for v in acked) - min(v.scheduled for v in vs)) if acked else 0.0
    return {
        "sent": len(vs), "acked": len(ok), "refused": dict(errors),
        "lost": sum(v.acked < 0 and v.status != "err:closed" for v in vs),
        "offered_per_s": len(vs) / offered_s if offered_s else 0.0,
        "acked_per_s": len(ok) / span if span else 0.0,
        "latency_ms": summary(v.acked - v.scheduled for v in acked),
        "driver_lag_ms": summary(v.sent - v.scheduled for v in vs),
    }


def presenter_lag(vs: list[Vote], tallies: list[tuple[float, int]]) -> dict[str, Any]:
    """For each acked vote: when did the first tally with seq >= its seq reach
    the screen, after the vote's ack reached the phone (negative: before)."""
    tallies = sorted(tallies)
    arrivals = [t for t, _ in tallies]
    high: list[int] = []
    for _, seq in tallies:
        high.append(max(seq, high[-1]) if high else seq)
    lags, missing = [], 0
    for v in vs:
        if not v.ok:
            continue
        i = bisect.bisect_left(high, v.seq)
        if i == len(high):
            missing += 1
        else:
            lags.append(arrivals[i] - v.acked)
    ok = [v for v in vs if v.ok]
    behind_last = None
    if ok:
        last = max(ok, key=lambda v: v.acked)
        top = max(v.seq for v in ok)
        i = bisect.bisect_left(high, top)
        behind_last = (arrivals[i] - last.acked) * 1000 if i < len(high) else None
    return {"after_ack_ms": summary(lags), "never_shown": missing,
            "behind_last_ack_ms": behind_last}


def final_choices(vs: list[Vote]) -> dict[tuple[int, int], Vote]:
    """Each voter's standing vote: the acked one Redis applied last (highest seq)."""
    standing: dict[tuple[int, int], Vote] = {}
    for v in vs:
        if v.ok and (v.voter not in standing or v.seq > standing[v.voter].seq):
            standing[v.voter] = v
    return standing


def canonical_sha(record: dict[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def receipts_sha(receipts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(receipts)).encode()).hexdigest()


def correctness(vs: list[Vote], options: int, tally: dict[str, Any] | None,
                sealed: dict[str, Any], persisted: dict[str, Any] | None,
                screen: tuple[list[int], int] | None) -> dict[str, Any]:
    """Acks vs live tally vs sealed record vs persisted record; all must agree."""
    standing = final_choices(vs)
    expected = [0] * options
    for v in standing.values():
        expected[v.option] += 1
    record = sealed["record"]
    counted = int(record["voters"])
    out: dict[str, Any] = {
        "acked_voters": len(standing), "expected_counts": expected,
        "tally_counts": tally["counts"] if tally else None,
        "sealed_counts": record["counts"],
        "screen_counts": screen[0] if screen else None,
        "lost_votes": max(0, len(standing) - counted),
        "double_counted": max(0, counted - len(standing)),
        "counts_match": record["counts"] == expected
        and (tally is None or (tally["counts"] == expected
                               and tally["voters"] == len(standing))),
        "screen_matches": screen is not None and screen[0] == expected,
        "sealed_hash_ok": canonical_sha(record) == sealed["sha256"],
        "receipts_match": receipts_sha([v.receipt for v in standing.values()])
        == record["receipts_sha256"],
        "persisted_matches": persisted == sealed,
    }
    out["ok"] = (out["lost_votes"] == 0 and out["double_counted"] == 0 and out["counts_match"]
                 and out["sealed_hash_ok"] and out["receipts_match"]
                 and out["persisted_matches"])
    return out


def result_to_all(arrivals: list[list[tuple[int, float, str | None]]], held: int,
                  close_started: float, sha: str) -> dict[str, Any]:
    """When did the sealed result reach every phone after the host pressed close."""
    times = [t for per in arrivals for _, t, _ in per]
    wrong = sum(s != sha for per in arrivals for _, _, s in per)
    told = len(times)
    return {"phones": held, "told": told, "wrong_result": wrong,
            "to_all_ms": (max(times) - close_started) * 1000 if told == held and told else None,
            "p50_ms": summary(t - close_started for t in times)["p50"]}
