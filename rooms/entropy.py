"""Random bytes for every vote (its nonce and receipt) without a system call
each: `os.urandom` is drawn 4 KiB at a time and every byte is handed out once.
A process that forks (or a worker that was forked) starts a fresh draw."""

from __future__ import annotations

import os

DRAW = 4096


class Entropy:
    def __init__(self) -> None:
        self._pid = 0
        self._buf = b""
        self._at = 0

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._buf) or self._pid != os.getpid():
            self._pid, self._buf, self._at = os.getpid(), os.urandom(max(DRAW, n)), 0
        out = self._buf[self._at:self._at + n]
        self._at += n
        return out

    def hex(self, n: int) -> str:
        return self.take(n).hex()


POOL = Entropy()
