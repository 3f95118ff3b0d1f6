"""Pluggable senders for one-time codes.

`OutboxSender` writes each message to the room's outbox, which the host console
shows, for staff-assisted events (and tests). `WebhookSender` POSTs
`{"to": "+8210...", "text": "..."}` as JSON to an SMS gateway's webhook.
Neither logs the number or the code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from typing import Protocol

from rooms.errors import LiveVoteError
from rooms.gates import masked
from rooms.polls import RoomReads

log = logging.getLogger("livevote.sms")
WEBHOOK_TIMEOUT_S = 10


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
        self.token = token
        self.channel = channel

    async def send(self, room_id: str, e164: str, text: str) -> None:
        await asyncio.to_thread(self._post, e164, text)

    def _post(self, e164: str, text: str) -> None:
        body = json.dumps({"to": e164, "text": text, "channel": self.channel},
                          ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"content-type": "application/json"})
        if self.token:
            request.add_header("authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
                if answer.status >= 300:
                    raise OSError(f"status {answer.status}")
        except OSError as exc:
            log.warning("SMS webhook failed: %s", type(exc).__name__)
            raise SmsUnavailable("the text message could not be sent; try again or ask staff")\
                from None
