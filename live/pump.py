"""Per worker: close ballots whose countdown ran out, push coalesced tally
snapshots to this worker's own clients, and report how many phones it holds.

Votes never trigger a broadcast; a tick reads the `seq` of every ballot its
clients watch and emits a full snapshot only when it moved.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any


from live.storeclient import UNAVAILABLE
from live.hub import SCREEN_NS, VOTER_NS, HOST_NS, Hub, now_ms, room_channel, voted_channel
from live.collector import Collector
from rooms.errors import LiveVoteError
from rooms.polls import Ballot, Directive, sees_counts, State, Visibility, without_counts

log = logging.getLogger("livevote.pump")
PRESENCE_EVERY_MS = 1000
LEDGER_EVERY_MS = 1000
# Messages per second this worker spends on voters' tallies: one push costs the
# server ~40-100 µs per phone, so a room's phones get a tally at most every
# phones / VOTER_PUSH_BUDGET seconds (spread over the ticks), while screens get
# every tick's.
VOTER_PUSH_BUDGET = 2000


class TallyPump:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._sent: dict[str, int] = {}
        self._phones_have: dict[str, int] = {}  # ballot -> seq every phone has been sent
        self._rounds: dict[str, list[int]] = {}  # ballot -> [seq at start, phones done]
        self._collector = Collector()
        self._phones: dict[str, int] = {}
        self._phones_at: dict[str, int] = {}
        self._ballots: dict[str, Ballot] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._presence_at = 0
        self._store_down = False

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name="tally-pump"),
                       asyncio.create_task(self._ledgers(), name="ledger-upkeep")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        """A tick every tick_ms, on a fixed schedule: the time a tick takes does not
        stretch the period (a tick that overruns is followed by the next at once)."""
        loop = asyncio.get_running_loop()
        period = self.hub.settings.tick_ms / 1000
        due = loop.time()
        while True:
            try:
                await self.tick()
                self._store_back()
            except UNAVAILABLE as exc:
                self._store_lost(exc)
            except Exception:
                log.exception("tally pump tick failed; retrying")
            due = max(due + period, loop.time())
            await asyncio.sleep(due - loop.time())

    async def _ledgers(self) -> None:
        """Chains extended and copied to disk every LEDGER_EVERY_MS, apart from the
        ticks so that hashing and disk never hold the screens' tallies back (each
        ballot's chain is completed once more when it closes)."""
        while True:
            await asyncio.sleep(LEDGER_EVERY_MS / 1000)
            try:
                for room_id in self.hub.watched_rooms():
                    ids = await self.hub.rooms.ballot_ids(room_id)
                    for ballot_id, (logged, chained) in (
                            await self.hub.rooms.log_lengths(ids)).items():
                        if logged > chained:
                            await self.hub.keep_ledger(ballot_id)
                    await self.hub.keep_ledger(room_id, room=True)
            except UNAVAILABLE as exc:
                self._store_lost(exc)
            except Exception:
                log.exception("ledger upkeep failed; retrying")

    def _store_lost(self, exc: Exception) -> None:
        """One line per outage, not a traceback per tick."""
        if not self._store_down:
            self._store_down = True
            log.warning("Redis is not answering (%s); ticks resume when it is back",
                        type(exc).__name__)

    def _store_back(self) -> None:
        if self._store_down:
            self._store_down = False
            log.warning("Redis answers again; tally pump resumed")

    async def tick(self) -> None:
        self._collector.tick()
        for closed in await self._close_due():
            await self.hub.ballot_closed(closed)
            self.hub.after_close_soon(closed.sealed["record"]["ballot"])  # beside the ticks
        rooms = self.hub.watched_rooms()
        self._forget(set(rooms))
        for room_id in rooms:
            await self._push_tallies(room_id, await self.hub.rooms.ballot_ids(room_id))
        if now_ms() - self._presence_at >= PRESENCE_EVERY_MS:
            self._presence_at = now_ms()
            phones = {r: self.hub.phones[r] for r in rooms}
            await self.hub.rooms.report_phones(self.hub.worker, phones, self._presence_at)

    def _forget(self, rooms: set[str]) -> None:
        """Drop what this worker remembers of rooms nobody here watches any more."""
        for memory in (self._phones, self._phones_at):
            for room_id in [r for r in memory if r not in rooms]:
                del memory[room_id]
        for ballot_id in [b for b, ballot in self._ballots.items() if ballot.room_id not in rooms]:
            del self._ballots[ballot_id]
            self._sent.pop(ballot_id, None)
            self._phones_have.pop(ballot_id, None)
            self._rounds.pop(ballot_id, None)

    async def _close_due(self) -> list[Any]:
        try:
            return [c for c in await self.hub.rooms.close_due() if c.announced_here]
        except LiveVoteError:
            log.exception("closing a due ballot failed")
            return []

    async def _push_tallies(self, room_id: str, ids: list[str]) -> None:
        store = self.hub.rooms
        seqs = await store.seqs(ids)
        moved = [b for b, seq in seqs.items() if self._sent.get(b) != seq
                 or b in self._rounds or self._phones_have.get(b) != seq]
        phones = self._phones.get(room_id, 0)
        if now_ms() - self._phones_at.get(room_id, 0) >= PRESENCE_EVERY_MS // 2:
            self._phones_at[room_id] = now_ms()  # workers report once a second
            phones = await store.phones(room_id, now_ms())
        if self._phones.get(room_id) != phones:
            self._phones[room_id] = phones
            for ns in (SCREEN_NS, HOST_NS):
                await self.hub.sio.emit("room:presence", {"room": room_id, "phones": phones},
                                        to=room_channel(room_id), namespace=ns,
                                        ignore_queue=True)
        shown: list[Directive | None] = []  # the screens' directive, read once if needed
        for ballot_id in moved:
            tally = await store.tally(ballot_id)
            ballot = self._ballots.get(ballot_id) or await store.ballot(ballot_id)
            self._ballots[ballot_id] = ballot  # only the visibility is used: it never changes
            data = tally.public() | {"phones": phones}
            if self._sent.get(ballot_id) != tally.seq:
                if ballot.visibility is not Visibility.LIVE and not shown:
                    shown.append(await store.screen(room_id))
                seen = sees_counts(ballot, shown[0] if shown else None, tally.state)
                # The screen first: it is what people watch; it gets no counts it may not show.
                for ns, sent in ((SCREEN_NS, data if seen else without_counts(data)),
                                 (HOST_NS, data)):
                    await self.hub.sio.emit("tally", sent, to=room_channel(room_id),
                                            namespace=ns, ignore_queue=True)
                self._sent[ballot_id] = tally.seq
            await self._to_phones(room_id, ballot, tally.seq, tally.state, data)

    async def _to_phones(self, room_id: str, ballot: Ballot, seq: int, state: State,
                         data: dict[str, Any]) -> None:
        """The latest tally to the next share of the phones allowed to see it.

        A round goes through every such phone of this worker, `share` of them a
        tick (VOTER_PUSH_BUDGET a second), each getting the newest tally of its
        turn; a new round starts when a round ends and the count has moved since
        it began. A small room is covered every tick; 10,000 phones every 5 s,
        without ever stalling the loop. A closed ballot's result reaches phones
        in `ballot:closed`, so closed ballots get no tallies here."""
        if state is not State.OPEN or ballot.visibility not in (Visibility.LIVE,
                                                                Visibility.AFTER_VOTE):
            self._rounds.pop(ballot.id, None)
            self._phones_have[ballot.id] = seq
            return
        turn = self._rounds.get(ballot.id)
        if turn is None:
            if self._phones_have.get(ballot.id) == seq:
                return
            turn = self._rounds[ballot.id] = [seq, 0]
        channel = (room_channel(room_id) if ballot.visibility is Visibility.LIVE
                   else voted_channel(ballot.id))
        manager = self.hub.sio.manager
        everyone = list(manager.get_participants(VOTER_NS, channel))
        share = max(1, VOTER_PUSH_BUDGET * self.hub.settings.tick_ms // 1000)
        await manager.emit_to("tally", data, VOTER_NS, everyone[turn[1]:turn[1] + share])
        turn[1] += share
        if turn[1] >= len(everyone):
            self._phones_have[ballot.id] = turn[0]
            del self._rounds[ballot.id]
