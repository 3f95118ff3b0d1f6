"""The relay: owns every peer connection of this process, per room.

Media relays are per process by nature (a peer connection is a UDP socket
in one process), so a room's broadcast lives in the process that answered
its publisher. Nothing is created for a room until a publisher starts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiortc import RTCConfiguration

from stream.broadcast import Broadcast
from stream.encode import VideoSpec
from stream.errors import NotLive, RelayClosed, UnknownPeer
from stream.sdp import parse_offer

log = logging.getLogger("livevote.stream")

OnLive = Callable[[str, bool], Awaitable[None]]


@dataclass(frozen=True)
class Session:
    """The relay's answer to an offer: which peer it is, and the SDP answer."""

    room: str
    peer: str
    sdp: str
    replaced: str | None = None

    def public(self) -> dict[str, str]:
        return {"room": self.room, "peer": self.peer, "type": "answer", "sdp": self.sdp}


async def _quiet(room: str, live: bool) -> None:
    return None


class Relay:
    def __init__(self, spec: VideoSpec | None = None,
                 configuration: RTCConfiguration | None = None,
                 on_live: OnLive | None = None) -> None:
        self.spec = spec or VideoSpec()
        self.configuration = configuration
        self.on_live: OnLive = on_live or _quiet
        self._rooms: dict[str, Broadcast] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._chores: set[asyncio.Task[None]] = set()
        self._open = False

    def start(self) -> None:
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise RelayClosed("video is not available on this server right now")

    def _lock(self, room: str) -> asyncio.Lock:
        # One signalling step at a time per room: two speakers publishing at
        # once must not both become the publisher.
        return self._locks.setdefault(room, asyncio.Lock())

    def live(self, room: str) -> bool:
        broadcast = self._rooms.get(room)
        return broadcast is not None and broadcast.publisher is not None

    def publisher(self, room: str) -> str | None:
        """The peer broadcasting in the room now, if any."""
        broadcast = self._rooms.get(room)
        return broadcast.publisher.id if broadcast and broadcast.publisher else None

    def rooms(self) -> list[str]:
        return list(self._rooms)

    async def publish(self, room: str, sdp: object) -> Session:
        """Start, or take over, the room's broadcast with this offer."""
        self._check_open()
        offer = parse_offer(sdp)
        async with self._lock(room):
            broadcast = self._rooms.get(room)
            fresh = broadcast is None
            if broadcast is None:
                broadcast = Broadcast(room, self.spec, self.configuration, self._peer_gone)
            peer, replaced, answer = await broadcast.publish(offer)
            self._rooms[room] = broadcast
        if fresh:
            await self._tell(room, True)
        return Session(room, peer, answer, replaced)

    async def watch(self, room: str, sdp: object) -> Session:
        self._check_open()
        offer = parse_offer(sdp)
        async with self._lock(room):
            broadcast = self._rooms.get(room)
            if broadcast is None:
                raise NotLive(f"nobody is broadcasting in room {room!r}")
            peer, answer = await broadcast.watch(offer)
        return Session(room, peer, answer)

    def keyframe(self, room: str, peer: str) -> None:
        broadcast = self._rooms.get(room)
        if broadcast is None:
            raise UnknownPeer(f"no peer {peer!r} in room {room!r}")
        broadcast.keyframe(peer)

    async def leave(self, room: str, peer: str) -> None:
        """A viewer leaves alone; the publisher leaving ends the broadcast."""
        broadcast = self._rooms.get(room)
        if broadcast is None:
            raise UnknownPeer(f"no peer {peer!r} in room {room!r}")
        if await broadcast.leave(peer):
            await self.end(room)

    async def end(self, room: str) -> None:
        async with self._lock(room):
            broadcast = self._rooms.pop(room, None)
            if broadcast is None:
                return
            await broadcast.end()
        await self._tell(room, False)

    def stats(self, room: str) -> dict[str, object] | None:
        broadcast = self._rooms.get(room)
        return broadcast.stats() if broadcast else None

    async def close(self) -> None:
        """Refuse new offers, end every broadcast, wait for the chores."""
        self._open = False
        for room in list(self._rooms):
            await self.end(room)
        # Not cancelled: a cancelled wait inside RTCPeerConnection.close()
        # cancels the future that aiortc itself then tries to resolve.
        await asyncio.gather(*self._chores, return_exceptions=True)

    def _peer_gone(self, room: str, peer: str) -> None:
        """A connection failed or closed under us (from an aiortc callback)."""
        task = asyncio.ensure_future(self._forget(room, peer))
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    async def _forget(self, room: str, peer: str) -> None:
        try:
            await self.leave(room, peer)
        except UnknownPeer:
            pass  # it left through signalling first

    async def _tell(self, room: str, live: bool) -> None:
        try:
            await self.on_live(room, live)
        except Exception:
            log.exception("telling room %s that video is %s failed", room,
                          "live" if live else "over")
