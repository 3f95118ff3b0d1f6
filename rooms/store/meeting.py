"""Redis for general meetings: roster, record date, attendance and proxies."""

from __future__ import annotations

import json
from typing import Any, cast

import orjson

from redis.exceptions import WatchError

from rooms.store import keys
from rooms.store.base import Client, _s, script


WATCH_TRIES = 5


class MeetingStore:
    def __init__(self, redis: Client) -> None:
        self.redis = redis
        self._attend = script(redis, "attend")
        self._speak = script(redis, "speak")
        self._watch = script(redis, "watch")
        self._adjourn = script(redis, "adjourn")

    async def meta(self, room_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(keys.meeting(room_id))
        return {_s(k): _s(v) for k, v in raw.items()}

    async def set_meta(self, room_id: str, **fields: str | int) -> None:
        await self.redis.hset(keys.meeting(room_id), mapping=cast(Any, fields))

    async def set_meta_once(self, room_id: str, name: str, value: str | int) -> bool:
        """Set a meeting field unless it is set; True if this call set it."""
        return bool(await self.redis.hsetnx(keys.meeting(room_id), name, value))

    async def adjourn(self, room_id: str) -> tuple[bool, int]:
        """Close the meeting once: (True, now) the first time, else (False, when)."""
        first, at = await self._adjourn(keys=[keys.meeting(room_id), keys.meeting_log(room_id)])
        return bool(first), int(at)

    async def freeze(self, room_id: str, record_date: str, n: int) -> bool:
        """Set the record date and N once; False if they were set before."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(keys.meeting(room_id), "record_date", record_date)
            pipe.hsetnx(keys.meeting(room_id), "n", n)
            first, _ = await pipe.execute()
        return bool(first)

    async def replace_people(self, room_id: str, people: dict[str, str], reps: dict[str, str],
                             digest: str) -> int | None:
        """The whole roster at once (a corrected file removes rows), its default
        representatives, and a new roster version; returns the version, or None
        if the record date is set (checked in the same transaction: a roster
        never lands after the freeze)."""
        meta = keys.meeting(room_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(WATCH_TRIES):
                try:
                    await pipe.watch(meta)
                    if await pipe.hexists(meta, "record_date"):
                        return None
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.delete(keys.people(room_id), keys.representatives(room_id))
                    if people:
                        pipe.hset(keys.people(room_id), mapping=cast(Any, people))
                    if reps:
                        pipe.hset(keys.representatives(room_id), mapping=cast(Any, reps))
                    pipe.hincrby(meta, "roster_version", 1)
                    pipe.hset(meta, "roster_sha256", digest)
                    replies = await pipe.execute()
                    return int(replies[-2])
                except WatchError:
                    continue  # the meeting changed meanwhile: look again
        raise WatchError("the roster could not be replaced; try again")

    async def representative(self, room_id: str, member: str) -> str:
        raw = await self.redis.hget(keys.representatives(room_id), member)
        return "" if raw is None else _s(raw)

    async def representatives(self, room_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(keys.representatives(room_id))
        return {_s(k): _s(v) for k, v in raw.items()}

    async def set_representative(self, room_id: str, member: str, member_no: str) -> None:
        await self.redis.hset(keys.representatives(room_id), member, member_no)

    async def people(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.people(room_id))
        return {_s(k): orjson.loads(v) for k, v in raw.items()}

    async def person(self, room_id: str, member_no: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.people(room_id), member_no)
        return None if raw is None else dict(json.loads(raw))

    async def attend(self, room_id: str, holding: str, action: str, mode: str,
                     grace_ms: int, who: str) -> dict[str, Any]:
        reply = await self._attend(keys=[keys.attendance(room_id), keys.meeting_log(room_id)],
                                   args=[holding, action, mode, grace_ms, who])
        return dict(json.loads(_s(reply)))

    async def attendance_of(self, room_id: str, holding: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.attendance(room_id), holding)
        return None if raw is None else dict(json.loads(raw))

    async def attendance(self, room_id: str) -> dict[str, dict[str, Any]]:
        """Every member's attendance record (orjson: a quorum gauge of a
        general meeting reads some thousands of them, several times a second)."""
        raw = await self.redis.hgetall(keys.attendance(room_id))
        return {_s(k): orjson.loads(v) for k, v in raw.items()}

    async def save_proxy(self, room_id: str, holding: str, proxy: dict[str, Any],
                         who: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.proxies(room_id), holding, json.dumps(proxy, ensure_ascii=False))
            pipe.rpush(keys.meeting_log(room_id), json.dumps(
                {"type": "proxy", "member": who, "ground": proxy["ground"],
                 "ts": proxy["at"] - proxy["at"] % 60_000}))
            await pipe.execute()

    async def proxies(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.proxies(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def now_ms(self) -> int:
        seconds, micros = await self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    # invitations ---------------------------------------------------------------

    async def save_short_codes(self, room_id: str, codes: dict[str, str]) -> None:
        """Personal short links of a roster: code -> "room:member_no". A code is
        derived from the member, so importing again writes the same ones."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for code, member_no in codes.items():
                pipe.set(keys.short_code(code), f"{room_id}:{member_no}")
            await pipe.execute()

    async def short_code(self, code: str) -> str | None:
        raw = await self.redis.get(keys.short_code(code))
        return None if raw is None else _s(raw)

    async def record_delivery(self, room_id: str, member_no: str, record: dict[str, Any]) -> None:
        await self.redis.hset(keys.deliveries(room_id), member_no,
                              json.dumps(record, ensure_ascii=False))

    async def deliveries(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.deliveries(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    async def mark_signed_in(self, room_id: str, member_no: str, now_ms: int) -> None:
        await self.redis.hsetnx(keys.signed_in(room_id), member_no, now_ms)

    async def signed_in(self, room_id: str) -> dict[str, int]:
        raw = await self.redis.hgetall(keys.signed_in(room_id))
        return {_s(k): int(v) for k, v in raw.items()}

    # speaking requests ---------------------------------------------------------

    async def speak(self, room_id: str, action: str, arg: str, who: str = "") -> dict[str, Any]:
        """One step of the speaking queue; raises nothing, answers the request or
        {"refused": code}."""
        reply = await self._speak(
            keys=[keys.speak_requests(room_id), keys.speak_queue(room_id), keys.meeting(room_id),
                  keys.meeting_log(room_id)], args=[action, arg, who])
        if _s(reply[0]) != "ok":
            return {"refused": _s(reply[1])}
        return dict(json.loads(reply[1]))

    async def speaking_now(self, room_id: str) -> tuple[dict[str, Any] | None,
                                                      list[dict[str, Any]]]:
        """Who is speaking, and who waits, in order."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(keys.meeting(room_id), "speaking")
            pipe.lrange(keys.speak_queue(room_id), 0, -1)
            current, waiting = await pipe.execute()
        ids = ([_s(current)] if current else []) + [_s(i) for i in waiting]
        found = await self.redis.hmget(keys.speak_requests(room_id), ids) if ids else []
        requests = [json.loads(r) for r in found if r]
        if current and requests:
            return requests[0], requests[1:]
        return None, requests

    async def speak_requests(self, room_id: str) -> list[dict[str, Any]]:
        raw = await self.redis.hgetall(keys.speak_requests(room_id))
        return sorted((json.loads(v) for v in raw.values()), key=lambda r: r["at"])

    # video sessions (the access log) -------------------------------------------

    async def watch(self, room_id: str, member_no: str, action: str, who: str,
                    item: str) -> dict[str, Any]:
        reply = await self._watch(keys=[keys.video_sessions(room_id), keys.meeting_log(room_id)],
                                  args=[member_no, action, who, item])
        return dict(json.loads(reply))

    async def video_sessions(self, room_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(keys.video_sessions(room_id))
        return {_s(k): json.loads(v) for k, v in raw.items()}
