"""What the namespaces, routes and the tally pump share in one worker."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

import socketio

from live.pressure import Pressure
from live import ledgerfile, projector, witness
from live.settings import Settings
from live.signing import Signer
from live.sealing import PhoneSeal
from live.sms import Sender
from rooms.consent.drive import Drives
from rooms.meetings import Meetings
from rooms.polls import Ballot, Closed, Directive, Rooms, sees_counts, State, Visibility
from stream.errors import StreamError

log = logging.getLogger("livevote.hub")
VOTER_NS = "/voter"
SCREEN_NS = "/screen"
HOST_NS = "/host"
MEETING_NS = "/meeting"


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


BALLOT_EVENTS = ("ballot:update", "ballot:closed")  # what changes phones' view of a room


def voted_channel(ballot_id: str) -> str:
    return f"voted:{ballot_id}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class VideoGrants(Protocol):
    """Members' rights to the video that outlive a connection: Janus tokens, or
    the relay's broadcasts and views in this process."""

    async def revoke_members(self, room_id: str, member_nos: Collection[str]) -> int: ...

    async def end_floor(self, room_id: str) -> int: ...

    async def end_meeting(self, room_id: str) -> None: ...


@dataclass
class Hub:
    """What every namespace and route of a worker shares, all given at
    construction: the domain (`rooms`, `meetings`), the SMS sender, the signer,
    the invitation senders."""
    settings: Settings
    rooms: Rooms
    sio: socketio.AsyncServer
    meetings: Meetings
    sms: Sender
    signer: Signer
    # Invitations by channel ("sms", "kakao"); a channel not set up is absent.
    messengers: dict[str, Sender] = field(default_factory=dict)
    phone_seal: PhoneSeal | None = None  # opens the roster's numbers to send invitations
    drives: Drives | None = None  # consent drives (rooms of kind "drive")
    video: VideoGrants | None = None  # members' video rights (Janus tokens, or the relay)
    pressure: Pressure = field(default_factory=lambda: Pressure(0, 0))  # overload: `busy`
    worker: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    phones: Counter[str] = field(default_factory=Counter)
    screens: Counter[str] = field(default_factory=Counter)
    _witnessed: dict[str, tuple[int, float]] = field(default_factory=dict)
    _mirrored: dict[str, int] = field(default_factory=dict)  # chain heights copied to disk
    _finishing: dict[str, "asyncio.Task[None]"] = field(default_factory=dict)

    def links(self, room_id: str, code: str) -> dict[str, str]:
        base = self.settings.base_url
        return {"join_url": f"{base}/j/{code}", "screen_url": f"{base}/screen#room={room_id}",
                "host_url": f"{base}/host#room={room_id}",
                "qr_svg": f"{base}/api/rooms/{room_id}/qr.svg"}

    def watched_rooms(self) -> list[str]:
        return [r for r in set(self.phones) | set(self.screens)
                if self.phones[r] > 0 or self.screens[r] > 0]

    # The media path's part of a meeting change. What was decided stands even
    # if the media server does not answer: the failure is logged.

    async def members_removed(self, room_id: str, member_nos: Collection[str]) -> None:
        """Members left out of a corrected roster: their video grants end."""
        if member_nos:
            await self._video(room_id, f"video tokens of {len(member_nos)} removed members not "
                              "revoked", lambda v: v.revoke_members(room_id, sorted(member_nos)))

    async def floor_ended(self, room_id: str) -> None:
        """A member's turn to speak ended: their right to publish goes."""
        await self._video(room_id, "the last speaker's video right not taken back",
                          lambda v: v.end_floor(room_id))

    async def meeting_adjourned(self, room_id: str) -> None:
        """The meeting closed: its video ends with every grant of it."""
        await self._video(room_id, "the closed meeting's video not ended",
                          lambda v: v.end_meeting(room_id))

    async def _video(self, room_id: str, failed: str,
                     step: Callable[[VideoGrants], Awaitable[object]]) -> None:
        if self.video is None:
            return
        try:
            await step(self.video)
        except StreamError as error:
            log.error("room %s: %s: %s", room_id, failed, error.message)

    async def gates_changed(self, room_id: str, public: dict[str, Any]) -> None:
        """A check changed: every phone's pass ended. Phones hear it (and pass the
        checks again); until then they get no more of the room's pushes."""
        await self.sio.emit("gates:changed", {"gates": public}, to=room_channel(room_id),
                            namespace=VOTER_NS)
        await self.sio.close_room(room_channel(room_id), namespace=VOTER_NS)
        for ballot_id in await self.rooms.ballot_ids(room_id):  # tallies after a vote, too
            await self.sio.close_room(voted_channel(ballot_id), namespace=VOTER_NS)

    def heard(self, event: str, namespace: str, channel: Any) -> None:
        """An event this worker delivers: a ballot change makes its room's phone
        views stale (on every worker with a phone there: they all hear it)."""
        if namespace == VOTER_NS and event in BALLOT_EVENTS and isinstance(channel, str) \
                and channel.startswith("room:"):
            self.rooms.views.forget(channel[len("room:"):])

    async def ballot_changed(self, ballot: Ballot) -> None:
        """Tell every worker's clients in the room that a ballot changed."""
        self.rooms.views.forget(ballot.room_id)
        data = ballot.public()
        channel = room_channel(ballot.room_id)
        await self.sio.emit("ballot:update", data, to=channel, namespace=VOTER_NS)
        await self.sio.emit("ballot:update", data, to=channel, namespace=SCREEN_NS)
        await self.sio.emit("ballot:update", data, to=channel, namespace=HOST_NS)
        await self.sio.emit("ballot:update", data, to=channel, namespace=MEETING_NS)
        await self.screen_follows(ballot.room_id)

    async def screen_show(self, room_id: str, shown: Directive) -> None:
        """Every worker's screens in the room: what to show now, with that ballot
        as far as they may see it; the hosts hear the directive alone."""
        channel = room_channel(room_id)
        data: dict[str, Any] = {"screen": shown.public()}
        ballot = await self.rooms.ballot(shown.ballot) if shown.ballot else None
        seen = await projector.entry(self, ballot, shown, for_screen=True) if ballot else None
        await self.sio.emit("screen:show", data | {"ballot": seen}, to=channel,
                            namespace=SCREEN_NS)
        await self.sio.emit("screen:show", data, to=channel, namespace=HOST_NS)

    async def screen_follows(self, room_id: str) -> None:
        """A ballot changed: screens the host does not steer follow the floor."""
        shown = await projector.directive(self, room_id)
        if shown.auto:
            await self.screen_show(room_id, shown)

    async def keep_ledger(self, ledger_id: str, final: bool = False, room: bool = False) -> None:
        """Hash new events into a ballot's (or a room's) chain, copy it to disk,
        and tell the witnesses its head (at most every witness_every_s, and at close)."""
        height = await self.rooms.closer.sync_chain(ledger_id, room)
        if height == 0 or self._mirrored.get(ledger_id) == height:
            return
        await ledgerfile.mirror(self.rooms, self.settings.data_dir, ledger_id, room)
        self._mirrored[ledger_id] = height
        if not self.settings.witnesses:
            return
        last_height, last_at = self._witnessed.get(ledger_id, (0, 0.0))
        due = time.monotonic() - last_at >= self.settings.witness_every_s
        if height != last_height and (final or due):
            _, head = await self.rooms.chain_tip(ledger_id, room)
            room_id = ledger_id if room else (await self.rooms.ballot(ledger_id)).room_id
            self._witnessed[ledger_id] = (height, time.monotonic())
            await witness.push(list(self.settings.witnesses), {
                "room": room_id, "ballot": None if room else ledger_id,
                "height": height - 1, "hash": head, "final": final})

    async def ballot_closed(self, closed: Closed) -> None:
        """Tell everyone the sealed result first; sign the bundle afterwards."""
        record = closed.sealed["record"]
        ballot = await self.rooms.ballot(record["ballot"])
        self.rooms.views.forget(ballot.room_id)
        channel = room_channel(ballot.room_id)
        full: dict[str, Any] = {"ballot": ballot.public(), "result": closed.sealed}
        hidden = {"ballot": ballot.public(), "result": None}
        projected = sees_counts(ballot, await self.rooms.screen(ballot.room_id))
        await self.sio.emit("ballot:closed", full if projected else hidden, to=channel,
                            namespace=SCREEN_NS)
        await self.sio.emit("ballot:closed", full, to=channel, namespace=HOST_NS)
        shown = ballot.visibility is not Visibility.NEVER
        for ns in (VOTER_NS, MEETING_NS):
            await self.sio.emit("ballot:closed", full if shown else hidden, to=channel,
                                namespace=ns)
        await self.screen_follows(ballot.room_id)

    async def after_close(self, ballot_id: str) -> None:
        """The signed bundle, then the final chain head to disk and the witnesses."""
        await self.rooms.finish(ballot_id)
        await self.keep_ledger(ballot_id, final=True)

    def after_close_soon(self, ballot_id: str) -> "asyncio.Task[None]":
        """`after_close` in the background, once per ballot at a time. Signing a
        big ballot takes seconds; neither the host's answer nor the host's
        connection (whose events are handled in order) should wait for it."""
        task = self._finishing.get(ballot_id)
        if task is None or task.done():
            task = asyncio.create_task(self.after_close(ballot_id))
            self._finishing[ballot_id] = task
            task.add_done_callback(lambda t: self._finished(ballot_id, t))
        return task

    def _finished(self, ballot_id: str, task: "asyncio.Task[None]") -> None:
        if self._finishing.get(ballot_id) is task:
            del self._finishing[ballot_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("signing ballot %s failed; the next bundle request retries",
                      ballot_id, exc_info=task.exception())

    async def settle(self, timeout_s: float) -> None:
        """On shutdown: let bundles being signed finish (up to timeout_s)."""
        pending = [t for t in self._finishing.values() if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)

    async def ensure_signed(self, ballot_id: str) -> bool:
        """Whether a closed ballot's signed bundle exists, waiting for its signing
        if it is under way here, or signing it now if its worker never did."""
        task = self._finishing.get(ballot_id)
        if task is not None:
            await asyncio.shield(task)
        if await self.rooms.has_bundle(ballot_id):
            return True
        if await self.rooms.result(ballot_id) is None:
            return False
        await self.rooms.finish(ballot_id)
        return True

    def voter_sees_tally(self, ballot: Ballot, voted: bool) -> bool:
        if ballot.visibility is Visibility.LIVE:
            return True
        if ballot.visibility is Visibility.AFTER_VOTE:
            return voted
        return ballot.visibility is Visibility.AFTER_CLOSE and ballot.state is State.CLOSED
