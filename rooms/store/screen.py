"""The presenter-screen part of `Store`: the host's directive of each room."""

from __future__ import annotations


from rooms.store import keys
from rooms.store.base import Client, _s


class ScreenStore:
    redis: Client

    async def screen(self, room_id: str) -> str | None:
        raw = await self.redis.get(keys.room_screen(room_id))
        return None if raw is None else _s(raw)

    async def save_screen(self, room_id: str, dumped: str | None) -> None:
        """Store a directive; None forgets it (the screens follow the floor)."""
        if dumped is None:
            await self.redis.delete(keys.room_screen(room_id))
        else:
            await self.redis.set(keys.room_screen(room_id), dumped)
