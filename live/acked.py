"""One wrapper for every Socket.IO event: it always acks.

`{"ok": true, "data": ...}` or `{"ok": false, "error": {"code", "message"}}`;
an unexpected exception is logged and answered with `internal`.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import socketio

from live.storeclient import UNAVAILABLE
from rooms.errors import LiveVoteError, StoreUnavailable, UnknownEvent

log = logging.getLogger("livevote.events")

Handler = Callable[[str, Any], Awaitable[Any]]


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}


def failed(error: LiveVoteError) -> dict[str, Any]:
    return {"ok": False, "error": error.as_dict()}


async def answer(event: str, call: Awaitable[Any]) -> dict[str, Any]:
    try:
        return ok(await call)
    except LiveVoteError as error:
        return failed(error)
    except UNAVAILABLE as exc:
        # Overload, not a bug: one line, no traceback per event. Nothing was applied
        # unless Redis answered, and a retry with the same client key is safe.
        log.warning("event %s: Redis not answering (%s)", event, type(exc).__name__)
        return failed(StoreUnavailable())
    except Exception:
        # Payloads may carry keys and phone numbers: log the event name only.
        log.exception("event %s failed", event)
        return failed(LiveVoteError("something went wrong on the server; please retry"))


RESERVED = ("connect", "disconnect", "connect_error")


class AckedNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Routes `noun:verb` events through `handlers()` and always acks."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._table = self.handlers()

    def _from_server(self, event: str, args: tuple[Any, ...]) -> bool:
        """Did python-socketio raise this reserved event, or did a client send an
        event by that name? A real connect carries the connection's own environ
        object; during a real disconnect the session is no longer connected."""
        if not args:
            return False
        sid, manager = args[0], self.server.manager
        if event == "connect":
            eio_sid = manager.eio_sid_from_sid(sid, self.namespace)
            return len(args) > 1 and args[1] is self.server.environ.get(eio_sid)
        if event == "disconnect":
            return not manager.is_connected(sid, self.namespace)
        return False

    def handlers(self) -> dict[str, Handler]:
        """Each audience's events; a namespace that lists none answers every
        event with `unknown_event`."""
        return {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in RESERVED:
            if self._from_server(event, args):
                return await super().trigger_event(event, *args)
            return failed(UnknownEvent(event))  # a client may not fake its own (dis)connect
        sid = args[0]
        data = args[1] if len(args) > 1 else None
        handler = self._table.get(event)
        if handler is None:
            return failed(UnknownEvent(event))
        return await answer(event, handler(sid, data))
