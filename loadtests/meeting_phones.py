"""The members' side of the general-meeting benchmark: a stand-in SMS gateway
that the server texts through, and the members' phones that get those texts
and sign in the way the member page does.

The gateway is a real HTTP service (aiohttp, on 127.0.0.1) speaking the
webhook formats of `live/sms.py` with a bearer token: one text per request
(`POST {"to", "text", "channel"}`) or a list (`POST {"channel", "messages":
[{"id", "to", "text"}]}`, answered with a result per text, as Korean bulk SMS
APIs do). It answers each request after a realistic delay (a list a little
longer per text), refuses a few texts (HTTP 503 or a per-text refusal that
may be retried; nothing delivered) and delivers the rest to the phone with
that number after a further delay, a few of them late, as carriers do.
A phone is a raw Socket.IO client (`wsclient.py`) on `/meeting` behind its own
address (`X-Forwarded-For`, the server trusting 127.0.0.1 as its proxy), as
members at home each have their own.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import ClientError, web

from wsclient import SIO_PATH, ProtocolError, SioClient

MEETING_NS = "/meeting"
ACK_TIMEOUT_S = 8.0  # the pages' ACK_TIMEOUT_MS (web/net.js)
CODE = re.compile(r"인증번호 (\d{6})")
LINK = re.compile(r"/m/([2-9A-Z]{8})")


@dataclass(frozen=True)
class Carrier:
    """How the stand-in gateway behaves (seconds and fractions)."""
    answer_s: tuple[float, float] = (0.2, 1.5)  # the webhook's answer
    deliver_s: tuple[float, float] = (0.1, 1.0)  # from the answer to the phone
    late_s: tuple[float, float] = (8.0, 20.0)  # a late delivery
    refuse: float = 0.02  # answered 503, not delivered
    late: float = 0.03
    per_listed_s: float = 0.0005  # a list request's answer takes this longer per text


def number_key(e164: str) -> str:
    """The last 8 digits: one phone per member in the benchmark's roster."""
    return e164[-8:]


class Gateway:
    """The stand-in SMS gateway; `inbox[number]` is what that phone received."""

    def __init__(self, carrier: Carrier, token: str, seed: int = 7) -> None:
        self.carrier = carrier
        self.token = token
        self.rng = random.Random(seed)
        self.phones: dict[str, Phone] = {}
        self.requests = self.texts = self.refused = self.late = self.delivered = 0
        self.in_flight = self.most_in_flight = 0
        self.runner: web.AppRunner | None = None

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/sms", self.sms)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def sms(self, request: web.Request) -> web.Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "token"}, status=401)
        body = await request.json()
        listed = body.get("messages")
        self.requests += 1
        self.texts += len(listed) if listed is not None else 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        c, rng = self.carrier, self.rng
        try:
            await asyncio.sleep(rng.uniform(*c.answer_s) + c.per_listed_s * len(listed or ()))
        finally:
            self.in_flight -= 1
        if listed is not None:
            return web.json_response({"results": [
                {"id": m["id"], "ok": True} if self._take(m["to"], m["text"])
                else {"id": m["id"], "ok": False, "error": "busy", "retry": True}
                for m in listed]})
        if not self._take(body["to"], body["text"]):
            return web.json_response({"error": "busy"}, status=503)
        return web.json_response({"ok": True})

    def _take(self, to: str, text: str) -> bool:
        """Refused, or delivered later (a few late)."""
        c, rng = self.carrier, self.rng
        if rng.random() < c.refuse:
            self.refused += 1
            return False
        late = rng.random() < c.late
        self.late += late
        delay = rng.uniform(*(c.late_s if late else c.deliver_s))
        asyncio.get_running_loop().call_later(delay, self._deliver, to, text)
        return True

    def _deliver(self, to: str, text: str) -> None:
        phone = self.phones.get(number_key(to))
        self.delivered += 1
        if phone is not None:
            phone.receive(text, time.monotonic())


