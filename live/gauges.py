"""The quorum gauge pushed as attendance moves: screens and staff consoles see
an agenda item's N, D and A change within a fraction of a second of a member
signing in, leaving or being checked in at the desk, instead of at their next
poll.

A change marks its room; the room's gauges are computed once for all the
changes of the moment (at most every `EVERY_S`), for each item live at the
meeting and still open, and pushed as `item:quorum` to the room's screens
(counts only as far as the projector may show them) and hosts (always). In a
sign-in storm that is a few gauges a second, whatever the number of members."""

from __future__ import annotations

import asyncio
import logging
import time

from live.hub import HOST_NS, SCREEN_NS, Hub, room_channel
from rooms.polls import sees_counts, State, without_counts

log = logging.getLogger("livevote.gauges")
GATHER_S = 0.03  # changes that come together make one push
EVERY_S = 0.15  # at most this often per room and worker


class GaugePush:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._due: dict[str, asyncio.Task[None]] = {}
        self._last: dict[str, float] = {}

    def changed(self, room_id: str) -> None:
        """Attendance (or a ballot) of the room changed: push its gauges soon."""
        if room_id not in self._due:
            self._due[room_id] = asyncio.create_task(self._push(room_id))

    async def _push(self, room_id: str) -> None:
        wait = max(GATHER_S, self._last.get(room_id, 0.0) + EVERY_S - time.monotonic())
        await asyncio.sleep(wait)
        # changes from here on schedule another push: this one may not see them
        del self._due[room_id]
        self._last[room_id] = time.monotonic()
        try:
            await self.push(room_id)
        except Exception:
            log.exception("room %s: quorum gauge not pushed", room_id)

    async def push(self, room_id: str) -> None:
        hub = self.hub
        meta = await hub.meetings.meta(room_id)
        live = [k.removeprefix("live:") for k in meta if k.startswith("live:")]
        if not live:
            return
        shown = await hub.rooms.screen(room_id)
        for ballot_id in live:
            item = await hub.rooms.ballot(ballot_id)
            if item.state is not State.OPEN:
                continue
            figures = await hub.meetings.gauge(item)
            projected = figures if sees_counts(item, shown) else without_counts(figures)
            channel = room_channel(room_id)
            await hub.sio.emit("item:quorum", projected, to=channel, namespace=SCREEN_NS)
            await hub.sio.emit("item:quorum", figures, to=channel, namespace=HOST_NS)
