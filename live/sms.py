"""Pluggable senders for one-time codes.

`OutboxSender` writes each message to the room's outbox, which the host console
shows, for staff-assisted events (and tests). `WebhookSender` POSTs
`{"to": "+8210...", "text": "..."}` as JSON to an SMS gateway's webhook, one
text per request; `ListSender` gathers the texts of the moment into one
request `{"messages": [{"id", "to", "text"}, ...]}` for a gateway that takes
a list (most Korean SMS APIs do), as a general meeting's 5,000 invitations
need. None logs the number or the code.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from typing import Protocol

import httpx
import orjson

from rooms.errors import LiveVoteError
from rooms.gates import masked
from rooms.polls import RoomReads, Rooms

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
# A list request leaves once it holds the gateway's most texts, or this long
# after its first text (codes asked at the same moment share one request); while
# the gateway already has its most requests, texts wait and the next request
# to leave takes all of them (up to the most), so a busy gateway gets fewer,
# fuller requests rather than a queue of small ones.
LIST_GATHER_S = 0.02
LIST_REQUESTS_AT_ONCE = 16
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a log line per text sent


class SmsUnavailable(LiveVoteError):
    code = "sms_unavailable"
    status = 503

    def __init__(self, message: str, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent  # the gateway may have taken it (a timeout)


class Sender(Protocol):
    at_once: int  # texts a caller with many (invitations) keeps in flight

    async def send(self, room_id: str, e164: str, text: str) -> None: ...


def message(code: str, room_title: str) -> str:
    return f"[LiveVote] {room_title}: 인증번호 {code} / code {code} (5 min)"


async def text_code(rooms: Rooms, sender: Sender, room_id: str, e164: str,
                    address: str) -> None:
    """A fresh one-time code for this number, within the send limits, texted to
    it; if it could not be sent, the ask is given back (`Admission.not_sent`)."""
    otp = await rooms.admission.send_code(room_id, e164, address)
    room = await rooms.room(room_id)
    try:
        await sender.send(room_id, otp.e164, message(otp.code, room.title))
    except SmsUnavailable as failed:
        await rooms.admission.not_sent(room_id, otp.e164, address, failed.maybe_sent)
        raise


class OutboxSender:
    """The built-in sender: texts go to the room's outbox for staff to read out."""

    at_once = 128

    def __init__(self, rooms: RoomReads, channel: str = "sms") -> None:
        self.rooms = rooms
        self.channel = channel

    async def send(self, room_id: str, e164: str, text: str) -> None:
        await self.rooms.post_outbox(room_id, {"at": time.time_ns() // 1_000_000,
                                               "to": masked(e164), "text": text,
                                               "channel": self.channel})


Outcome = tuple[str, bool]  # (why it failed or "", whether it may be sent again: the
#                             gateway refused it for now, or was never reached)
# A whole list refused with one of these is split in halves and sent again, so
# one text the gateway will not take (a number, a word) does not fail the rest.
SPLIT_ON = (400, 413, 422)


class _Webhook(abc.ABC):
    """A gateway's URL, token and connection pools, made in the worker's loop;
    subclasses say how a text goes (`_one`)."""

    pools = WEBHOOK_AT_ONCE // POOL_SIZE
    pool_size = POOL_SIZE

    def __init__(self, url: str, token: str, channel: str) -> None:
        self.url = url
        self.headers = {"authorization": f"Bearer {token}"} if token else {}
        self.channel = channel
        self._clients: list[httpx.AsyncClient] = []
        self._turn = 0
        # One TLS context for every pool, made now: each pool making its own
        # (reading the CA bundle, ~60 ms) held the event loop up for 2 s at the
        # first invitation of a meeting, with members already signing in.
        self._tls = httpx.create_ssl_context()

    def client(self) -> httpx.AsyncClient:
        """The next of the sender's pools."""
        if not self._clients:
            self._clients = [httpx.AsyncClient(
                timeout=WEBHOOK_TIMEOUT_S, headers=self.headers, verify=self._tls,
                limits=httpx.Limits(max_connections=self.pool_size,
                                    max_keepalive_connections=self.pool_size))
                for _ in range(self.pools)]
        self._turn = (self._turn + 1) % len(self._clients)
        return self._clients[self._turn]

    async def send(self, room_id: str, e164: str, text: str) -> None:
        """Sends the text; one the gateway refused (5xx, or no connection) goes
        once more after a moment, since a member who is told `sms_unavailable`
        may only ask again after the gap between codes."""
        failed, again = await self._one(e164, text)
        if failed and again:
            await asyncio.sleep(RETRY_AFTER_S)
            failed, again = await self._one(e164, text)
        if failed:  # our own words only: a gateway's may repeat the number
            log.warning("%s webhook failed: %s", self.channel, failed)
            raise SmsUnavailable("the text message could not be sent; try again or ask staff",
                                 maybe_sent=not again)

    @abc.abstractmethod
    async def _one(self, e164: str, text: str) -> Outcome:
        """Sends one text, once: how it went."""


