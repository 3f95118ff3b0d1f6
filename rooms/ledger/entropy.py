"""Random bytes for every vote (its nonce and receipt) without a system call
each: `os.urandom` is drawn 4 KiB at a time and every byte is handed out once.
A forked child starts a fresh draw, so parent and child never share bytes."""

from __future__ import annotations

import os

DRAW = 4096


class Entropy:
    def __init__(self) -> None:
        self._buf = b""
        self._at = 0
        os.register_at_fork(after_in_child=self.forget)

    def forget(self) -> None:
        self._buf, self._at = b"", 0

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._buf):
            self._buf, self._at = os.urandom(max(DRAW, n)), 0
        out = self._buf[self._at:self._at + n]
        self._at += n
        return out

    def hex(self, n: int) -> str:
        return self.take(n).hex()


POOL = Entropy()
