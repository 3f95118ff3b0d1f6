"""What the namespaces, routes and the tally pump share in one worker."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import socketio

from live.settings import Settings
from rooms.model import Ballot, State, Visibility
from rooms.closing import Closed
from rooms.service import Rooms

VOTER_NS = "/voter"
SCREEN_NS = "/screen"
HOST_NS = "/host"


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def voted_channel(ballot_id: str) -> str:
    return f"voted:{ballot_id}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Hub:
    settings: Settings
    rooms: Rooms
    sio: socketio.AsyncServer
    worker: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    phones: Counter[str] = field(default_factory=Counter)
    screens: Counter[str] = field(default_factory=Counter)
    signer: Any = None
    sms: Any = None

    def links(self, room_id: str, code: str) -> dict[str, str]:
        base = self.settings.base_url
        return {"join_url": f"{base}/j/{code}", "screen_url": f"{base}/screen#room={room_id}",
                "host_url": f"{base}/host#room={room_id}",
                "qr_svg": f"{base}/api/rooms/{room_id}/qr.svg"}

    def watched_rooms(self) -> list[str]:
        return [r for r in set(self.phones) | set(self.screens)
                if self.phones[r] > 0 or self.screens[r] > 0]

    async def ballot_changed(self, ballot: Ballot) -> None:
        """Tell every worker's clients in the room that a ballot changed."""
        data = ballot.public()
        channel = room_channel(ballot.room_id)
        await self.sio.emit("ballot:update", data, to=channel, namespace=VOTER_NS)
        await self.sio.emit("ballot:update", data, to=channel, namespace=SCREEN_NS)
        await self.sio.emit("ballot:update", data, to=channel, namespace=HOST_NS)

    async def ballot_closed(self, closed: Closed) -> None:
        record = closed.sealed["record"]
        ballot = await self.rooms.store.ballot(record["ballot"])
        channel = room_channel(ballot.room_id)
        full: dict[str, Any] = {"ballot": ballot.public(), "result": closed.sealed}
        for ns in (SCREEN_NS, HOST_NS):
            await self.sio.emit("ballot:closed", full, to=channel, namespace=ns)
        shown = ballot.visibility is not Visibility.NEVER
        await self.sio.emit("ballot:closed", full if shown else {"ballot": ballot.public(),
                                                                 "result": None},
                            to=channel, namespace=VOTER_NS)

    def voter_sees_tally(self, ballot: Ballot, voted: bool) -> bool:
        if ballot.visibility is Visibility.LIVE:
            return True
        if ballot.visibility is Visibility.AFTER_VOTE:
            return voted
        return ballot.visibility is Visibility.AFTER_CLOSE and ballot.state is State.CLOSED
