"""The sealed result record: canonical, hashed, exported."""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rooms.polls.model import Ballot, State, Tally
from rooms.polls.result import build_record, canonical, record_hash, receipts_digest, to_csv

BALLOT = Ballot("b1", "r1", "점심 메뉴는?", ("비빔밥", "냉면"), state=State.CLOSED,
                opened_at=1000, closed_at=5000)


def record(counts: tuple[int, ...] = (3, 1)) -> dict[str, object]:
    return build_record(BALLOT, Tally("b1", 9, State.CLOSED, counts, sum(counts)),
                        ["BBBB-2222", "AAAA-1111", "CCCC-3333", "DDDD-4444"], [])


def test_record_hash_is_sha256_of_the_canonical_json() -> None:
    r = record()
    assert record_hash(r) == hashlib.sha256(canonical(r)).hexdigest()
    assert "점심".encode() in canonical(r), "Korean stays readable, not escaped"


def test_changing_any_count_changes_the_hash() -> None:
    assert record_hash(record((3, 1))) != record_hash(record((2, 2)))


@given(st.lists(st.text(min_size=1, max_size=12), max_size=30))
def test_receipt_digest_does_not_depend_on_order(receipts: list[str]) -> None:
    assert receipts_digest(receipts) == receipts_digest(list(reversed(receipts)))


def test_csv_lists_every_option_with_percentages_and_the_hash() -> None:
    lines = to_csv(record(), ZoneInfo("Asia/Seoul")).splitlines()
    assert lines[0] == "\ufeff투표 ballot,질문 question,번호 option_no,선택지 option,표 votes,비율 percent"
    assert lines[1:3] == ["b1,점심 메뉴는?,0,비빔밥,3,75.0", "b1,점심 메뉴는?,1,냉면,1,25.0"]
    assert "결과 outcome,최다 득표: 비빔밥 / most votes: 비빔밥" in lines
    assert "마감 closed_at (Asia/Seoul),1970-01-01 09:00:05 KST" in lines
    assert lines[-1] == f"결과 지문 record_sha256,{record_hash(record())}"