def _failed(exc: httpx.HTTPError) -> Outcome:
    """A connection never made (or never had from the pool) surely sent
    nothing; a timeout once connected may have."""
    return type(exc).__name__, isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout,
                                                httpx.PoolTimeout))


class WebhookSender(_Webhook):
    """POSTs `{"to", "text", "channel"}`: "sms", or "kakao" for a KakaoTalk-style
    business message gateway (알림톡), which is set up the same way."""

    at_once = 128

    def __init__(self, url: str, token: str = "", channel: str = "sms") -> None:
        super().__init__(url, token, channel)
        self._gate: asyncio.Semaphore | None = None

    async def _one(self, e164: str, text: str) -> Outcome:
        if self._gate is None:
            self._gate = asyncio.Semaphore(WEBHOOK_AT_ONCE)  # no request waits in a pool
        try:
            async with self._gate:
                answer = await self.client().post(self.url, json={
                    "to": e164, "text": text, "channel": self.channel})
        except httpx.HTTPError as exc:
            return _failed(exc)
        code = answer.status_code
        return (f"status {code}", code >= 500) if code >= 300 else ("", False)


class ListSender(_Webhook):
    """POSTs `{"channel", "messages": [{"id", "to", "text"}, ...]}` (at most
    `most` texts) and reads `{"results": [{"id", "ok", "error"?, "retry"?}]}`:
    per text, sent, or refused and whether it may be sent again. A text the
    answer does not name, or a request that timed out, may have been sent and
    is not sent again; a 5xx or no connection failed every text in it."""

    pools = 1  # one pool with a connection for each request in flight
    pool_size = LIST_REQUESTS_AT_ONCE

    def __init__(self, url: str, token: str = "", channel: str = "sms",
                 most: int = 500) -> None:
        super().__init__(url, token, channel)
        self.most = most
        # a bulk send (invitations) fills at most half the requests, so codes
        # asked meanwhile still leave at once
        self.at_once = most * LIST_REQUESTS_AT_ONCE // 2
        self._waiting: list[tuple[str, str, asyncio.Future[Outcome]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._posting: set[asyncio.Task[None]] = set()

    async def _one(self, e164: str, text: str) -> Outcome:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome] = loop.create_future()
        self._waiting.append((e164, text, done))
        if len(self._waiting) >= self.most:
            self._leave()
        elif self._timer is None:
            self._timer = loop.call_later(LIST_GATHER_S, self._leave)
        return await asyncio.shield(done)  # a caller gone does not lose the others' answer

    def _leave(self) -> None:
        """The texts gathered so far go, a list per request, as far as the
        gateway has room for requests; the rest go as requests come back."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting and len(self._posting) < LIST_REQUESTS_AT_ONCE:
            batch, self._waiting = self._waiting[:self.most], self._waiting[self.most:]
            task = asyncio.get_running_loop().create_task(self._post(batch))
            self._posting.add(task)
            task.add_done_callback(self._back)

    def _back(self, task: asyncio.Task[None]) -> None:
        self._posting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s list request failed", self.channel, exc_info=task.exception())
        if self._waiting and self._timer is None:
            self._leave()

    async def _post(self, batch: list[tuple[str, str, asyncio.Future[Outcome]]]) -> None:
        try:
            await self._post_list(batch)
        finally:  # whatever went wrong, no caller waits for ever
            for _, _, done in batch:
                if not done.done():
                    done.set_result(("not sent", False))

    async def _post_list(self, batch: list[tuple[str, str, asyncio.Future[Outcome]]]) -> None:
        messages = [{"id": str(i), "to": e164, "text": text}
                    for i, (e164, text, _) in enumerate(batch)]
        outcomes: dict[str, Outcome] = {}
        every: Outcome = ("", False)
        try:
            answer = await self.client().post(
                self.url, content=orjson.dumps({"channel": self.channel, "messages": messages}),
                headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            every = _failed(exc)
        else:
            code = answer.status_code
            if code in SPLIT_ON and len(batch) > 1:
                half = len(batch) // 2
                await self._post_list(batch[:half])
                await self._post_list(batch[half:])
                return
            if code >= 300:
                every = (f"status {code}", code >= 500)
            else:
                outcomes, every = self._read(answer.content)
        for i, (_, _, done) in enumerate(batch):
            if not done.done():
                done.set_result(outcomes.get(str(i), every))

    @staticmethod
    def _read(content: bytes) -> tuple[dict[str, Outcome], Outcome]:
        """Each text's outcome from the gateway's answer; one it did not name
        (or an answer that cannot be read) failed, maybe sent."""
        unknown: Outcome = ("no result for this text", False)
        try:
            results = orjson.loads(content)["results"]
            return ({str(r["id"]): ("", False) if r.get("ok") is True
                     else ("refused by the gateway", r.get("retry") is True)
                     for r in results}, unknown)
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return {}, ("unreadable answer", False)


def webhook(url: str, token: str, channel: str, most: int) -> WebhookSender | ListSender:
    """The sender for a gateway: a list per request when it takes `most` > 0."""
    return ListSender(url, token, channel, most) if most else WebhookSender(url, token, channel)
