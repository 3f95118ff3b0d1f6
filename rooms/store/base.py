"""What every part of the store shares: Lua scripts and reply decoding."""

from __future__ import annotations

from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


def lua(name: str) -> str:
    return resources.files("rooms.store").joinpath("lua", f"{name}.lua").read_text()


def script(redis: Redis, name: str) -> AsyncScript:
    return redis.register_script(lua(name))


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
