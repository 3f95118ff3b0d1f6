"""Votes on one ballot that arrive together go to Redis together.

Each vote is still applied atomically and answered on its own, but the votes
that reach this worker in the same turn of the event loop (and those that
arrive while earlier ones are in flight) share one `EVALSHA` of `vote.lua`,
as one JSON argument, answered with one JSON string.
Under load a vote then costs a share of one round trip instead of a whole one:
the client-side cost of a Redis command in redis-py is several times the
script's own work. At low rates every vote still goes out at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

MAX_BATCH = 256  # votes per script call: a few ms of Redis's time at most
MAX_IN_FLIGHT = 8  # calls per ballot at once: with appendfsync always, Redis
# answers a whole event-loop turn of commands after one fsync, so batches in
# flight together share it


@dataclass
class _Ballot:
    keys: list[str]
    pending: list[tuple[list[str], asyncio.Future[Any]]] = field(default_factory=list)
    in_flight: int = 0
    kick_scheduled: bool = False


class ScriptBatcher:
    """Calls of one multi-call Lua script, grouped per key set (one ballot). The
    script takes a JSON array of calls (each a list of `args_per_call` strings)
    as its one argument and returns a JSON array of replies, one per call."""

    def __init__(self, redis: Redis, source: str, args_per_call: int) -> None:
        self.redis = redis
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self.args_per_call = args_per_call
        self._groups: dict[str, _Ballot] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def call(self, group: str, keys: list[str], args: list[str]) -> Any:
        """One call's reply; raises what the round trip raised."""
        if len(args) != self.args_per_call:
            raise ValueError(f"expected {self.args_per_call} arguments, got {len(args)}")
        loop = asyncio.get_running_loop()
        entry = self._groups.get(group)
        if entry is None:
            entry = self._groups[group] = _Ballot(keys)
        future: asyncio.Future[Any] = loop.create_future()
        entry.pending.append((args, future))
        if not entry.kick_scheduled:
            entry.kick_scheduled = True
            loop.call_soon(self._kick, group, entry)
        return await future

    def _kick(self, group: str, entry: _Ballot) -> None:
        entry.kick_scheduled = False
        while entry.pending and entry.in_flight < MAX_IN_FLIGHT:
            batch, entry.pending = entry.pending[:MAX_BATCH], entry.pending[MAX_BATCH:]
            entry.in_flight += 1
            task = asyncio.ensure_future(self._run(group, entry, batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if not entry.pending and not entry.in_flight and self._groups.get(group) is entry:
            del self._groups[group]

    async def _run(self, group: str, entry: _Ballot,
                   batch: list[tuple[list[str], asyncio.Future[Any]]]) -> None:
        try:
            replies = await self._eval(entry.keys, orjson.dumps([args for args, _ in batch]))
        except Exception as exc:  # noqa: BLE001 - every caller of the batch hears it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, future), reply in zip(batch, replies):
                if not future.done():
                    future.set_result(reply)
        finally:
            entry.in_flight -= 1
            self._kick(group, entry)

    async def _eval(self, keys: list[str], calls: bytes) -> list[Any]:
        try:
            replies = await self.redis.evalsha(self.sha, len(keys), *keys, calls)
        except NoScriptError:  # Redis restarted or flushed its scripts
            await self.redis.script_load(self.source)
            replies = await self.redis.evalsha(self.sha, len(keys), *keys, calls)
        return list(orjson.loads(replies))
