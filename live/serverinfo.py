"""Which Redis-compatible servers LiveVote runs on, checked at start-up.

The scripts and gates use commands and options of Redis 7.0 (`EXPIRE ... NX`
among them); Valkey reports a Redis-compatible `redis_version` of 7.2.4 and
its own `valkey_version`. An older server is refused with one clear message
instead of answering `internal` later, at a user's first PIN or SMS code.
"""

from __future__ import annotations

from typing import Any

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster
from redis.exceptions import ResponseError

MINIMUM = (7, 0, 0)
MINIMUM_TEXT = "Redis 7.0 or Valkey 7.2"
PROBE_KEY = "livevote:probe:{startup}"


class UnsupportedServer(RuntimeError):
    pass


def version_of(info: dict[str, Any]) -> tuple[int, ...]:
    text = str(info.get("redis_version", "0"))
    try:
        return tuple(int(part) for part in text.split(".")[:3])
    except ValueError:
        return (0,)


def describe(info: dict[str, Any]) -> str:
    if info.get("valkey_version"):
        return f"Valkey {info['valkey_version']}"
    return f"Redis {info.get('redis_version', '?')}"


def check_info(info: dict[str, Any]) -> str:
    """The server's name and version, or UnsupportedServer naming the minimum."""
    if version_of(info) < MINIMUM:
        raise UnsupportedServer(
            f"{describe(info)} is too old: LiveVote needs {MINIMUM_TEXT} or later "
            f"(unset REDIS_URL to use the private server it ships)")
    return describe(info)


def _refused(exc: ResponseError, info: dict[str, Any]) -> UnsupportedServer:
    return UnsupportedServer(f"{describe(info)} refuses a command LiveVote needs "
                             f"(EXPIRE ... NX, {exc}); it needs {MINIMUM_TEXT} or later")


def check_mode(info: dict[str, Any], cluster: bool) -> None:
    """A cluster node reached as one server (or the reverse) fails later, at the
    first key of another slot: say so now."""
    enabled = bool(int(info.get("cluster_enabled", 0)))
    if enabled and not cluster:
        raise UnsupportedServer(f"{describe(info)} is a cluster node: set "
                                "LIVE_REDIS_CLUSTER=1 to use the cluster")
    if cluster and not enabled:
        raise UnsupportedServer(f"{describe(info)} is not a cluster node: unset "
                                "LIVE_REDIS_CLUSTER to use it as one server")


def check_all(infos: list[dict[str, Any]], cluster: bool) -> str:
    """`check_info` and `check_mode` for each server (each node of a cluster)."""
    for info in infos:
        check_info(info)
        check_mode(info, cluster)
    name = describe(infos[-1])
    return f"a cluster of {len(infos)} {name} nodes" if cluster else name


def require_supported(client: Redis | RedisCluster) -> str:
    """Every server (each node of a cluster) is recent enough, in the mode the
    settings say, and takes the commands the probe sends."""
    cluster = isinstance(client, RedisCluster)
    nodes = client.get_nodes() if cluster else [None]  # type: ignore[union-attr]
    targets: list[dict[str, Any]] = [{} if n is None else {"target_nodes": n} for n in nodes]
    infos = [client.info("server", **t) | client.info("cluster", **t) for t in targets]
    name = check_all(infos, cluster)
    try:
        with client.pipeline(transaction=False) as pipe:
            _probe(pipe)
            pipe.execute()
    except ResponseError as exc:
        raise _refused(exc, infos[-1]) from exc
    return name


async def require_supported_async(client: AsyncRedis | AsyncRedisCluster) -> str:
    cluster = isinstance(client, AsyncRedisCluster)
    if isinstance(client, AsyncRedisCluster):
        await client.initialize()  # reads the nodes and slots
    nodes = client.get_nodes() if isinstance(client, AsyncRedisCluster) else [None]
    targets: list[dict[str, Any]] = [{} if n is None else {"target_nodes": n} for n in nodes]
    infos = [await client.info("server", **t) | await client.info("cluster", **t)
             for t in targets]
    name = check_all(infos, cluster)
    try:
        async with client.pipeline(transaction=False) as pipe:
            _probe(pipe)
            await pipe.execute()
    except ResponseError as exc:
        raise _refused(exc, infos[-1]) from exc
    return name


def _probe(pipe: Any) -> None:
    pipe.set(PROBE_KEY, 1, ex=60)
    pipe.expire(PROBE_KEY, 60, nx=True)
    pipe.delete(PROBE_KEY)
