"""A union meeting for the video tests: a roster, and members verified on the
`/meeting` namespace the way the member page does it (invite, texted code)."""

from __future__ import annotations

import re
from typing import Any

import socketio

from tests.support import Host, call

NS = "/video"


def phone(i: int) -> str:
    return f"010-4{i:03d}-{i:04d}"


def roster(n: int, prefix: str = "M") -> str:
    rows = ["member_no,name,phone,holding,weight"]
    rows += [f"{prefix}{i:03d},Member {i},{phone(i)},{prefix}H{i:03d}," for i in range(1, n + 1)]
    return "\n".join(rows) + "\n"


async def union(url: str, members: int = 3, prefix: str = "M") -> Host:
    host = Host(url)
    await host.create_room(title=f"Union {prefix}")
    await import_roster(host, roster(members, prefix))
    return host


async def import_roster(host: Host, csv: str) -> Any:
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=csv,
                             headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def member_token(url: str, host: Host, i: int, prefix: str = "M") -> str:
    """Sign member i in with the texted code; the member token it gets."""
    return (await sign_in(url, host, i, prefix))[1]


async def sign_in(url: str, host: Host, i: int, prefix: str = "M") -> tuple[str, str]:
    """Member i's invite and the member token of signing in with it."""
    people = (await host.get("/roster")).json()["data"]["people"]
    invite = next(p for p in people if p["member_no"] == f"{prefix}{i:03d}")["invite_url"]
    invite = invite.split("invite=")[1]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/meeting"], transports=["websocket"])
    try:
        sent = await call(client, "member:otp", {"invite": invite, "phone": phone(i)}, "/meeting")
        assert sent["ok"], sent
        outbox = (await host.get("/outbox")).json()["data"]
        code = re.search(r"\b(\d{6})\b", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
        ok = await call(client, "member:verify", {"invite": invite, "phone": phone(i),
                                                  "otp": code}, "/meeting")
        assert ok["ok"], ok
        return invite, str(ok["data"]["token"])
    finally:
        await client.disconnect()


async def signed_in(url: str, token: str) -> socketio.AsyncClient:
    """A `/meeting` socket resumed with a member token, as the member page keeps it."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/meeting"], transports=["websocket"])
    assert (await call(client, "member:resume", {"token": token}, "/meeting"))["ok"]
    return client


class VideoClient:
    """A Socket.IO client on /video that keeps what the server pushed."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.client = client
        self.states: list[dict[str, Any]] = []
        client.on("video:state", self.states.append, namespace=NS)

    @classmethod
    async def connect(cls, url: str) -> "VideoClient":
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, namespaces=[NS], transports=["websocket"])
        return cls(client)

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace=NS, timeout=20)

    async def ok(self, event: str, data: Any) -> Any:
        ack = await self.call(event, data)
        assert ack["ok"], (event, ack)
        return ack["data"]

    async def close(self) -> None:
        await self.client.disconnect()
