"""Closing a ballot: freeze it once, seal its result once, log the result in
the ledger once, and sign the bundle once, whichever workers race to do it.
Every step is idempotent, so a worker that dies half-way is finished by the
next one that calls `close`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import orjson

from rooms.ledger import bundle, chain as ledger
from rooms.polls.model import Ballot
from rooms.polls.result import build_record, record_hash, sealed
from rooms.store import Store

CHAIN_RETRIES = 20


@dataclass(frozen=True)
class Closed:
    sealed: dict[str, Any]
    announced_here: bool


Decorate = Callable[[Ballot, dict[str, Any]], Awaitable[None]]


async def _nothing(ballot: Ballot, record: dict[str, Any]) -> None:
    return None


class Closer:
    def __init__(self, store: Store, sign: bundle.Signer, decorate: Decorate = _nothing) -> None:
        self.store = store
        self.sign = sign
        # Agenda items add the legal decision and its inputs to the record here
        # (rooms.meetings.counting.ItemCount.freeze_item).
        self.decorate = decorate

    async def sync_chain(self, ledger_id: str, room: bool = False) -> int:
        """Hash every logged event into the chain; returns the chain length."""
        for _ in range(CHAIN_RETRIES):
            length, tip = await self.store.chain_tip(ledger_id, room)
            events = await self.store.log_since(ledger_id, length, room)
            if not events:
                return length
            links = ledger.extend(length, tip or ledger.GENESIS, events)
            if await self.store.extend_chain(ledger_id, length, links, room):
                return length + len(links)
        raise RuntimeError(f"chain of {ledger_id} kept moving; giving up for now")

    async def close(self, ballot_id: str) -> Closed:
        """Close, seal and sign: everything, in order."""
        closed = await self.seal(ballot_id)
        await self.finish(ballot_id)
        return closed

    async def seal(self, ballot_id: str) -> Closed:
        """Close once and seal the result once: all that voters need to be told.
        The signed bundle (`finish`) can follow after they have been."""
        await self.store.close(ballot_id)
        await self.store.drop_deadline(ballot_id)
        await self.store.forget_secret_links(ballot_id)  # the rewrite follows in `finish`
        stored = await self.store.result(ballot_id)
        announced = False
        if stored is None:
            seal = await self._seal(ballot_id)
            announced = await self.store.save_result(ballot_id, seal)
            stored = seal if announced else await self.store.result(ballot_id)
        assert stored is not None
        return Closed(stored, announced)

    async def _seal(self, ballot_id: str) -> dict[str, Any]:
        height = await self.sync_chain(ballot_id)
        chain = await self.store.chain(ballot_id, height - 1)
        ballot = await self.store.ballot(ballot_id)
        record = build_record(ballot, await self.store.tally(ballot_id),
                              await self.store.receipts(ballot_id),
                              await self.store.resets(ballot_id),
                              await self.store.answers(ballot_id))
        manifest = await self.store.manifest(ballot_id) or ""
        record["manifest_sha256"] = ledger.sha256_hex(manifest.encode())
        record["chain_at_close"] = {"height": height - 1, "hash": chain[-1]["hash"]}
        await self.decorate(ballot, record)
        return sealed(record)

    async def finish(self, ballot_id: str) -> None:
        """Log the result in the ledger and sign the bundle, once (idempotent)."""
        if await self.store.has_bundle(ballot_id):
            return
        if (await self.store.ballot(ballot_id)).secret:
            # The append-only file still holds each secret ballot next to its voter;
            # rewritten, it keeps only what is stored now, which links no voter to a
            # choice.
            await self.store.rewrite_append_only_file()
        stored = await self.store.result(ballot_id)
        if stored is None:
            raise RuntimeError(f"ballot {ballot_id} has no sealed result to sign")
        record = stored["record"]
        event = json.dumps({"type": "result", "ts": record["closed_at"],
                            "sha256": record_hash(record)}, sort_keys=True)
        await self.store.log_result(ballot_id, event)
        height = await self.sync_chain(ballot_id)
        chain = await self.store.chain(ballot_id)
        events = await self.store.log_since(ballot_id, 0)
        manifest = await self.store.manifest(ballot_id) or ""
        counted = await self.store.counted(ballot_id)
        secret_box = await self.store.secret_box(ballot_id)
        room_id = record["room"]
        room_height = await self.sync_chain(room_id, room=True)
        room_chain: list[dict[str, Any]] = []
        if room_height:
            links = await self.store.chain(room_id, room=True)
            texts = await self.store.log_since(room_id, 0, room=True)
            room_chain = [dict(link, payload=text) for link, text
                          in zip(links[:room_height], texts[:room_height])]

        def build() -> str:  # pure CPU: in a thread, so the loop keeps serving
            doc = bundle.build(manifest, record, bundle.counted_ballots(counted, secret_box),
                               chain[:height], events[:height])
            if room_chain:
                doc["room_chain"] = room_chain
            return orjson.dumps(bundle.signed(doc, self.sign)).decode()

        await self.store.save_bundle(ballot_id, await asyncio.to_thread(build))
