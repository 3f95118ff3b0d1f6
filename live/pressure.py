"""Overload, answered early. Offered more votes than one process can take, a
server that queues them all answers each later and later (a phone's events are
answered in order, so its next vote waits behind the last). Instead, while
this worker is late, a vote is answered at once with `busy`: nothing applied,
send the same vote again in a moment (the phone page does, with the same
client key, so a vote is never counted twice). Answering `busy` costs a small
part of a vote, so the worker catches up and the backlog stays bounded.

While late for lag, a share of the votes is turned away, growing with how far
past the limit the loop runs (every vote at twice the limit): refusing them
all the moment the limit is passed had halved what a worker acked.

"Late" is either of:
- the event loop runs late: a timer due every TICK_S has fired more than
  `lag_ms` after its time on each of its last WINDOW ticks (the loop is busy
  with more frames than it can handle; a single long turn, a collector pause
  or a fan-out of tallies to every phone, is not that);
- more than `casting` votes of this worker are waiting for Redis at once
  (the store is slow, so their answers would be too)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, deque
from collections.abc import Iterator

from rooms.errors import Busy

TICK_S = 0.05
WINDOW = 8  # ticks: lateness must last about half a second to count
RETRY_MS = 500  # the phone waits about this long (half to one and a half times)


class Pressure:
    def __init__(self, lag_ms: int, casting: int) -> None:
        self.limit_ms = lag_ms  # 0: never busy for lag
        self.casting_limit = casting  # 0: never busy for waiting votes
        self.lag_ms = 0.0  # the least lateness of the last WINDOW ticks
        self.casting = 0
        self.refused: Counter[str] = Counter()  # votes answered busy, by why: lag, casting
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.limit_ms and self._task is None:
            self._task = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        recent: deque[float] = deque(maxlen=WINDOW)
        while True:
            due = loop.time() + TICK_S
            await asyncio.sleep(TICK_S)
            recent.append(max(0.0, (loop.time() - due) * 1000))
            self.lag_ms = min(recent) if len(recent) == WINDOW else 0.0

    def late(self) -> str:
        """Why this worker is behind ("lag", "casting"), or "" when it is not."""
        if self.limit_ms and self.lag_ms > self.limit_ms:
            return "lag"
        if self.casting_limit and self.casting >= self.casting_limit:
            return "casting"
        return ""

    def share(self, why: str) -> float:
        """How many votes to turn away: for lag, in proportion to how far past
        the limit the loop runs (all of them at twice the limit), so a worker
        just behind still takes most votes instead of refusing every one."""
        if why == "lag":
            return min(1.0, (self.lag_ms - self.limit_ms) / self.limit_ms)
        return 1.0

    @contextlib.contextmanager
    def vote(self) -> Iterator[None]:
        """Around one vote: refused with `busy` while the worker is late, else
        counted among those waiting for Redis until it is answered."""
        why = self.late()
        if why and random.random() < self.share(why):
            self.refused[why] += 1
            raise Busy(int(RETRY_MS * (0.5 + random.random())))
        self.casting += 1
        try:
            yield
        finally:
            self.casting -= 1
