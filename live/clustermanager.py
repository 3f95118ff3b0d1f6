"""Cross-worker events on a Redis/Valkey Cluster: sharded pub/sub, a channel
per room, through python-socketio's client manager extension point
(`AsyncPubSubManager`: `_publish` and `_listen`).

`AsyncRedisManager` publishes every event on one channel with PUBLISH, which a
cluster copies to every node: each node then carries every event of every
room. Here an event for one LiveVote room's Socket.IO channel (`room:ID`,
`video:ID`: every namespace's room-wide pushes) goes with SPUBLISH on
`livevote:{r:ID}`, which carries the room's own hash tag, so it stays on the
shard that holds the room's keys, and only workers with someone in that room
subscribe to it. Everything else (an event to one sid or to a whole
namespace, a disconnect, a room entered or left by a sid on another worker,
a `voted:` channel closed, an ack) goes on `livevote:{all}`, which every
worker subscribes to; these are rare.

A worker subscribes to a room's channel when its first local client enters one
of that room's Socket.IO channels, before the join is answered, so no event
published after the join is missed; it unsubscribes after the last one left
(checked every SWEEP_S). The local half of each event is `LeanManager`'s."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator

from socketio.async_pubsub_manager import AsyncPubSubManager
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from live.shards import ShardSubscriber
from live.transport import LeanManager

EVERYONE = "livevote:{all}"
ROOM_KINDS = ("room:", "video:")  # Socket.IO channels that belong to one LiveVote room
SWEEP_S = 30.0
PUBLISH_FOR_S = 10.0  # a publish retries this long while its shard fails over
log = logging.getLogger("livevote.cluster")


def shard_channel(channel: Any) -> str:
    """The sharded channel that carries events for one Socket.IO channel."""
    if isinstance(channel, str):
        for kind in ROOM_KINDS:
            if channel.startswith(kind) and len(channel) > len(kind):
                return f"livevote:{{r:{channel[len(kind):]}}}"
    return EVERYONE


def message_channel(message: dict[str, Any]) -> str:
    if message.get("method") in ("emit", "close_room"):
        return shard_channel(message.get("room"))
    return EVERYONE


class ClusterManager(AsyncPubSubManager, LeanManager):  # type: ignore[misc]
    name = "livevote-cluster"

    def __init__(self, cluster: RedisCluster) -> None:
        super().__init__(channel=EVERYONE)
        self.cluster = cluster
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.shards = ShardSubscriber(cluster, self.inbox.put_nowait)
        self._lock = asyncio.Lock()
        self._swept_at = time.monotonic()
        self._leaving: set[str] = set()  # channels a sweep is unsubscribing right now

    async def _publish(self, data: Any) -> None:
        channel = message_channel(data)
        body = self.json.dumps(data)
        deadline = time.monotonic() + PUBLISH_FOR_S
        while True:
            try:
                await self.cluster.spublish(channel, body)
                return
            except RedisError as exc:
                if time.monotonic() >= deadline:
                    log.error("event %s not published on %s: %s", data.get("method"),
                              channel, exc)
                    return
                await asyncio.sleep(0.1)

    async def _listen(self) -> AsyncIterator[bytes]:
        while True:
            try:
                await self.shards.subscribe(EVERYONE)
                break
            except (RedisError, OSError) as exc:
                log.warning("cannot subscribe to %s yet: %s", EVERYONE, exc)
                await asyncio.sleep(1)
        while True:
            try:
                yield await asyncio.wait_for(self.inbox.get(), SWEEP_S)
            except asyncio.TimeoutError:
                pass
            if time.monotonic() - self._swept_at >= SWEEP_S:
                await self.sweep()

    async def enter_room(self, sid: str, namespace: str, room: str,
                         eio_sid: str | None = None) -> None:
        await super().enter_room(sid, namespace, room, eio_sid=eio_sid)
        channel = shard_channel(room)
        if channel == EVERYONE or (self.shards.ready(channel) and channel not in self._leaving):
            return
        async with self._lock:  # the first join subscribes; the others (and a sweep) wait
            await self.shards.subscribe(channel)

    def local_rooms(self) -> set[str]:
        """The sharded channels of the rooms someone on this worker is in."""
        wanted = {EVERYONE}
        for channels in self.rooms.values():
            for name, members in channels.items():
                channel = shard_channel(name)
                if channel != EVERYONE and members:
                    wanted.add(channel)
        return wanted

    async def sweep(self) -> None:
        """Leave the channels of rooms nobody here is in any more."""
        self._swept_at = time.monotonic()
        async with self._lock:
            for channel in self.shards.channels - self.local_rooms():
                # Asked again per channel: a phone may have entered the room while
                # an earlier channel was being left. One entering while this one is
                # left waits for the lock, then subscribes again.
                if channel in self.local_rooms():
                    continue
                self._leaving.add(channel)
                try:
                    await self.shards.unsubscribe(channel)
                finally:
                    self._leaving.discard(channel)

    async def close(self) -> None:
        await self.shards.close()
