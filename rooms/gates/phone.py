"""Phone numbers: one phone, one identity. Numbers are parsed with Google's
libphonenumber rules (the `phonenumbers` package), Korean by default, to
E.164, so "010-5555-0101", "+82 010-5555-0101" and full-width
"+８２１０５５５５０１０１" are one number; only valid mobile numbers pass, and
they are kept only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from rooms.errors import BadPayload, PhoneInvalid

REGION = "KR"  # numbers written without +country are Korean
MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
MAX_INPUT = 40


def normalise(raw: object, region: str = REGION) -> str:
    """+E.164 of a valid mobile number, or PhoneInvalid."""
    if not isinstance(raw, str):
        raise BadPayload("phone", "must be a string such as 010-1234-5678 or +82 10 1234 5678")
    if len(raw) > MAX_INPUT:
        raise PhoneInvalid()
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        raise PhoneInvalid() from None
    if not phonenumbers.is_valid_number(number) or \
            phonenumbers.number_type(number) not in MOBILE:
        raise PhoneInvalid()
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def phone_hash(secret: bytes, e164: str) -> str:
    return hmac.new(secret, b"livevote-phone\x00" + e164.encode(), hashlib.sha256).hexdigest()


def masked(e164: str) -> str:
    return e164[:4] + "*" * (len(e164) - 8) + e164[-4:]
