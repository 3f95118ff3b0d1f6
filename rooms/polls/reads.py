"""What the transports (live/) read of rooms and ballots, and the SMS outbox they
write, through the domain's door instead of the store's: `Rooms` inherits these."""

from __future__ import annotations

from typing import Any

from rooms.polls.model import Ballot, Room
from rooms.polls.screen import Directive
from rooms.store import Store


class RoomReads:
    store: Store

    async def room(self, room_id: str) -> Room:
        room, _ = await self.store.room(room_id)
        return room

    async def ballot(self, ballot_id: str) -> Ballot:
        """A ballot by an id the server holds (a client's id: `ballot_in`)."""
        return await self.store.ballot(ballot_id)

    async def ballot_ids(self, room_id: str) -> list[str]:
        return await self.store.ballot_ids(room_id)

    async def result(self, ballot_id: str) -> dict[str, Any] | None:
        return await self.store.result(ballot_id)

    async def bundle(self, ballot_id: str) -> str | None:
        return await self.store.bundle(ballot_id)

    async def has_bundle(self, ballot_id: str) -> bool:
        return await self.store.has_bundle(ballot_id)

    async def counted(self, ballot_id: str) -> list[dict[str, Any]]:
        return await self.store.counted(ballot_id)

    async def chain_tip(self, ledger_id: str, room: bool = False) -> tuple[int, str | None]:
        return await self.store.chain_tip(ledger_id, room)

    async def log_lengths(self, ballot_ids: list[str]) -> dict[str, tuple[int, int]]:
        return await self.store.log_lengths(ballot_ids)

    async def my_vote(self, ballot_id: str, identity: str) -> dict[str, Any] | None:
        return await self.store.my_vote(ballot_id, identity)

    async def outbox(self, room_id: str) -> list[dict[str, Any]]:
        return await self.store.outbox(room_id)

    async def post_outbox(self, room_id: str, entry: dict[str, Any]) -> None:
        await self.store.post_outbox(room_id, entry)

    async def report_phones(self, worker: str, counts: dict[str, int], now_ms: int) -> None:
        await self.store.report_phones(worker, counts, now_ms)

    async def ballots(self, room_id: str) -> list[Ballot]:
        return await self.store.ballots(room_id)

    async def seqs(self, ballot_ids: list[str]) -> dict[str, int]:
        return await self.store.seqs(ballot_ids)

    async def phones(self, room_id: str, now_ms: int) -> int:
        return await self.store.phones(room_id, now_ms)

    async def chain(self, ledger_id: str, start: int = 0, room: bool = False
                    ) -> list[dict[str, Any]]:
        return await self.store.chain(ledger_id, start, room)

    async def log_since(self, ledger_id: str, start: int, room: bool = False) -> list[str]:
        return await self.store.log_since(ledger_id, start, room)

    async def screen(self, room_id: str) -> Directive | None:
        """The host's directive to the room's screens, or None (they follow the floor)."""
        raw = await self.store.screen(room_id)
        return None if raw is None else Directive.loads(raw)

    async def ping(self) -> None:
        await self.store.redis.ping()
