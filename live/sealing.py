"""Phone numbers sealed for sending invitations: the roster keeps each number
as a keyed hash (to check who signs in) and, for texts staff send later,
encrypted with AES-GCM under a key derived from the server's secret. Nothing
else can read it back; a leaked Redis alone yields neither the numbers nor a
way to test guesses."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12
PURPOSE = b"livevote phone seal v1"


class PhoneSeal:
    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, e164: str) -> str:
        nonce = os.urandom(NONCE)
        return base64.urlsafe_b64encode(
            nonce + self._aead.encrypt(nonce, e164.encode(), PURPOSE)).decode()

    def open(self, sealed: str) -> str | None:
        """The number, or None if it was sealed under another secret or altered."""
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            return self._aead.decrypt(raw[:NONCE], raw[NONCE:], PURPOSE).decode()
        except (InvalidTag, ValueError):
            return None
