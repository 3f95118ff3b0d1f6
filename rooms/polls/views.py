"""An event room's ballots as phones see them, kept per worker so a hall of
phones joining at once does not read the same ballots and results from Redis
once per phone.

What is kept is the part every phone shares (each ballot's public form, and a
closed ballot's sealed result when phones may see it); a phone's own votes are
read per phone, and not at all for a device the server just made. The transport
says when an entry may be stale (`forget`): a ballot of the room changed (the
`ballot:update` / `ballot:closed` pushes, seen on every worker that holds a
phone of the room), or the worker has no phone in the room and so hears none
of its pushes. A read that raced a `forget` is not kept. Entries also age out
after TTL_S, a bound on staleness should a change ever go untold."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Awaitable, Callable

TTL_S = 10.0
MAX_ROOMS = 4_096

View = dict[str, Any]
Load = Callable[[str], Awaitable[list[View]]]


class RoomViews:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[str, tuple[float, list[View]]] = {}
        self._generation: Counter[str] = Counter()

    def forget(self, room_id: str) -> None:
        self._generation[room_id] += 1
        self._kept.pop(room_id, None)

    async def get(self, room_id: str, load: Load) -> list[View]:
        """The room's shared views, read through `load` when not kept. The list
        and its dicts are shared: callers copy before changing anything."""
        kept = self._kept.get(room_id)
        if kept is not None and time.monotonic() - kept[0] < self.ttl_s:
            return kept[1]
        generation = self._generation[room_id]
        read_at = time.monotonic()
        views = await load(room_id)
        if self._generation[room_id] == generation:  # nothing changed while reading
            if len(self._kept) >= MAX_ROOMS:
                self._kept.clear()
                self._generation.clear()
            self._kept[room_id] = (read_at, views)
        return views
