"""The final result record of a ballot: canonical form, hash and exports."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from rooms.polls import answers, figures
from rooms.polls.model import Ballot, Kind, Tally
from rooms.polls.sheets import local_time, option_rows, result_table, type_facts

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
                 resets: list[dict[str, int]],
                 given: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything a reader needs to know what was decided, frozen at close;
    `given`: an open-text question's answers."""
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
    } | type_figures(ballot, tally, given or [])


def type_figures(ballot: Ballot, tally: Tally, given: list[dict[str, Any]]) -> dict[str, Any]:
    """A rating's scale, exact sum and average; a ranking's Borda scores and
    places; an open-text question's number of answers and their digest."""
    if ballot.kind is Kind.RATING:
        return {"scale": dict(ballot.form), **figures.rating(tally.counts, ballot.form["min"])}
    if ballot.kind is Kind.RANKING:
        return figures.ranking(tally.counts, len(ballot.options))
    if ballot.kind in (Kind.TEXT, Kind.QA):
        sealed = {"answers": len(given), "answers_sha256": answers.sealed_digest(given),
                  "form": {k: v for k, v in ballot.form.items() if k != "blocked"}}
        return sealed | ({"upvotes": sum(q["up"] for q in given)} if ballot.kind is Kind.QA
                         else {})
    return {}


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def sealed(record: dict[str, Any]) -> dict[str, Any]:
    return {"record": record, "sha256": record_hash(record)}


# An agenda item's legal outcome, Korean first.
OUTCOME_WORDS = {"PASSED": ("가결", "PASSED"), "FAILED": ("부결", "FAILED"),
                 "QUORUM_NOT_MET": ("정족수 미달", "QUORUM NOT MET"), "TIE": ("동수", "TIE")}


def outcome_words(record: dict[str, Any]) -> tuple[str, str]:
    """What a closed ballot decided, in Korean and English: an agenda item's
    outcome, else the poll's leader, or a tie between the options sharing the
    top count."""
    meeting = record.get("meeting")
    if meeting:
        return OUTCOME_WORDS.get(meeting["outcome"], (meeting["outcome"],) * 2)
    typed = figures.outcome(record)
    if typed:
        return typed
    if record["kind"] == Kind.TEXT.value:
        return f"답변 {record['answers']}개", f"{record['answers']} answers"
    if record["kind"] == Kind.QA.value:
        return (f"질문 {record['answers']}개, 추천 {record['upvotes']}",
                f"{record['answers']} questions, {record['upvotes']} upvotes")
    counts, options = record["counts"], record["options"]
    top = max(counts, default=0)
    if top == 0:
        return "표 없음", "no votes"
    leaders = ", ".join(o for o, c in zip(options, counts) if c == top)
    if list(counts).count(top) > 1:
        return f"동수: {leaders}", f"TIE: {leaders}"
    return f"최다 득표: {leaders}", f"most votes: {leaders}"


def sheet_safe(value: Any) -> Any:
    """A text a spreadsheet would run as a formula (= + - @, or a tab or CR
    first) is written with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(record: dict[str, Any], zone: ZoneInfo,
           given: list[dict[str, Any]] | None = None) -> str:
    """Korean headers with the English name beside each (one row of headers, so
    it stays machine-readable), times on the venue's clock, and a byte-order
    mark so a spreadsheet set to Korean reads it as UTF-8. The table's columns
    follow the question type (rooms/polls/sheets.py)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    header, rows = result_table(record, given or [], zone)
    writer.writerow(["투표 ballot", "질문 question", *header])
    for row in rows:
        writer.writerow([sheet_safe(v) for v in (record["ballot"], record["question"], *row)])
    writer.writerow([])
    ko, en = outcome_words(record)
    extra = [[f"{k} {e}", v] for k, e, v in type_facts(record)]
    for row in (["투표자 voters", record["voters"]], *extra,
                ["결과 outcome", f"{ko} / {en}"],
                [f"시작 opened_at ({zone.key})", local_time(record["opened_at"], zone)],
                [f"마감 closed_at ({zone.key})", local_time(record["closed_at"], zone)],
                ["시작 opened_at_ms", record["opened_at"]],
                ["마감 closed_at_ms", record["closed_at"]],
                ["영수증 해시 receipts_sha256", record["receipts_sha256"]],
                ["결과 지문 record_sha256", record_hash(record)]):
        writer.writerow([sheet_safe(v) for v in row])
    return out.getvalue()
