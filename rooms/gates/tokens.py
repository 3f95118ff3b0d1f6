"""Signed opaque tokens (device credentials, host keys), secrets passed in."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(secret: bytes, purpose: str, value: str) -> str:
    """`value.signature`, where the signature binds value to purpose."""
    mac = hmac.new(secret, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return f"{value}.{_b64(mac[:18])}"


def unsign(secret: bytes, purpose: str, token: object) -> str | None:
    """The signed value, or None for anything forged, truncated or not a string."""
    if not isinstance(token, str) or "." not in token or len(token) > 200:
        return None
    value, _, _sig = token.rpartition(".")
    if not value or not hmac.compare_digest(sign(secret, purpose, value).encode(),
                                            token.encode()):
        return None
    return value


def key_hash(key: str) -> str:
    """How a host key is stored: never in plain."""
    return hashlib.sha256(f"livevote-host\x00{key}".encode()).hexdigest()
