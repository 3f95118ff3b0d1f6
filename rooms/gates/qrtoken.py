"""Rotating QR tokens: the presenter's QR changes every PERIOD_S seconds, and a
token is accepted until GRACE_S after its window ended. A photo forwarded out
of the hall stops working within PERIOD_S + GRACE_S."""

from __future__ import annotations

import base64
import hashlib
import hmac

from rooms.errors import GateError

PERIOD_S = 20
GRACE_S = 10
PURPOSE = b"livevote-qr"


def _mac(secret: bytes, room_id: str, window: int) -> str:
    raw = hmac.new(secret, PURPOSE + f"\x00{room_id}\x00{window}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(raw.digest()[:15]).decode()


def issue(secret: bytes, room_id: str, now_s: float) -> tuple[str, float]:
    """(token, seconds until the screen should show the next one)."""
    window = int(now_s // PERIOD_S)
    return f"{room_id}.{window}.{_mac(secret, room_id, window)}", (window + 1) * PERIOD_S - now_s


def check(secret: bytes, room_id: str, token: object, now_s: float) -> None:
    """Accept a fresh token of this room, or raise the gate error naming why not."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 120:
        raise GateError("qr_forged", "this is not a LiveVote QR code; scan the one on the screen")
    token_room, window_text, mac = token.split(".")
    if not (window_text.isascii() and window_text.isdigit() and len(window_text) <= 12):
        raise GateError("qr_forged", "this is not a LiveVote QR code; scan the one on the screen")
    window = int(window_text)
    if not hmac.compare_digest(_mac(secret, token_room, window).encode(), mac.encode()):
        raise GateError("qr_forged", "this QR code was not made by this server")
    if token_room != room_id:
        raise GateError("qr_wrong_room", "this QR code belongs to another room")
    if window > now_s // PERIOD_S + 1:
        raise GateError("qr_forged", "this QR code is from the future; check the phone's clock")
    if now_s > (window + 1) * PERIOD_S + GRACE_S:
        raise GateError("qr_expired", "this QR code has expired; scan the code on the screen now "
                                      "(it changes every few seconds) or ask staff for help")
