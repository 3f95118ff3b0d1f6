"""A consent drive's evidence over HTTP: the signed campaign bundle and the
files for the permit application, both the organiser's. The bundle lists each
owner's land area beside their pseudonym and choice, and areas can be matched
in the public land register, so it is never public: the organiser hands it to
the permit authority and the auditors; the public sees aggregate progress."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from live import consentsheet, exports
from live.consent import as_drive, drives
from live.hub import Hub, now_ms
from rooms.consent import evidence
from rooms.polls import Room

Endpoint = Callable[[Request], Awaitable[Response]]
KeyOf = Callable[[Request], "str | None"]


async def room_chain(hub: Hub, room_id: str) -> list[dict[str, Any]]:
    """The room's hash chain, brought up to date, each link with its event text."""
    await hub.keep_ledger(room_id, room=True)
    links = await hub.rooms.chain(room_id, 0, room=True)
    texts = await hub.rooms.log_since(room_id, 0, room=True)
    return [dict(link, payload=text) for link, text in zip(links, texts)]


async def taken(hub: Hub, room: Room) -> tuple[evidence.Snapshot, list[dict[str, Any]]]:
    """The drive and its chain at one height (the chain first: see evidence)."""
    chain = await room_chain(hub, room.id)
    snap = await evidence.snapshot(drives(hub), room.id, [link["payload"] for link in chain])
    return snap, chain


def endpoints(hub: Hub, key_of: KeyOf) -> dict[str, Endpoint]:
    """`bundle` and `export` (path parameter `fmt`); refusals are raised."""

    async def bundle(request: Request) -> Response:
        room = await as_drive(await hub.rooms.as_host(request.path_params["room_id"],
                                                      key_of(request)))
        snap, chain = await taken(hub, room)
        at = now_ms()
        body = await asyncio.to_thread(
            lambda: orjson.dumps(evidence.signed(snap, chain, at, hub.signer)))
        return Response(body, media_type="application/json", headers={
            "content-disposition": f'inline; filename="drive-{room.id}.json"',
            "cache-control": "no-store"})

    async def export(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        exports.check_format(fmt)
        room = await hub.rooms.as_host(request.path_params["room_id"], key_of(request))
        snap, _ = await taken(hub, await as_drive(room))
        made = await asyncio.to_thread(consentsheet.make, snap, fmt, hub.settings.zone, now_ms())
        return exports.attachment(made, fmt, f"consents-{room.id}")

    return {"bundle": bundle, "export": export}
