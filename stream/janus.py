"""Janus's Admin API, as LiveVote uses it to authorise large-meeting video.

Janus (the media server, with its VideoRoom plugin) moves the packets;
LiveVote only ever talks to its Admin API, with the admin secret:

- stored tokens (`token_auth = true` in janus.jcfg): `add_token` before a
  browser may open a Janus session, `remove_token` and the hang-up of every
  session opened with it to take it back;
- VideoRoom rooms through `message_plugin` (no session, nothing to keep
  alive): create with a secret, a pin and the list of tokens allowed to
  publish, destroy, list publishers, kick them.

Nothing is kept here between calls: the tokens and rooms live in Janus, so
any worker can grant and revoke. The Janus API a browser speaks is in
`stream/janusclient.py` (for aiortc peers) and `web/video-janus.js`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from stream.errors import MediaServerError

VIDEOROOM = "janus.plugin.videoroom"
TOKEN_NOT_FOUND = 470
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
JS_SAFE_MAX = 2**53 - 1  # room numbers travel through JSON to browsers
SWEEP_CONCURRENCY = 16


@dataclass(frozen=True)
class VideoRoom:
    """A VideoRoom room as LiveVote creates it: numbered, private, a secret to
    change or destroy it, a pin to join it, publishers only from `allowed`."""

    number: int
    secret: str
    pin: str
    description: str = "LiveVote"
    publishers: int = 3
    # caps the speaker (REMB) as the relay's encoder is capped (VideoSpec):
    # every viewer receives this much, so it sizes the media host's uplink
    bitrate: int = 500_000

    def __post_init__(self) -> None:
        if not 0 < self.number <= JS_SAFE_MAX:
            raise ValueError("a room number is a positive integer below 2**53")
        if not (self.secret and self.pin):
            raise ValueError("a room needs a secret and a pin")
        if self.publishers < 1 or self.bitrate < 64_000:
            raise ValueError("a room takes at least one publisher and 64 kbit/s")

    def create(self, allowed: Sequence[str]) -> dict[str, Any]:
        return {"request": "create", "room": self.number, "description": self.description,
                "secret": self.secret, "pin": self.pin, "is_private": True,
                "allowed": list(allowed), "publishers": self.publishers,
                "bitrate": self.bitrate, "fir_freq": 10, "audiocodec": "opus",
                "videocodec": "vp8", "notify_joining": False, "permanent": False}


class JanusAdmin:
    """Admin API calls over HTTP; every failure is a `MediaServerError`."""

    def __init__(self, url: str, secret: str, room_key: str = "", timeout_s: float = 5.0,
                 http: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self.secret = secret
        self.room_key = room_key  # the VideoRoom plugin's admin_key, if it has one
        self.http = http or httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(self, body: dict[str, Any], path: str = "") -> dict[str, Any]:
        request = {**body, "transaction": secrets.token_hex(6), "admin_secret": self.secret}
        try:
            response = await self.http.post(f"{self.url}{path}", json=request)
            reply: Any = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise MediaServerError(f"the media server did not answer ({type(exc).__name__})"
                                   ) from None
        if not isinstance(reply, dict):
            raise MediaServerError("the media server answered something other than JSON")
        if reply.get("janus") == "error":
            error = reply.get("error") or {}
            raise MediaServerError(str(error.get("reason", "refused")), int(error.get("code", 0)))
        return reply

    # tokens ------------------------------------------------------------------

    async def add_token(self, token: str, plugins: Sequence[str] = (VIDEOROOM,)) -> None:
        await self.call({"janus": "add_token", "token": token, "plugins": list(plugins)})

    async def remove_token(self, token: str) -> bool:
        """False if Janus did not hold it (already removed, or never added)."""
        try:
            await self.call({"janus": "remove_token", "token": token})
        except MediaServerError as error:
            if error.code == 0:
                raise
            return False
        return True

    async def tokens(self) -> list[str]:
        reply = await self.call({"janus": "list_tokens"})
        return [str(t["token"]) for t in reply.get("data", {}).get("tokens", [])]

    async def hang_up(self, tokens: Collection[str]) -> int:
        """Destroy every session that opened a handle with one of `tokens`
        (Janus keeps the token on the handle); returns how many. A removed
        token stops new requests, and this ends the media already flowing."""
        if not tokens:
            return 0
        wanted = set(tokens)
        limit = asyncio.Semaphore(SWEEP_CONCURRENCY)

        async def holds(session: int) -> bool:
            async with limit:
                try:
                    handles = (await self.call({"janus": "list_handles"}, f"/{session}")
                               ).get("handles", [])
                    for handle in handles:
                        info = (await self.call({"janus": "handle_info"},
                                                f"/{session}/{handle}")).get("info", {})
                        if info.get("token") in wanted:
                            await self.call({"janus": "destroy_session"}, f"/{session}")
                            return True
                except MediaServerError as error:
                    if error.code == 0:
                        raise
                return False  # it went away while we looked

        sessions = (await self.call({"janus": "list_sessions"})).get("sessions", [])
        return sum(await asyncio.gather(*(holds(int(s)) for s in sessions)))

    # VideoRoom ---------------------------------------------------------------

    async def videoroom(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = await self.call({"janus": "message_plugin", "plugin": VIDEOROOM,
                                 "request": request})
        response: dict[str, Any] = reply.get("response") or {}
        if "error_code" in response:
            raise MediaServerError(str(response.get("error", "refused")),
                                   int(response["error_code"]))
        return response

    async def create_room(self, room: VideoRoom, allowed: Sequence[str]) -> bool:
        """Create the room; False if it existed already (created by another
        worker, say), in which case `allowed` is added to its list."""
        request = room.create(allowed)
        if self.room_key:
            request["admin_key"] = self.room_key
        try:
            await self.videoroom(request)
        except MediaServerError as error:
            if error.code != ROOM_EXISTS:
                raise
            await self.allow(room, allowed)
            return False
        return True

    async def destroy_room(self, room: VideoRoom) -> bool:
        """Destroy the room (Janus hangs up everyone in it); False if absent."""
        try:
            await self.videoroom({"request": "destroy", "room": room.number,
                                  "secret": room.secret, "permanent": False})
        except MediaServerError as error:
            if error.code != NO_SUCH_ROOM:
                raise
            return False
        return True

    async def publishers(self, number: int) -> list[int] | None:
        """Ids of the room's participants that publish now; None if there is
        no such room (one call tells both whether video is on and live)."""
        try:
            listed = await self.videoroom({"request": "listparticipants", "room": number})
        except MediaServerError as error:
            if error.code != NO_SUCH_ROOM:
                raise
            return None
        return [int(p["id"]) for p in listed.get("participants", []) if p.get("publisher")]

    async def allow(self, room: VideoRoom, tokens: Sequence[str], add: bool = True) -> None:
        """Add tokens to (or take them off) the room's list of publishers."""
        if tokens:
            await self.videoroom({"request": "allowed", "room": room.number,
                                  "secret": room.secret, "action": "add" if add else "remove",
                                  "allowed": list(tokens)})

    async def kick_publishers(self, room: VideoRoom) -> int:
        kicked = 0
        for feed in await self.publishers(room.number) or []:
            try:
                await self.videoroom({"request": "kick", "room": room.number,
                                      "secret": room.secret, "id": feed})
                kicked += 1
            except MediaServerError as error:
                if error.code not in (NO_SUCH_FEED, NO_SUCH_ROOM):
                    raise
        return kicked
