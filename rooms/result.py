"""The final result record of a ballot: canonical form, hash and exports."""

from __future__ import annotations

import csv
import hashlib
import io

import orjson
from typing import Any

from rooms.model import Ballot, Tally

RECORD_VERSION = 1


def canonical(value: Any) -> bytes:
    """One byte form per value: sorted keys, no spaces, UTF-8. The same bytes as
    `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
    (what `live verify` recomputes with the standard library; pinned by
    tests/rooms/test_canonical.py), made by orjson, several times faster."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def receipts_digest(receipts: list[str]) -> str:
    """SHA-256 over the sorted receipts of the counted votes, one per line."""
    return hashlib.sha256("\n".join(sorted(receipts)).encode()).hexdigest()


def build_record(ballot: Ballot, tally: Tally, receipts: list[str],
                 resets: list[dict[str, int]]) -> dict[str, Any]:
    """Everything a reader needs to know what was decided, frozen at close."""
    return {
        "version": RECORD_VERSION,
        "room": ballot.room_id,
        "ballot": ballot.id,
        "question": ballot.question,
        "kind": ballot.kind.value,
        "max_choices": ballot.max_choices,
        "options": list(ballot.options),
        "counts": list(tally.counts),
        "voters": tally.voters,
        "total_choices": sum(tally.counts),
        "opened_at": ballot.opened_at,
        "closed_at": ballot.closed_at,
        "seq": tally.seq,
        "receipts": len(receipts),
        "receipts_sha256": receipts_digest(receipts),
        "resets": resets,
    }


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def sealed(record: dict[str, Any]) -> dict[str, Any]:
    return {"record": record, "sha256": record_hash(record)}


def to_csv(record: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ballot", "question", "option_no", "option", "votes", "percent"])
    total = sum(record["counts"])
    for i, (option, count) in enumerate(zip(record["options"], record["counts"])):
        percent = f"{100 * count / total:.1f}" if total else "0.0"
        writer.writerow([record["ballot"], record["question"], i, option, count, percent])
    writer.writerow([])
    writer.writerow(["voters", record["voters"]])
    writer.writerow(["opened_at_ms", record["opened_at"]])
    writer.writerow(["closed_at_ms", record["closed_at"]])
    writer.writerow(["receipts_sha256", record["receipts_sha256"]])
    writer.writerow(["record_sha256", record_hash(record)])
    return out.getvalue()
