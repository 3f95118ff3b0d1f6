"""Pluggable senders for one-time codes.

`OutboxSender` writes each message to the room's outbox, which the host console
shows, for staff-assisted events (and tests). `WebhookSender` POSTs
`{"to": "+8210...", "text": "..."}` as JSON to an SMS gateway's webhook.
Neither logs the number or the code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

import httpx

from rooms.errors import LiveVoteError
from rooms.gates import masked
from rooms.polls import RoomReads

log = logging.getLogger("livevote.sms")
WEBHOOK_TIMEOUT_S = 10
# Texts in flight to one gateway at once. A gateway answers in 0.2-1.5 s, and a
# general meeting's invitations (5,000) and the codes of 1,500 members signing
# in go out within a minute (loadtests/meeting_bench.py): a few threads, as
# before, sent 7 a second. They go through several small connection pools:
# httpcore looks at every connection of a pool, and every request waiting
# for one, each time a request starts or ends, so one pool of 256 spent more
# than half the server's time there.
WEBHOOK_AT_ONCE = 256
POOL_SIZE = 8
RETRY_AFTER_S = 0.5
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a log line per text sent


class SmsUnavailable(LiveVoteError):
    code = "sms_unavailable"
    status = 503


class Sender(Protocol):
    async def send(self, room_id: str, e164: str, text: str) -> None: ...


def message(code: str, room_title: str) -> str:
    return f"[LiveVote] {room_title}: 인증번호 {code} / code {code} (5 min)"


class OutboxSender:
    """The built-in sender: texts go to the room's outbox for staff to read out."""

    def __init__(self, rooms: RoomReads, channel: str = "sms") -> None:
        self.rooms = rooms
        self.channel = channel

    async def send(self, room_id: str, e164: str, text: str) -> None:
        await self.rooms.post_outbox(room_id, {"at": time.time_ns() // 1_000_000,
                                               "to": masked(e164), "text": text,
                                               "channel": self.channel})


class WebhookSender:
    """POSTs `{"to", "text", "channel"}`: "sms", or "kakao" for a KakaoTalk-style
    business message gateway (알림톡), which is set up the same way."""

    def __init__(self, url: str, token: str = "", channel: str = "sms") -> None:
        self.url = url
        self.headers = {"authorization": f"Bearer {token}"} if token else {}
        self.channel = channel
        self._clients: list[httpx.AsyncClient] = []
        self._turn = 0
        self._gate: asyncio.Semaphore | None = None

    def client(self) -> httpx.AsyncClient:
        """The next of the sender's pools, made in the worker's own event loop."""
        if not self._clients:
            self._clients = [httpx.AsyncClient(
                timeout=WEBHOOK_TIMEOUT_S, headers=self.headers,
                limits=httpx.Limits(max_connections=POOL_SIZE,
                                    max_keepalive_connections=POOL_SIZE))
                for _ in range(WEBHOOK_AT_ONCE // POOL_SIZE)]
        self._turn = (self._turn + 1) % len(self._clients)
        return self._clients[self._turn]

    async def send(self, room_id: str, e164: str, text: str) -> None:
        """Posts the text; a gateway that refused it (5xx, or no connection)
        gets it once more after a moment, since a member who is told
        `sms_unavailable` may only ask again after the 30 s gap."""
        failed, again = await self._post(e164, text)
        if failed and again:
            await asyncio.sleep(RETRY_AFTER_S)
            failed, _ = await self._post(e164, text)
        if failed:
            log.warning("SMS webhook failed: %s", failed)
            raise SmsUnavailable("the text message could not be sent; try again or ask staff")

    async def _post(self, e164: str, text: str) -> tuple[str, bool]:
        """(why it failed or "", whether the gateway surely did not take it)."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(WEBHOOK_AT_ONCE)  # no request waits in a pool
        try:
            async with self._gate:
                answer = await self.client().post(self.url, json={
                    "to": e164, "text": text, "channel": self.channel})
        except httpx.HTTPError as exc:  # a timeout may have sent it: not again
            return type(exc).__name__, isinstance(exc, httpx.ConnectError)
        code = answer.status_code
        return (f"status {code}", code >= 500) if code >= 300 else ("", False)
