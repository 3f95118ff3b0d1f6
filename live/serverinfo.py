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


def require_supported(client: Redis) -> str:
    info = client.info("server")
    name = check_info(info)
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.set(PROBE_KEY, 1, ex=60)
            pipe.expire(PROBE_KEY, 60, nx=True)
            pipe.delete(PROBE_KEY)
            pipe.execute()
    except ResponseError as exc:
        raise _refused(exc, info) from exc
    return name


async def require_supported_async(client: AsyncRedis) -> str:
    info = await client.info("server")
    name = check_info(info)
    try:
        async with client.pipeline(transaction=False) as pipe:
            pipe.set(PROBE_KEY, 1, ex=60)
            pipe.expire(PROBE_KEY, 60, nx=True)
            pipe.delete(PROBE_KEY)
            await pipe.execute()
    except ResponseError as exc:
        raise _refused(exc, info) from exc
    return name
