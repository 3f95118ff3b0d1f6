"""The canonical byte form that every hash is taken over is made with orjson on
the server and with the standard library by `live verify` and by anyone
re-checking a record by hand: the two must agree byte for byte, or a correct
record would fail to verify."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.polls.result import canonical

# What records, events and chain entries hold: text (any Unicode a question or a
# name may carry, control characters included), 64-bit integers, booleans, null.
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(text, inner, max_size=5), max_leaves=30)


def standard(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


@settings(max_examples=400, deadline=None)
@given(values)
def test_canonical_bytes_match_the_standard_library(value: Any) -> None:
    assert canonical(value) == standard(value)


def test_keys_sort_by_code_point_across_scripts() -> None:
    record = {"찬성": 1, "Zulu": 2, "zulu": 3, "\U0001f600": 4, "é": 5, "\ufb01": 6}
    assert canonical(record) == standard(record)
    assert list(json.loads(canonical(record))) == sorted(record)
