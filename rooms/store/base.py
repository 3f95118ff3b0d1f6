"""What every part of the store shares: Lua scripts and reply decoding."""

from __future__ import annotations

from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript

Client = Redis | RedisCluster
"""One server, or a Redis/Valkey Cluster: every script and transaction touches
one hash tag's keys, so the same calls run on both."""


def lua(name: str) -> str:
    return resources.files("rooms.store").joinpath("lua", f"{name}.lua").read_text()


def script(redis: Client, name: str) -> AsyncScript:
    return redis.register_script(lua(name))


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
