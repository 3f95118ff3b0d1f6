from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rooms.gates.tokens import sign, unsign

SECRET = b"k" * 32


def test_a_signed_device_token_round_trips() -> None:
    assert unsign(SECRET, "device", sign(SECRET, "device", "abc123")) == "abc123"


def test_a_token_for_another_purpose_or_key_is_refused() -> None:
    token = sign(SECRET, "device", "abc123")
    assert unsign(SECRET, "pass", token) is None
    assert unsign(b"other", "device", token) is None


@given(st.text(min_size=1, max_size=40))
def test_a_tampered_value_is_refused(value: str) -> None:
    token = sign(SECRET, "device", "abc123")
    forged = value + token[token.rindex("."):]
    if value != "abc123":
        assert unsign(SECRET, "device", forged) is None


@given(st.one_of(st.none(), st.integers(), st.text(max_size=300)))
def test_garbage_is_refused_not_raised(token: object) -> None:
    assert unsign(SECRET, "device", token) is None
