"""The presenter screen of the general-meeting benchmark, on the quorum view:
it reads the item's gauge as `web/screen.js` does (`item:quorum` every
`poll_s`) and keeps any gauge the server pushes, each with its arrival time,
so the gauge's lag behind attendance changes can be measured."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson

import wsclient
from stats import summary

SCREEN_NS = "/screen"
GAUGE_PUSHES = ("item:quorum", "quorum")


class Screen:
    def __init__(self, client: wsclient.SioClient, room: str, key: str, item: str,
                 poll_s: float) -> None:
        self.client, self.room, self.key, self.item = client, room, key, item
        self.poll_s = poll_s
        self.polled: list[tuple[float, int]] = []  # (arrival, d)
        self.pushed: list[tuple[float, int]] = []
        self.answers: list[float] = []
        self.task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, base: str, room: str, key: str, item: str, poll_s: float) -> "Screen":
        host, _, port = base.removeprefix("http://").partition(":")
        screen: list[Screen] = []
        client = await wsclient.connect(host, int(port), (SCREEN_NS,),
                                        lambda c, ns, rest, now: screen[0].event(rest, now))
        screen.append(cls(client, room, key, item, poll_s))
        ack = await client.call(SCREEN_NS, "screen:watch", {"room": room, "key": key})
        assert ack["ok"], ack
        screen[0].task = asyncio.create_task(screen[0].poll())
        return screen[0]

    def event(self, rest: str, now: float) -> None:
        name, *data = orjson.loads(rest)
        if name in GAUGE_PUSHES and data and data[0].get("ballot") == self.item:
            self.pushed.append((now, int(data[0]["d"])))

    async def poll(self) -> None:
        while True:
            asked = time.monotonic()
            ack = await self.client.call(SCREEN_NS, "item:quorum",
                                         {"room": self.room, "key": self.key,
                                          "ballot": self.item})
            now = time.monotonic()
            if ack["ok"]:
                self.polled.append((now, int(ack["data"]["d"])))
                self.answers.append(now - asked)
            await asyncio.sleep(max(0.0, asked + self.poll_s - time.monotonic()))

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def close(self) -> None:
        self.stop()
        self.client.close()


def lags(changes: list[float], readings: list[tuple[float, int]],
         base: int = 0) -> dict[str, Any]:
    """Per attendance change (sorted times; each adds one member to D, from
    `base`, while the item is live), from the change to the first reading
    whose D counts it."""
    found, unseen, r = [], 0, 0
    for k, at in enumerate(changes, 1):
        while r < len(readings) and readings[r][1] < base + k:
            r += 1
        if r == len(readings):
            unseen += 1
        else:
            found.append(max(0.0, readings[r][0] - at))
    return {"lag": summary(found), "unseen": unseen}


def gauge_lag(changes: list[float], screen: Screen) -> dict[str, Any]:
    """The lag the screen shows: from pushes when the server sends any, else
    from its polls; both, and the answer time of `item:quorum`."""
    base = min((d for _, d in screen.polled + screen.pushed), default=0)  # before the first
    polled, pushed = lags(changes, screen.polled, base), lags(changes, screen.pushed, base)
    shown = pushed if screen.pushed else polled
    return {"lag": shown["lag"], "unseen": shown["unseen"], "by": "push" if screen.pushed
            else f"poll every {screen.poll_s:g} s", "polled": polled,
            "pushed": pushed if screen.pushed else None,
            "changes": len(changes), "answer": summary(screen.answers)}
