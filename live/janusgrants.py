"""Janus tokens and rooms for meetings' video (LIVE_VIDEO=janus).

Every name is derived from the server secret, so every worker names the same
VideoRoom, pin, secret and tokens for a meeting without storing anything:
the grants themselves live in Janus (its stored tokens and each room's list
of who may publish), and any worker can take them back.

A token reads `lv1.<room tag>.<role>.<mac>`: the room tag lets one sweep of
Janus's token list find all of a meeting's tokens when its video ends; the
role says who holds it (`m` a member, by member number; `h` the staff, with
the host key; `s` the speaker of the current speaker key; `f` a member the
chair gave the floor, by member number and speaking request, for that turn).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from typing import Any

from stream.errors import MediaServerError
from stream.janus import NO_SUCH_ROOM, JanusAdmin, VideoRoom

MEMBER, STAFF, SPEAKER, FLOOR = "m", "h", "s", "f"
VERSION = "lv1"


class JanusGrants:
    def __init__(self, admin: JanusAdmin, secret: bytes, url: str) -> None:
        self.admin = admin
        self._secret = secret
        self.url = url  # the Janus API as browsers reach it

    async def aclose(self) -> None:
        await self.admin.aclose()

    # names -------------------------------------------------------------------

    def _mac(self, *parts: str) -> str:
        message = "\x00".join(("livevote-janus", *parts)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def room(self, room_id: str) -> VideoRoom:
        number = int(self._mac("number", room_id)[:13], 16) or 1  # below 2**52
        return VideoRoom(number, secret=self._mac("secret", room_id)[:32],
                         pin=self._mac("pin", room_id)[:24], description=f"LiveVote {room_id}")

    def _prefix(self, room_id: str, role: str = "") -> str:
        return f"{VERSION}.{self._mac('tag', room_id)[:16]}.{role}"

    def token(self, room_id: str, role: str, subject: str) -> str:
        return self._prefix(room_id, role) + "." + self._mac("token", room_id, role, subject)[:32]

    # the room ----------------------------------------------------------------

    async def open(self, room_id: str) -> None:
        """Video on: the room exists, and the staff may publish in it."""
        await self.admin.create_room(self.room(room_id), [self.token(room_id, STAFF, "")])

    async def close(self, room_id: str) -> int:
        """Video off: the room goes (Janus hangs up everyone in it) and every
        token of the meeting is taken back; returns how many tokens."""
        await self.admin.destroy_room(self.room(room_id))
        held = [t for t in await self.admin.tokens() if t.startswith(self._prefix(room_id))]
        return await self._take_back(held)

    async def publishers(self, room_id: str) -> list[int] | None:
        """The feeds publishing now; None when the room's video is off."""
        return await self.admin.publishers(self.room(room_id).number)

    async def end_broadcast(self, room_id: str) -> int:
        return await self.admin.kick_publishers(self.room(room_id))

    # grants ------------------------------------------------------------------

    async def grant(self, room_id: str, role: str, subject: str, publish: bool = False,
                    feeds: Collection[int] = ()) -> dict[str, Any]:
        """Add the holder's token to Janus (and to the room's publishers when
        `publish`), and say what the browser needs to join."""
        room, token = self.room(room_id), self.token(room_id, role, subject)
        await self.admin.add_token(token)
        if publish:
            await self.admin.allow(room, [token])
        grant: dict[str, Any] = {"url": self.url, "token": token, "room": room.number,
                                 "pin": room.pin, "feeds": list(feeds)}
        return grant | {"join_token": token} if publish else grant

    async def revoke_members(self, room_id: str, member_nos: Collection[str]) -> int:
        """Members removed from the roster: their tokens and sessions end."""
        return await self._take_back([self.token(room_id, MEMBER, no) for no in member_nos])

    async def new_speaker(self, room_id: str, key: str | None) -> None:
        """The previous speaker's token ends (and their broadcast with it);
        the new key's token exists from now on, so any worker can check it."""
        old = [t for t in await self.admin.tokens() if t.startswith(self._prefix(room_id, SPEAKER))]
        if old:
            await self.admin.allow(self.room(room_id), old, add=False)
            await self._take_back(old)
        if key is not None:
            await self.admin.add_token(self.token(room_id, SPEAKER, key))

    async def end_floor(self, room_id: str) -> int:
        """A member's turn ended: their publishing token leaves the room's list
        and Janus, and the sessions opened with it hang up (their broadcast
        ends; their viewing, under their member token, goes on)."""
        held = [t for t in await self.admin.tokens() if t.startswith(self._prefix(room_id, FLOOR))]
        try:
            await self.admin.allow(self.room(room_id), held, add=False)
        except MediaServerError as error:
            if error.code != NO_SUCH_ROOM:  # video off: the room and its list are gone
                raise
        return await self._take_back(held)

    async def is_speaker(self, room_id: str, key: str) -> bool:
        return self.token(room_id, SPEAKER, key) in await self.admin.tokens()

    async def _take_back(self, tokens: list[str]) -> int:
        removed = [t for t in tokens if await self.admin.remove_token(t)]
        await self.admin.hang_up(tokens)
        return len(removed)
