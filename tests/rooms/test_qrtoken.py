from __future__ import annotations

import pytest

from rooms.errors import GateError
from rooms.gates.qrtoken import GRACE_S, PERIOD_S, check, issue

SECRET = b"s" * 32


def refusal(token: object, now: float, room: str = "r1") -> str:
    with pytest.raises(GateError) as caught:
        check(SECRET, room, token, now)
    return caught.value.code


def test_a_token_works_through_its_window_and_the_grace_then_stops() -> None:
    token, rotates_in = issue(SECRET, "r1", 1000.0)
    window_end = 1000.0 + rotates_in
    assert 0 < rotates_in <= PERIOD_S
    check(SECRET, "r1", token, window_end + GRACE_S - 0.01)
    assert refusal(token, window_end + GRACE_S + 0.01) == "qr_expired"


def test_each_bypass_has_its_own_code() -> None:
    token, _ = issue(SECRET, "r1", 1000.0)
    other, _ = issue(b"t" * 32, "r1", 1000.0)
    assert refusal(token, 1000.0, room="r2") == "qr_wrong_room"
    assert refusal(other, 1000.0) == "qr_forged"
    assert refusal(token.replace(".50.", ".51."), 1000.0) == "qr_forged"
    assert refusal(None, 1000.0) == "qr_forged"
