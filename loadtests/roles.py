"""The host and the presenter screen, as the benchmark drives them.

`LiveHost` uses only the documented HTTP API; `BareHost` stands in for it on
the ack-only server. `Presenter` is one `/screen` connection that timestamps
every pushed tally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from wsclient import SioClient, connect


class HostError(RuntimeError):
    pass


class LiveHost:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        # Idle connections are dropped after 2 s, before uvicorn's 5 s keep-alive
        # closes them from its side: reusing one the server is closing fails the
        # call with "Server disconnected" (seen between the ladder and its close).
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                          connector=aiohttp.TCPConnector(keepalive_timeout=2))
        self.room: dict[str, Any] = {}
        self.key = ""

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    expect: int = 200) -> Any:
        headers = {"authorization": f"Bearer {self.key}"} if self.key else {}
        async with self.http.request(method, self.base + path, data=orjson.dumps(body or {}),
                                     headers=headers) as r:
            payload = orjson.loads(await r.read())
            if r.status != expect or not payload.get("ok"):
                raise HostError(f"{method} {path}: {r.status} {payload}")
            return payload["data"]

    async def create_room(self, title: str) -> dict[str, Any]:
        data = dict(await self._call("POST", "/api/rooms", {"title": title, "lang": "en"}, 201))
        self.room, self.key = data["room"], data["host_key"]
        return data

    def room_path(self, tail: str = "") -> str:
        return f"/api/rooms/{self.room['id']}{tail}"

    async def ballot(self, question: str, options: list[str], allow_change: bool,
                     visibility: str) -> str:
        data = await self._call("POST", self.room_path("/ballots"), {
            "question": question, "options": options, "allow_change": allow_change,
            "visibility": visibility}, 201)
        return str(data["id"])

    async def open(self, ballot: str) -> None:
        await self._call("POST", self.room_path(f"/ballots/{ballot}/open"), {})

    async def close(self, ballot: str, votes: int = 0) -> dict[str, Any]:
        return dict(await self._call("POST", self.room_path(f"/ballots/{ballot}/close")))

    async def tally(self, ballot: str) -> dict[str, Any]:
        return dict(await self._call("GET", self.room_path(f"/ballots/{ballot}/tally")))

    async def result(self, ballot: str) -> dict[str, Any]:
        return dict(await self._call("GET", self.room_path(f"/ballots/{ballot}/result.json")))

    async def aclose(self) -> None:
        await self.http.close()


class BareHost:
    """The ack-only server's stand-in: close = broadcast `ballot:closed`."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.room = {"id": "bare", "code": "000000"}
        self.console: SioClient | None = None
        self.key = ""

    async def create_room(self, title: str) -> dict[str, Any]:
        self.console = await connect(self.host, self.port, ("/host",))
        return {"room": self.room}

    async def ballot(self, question: str, options: list[str], allow_change: bool,
                     visibility: str) -> str:
        return f"bare-{question[:8]}"

    async def open(self, ballot: str) -> None:
        return None

    async def close(self, ballot: str, votes: int = 0) -> dict[str, Any]:
        assert self.console is not None
        ack = await self.console.call("/host", "ballot:close", {"ballot": ballot, "votes": votes})
        return dict(ack["data"])

    async def aclose(self) -> None:
        if self.console is not None:
            self.console.close()


@dataclass
class Presenter:
    """One presenter screen: every tally push as (arrival, ballot, seq, counts, voters)."""

    tallies: list[tuple[float, str, int, list[int], int]] = field(default_factory=list)
    phones: list[tuple[float, int]] = field(default_factory=list)
    closed: dict[str, float] = field(default_factory=dict)
    client: SioClient | None = None

    def on_event(self, client: SioClient, ns: str, raw: str, now: float) -> None:
        name, data = orjson.loads(raw)[:2]
        if name == "tally":
            # a screen that may not show the counts gets none (`hidden`)
            self.tallies.append((now, data["ballot"], data["seq"], data.get("counts", []),
                                 data["voters"]))
            if "phones" in data:
                self.phones.append((now, data["phones"]))
        elif name == "room:presence":
            self.phones.append((now, data["phones"]))
        elif name == "ballot:closed":
            self.closed.setdefault(data["ballot"]["id"], now)

    async def watch(self, host: str, port: int, room: str, key: str) -> dict[str, Any]:
        self.client = await connect(host, port, ("/screen",), self.on_event)
        ack = await self.client.call("/screen", "screen:watch", {"room": room, "key": key})
        if not ack["ok"]:
            raise HostError(f"screen:watch refused: {ack}")
        return dict(ack["data"])

    def last_phones(self) -> int:
        return self.phones[-1][1] if self.phones else 0

    def seqs(self, ballot: str) -> list[tuple[float, int]]:
        """(arrival, seq) of this ballot's tallies, in arrival order."""
        return [(t, seq) for t, b, seq, _, _ in self.tallies if b == ballot]

    def last_tally(self, ballot: str) -> tuple[list[int], int] | None:
        mine = [(counts, voters) for _, b, _, counts, voters in self.tallies if b == ballot]
        return mine[-1] if mine else None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