class MemberSocket(SioClient):
    """A raw Socket.IO client whose WebSocket request names the member's own
    address, as a proxy in front of the server would."""

    def __init__(self, host: str, address: str, on_event: Any) -> None:
        super().__init__(host, (MEETING_NS,), on_event)
        self.address = address

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(
            f"GET {SIO_PATH} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key.decode()}\r\n"
            f"X-Forwarded-For: {self.address}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())


@dataclass
class Phone:
    """One member's phone: the texts it got, its socket, and what it saw when."""
    i: int
    member_no: str
    phone: str  # as the member types it
    address: str
    texts: list[tuple[float, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    invited_at: float = 0.0
    signed_in_at: float = 0.0
    otp_asks: int = 0
    verify_tries: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    closed_at: float = 0.0
    closed: dict[str, Any] | None = None
    socket: MemberSocket | None = None
    base: str = ""  # the server, http://host:port
    token: str = ""  # to resume after a reconnect, as the page keeps it
    reconnects: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # the sign-in's first of each step
    code_asked: float = 0.0  # when the member first asked for a code

    def receive(self, text: str, now: float) -> None:
        self.texts.append((now, text))
        if not self.invited_at and LINK.search(text):
            self.invited_at = now
        self.arrived.set()

    def on_event(self, client: SioClient, ns: str, rest: str, now: float) -> None:
        event = orjson.loads(rest)
        if event[0] == "ballot:closed" and not self.closed_at:
            self.closed_at, self.closed = now, event[1]

    def refused(self, code: str) -> None:
        self.refusals[code] = self.refusals.get(code, 0) + 1

    async def text_after(self, since: float, pattern: re.Pattern[str],
                         timeout: float) -> tuple[float, str] | None:
        """(when, match) of the newest text matching `pattern` received after
        `since`, waiting up to `timeout` for one."""
        deadline = time.monotonic() + timeout
        while True:
            found = [(at, m.group(1)) for at, text in self.texts if at > since
                     for m in [pattern.search(text)] if m]
            if found:
                return found[-1]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                return None

    async def connect(self) -> None:
        host, _, port = self.base.removeprefix("http://").partition(":")
        self.steps.setdefault("connecting", time.monotonic())
        _, sock = await asyncio.get_running_loop().create_connection(
            lambda: MemberSocket(f"{host}:{port}", self.address, self.on_event), host, int(port))
        self.steps.setdefault("tcp", time.monotonic())
        self.socket = await asyncio.wait_for(sock.ready, 30)
        self.steps.setdefault("connected", time.monotonic())

    async def call(self, event: str, data: Any) -> dict[str, Any]:
        """An acked event as the page sends it; a missing ack is `timeout`. A
        connection the server closed is opened again first (and the member's
        session resumed), as Socket.IO's client does."""
        if self.socket is None or self.socket.closed:
            try:
                self.reconnects += self.socket is not None
                await self.connect()
                if self.token:
                    await self._call("member:resume", {"token": self.token})
            except (OSError, asyncio.TimeoutError, ProtocolError):
                self.refused("offline")
                return {"ok": False, "error": {"code": "offline"}}
        return await self._call(event, data)

    async def _call(self, event: str, data: Any) -> dict[str, Any]:
        assert self.socket is not None
        try:
            ack = await asyncio.wait_for(self.socket.call(MEETING_NS, event, data),
                                         ACK_TIMEOUT_S)
        except asyncio.TimeoutError:
            ack = {"ok": False, "error": {"code": "timeout"}}
        if not ack.get("ok"):
            self.refused(ack["error"]["code"])
        return dict(ack)


@dataclass(frozen=True)
class Human:
    """How long a member takes (seconds): the phone's owner, not the network."""
    react_s: tuple[float, float] = (0.0, 5.0)  # from the invitation text to opening the link
    type_s: tuple[float, float] = (1.0, 3.0)  # reading the code and typing it
    again_s: tuple[float, float] = (2.0, 5.0)  # before trying again after an error
    wait_code_s: float = 30.0  # waiting for the code's text before asking again


SAME_AGAIN = ("timeout", "internal", "store_unavailable", "busy", "offline")  # the same request again


async def sign_in(phone: Phone, base: str, http: Any, human: Human,
                  rng: random.Random) -> None:
    """What a member does with the invitation: open the personal link, ask for
    a code, type the code that comes by text, with the page's retries."""
    link = await phone.text_after(-1.0, LINK, 24 * 3600.0)
    assert link is not None
    await asyncio.sleep(rng.uniform(*human.react_s))
    step = phone.steps.setdefault
    step("link", time.monotonic())
    invite = await opened(phone, base, http, link[1], human, rng)
    step("opened", time.monotonic())
    while True:
        asked = time.monotonic()
        phone.code_asked = phone.code_asked or asked
        phone.otp_asks += 1
        ack = await phone.call("member:otp", {"invite": invite, "phone": phone.phone})
        if ack["ok"]:
            step("otp_acked", time.monotonic())
            text = await phone.text_after(asked, CODE, human.wait_code_s)
        elif ack["error"]["code"] in ("timeout", "rate_limited"):
            # the page then shows the code field (web/meeting.js): a code that
            # was sent anyway, or just before, is typed when it arrives
            text = await phone.text_after(phone.code_asked, CODE, human.wait_code_s / 2)
            if text is None:
                await asyncio.sleep(ack["error"].get("wait_s") or rng.uniform(*human.again_s))
                continue
        else:
            await asyncio.sleep(ack["error"].get("wait_s") or rng.uniform(*human.again_s))
            continue
        if text is not None:
            step("code_here", text[0])
        while text is not None:
            await asyncio.sleep(rng.uniform(*human.type_s))
            step("typed", time.monotonic())
            phone.verify_tries += 1
            ack = await phone.call("member:verify", {"invite": invite, "phone": phone.phone,
                                                     "otp": text[1]})
            if ack["ok"]:
                phone.signed_in_at, phone.token = time.monotonic(), ack["data"]["token"]
                return
            code = ack["error"]["code"]
            if code in ("otp_wrong", "otp_used", "otp_expired"):  # a newer text, or ask again
                text = await phone.text_after(text[0], CODE, human.wait_code_s / 2)
            elif code in SAME_AGAIN:
                await asyncio.sleep(rng.uniform(*human.again_s))
            else:  # rate_limited and the like: ask for a new code after a pause
                await asyncio.sleep(ack["error"].get("wait_s") or rng.uniform(*human.again_s))
                text = None


async def opened(phone: Phone, base: str, http: Any, code: str, human: Human,
                 rng: random.Random) -> str:
    """The personal link opened and the member page connected: the invite token."""
    phone.base = base
    while True:
        try:
            async with http.get(f"{base}/m/{code}", allow_redirects=False,
                                headers={"x-forwarded-for": phone.address}) as answer:
                if answer.status != 303:
                    raise OSError(f"http_{answer.status}")
                invite = str(answer.headers["location"].split("invite=", 1)[1])
            phone.steps.setdefault("redirected", time.monotonic())
            if (await phone.call("member:open", {"invite": invite}))["ok"]:
                return invite
        except (OSError, asyncio.TimeoutError, ClientError) as failed:
            phone.refused(str(failed)[:40] or type(failed).__name__)
        await asyncio.sleep(rng.uniform(*human.again_s))


@dataclass
class Cast:
    """One member's vote on the item: when it left, when it was acked, how."""
    phone: Phone
    choice: int
    sent_at: float = 0.0
    acked_at: float = 0.0
    tries: int = 0
    status: str = ""
    error: str = ""


RETRYABLE = ("timeout", "internal", "store_unavailable", "not_joined", "busy", "offline")  # meeting-vote.js


async def vote(cast: Cast, ballot: str, at: float, key: str, tries: int = 4) -> None:
    """One vote at its scheduled time (open loop), sent again with the same
    `client_key` while the answer is retryable, as the page does."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    cast.sent_at = time.monotonic()
    for cast.tries in range(1, tries + 1):
        ack = await cast.phone.call("member:vote", {"ballot": ballot, "choices": [cast.choice],
                                                    "client_key": key})
        if ack["ok"]:
            cast.acked_at, cast.status = time.monotonic(), ack["data"].get("status", "")
            return
        cast.error = ack["error"]["code"]
        if cast.error not in RETRYABLE:
            return
        await asyncio.sleep(ack["error"].get("retry_ms", 1000) / 1000)
