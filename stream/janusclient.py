"""The Janus API as a browser speaks it, for aiortc peers: a venue camera
publishing from `stream/` into a meeting's VideoRoom, and the benchmark's
viewers. `web/video-janus.js` is the same exchange for the pages.

One session per peer, as a browser holds one: created with the LiveVote
grant's token, events by HTTP long poll, a keepalive every 25 s (Janus drops
a session after 60 s of silence). Offers and answers carry every ICE
candidate (`"trickle": false`), so there is no trickle exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from stream.errors import MediaServerError
from stream.janus import VIDEOROOM

KEEPALIVE_S = 25.0
REPLY_S = 20.0


@dataclass(frozen=True)
class Grant:
    """What LiveVote's `video:publish` / `video:watch` answer in janus mode."""

    url: str
    token: str
    room: int
    pin: str
    join_token: str = ""  # publishers: the token on the room's allowed list
    feeds: tuple[int, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> "Grant":
        return cls(str(data["url"]), str(data["token"]), int(data["room"]), str(data["pin"]),
                   str(data.get("join_token") or ""), tuple(int(f) for f in data.get("feeds", ())))


class JanusSession:
    def __init__(self, url: str, token: str, http: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.http = http or httpx.AsyncClient(timeout=60)
        self._own_http = http is None
        self.id = 0
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def post(self, body: dict[str, Any], path: str = "") -> dict[str, Any]:
        request = {**body, "transaction": body.get("transaction") or secrets.token_hex(6),
                   "token": self.token}
        try:
            reply: dict[str, Any] = (await self.http.post(f"{self.url}{path}", json=request)).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise MediaServerError(f"janus did not answer ({type(exc).__name__})") from None
        if reply.get("janus") == "error":
            raise MediaServerError(str(reply["error"].get("reason")), int(reply["error"]["code"]))
        return reply

    async def start(self) -> None:
        self.id = int((await self.post({"janus": "create"}))["data"]["id"])
        self._tasks = [asyncio.create_task(self._poll()), asyncio.create_task(self._keepalive())]

    async def attach(self, plugin: str = VIDEOROOM) -> int:
        reply = await self.post({"janus": "attach", "plugin": plugin}, f"/{self.id}")
        return int(reply["data"]["id"])

    async def message(self, handle: int, body: dict[str, Any],
                      jsep: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A plugin request; waits for the plugin's event when Janus only acks.
        Returns the plugin's data and the JSEP it carried, if any."""
        transaction = secrets.token_hex(6)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[transaction] = waiter
        request: dict[str, Any] = {"janus": "message", "body": body, "transaction": transaction}
        if jsep is not None:
            request["jsep"] = jsep
        try:
            reply = await self.post(request, f"/{self.id}/{handle}")
            if reply.get("janus") == "ack":
                reply = await asyncio.wait_for(waiter, REPLY_S)
        finally:
            self._waiting.pop(transaction, None)
        data: dict[str, Any] = reply.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise MediaServerError(str(data.get("error")), int(data["error_code"]))
        return data, reply.get("jsep")

    async def up(self, handle: int, timeout_s: float = REPLY_S) -> None:
        """Wait until Janus says the handle's PeerConnection is up (only then
        does the VideoRoom list a publisher as publishing)."""
        async with asyncio.timeout(timeout_s):
            while True:
                event = await self.events.get()
                if event.get("janus") == "webrtcup" and event.get("sender") == handle:
                    return
                if event.get("janus") in ("hangup", "error"):
                    raise MediaServerError(f"janus hung up: {event.get('reason', event)}")

    async def _poll(self) -> None:
        while True:
            try:
                response = await self.http.get(f"{self.url}/{self.id}",
                                               params={"token": self.token, "maxev": 10})
                got = response.json()
            except (httpx.HTTPError, ValueError):
                await asyncio.sleep(0.5)
                continue
            for event in got if isinstance(got, list) else [got]:
                waiter = self._waiting.get(str(event.get("transaction")))
                if waiter is not None and event.get("janus") == "event" and not waiter.done():
                    waiter.set_result(event)
                elif event.get("janus") != "keepalive":
                    self.events.put_nowait(event)
                if event.get("janus") == "error":
                    return  # the session is gone (destroyed, or its token removed)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            with contextlib.suppress(MediaServerError):
                await self.post({"janus": "keepalive"}, f"/{self.id}")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(MediaServerError):
            await self.post({"janus": "destroy"}, f"/{self.id}")
        if self._own_http:
            await self.http.aclose()


async def _answered(pc: RTCPeerConnection, session: JanusSession, handle: int,
                    body: dict[str, Any]) -> None:
    await pc.setLocalDescription(await pc.createOffer())
    _, jsep = await session.message(handle, body, {"type": "offer", "sdp": pc.localDescription.sdp,
                                                   "trickle": False})
    if jsep is None:
        raise MediaServerError("janus accepted the offer without an answer")
    await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], jsep["type"]))


async def publish(grant: Grant, tracks: list[MediaStreamTrack], display: str = "LiveVote",
                  http: httpx.AsyncClient | None = None) -> tuple[JanusSession, RTCPeerConnection]:
    """Publish tracks into the granted room (a venue camera, a test speaker)."""
    session = JanusSession(grant.url, grant.token, http)
    await session.start()
    handle = await session.attach()
    await session.message(handle, {"request": "join", "ptype": "publisher", "room": grant.room,
                                   "pin": grant.pin, "token": grant.join_token,
                                   "display": display})
    pc = RTCPeerConnection()
    for track in tracks:
        pc.addTransceiver(track, direction="sendonly")
    await _answered(pc, session, handle, {"request": "publish"})
    await session.up(handle)
    return session, pc


async def subscribe(grant: Grant, pc: RTCPeerConnection, feed: int | None = None,
                    http: httpx.AsyncClient | None = None) -> JanusSession:
    """Receive the granted room's publisher (the first feed unless named) on
    `pc`, a receive-only peer the caller has set up its track handler on."""
    chosen = feed if feed is not None else (grant.feeds[0] if grant.feeds else None)
    if chosen is None:
        raise MediaServerError("nobody publishes in this room yet")
    session = JanusSession(grant.url, grant.token, http)
    await session.start()
    handle = await session.attach()
    _, jsep = await session.message(handle, {"request": "join", "ptype": "subscriber",
                                             "room": grant.room, "pin": grant.pin,
                                             "streams": [{"feed": chosen}]})
    if jsep is None:
        raise MediaServerError("janus sent no offer for the subscription")
    await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], jsep["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await session.message(handle, {"request": "start"},
                          {"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False})
    return session
