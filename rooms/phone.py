"""Phone numbers: normalised to E.164 and kept only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import re

from rooms.errors import BadPayload

_DIGITS = re.compile(r"[\s\-().]")


def normalise(raw: object) -> str:
    """+E.164. Korean mobile numbers may be written locally (010-1234-5678)."""
    if not isinstance(raw, str):
        raise BadPayload("phone", "must be a string such as 010-1234-5678 or +82 10 1234 5678")
    number = _DIGITS.sub("", raw.strip())
    if number.startswith("01") and number.isdigit() and len(number) in (10, 11):
        number = "+82" + number[1:]
    if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) - 1 <= 15):
        raise BadPayload("phone", "is not a mobile number (e.g. 010-1234-5678 or +82 10 1234 5678)")
    return number


def phone_hash(secret: bytes, e164: str) -> str:
    return hmac.new(secret, b"livevote-phone\x00" + e164.encode(), hashlib.sha256).hexdigest()


def masked(e164: str) -> str:
    return e164[:4] + "*" * (len(e164) - 8) + e164[-4:]
