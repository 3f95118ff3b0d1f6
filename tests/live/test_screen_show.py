"""The host steers the presenter screens (`screen:show`), and a screen receives
a ballot's counts only as far as the projector may show them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import socketio

from tests.live.test_meeting import Members
from tests.live.test_meeting_rules import invites, small_meeting
from tests.live.test_workers import pair  # noqa: F401  (two workers, one Redis)
from tests.support import Host, LiveServer, call, eventually, voter


class Screen:
    """A presenter screen's socket: every push it got, by event."""

    def __init__(self, host: Host, namespace: str = "/screen") -> None:
        self.host, self.ns = host, namespace
        self.client = socketio.AsyncClient(reconnection=False)
        self.pushed: dict[str, list[Any]] = defaultdict(list)
        for event in ("tally", "screen:show", "ballot:closed", "room:presence"):
            self.client.on(event, self.pushed[event].append, namespace=namespace)

    async def watch(self, url: str) -> dict[str, Any]:
        await self.client.connect(url, namespaces=[self.ns], transports=["websocket"])
        event = "screen:watch" if self.ns == "/screen" else "host:watch"
        ack = await call(self.client, event, {"room": self.host.room["id"],
                                              "key": self.host.key}, self.ns)
        assert ack["ok"], ack
        return dict(ack["data"])

    def entry(self, snapshot: dict[str, Any], ballot: str) -> dict[str, Any]:
        return next(b for b in snapshot["ballots"] if b["id"] == ballot)

    async def shown(self, **want: Any) -> Any:
        async def seen() -> Any:
            return next((p for p in reversed(self.pushed["screen:show"])
                         if all(p["screen"][k] == v for k, v in want.items())), None)
        return await eventually(seen)


async def show(host: Host, **body: Any) -> Any:
    r = await host.post("/screen", body)
    return r.status_code, r.json()


async def test_host_steers_every_screen_and_a_reloaded_screen_agrees(
        live: LiveServer, host: Host) -> None:
    first, second = await host.ballot(question="One?"), await host.ballot(question="Two?")
    for ballot in (first, second):
        await host.open(ballot["id"])
    screen = Screen(host)
    snap = await screen.watch(live.url)
    assert snap["screen"] | {"at": 0} == {"view": "ballot", "ballot": second["id"],
                                          "reveal": False, "at": 0, "auto": True}

    status, answer = await show(host, view="ballot", ballot=first["id"])
    assert status == 200 and answer["data"]["ballot"] == first["id"], answer
    pushed = await screen.shown(view="ballot", ballot=first["id"], auto=False)
    assert pushed["ballot"]["question"] == "One?"
    await host.open((await host.ballot(question="Three?"))["id"])  # opened later: no takeover
    assert (await Screen(host).watch(live.url))["screen"]["ballot"] == first["id"]

    steering = Screen(host, "/host")
    await steering.watch(live.url)
    ack = await call(steering.client, "screen:show", {
        "room": host.room["id"], "key": host.key, "view": "welcome"}, "/host")
    assert ack["ok"] and ack["data"]["view"] == "welcome", ack
    assert (await screen.shown(view="welcome"))["ballot"] is None
    assert await steering.shown(view="welcome")
    reloaded = await Screen(host).watch(live.url)
    assert reloaded["screen"]["view"] == "welcome"

    status, answer = await show(host, view="auto")
    assert status == 200 and answer["data"]["auto"] is True
    for client in (screen, steering):
        await client.client.disconnect()


async def test_screen_show_refuses_another_rooms_ballot_and_a_bad_body(
        live: LiveServer, host: Host) -> None:
    other = Host(live.url)
    await other.create_room()
    theirs = await other.ballot()
    ours = await host.ballot()

    answers = [await show(host, view="ballot", ballot=theirs["id"]),
               await show(host, view="quorum", ballot=theirs["id"]),
               await show(host, view="ballot"),
               await show(host, view="slides"),
               await show(host, view="quorum", ballot=ours["id"]),
               await show(host, view="welcome", reveal=True)]

    assert [(s, a["error"]["code"]) for s, a in answers] == [
        (404, "ballot_not_found"), (404, "ballot_not_found"), (404, "ballot_not_found"),
        (400, "bad_payload"), (400, "bad_payload"), (400, "bad_payload")]
    thief = await other.http.post(f"/api/rooms/{host.room['id']}/screen",
                                  json={"view": "welcome"})
    assert thief.status_code == 403
    await other.aclose()


async def test_screen_never_receives_the_counts_of_an_after_close_ballot_while_open(
        live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(visibility="after_close")
    await host.open(ballot["id"])
    screen, console = Screen(host), Screen(host, "/host")
    await screen.watch(live.url)
    await console.watch(live.url)
    phone, _ = await voter(live.url, code=host.room["code"])
    assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                            "client_key": "k"}))["ok"]

    async def console_counted() -> bool:
        return any(t["counts"] == [0, 1, 0] for t in console.pushed["tally"])
    assert await eventually(console_counted)
    assert await eventually(lambda: _voters(screen.pushed["tally"], 1))
    watched = screen.entry(await Screen(host).watch(live.url), ballot["id"])

    assert all("counts" not in t and t["hidden"] for t in screen.pushed["tally"])
    assert "counts" not in watched["tally"] and watched["result"] is None
    await host.close(ballot["id"])

    async def closed() -> Any:
        return screen.pushed["ballot:closed"]
    assert (await eventually(closed))[0]["result"]["record"]["counts"] == [0, 1, 0]
    await phone.disconnect()
    for client in (screen, console):
        await client.client.disconnect()


async def _voters(tallies: list[dict[str, Any]], n: int) -> bool:
    return any(t["voters"] == n for t in tallies)


async def test_a_never_ballot_reaches_the_screen_only_when_the_host_reveals_it(
        live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(visibility="never")
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [2],
                                            "client_key": "k"}))["ok"]
    screen = Screen(host)
    await screen.watch(live.url)
    await host.close(ballot["id"])

    async def closed() -> Any:
        return screen.pushed["ballot:closed"]
    assert (await eventually(closed))[0]["result"] is None

    await show(host, view="ballot", ballot=ballot["id"], reveal=True)
    revealed = await screen.shown(reveal=True)
    assert revealed["ballot"]["result"]["record"]["counts"] == [0, 0, 1]
    assert revealed["ballot"]["tally"]["counts"] == [0, 0, 1]
    await phone.disconnect()
    await screen.client.disconnect()


async def test_a_signed_in_member_counts_as_a_connected_phone(live: LiveServer,
                                                              host: Host) -> None:
    await small_meeting(host)
    members = Members(live, host, await invites(host))
    await members.verify(1)

    async def phones() -> Any:
        return (await host.get("")).json()["data"]["phones"] == 1
    assert await eventually(phones)
    await members.close()

    async def none() -> Any:
        return (await host.get("")).json()["data"]["phones"] == 0
    assert await eventually(none, timeout=10)


async def test_a_screen_on_one_worker_follows_the_host_on_another(
        pair: list[LiveServer]) -> None:  # noqa: F811
    a, b = pair
    host = Host(b.url)
    await host.create_room()
    ballot = await host.ballot()
    screen = Screen(host)
    await screen.watch(a.url)

    await show(host, view="ballot", ballot=ballot["id"])

    assert (await screen.shown(ballot=ballot["id"], auto=False))["ballot"]["id"] == ballot["id"]
    await screen.client.disconnect()
    await host.aclose()
