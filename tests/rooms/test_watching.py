"""Who watched the video while an agenda item was before the meeting: each
session cut to the item's window, to the minute like the access log."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.meetings.watching import during

M = 60_000


def person(no: str, *sessions: tuple[int, int | None]) -> dict[str, Any]:
    return {"member_no": no, "name": f"Name {no}",
            "sessions": [{"from": a * M, "to": None if b is None else b * M}
                         for a, b in sessions]}


@pytest.mark.parametrize("sessions, opened, closed, expected", [
    # left before the item started: not there
    ([person("M1", (1, 4))], 5 * M + 30_000, 9 * M, []),
    # left in the minute the item started: there for that minute
    ([person("M1", (1, 5))], 5 * M + 30_000, 9 * M, [("M1", 5, 5)]),
    # joined before, still watching after the close: cut to the item
    ([person("M1", (1, None))], 5 * M, 9 * M, [("M1", 5, 9)]),
    # still watching, item still open: no end yet
    ([person("M1", (6, None))], 5 * M, 0, [("M1", 6, None)]),
    # joined after the close: not there
    ([person("M1", (10, 12))], 5 * M, 9 * M, []),
    # two sessions of one member, one of another
    ([person("M1", (2, 6), (7, 8)), person("M2", (8, None))], 5 * M, 9 * M,
     [("M1", 5, 6), ("M1", 7, 8), ("M2", 8, 9)]),
    # never started at the meeting (advance voting only): nobody
    ([person("M1", (1, None))], 0, 0, []),
])
def test_sessions_are_cut_to_the_item(sessions: list[dict[str, Any]], opened: int, closed: int,
                                      expected: list[tuple[str, int, int | None]]) -> None:
    watched = during(sessions, opened, closed)
    assert [(w["member_no"], w["from"] // M, None if w["to"] is None else w["to"] // M)
            for w in watched] == expected
    assert all(w["name"] == f"Name {w['member_no']}" for w in watched)


minutes = st.integers(min_value=0, max_value=50)


@given(st.lists(st.tuples(minutes, st.one_of(st.none(), minutes)), max_size=6), minutes, minutes)
def test_a_cut_session_lies_within_both(raw: list[tuple[int, int | None]], start: int,
                                        length: int) -> None:
    sessions = sorted(((a, b if b is None else max(a, b)) for a, b in raw), key=lambda s: s[0])
    opened, closed = start * M + 1_000, (start + length) * M + 2_000
    for w in during([person("M1", *sessions)], opened, closed):
        assert opened - opened % M <= w["from"] <= w["to"] <= closed
        assert any(a * M <= w["from"] and (b is None or w["to"] <= b * M) for a, b in sessions)
