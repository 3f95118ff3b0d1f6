"""Votes on one ballot that arrive together go to Redis together.

Each vote is still applied atomically and answered on its own, but the votes
that reach this worker in the same turn of the event loop (and those that
arrive while earlier ones are in flight) share one `EVALSHA` of `vote.lua`,
as one JSON argument, answered with one JSON string.
Under load a vote then costs a share of one round trip instead of a whole one:
the client-side cost of a Redis command in redis-py is several times the
script's own work. At low rates every vote still goes out at once.

With `replicas`, each call is followed on the same connection by `WAIT`: its
votes are answered once that many replicas have them too (or after WAIT_MS,
when a shard has no replica in sync: docs/deploy.md says what an ack means
then). On a cluster a call that meets a shard's failover is sent again, to
the promoted replica, until FAILOVER_S have passed: a vote already applied is
answered as before (its client key), one lost with the old primary is applied.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio.cluster import PipelineCommand, RedisCluster
from redis.exceptions import (AskError, ClusterDownError, ConnectionError, MovedError,
                              NoScriptError, SlotNotCoveredError, TimeoutError, TryAgainError)

from rooms.store.base import Client

MAX_BATCH = 256  # votes per script call: a few ms of Redis's time at most
MAX_IN_FLIGHT = 8  # calls per ballot at once: with appendfsync always, Redis
# answers a whole event-loop turn of commands after one fsync, so batches in
# flight together share it
WAIT_MS = 500  # how long a vote waits for its replicas
FAILOVER_S = 15.0  # how long a vote waits for its shard's replica to take over
FAILOVER_STEP_S = 0.1
# the shard failing over, or the ballot's slot moving (MOVED after, ASK during)
SHARD_GONE = (ConnectionError, TimeoutError, ClusterDownError, SlotNotCoveredError,
              TryAgainError, MovedError, AskError)
log = logging.getLogger("livevote.store")


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

    def __init__(self, redis: Client, source: str, args_per_call: int, replicas: int = 0) -> None:
        self.redis = redis
        self.replicas = replicas
        self.unreplicated = 0  # calls answered without their replicas (WAIT timed out)
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
        if isinstance(self.redis, RedisCluster):
            return await self._on_cluster(self.redis, keys, calls)
        if self.replicas:
            return await self._send(keys, calls)
        try:
            replies = await self.redis.evalsha(self.sha, len(keys), *keys, calls)
        except NoScriptError:  # Redis restarted or flushed its scripts
            await self.redis.script_load(self.source)
            replies = await self.redis.evalsha(self.sha, len(keys), *keys, calls)
        return list(orjson.loads(replies))

    async def _on_cluster(self, cluster: RedisCluster, keys: list[str], calls: bytes
                          ) -> list[Any]:
        """`_to_node`, again while the shard fails over (the dead primary refuses
        connections, then the slots are read again and name the promoted one)."""
        deadline = time.monotonic() + FAILOVER_S
        while True:
            try:
                return await self._to_node(cluster, keys, calls)
            except SHARD_GONE:
                if time.monotonic() >= deadline:
                    raise
                cluster._initialize = True  # read the slots again before the next try
                await asyncio.sleep(FAILOVER_STEP_S)

    async def _to_node(self, cluster: RedisCluster, keys: list[str], calls: bytes) -> list[Any]:
        """EVALSHA and WAIT written together on one connection to the primary that
        serves the ballot's slot. Not through redis-py's cluster pipeline: when it
        retries by itself, a WAIT may land on another node's connection."""
        for attempt in (1, 2):
            if cluster._initialize:
                await cluster.initialize()
            node = cluster.get_node_from_key(keys[0])
            if node is None:
                raise SlotNotCoveredError(f"no node serves {keys[0]}")
            commands = [PipelineCommand(0, "EVALSHA", self.sha, len(keys), *keys, calls)]
            if self.replicas:
                commands.append(PipelineCommand(1, "WAIT", self.replicas, WAIT_MS))
            try:
                await node.execute_pipeline(commands)
            except AttributeError as exc:
                # redis-py closed this connection under us (it closes all of them
                # when a node answers CLUSTERDOWN): as good as a lost connection
                raise ConnectionError(f"connection closed while in use: {exc}") from exc
            if isinstance(commands[0].result, NoScriptError) and attempt == 1:
                await cluster.script_load(self.source)  # a promoted replica lacks it
                continue
            for command in commands:
                if isinstance(command.result, Exception):
                    raise command.result
            return self._replied(keys[0], [c.result for c in commands])
        raise AssertionError("unreachable")

    async def _send(self, keys: list[str], calls: bytes) -> list[Any]:
        """One server with replicas: EVALSHA, then WAIT on the same connection."""
        for attempt in (1, 2):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.evalsha(self.sha, len(keys), *keys, calls)
                pipe.execute_command("WAIT", self.replicas, WAIT_MS)
                try:
                    return self._replied(keys[0], await pipe.execute())
                except NoScriptError:
                    if attempt == 2:
                        raise
                    await self.redis.script_load(self.source)
        raise AssertionError("unreachable")

    def _replied(self, key: str, answers: list[Any]) -> list[Any]:
        if self.replicas and int(answers[1]) < self.replicas:
            self._unreplicated(key)
        return list(orjson.loads(answers[0]))

    def _unreplicated(self, key: str) -> None:
        self.unreplicated += 1
        if self.unreplicated == 1 or self.unreplicated % 1000 == 0:
            log.warning("votes on %s acked without a replica within %d ms (%d calls so far): "
                        "the shard has no replica in sync", key, WAIT_MS, self.unreplicated)

