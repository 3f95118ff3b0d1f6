"""The host console: every command of the JSON API, over Socket.IO, plus the
same live view the presenter screen gets."""

from __future__ import annotations

from functools import partial
from typing import Any

from live.acked import Handler
from live.commands import COMMANDS, Command
from live.hub import HOST_NS, Hub
from live.consent import DRIVE_COMMANDS
from live.meeting import MEETING_COMMANDS
from live.screen import ScreenNamespace
from rooms.polls import payloads


class HostNamespace(ScreenNamespace):
    for_screen = False  # staff see every count

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, HOST_NS)

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {"host:watch": self.watch}
        for event, command in (COMMANDS | MEETING_COMMANDS | DRIVE_COMMANDS).items():
            table[event] = partial(self.run, command)
        return table

    async def run(self, command: Command, sid: str, data: Any) -> Any:
        body = payloads.as_dict(data)
        room = await self.hub.rooms.as_host(body.get("room"), body.get("key"))
        return await command(self.hub, room, body)
