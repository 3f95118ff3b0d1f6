"""The store's Redis client: one server, or a Redis/Valkey Cluster
(LIVE_REDIS_CLUSTER=1, REDIS_URL naming any one of its nodes).

Both run the same scripts, pipelines and transactions: every script's keys and
every transaction's keys share one hash tag, so one slot; a pipeline without
a transaction is split per node by redis-py's cluster client."""

from __future__ import annotations

from typing import Any

import redis
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.cluster import RedisCluster as SyncRedisCluster
from redis.exceptions import ClusterDownError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as SyncRetry

from rooms.store import Client

UNAVAILABLE: tuple[type[Exception], ...] = (
    RedisConnectionError, RedisTimeoutError,
    # a cluster between a primary's loss and its replica's promotion
    ClusterDownError, TryAgainError, SlotNotCoveredError)
"""Redis did not answer: answered `store_unavailable`, and a retry is safe."""

# Connections per cluster node: redis-py's cluster client refuses a command
# beyond it (it does not wait as the one-server pool does), and 10,000 phones
# joining at once each send one.
CLUSTER_CONNECTIONS = 1024


def store_retry() -> dict[str, Any]:
    """A pooled connection found dead (Redis restarted since it was last used) is
    replaced and the call sent once more. Only a connection error is retried: the
    command never reached a live server, or it died with it, and every script is
    safe to replay (a vote batch carries each vote's client key; open, close,
    attend and the chain check their state first). A timeout is not retried:
    Redis may have run the command."""
    return {"retry": Retry(ExponentialBackoff(cap=0.25, base=0.05), 1,
                           supported_errors=(RedisConnectionError,)),
            "retry_on_error": [RedisConnectionError]}


def store_client(url: str, cluster: bool) -> Client:
    """The pooled client of one worker. The socket timeout is generous because
    event-loop lag under load must not turn a command Redis already ran into an
    error."""
    if cluster:
        # A shard's failover (a primary gone, its replica promoted) shows as
        # connection errors; each makes the client read the slots again, and the
        # vote path waits out the whole failover (rooms/store/batch.py).
        return RedisCluster.from_url(url, max_connections=CLUSTER_CONNECTIONS,
                                     socket_timeout=30, socket_connect_timeout=2,
                                     retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), 3))
    # Bounded and blocking: a burst waits for a connection instead of failing.
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=30,
                                           socket_timeout=30, **store_retry())
    return Redis(connection_pool=pool)


def checking_client(url: str, cluster: bool) -> redis.Redis | SyncRedisCluster:
    """A synchronous client for the one check before any worker starts."""
    if cluster:
        return SyncRedisCluster.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    return redis.Redis.from_url(url, socket_timeout=10, retry=SyncRetry(NoBackoff(), 1))
