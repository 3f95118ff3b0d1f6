"""The gates part of `Store`: gate settings, rate counters, one-time codes, the
SMS outbox, and how many phones each worker holds."""

from __future__ import annotations

import json
from typing import Any, Callable

import orjson
from redis.exceptions import WatchError
from redis.commands.core import AsyncScript

from rooms.store import keys
from rooms.store.base import Client, _s

PRESENCE_FRESH_MS = 5000


class GatesStore:
    redis: Client
    _otp: AsyncScript
    _attempt: AsyncScript

    # gates -------------------------------------------------------------------

    async def gates(self, room_id: str) -> str | None:
        raw = await self.redis.hget(keys.room(room_id), "gates")
        return None if raw is None else _s(raw)

    async def save_gates(self, room_id: str, dumped: str) -> None:
        await self.redis.hset(keys.room(room_id), "gates", dumped)

    async def change_gates(self, room_id: str, change: Callable[[str | None], str]) -> str:
        """Read the gates, `change` them and save the result in one optimistic
        transaction (retried if another host changed them meanwhile); returns
        what was saved. Two hosts at once never lose a change or an epoch."""
        key = keys.room(room_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(10):
                try:
                    await pipe.watch(key)
                    raw = await pipe.hget(key, "gates")
                    dumped = change(None if raw is None else _s(raw))
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(key, "gates", dumped)
                    await pipe.execute()
                    return dumped
                except WatchError:
                    continue  # another host changed them meanwhile: apply ours to theirs
        raise WatchError("the room's checks kept changing; try again")

    async def count(self, room_id: str, kind: str, who: str, window_s: int,
                    bump: bool = True) -> int:
        """Attempts of `kind` by `who` in the current window (after adding one)."""
        key = keys.gate_counter(room_id, kind, who)
        if not bump:
            return int(await self.redis.get(key) or 0)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_s, nx=True)
            n, _ = await pipe.execute()
        return int(n)

    async def attempt(self, room_id: str, buckets: list[tuple[str, str, int, int]],
                      give: bool = False) -> tuple[int, int]:
        """Take one attempt from each (kind, who, capacity, window ms) bucket, all or
        none, atomically: (0, attempts still left) if taken, else (ms until one is
        free, 0). `give` returns one (a right guess costs nothing)."""
        args: list[str | int] = ["give" if give else "take"]
        for _, who, capacity, window_ms in buckets:
            args += [who, capacity, window_ms]
        taken, wait_ms, left = await self._attempt(
            keys=[keys.gate_buckets(room_id, kind) for kind, *_ in buckets], args=args)
        return (0, int(left)) if int(taken) else (int(wait_ms), 0)

    async def attempt_anywhere(self, kind: str, who: str, capacity: int, window_ms: int
                               ) -> int:
        """`attempt` for a bucket not tied to a room: 0 if taken, else ms to wait."""
        taken, wait_ms, _ = await self._attempt(keys=[keys.buckets(kind)],
                                                args=["take", who, capacity, window_ms])
        return 0 if int(taken) else int(wait_ms)

    async def clear_attempts(self, room_id: str, kinds: tuple[str, ...]) -> int:
        """Staff lift the slow-down: forget every attempt of these kinds."""
        return int(await self.redis.delete(*[keys.gate_buckets(room_id, k) for k in kinds]))

    async def forget_otp(self, room_id: str, phone_hash: str) -> None:
        await self.redis.delete(keys.otp(room_id, phone_hash))

    async def give_back(self, room_id: str, kind: str, who: str) -> None:
        """One attempt of `kind` by `who` not counted after all."""
        key = keys.gate_counter(room_id, kind, who)
        if int(await self.redis.decr(key)) <= 0:  # none left, or it had expired meanwhile
            await self.redis.delete(key)

    async def first_within(self, room_id: str, kind: str, who: str, seconds: int) -> bool:
        key = keys.gate_counter(room_id, kind, who)
        return bool(await self.redis.set(key, 1, nx=True, ex=seconds))

    async def save_otp(self, room_id: str, phone_hash: str, code_hash: str, ttl_s: int) -> None:
        key = keys.otp(room_id, phone_hash)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"code": code_hash, "tries": 0})
            pipe.expire(key, ttl_s)
            await pipe.execute()

    async def use_otp(self, room_id: str, phone_hash: str, code_hash: str, tries: int,
                      ttl_s: int) -> str:
        reply = await self._otp(keys=[keys.otp(room_id, phone_hash),
                                      keys.otp_used(room_id, phone_hash)],
                                args=[code_hash, tries, ttl_s])
        return _s(reply)

    async def post_outbox(self, room_id: str, entry: dict[str, Any], keep: int = 200) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.lpush(keys.outbox(room_id), json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(keys.outbox(room_id), 0, keep - 1)
            pipe.expire(keys.outbox(room_id), 86400)
            await pipe.execute()

    async def outbox(self, room_id: str) -> list[dict[str, Any]]:
        return [orjson.loads(e) for e in await self.redis.lrange(keys.outbox(room_id), 0, -1)]

    # presence ----------------------------------------------------------------

    async def report_phones(self, worker: str, counts: dict[str, int], now_ms: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id, n in counts.items():
                pipe.hset(keys.room_phones(room_id), worker, f"{n}:{now_ms}")
                pipe.pexpire(keys.room_phones(room_id), PRESENCE_FRESH_MS * 4)
            await pipe.execute()

    async def phones(self, room_id: str, now_ms: int) -> int:
        total = 0
        for value in (await self.redis.hgetall(keys.room_phones(room_id))).values():
            n, _, at = _s(value).partition(":")
            if now_ms - int(at) <= PRESENCE_FRESH_MS:
                total += int(n)
        return total
