"""Host commands, shared by the JSON API and the /host namespace."""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from live import projector
from live.hub import Hub, now_ms
from rooms.polls import payloads, Room
from rooms.errors import ResultNotReady

log = logging.getLogger("livevote.host")


async def snapshot(hub: Hub, room_id: str, for_screen: bool = False) -> dict[str, Any]:
    """The whole picture of a room; a screen's without the counts it may not show."""
    rooms = hub.rooms
    room = await rooms.room(room_id)
    ballots = await rooms.ballots(room_id)
    shown = await projector.directive(hub, room_id, ballots)
    return {"room": room.public(), "links": hub.links(room.id, room.code),
            "ballots": [await projector.entry(hub, b, shown, for_screen) for b in ballots],
            "phones": await rooms.phones(room_id, now_ms()), "screen": shown.public()}


Command = Callable[[Hub, Room, dict[str, Any]], Awaitable[Any]]


async def room_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await snapshot(hub, room.id)


async def ballot_create(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.add_ballot(room, body)
    await hub.ballot_changed(ballot)
    return ballot.public()


async def ballot_open(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    seconds = payloads.integer(body, "countdown", 0, payloads.MAX_COUNTDOWN_S, default=0)
    if ballot.rule:  # an agenda item: needs the record date, commits to the roster
        opened = await hub.meetings.open_item(room, ballot, seconds)
    else:
        opened = await hub.rooms.open(ballot, seconds)
    await hub.ballot_changed(opened)
    return opened.public()


async def ballot_countdown(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    timed = await hub.rooms.countdown(ballot, payloads.countdown(body))
    await hub.ballot_changed(timed)
    return timed.public()


async def ballot_close(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    started = time.monotonic()
    closed = await hub.rooms.seal(ballot.id)
    sealed_at = time.monotonic()
    if closed.announced_here:
        await hub.ballot_closed(closed)
    log.info("ballot %s closed: sealed in %.0f ms, announced in %.0f ms", ballot.id,
             1000 * (sealed_at - started), 1000 * (time.monotonic() - sealed_at))
    hub.after_close_soon(ballot.id)  # the signed bundle follows; /bundle waits for it
    return closed.sealed


async def ballot_reset(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    reason = payloads.text(body, "reason", required=False, default="opened by mistake")
    discarded = await hub.rooms.reset(ballot, reason)
    reset = await hub.rooms.ballot(ballot.id)
    await hub.ballot_changed(reset)
    return {"ballot": reset.public(), "votes_discarded": discarded}


async def tally_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    return (await hub.rooms.tally(ballot.id)).public()


async def result_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    stored = await hub.rooms.result(ballot.id)
    if stored is None:
        raise ResultNotReady(ballot.id)
    return stored


async def answers_list(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Every answer of an open-text question, with its moderation state."""
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    return {"ballot": ballot.id, "answers": await hub.rooms.answers(ballot)}


async def answer_moderate(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Approve, hide or hold one answer; screens and phones follow at the next tick."""
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    return {"ballot": ballot.id, "seq": await hub.rooms.moderate(ballot, body)}


async def screen_show(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Steer every screen of the room: a ballot, an item's quorum, the welcome."""
    chosen = await hub.rooms.show_on_screen(room, body, now_ms())
    shown = chosen or await projector.directive(hub, room.id)
    await hub.screen_show(room.id, shown)
    return shown.public()


async def gates_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return (await hub.rooms.admission.gates(room.id)).for_host()


async def gates_set(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    before, gates = await hub.rooms.set_gates(room.id, body)
    if gates.epoch != before.epoch:
        await hub.gates_changed(room.id, gates.public())
    return gates.for_host()


async def limits_reset(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Staff lift the PIN and staff-code slow-down for everyone in the room."""
    return await hub.rooms.admission.lift_limits(room.id)


async def outbox_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await hub.rooms.outbox(room.id)


async def qr_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """The join QR as the screen should show it now: with a fresh rotating
    token when the room has the QR gate."""
    links = hub.links(room.id, room.code)
    if not (await hub.rooms.admission.gates(room.id)).qr:
        return {"join_url": links["join_url"], "svg": links["qr_svg"], "rotates_in": None}
    token, rotates_in = hub.rooms.admission.qr_token(room.id, now_ms() / 1000)
    return {"join_url": f"{links['join_url']}?t={token}",
            "svg": f"{links['qr_svg']}?t={token}", "rotates_in": round(rotates_in, 1)}


COMMANDS: dict[str, Command] = {
    "gates:get": gates_get,
    "gates:set": gates_set,
    "outbox:get": outbox_get,
    "limits:reset": limits_reset,
    "qr:get": qr_get,
    "room:get": room_get,
    "ballot:create": ballot_create,
    "ballot:open": ballot_open,
    "ballot:countdown": ballot_countdown,
    "ballot:close": ballot_close,
    "ballot:reset": ballot_reset,
    "tally:get": tally_get,
    "result:get": result_get,
    "screen:show": screen_show,
    "answers:list": answers_list,
    "answer:moderate": answer_moderate,
}
