"""The ledger part of `Store`: event logs, hash chains, manifests and bundles."""

from __future__ import annotations

import json
from typing import Any

import orjson
from redis.commands.core import AsyncScript

from rooms.store import keys
from rooms.store.base import Client, _s


class LedgerStore:
    redis: Client
    _chain: AsyncScript
    _result_event: AsyncScript

    # ledger ------------------------------------------------------------------

    async def manifest(self, ballot_id: str) -> str | None:
        raw = await self.redis.get(keys.manifest(ballot_id))
        return None if raw is None else _s(raw)

    # A ledger is a ballot's (the default) or, with room=True, a room's: the room
    # ledger holds admissions, check-ins, departures and proxies.

    async def log_since(self, ledger_id: str, start: int, room: bool = False) -> list[str]:
        log_key = keys.ledger(ledger_id, room)[0]
        return [_s(e) for e in await self.redis.lrange(log_key, start, -1)]

    async def log_room_event(self, room_id: str, event: dict[str, Any]) -> None:
        await self.redis.rpush(keys.ledger(room_id, True)[0], json.dumps(event, sort_keys=True))

    async def log_result(self, ballot_id: str, event: str) -> bool:
        reply = await self._result_event(keys=[keys.ballot(ballot_id), keys.log(ballot_id)],
                                         args=[event])
        return bool(reply)

    async def chain(self, ledger_id: str, start: int = 0,
                    room: bool = False) -> list[dict[str, Any]]:
        chain_key = keys.ledger(ledger_id, room)[1]
        return [orjson.loads(e) for e in await self.redis.lrange(chain_key, start, -1)]

    async def chain_tip(self, ledger_id: str, room: bool = False) -> tuple[int, str | None]:
        chain_key = keys.ledger(ledger_id, room)[1]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(chain_key)
            pipe.lindex(chain_key, -1)
            length, last = await pipe.execute()
        return int(length), None if last is None else str(orjson.loads(last)["hash"])

    async def log_lengths(self, ballot_ids: list[str]) -> dict[str, tuple[int, int]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id in ballot_ids:
                pipe.llen(keys.log(ballot_id))
                pipe.llen(keys.chain(ballot_id))
            rows = await pipe.execute()
        return {b: (int(rows[2 * i]), int(rows[2 * i + 1])) for i, b in enumerate(ballot_ids)}

    async def extend_chain(self, ledger_id: str, at: int, links: list[dict[str, Any]],
                           room: bool = False) -> bool:
        reply = await self._chain(keys=[keys.ledger(ledger_id, room)[1]],
                                  args=[at] + [orjson.dumps(link, option=orjson.OPT_SORT_KEYS)
                                               for link in links])
        return int(reply) >= 0

    async def save_bundle(self, ballot_id: str, signed: str) -> bool:
        return bool(await self.redis.set(keys.bundle(ballot_id), signed, nx=True))

    async def has_bundle(self, ballot_id: str) -> bool:
        return bool(await self.redis.exists(keys.bundle(ballot_id)))

    async def bundle(self, ballot_id: str) -> str | None:
        raw = await self.redis.get(keys.bundle(ballot_id))
        return None if raw is None else _s(raw)
