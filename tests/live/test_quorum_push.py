"""The quorum gauge moves on the presenter screen and the staff console as
members arrive, without waiting for their next poll."""

from __future__ import annotations

from typing import Any

import socketio

from tests.live.test_staff_console import signed_in
from tests.support import Host, LiveServer, call, eventually


def roster() -> str:
    rows = ["member_no,name,phone,holding,weight"]
    rows += [f"M{i},Member {i},010-5{i:03d}-{i:04d},H{i},1" for i in range(1, 6)]
    return "\n".join(rows) + "\n"


async def listening(live: LiveServer, ns: str, host: Host) -> tuple[socketio.AsyncClient,
                                                                    list[dict[str, Any]]]:
    heard: list[dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("item:quorum", heard.append, namespace=ns)
    await client.connect(live.url, namespaces=[ns], transports=["websocket"])
    event = "screen:watch" if ns == "/screen" else "host:watch"
    ack = await call(client, event, {"room": host.room["id"], "key": host.key}, ns)
    assert ack["ok"], ack
    return client, heard


async def test_screen_and_console_hear_the_gauge_move_as_members_arrive(
        live: LiveServer, redis_client: Any) -> None:
    host = Host(live.url)
    clients: list[socketio.AsyncClient] = []
    try:
        await host.create_room(title="총회", kind="meeting")
        assert (await host.post("/roster", {"csv": roster()})).status_code == 200
        assert (await host.post("/record-date", {"record_date": "2026-11-01"})).status_code == 200
        item = (await host.post("/ballots", {"question": "제1호", "kind": "yesno",
                                             "agenda": "general", "visibility": "after_close"})
                ).json()["data"]
        assert (await host.post(f"/ballots/{item['id']}/live")).status_code == 200
        screen, on_screen = await listening(live, "/screen", host)
        console, on_console = await listening(live, "/host", host)
        clients += [screen, console]

        assert (await host.post("/attendance", {"member_no": "M1"})).status_code == 200
        shown = await eventually(lambda: first(on_screen, d=1))
        assert shown["ballot"] == item["id"] and shown["n"] == 5 and shown["hidden"]
        assert "votes" not in shown  # the projector may not show an after_close item's counts
        assert (await eventually(lambda: first(on_console, d=1)))["votes"] == [0, 0, 0]

        clients.append(await signed_in(live, host, "M2", "010-5002-0002"))
        online = await eventually(lambda: first(on_screen, d=2))
        assert online["d_by_mode"]["online"] == 1
    finally:
        for client in clients:
            await client.disconnect()
        await host.aclose()


async def first(heard: list[dict[str, Any]], d: int) -> dict[str, Any] | None:
    """The first gauge heard that counts `d` members present."""
    return next((g for g in heard if g["d"] == d), None)
