"""Sharded pub/sub subscriptions on a Redis/Valkey Cluster that follow their
slots: one connection per primary that serves a subscribed channel, moved to
the new primary when a shard fails over or a slot migrates.

Not redis-py's `ClusterPubSub`: it polls each node's connection in turn, and
follows a failover only when another command of the same client happens to
read the new slots. Here each connection has a reader that waits on it, and a
reader that loses its connection (the primary died) or is told its channel
left the node (an unsolicited SUNSUBSCRIBE: the slot moved) hands its channels
back to be subscribed again wherever the slots now say, retrying until the
cluster has promoted a replica."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

CONFIRM_S = 5.0  # how long a subscription may take to be confirmed
REHOME_STEP_S = 0.2  # between tries to find a channel's new primary
log = logging.getLogger("livevote.shards")


class _Reader:
    """One connection to one primary, and the channels subscribed on it."""

    def __init__(self, host: str, port: int, deliver: Callable[[bytes], None],
                 lost: Callable[["_Reader", set[str]], None]) -> None:
        self.name = f"{host}:{port}"
        # no retries of its own: a lost primary must end the reader at once, so
        # that its channels move to the promoted replica (ShardSubscriber._lost)
        self.client = Redis(host=host, port=port, socket_connect_timeout=2,
                            retry=Retry(NoBackoff(), 0))
        self.pubsub: PubSub = self.client.pubsub()
        self.channels: set[str] = set()
        self.leaving: set[str] = set()
        self.confirm: dict[str, asyncio.Future[None]] = {}
        self.deliver = deliver
        self.lost = lost
        self.task: asyncio.Task[None] | None = None
        # redis-py's PubSub opens its connection on the first command: two
        # commands at once would each open one, and one subscription be lost
        self.sending = asyncio.Lock()

    async def subscribe(self, channel: str) -> None:
        """Returns once the node confirmed it: an event published after that
        reaches this worker."""
        future = self.confirm[channel] = asyncio.get_running_loop().create_future()
        self.channels.add(channel)
        async with self.sending:
            await self.pubsub.ssubscribe(channel)
            if self.task is None:  # the connection exists from the first subscription on
                self.task = asyncio.ensure_future(self._read())
        try:
            await asyncio.wait_for(future, CONFIRM_S)
        except asyncio.TimeoutError:
            self.confirm.pop(channel, None)
            self.channels.discard(channel)
            raise RedisTimeoutError(f"{self.name}: {channel} not confirmed in {CONFIRM_S} s"
                                    ) from None

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        self.leaving.add(channel)
        async with self.sending:
            await self.pubsub.sunsubscribe(channel)

    async def _read(self) -> None:
        try:
            while True:
                message = await self.pubsub.get_message(timeout=None)
                if message is not None:
                    self._handle(message)
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            log.warning("shard %s lost (%s); moving %d channels", self.name, exc,
                        len(self.channels))
        except Exception:  # noqa: BLE001 - whatever broke the reader, hand its channels back
            log.exception("shard %s reader failed", self.name)
        self.lost(self, set(self.channels))

    def _handle(self, message: dict[str, object]) -> None:
        kind = _text(message["type"])
        channel = _text(message.get("channel", b""))
        if kind == "smessage":
            data = message["data"]
            if isinstance(data, bytes):
                self.deliver(data)
        elif kind == "ssubscribe":
            future = self.confirm.pop(channel, None)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "sunsubscribe":
            if channel in self.leaving:
                self.leaving.discard(channel)
            elif channel in self.channels:  # the node gave up the slot: resubscribe elsewhere
                self.channels.discard(channel)
                self.lost(self, {channel})

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        try:
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]
            await self.client.aclose()
        except (RedisError, OSError):
            pass


class ShardSubscriber:
    """Subscriptions to sharded channels, each on the primary that serves it."""

    def __init__(self, cluster: RedisCluster, deliver: Callable[[bytes], None]) -> None:
        self.cluster = cluster
        self.deliver = deliver
        self.readers: dict[str, _Reader] = {}
        self.where: dict[str, _Reader] = {}  # channel -> its reader
        self.wanted: set[str] = set()
        self._rehoming: set[asyncio.Task[None]] = set()

    def ready(self, channel: str) -> bool:
        """Subscribed and confirmed."""
        reader = self.where.get(channel)
        return reader is not None and channel not in reader.confirm

    @property
    def channels(self) -> set[str]:
        return set(self.wanted)

    async def subscribe(self, channel: str) -> None:
        self.wanted.add(channel)
        if channel in self.where:
            return
        await self._place(channel)

    async def unsubscribe(self, channel: str) -> None:
        self.wanted.discard(channel)
        reader = self.where.pop(channel, None)
        if reader is not None:
            try:
                await reader.unsubscribe(channel)
            except (RedisError, OSError):
                pass  # its connection is gone, and the subscription with it

    async def _place(self, channel: str) -> None:
        if self.cluster._initialize:
            await self.cluster.initialize()
        node = self.cluster.get_node_from_key(channel)
        if node is None:
            raise RedisError(f"no primary serves {channel}")
        reader = self.readers.get(node.name)
        if reader is None:
            reader = self.readers[node.name] = _Reader(node.host, int(node.port), self.deliver,
                                                       self._lost)
        self.where[channel] = reader
        try:
            await reader.subscribe(channel)
        except BaseException:
            if self.where.get(channel) is reader:
                del self.where[channel]
            raise

    def _lost(self, reader: _Reader, channels: set[str]) -> None:
        """A reader's connection ended (or a slot left its node): its channels
        go to whichever primary serves them once the cluster has settled."""
        if not reader.channels or channels == reader.channels:
            self.readers.pop(reader.name, None)
            asyncio.ensure_future(reader.close())
        for channel in channels:
            if self.where.get(channel) is reader:
                del self.where[channel]
        self.cluster._initialize = True
        task = asyncio.ensure_future(self._rehome(channels))
        self._rehoming.add(task)
        task.add_done_callback(self._rehoming.discard)

    async def _rehome(self, channels: set[str]) -> None:
        waiting = set(channels)
        while waiting:
            for channel in sorted(waiting):
                if channel not in self.wanted or channel in self.where:
                    waiting.discard(channel)
                    continue
                try:
                    await self._place(channel)
                    waiting.discard(channel)
                except (RedisError, OSError):
                    self.cluster._initialize = True  # still the old slots: read them again
            if waiting:
                await asyncio.sleep(REHOME_STEP_S)
        log.info("shard channels subscribed again: %d", len(channels))

    async def close(self) -> None:
        for task in list(self._rehoming):
            task.cancel()
        for reader in list(self.readers.values()):
            await reader.close()
        self.readers.clear()
        self.where.clear()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
