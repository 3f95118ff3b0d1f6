"""Redis for consent drives: the drive's settings, its owners and rows, each
owner's last signed act, the texts sent; acts land with one script."""

from __future__ import annotations

import json
from typing import Any, Callable, cast

from redis.exceptions import WatchError

from rooms.store import keys
from rooms.store.base import Client, _s, script

WATCH_TRIES = 5


class ConsentStore:
    def __init__(self, redis: Client) -> None:
        self.redis = redis
        self._act = script(redis, "consent")

    async def meta(self, room_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(keys.drive(room_id))
        return {_s(k): _s(v) for k, v in raw.items()}

    async def _while_draft(self, room_id: str, write: Callable[[Any], None]) -> bool:
        """Queue `write`'s commands in one transaction that runs only while the
        drive is a draft (its state watched); False once it opened."""
        meta = keys.drive(room_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(WATCH_TRIES):
                try:
                    await pipe.watch(meta)
                    if (_s(await pipe.hget(meta, "state") or b"draft")) != "draft":
                        return False
                    pipe.multi()  # type: ignore[no-untyped-call]
                    write(pipe)
                    await pipe.execute()
                    return True
                except WatchError:
                    continue  # the drive changed meanwhile: look again
        raise WatchError("the drive could not be changed; try again")

    async def set_meta(self, room_id: str, fields: dict[str, str | int],
                       event: dict[str, Any] | None = None) -> bool:
        """Settings change only while the drive is a draft; False once it opened."""
        def write(pipe: Any) -> None:
            pipe.hset(keys.drive(room_id), mapping=cast(Any, fields))
            if event:
                pipe.rpush(keys.meeting_log(room_id), json.dumps(event, ensure_ascii=False))
        return await self._while_draft(room_id, write)

    async def log(self, room_id: str, event: dict[str, Any]) -> None:
        await self.redis.rpush(keys.meeting_log(room_id), json.dumps(event, ensure_ascii=False))

    async def replace_owners(self, room_id: str, owners: dict[str, str],
                             rows: dict[str, str]) -> bool:
        """The whole roster at once, while the drive is a draft."""
        def write(pipe: Any) -> None:
            pipe.delete(keys.drive_owners(room_id), keys.drive_rows(room_id))
            if owners:
                pipe.hset(keys.drive_owners(room_id), mapping=cast(Any, owners))
                pipe.hset(keys.drive_rows(room_id), mapping=cast(Any, rows))
            pipe.hincrby(keys.drive(room_id), "roster_version", 1)
        return await self._while_draft(room_id, write)

    async def owners(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.drive_owners(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def rows(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.drive_rows(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def row(self, room_id: str, owner_no: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.drive_rows(room_id), owner_no)
        return None if raw is None else dict(json.loads(raw))

    async def owner(self, room_id: str, owner_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.drive_owners(room_id), owner_id)
        return None if raw is None else dict(json.loads(raw))

    async def act(self, room_id: str, owner_id: str, act: dict[str, Any], form_sha256: str,
                  event: dict[str, Any], ts: int) -> str | None:
        """Store the owner's act; None, or the refusal's code."""
        reply = await self._act(
            keys=[keys.drive(room_id), keys.drive_acts(room_id), keys.meeting_log(room_id),
                  keys.drive_history(room_id), keys.drive_choices(room_id)],
            args=[owner_id, json.dumps(act, ensure_ascii=False), form_sha256,
                  json.dumps(event, ensure_ascii=False), ts, act["record"]["choice"],
                  "0" if act.get("timestamp") else "1"])
        return None if _s(reply[0]) == "ok" else _s(reply[1])

    async def acts(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.drive_acts(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def history(self, room_id: str) -> list[dict[str, Any]]:
        """Every act stored, in order: the n-th is the n-th act event in the log."""
        raw = await self.redis.lrange(keys.drive_history(room_id), 0, -1)
        return [json.loads(a) for a in raw]

    async def choices(self, room_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(keys.drive_choices(room_id))
        return {_s(k): _s(v) for k, v in raw.items()}

    async def last_act(self, room_id: str, owner_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.drive_acts(room_id), owner_id)
        return None if raw is None else dict(json.loads(raw))

    async def record_delivery(self, room_id: str, owner_no: str, record: dict[str, Any]) -> None:
        await self.redis.hset(keys.drive_sent(room_id), owner_no,
                              json.dumps(record, ensure_ascii=False))

    async def deliveries(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.drive_sent(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def first(self, key: str, ttl_s: int) -> bool:
        """True the first time `key` is seen within ttl_s, on every worker."""
        return bool(await self.redis.set(keys.used_once(key), 1, nx=True, ex=ttl_s))

    async def now_ms(self) -> int:
        seconds, micros = await self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000
