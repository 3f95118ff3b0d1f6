"""One wrapper for every Socket.IO event: it always acks.

`{"ok": true, "data": ...}` or `{"ok": false, "error": {"code", "message"}}`;
an unexpected exception is logged and answered with `internal`.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import socketio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from rooms.errors import LiveVoteError, UnknownEvent

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
    except (RedisConnectionError, RedisTimeoutError) as exc:
        # Overload, not a bug: one line, no traceback per event. Nothing was applied
        # unless Redis answered, and a retry with the same client key is safe.
        log.warning("event %s: Redis busy (%s)", event, type(exc).__name__)
        return failed(LiveVoteError("the server is busy; please retry"))
    except Exception:
        # Payloads may carry keys and phone numbers: log the event name only.
        log.exception("event %s failed", event)
        return failed(LiveVoteError("something went wrong on the server; please retry"))


class AckedNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Routes `noun:verb` events through `handlers()` and always acks."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._table = self.handlers()

    def handlers(self) -> dict[str, Handler]:
        """Each audience's events; a namespace that lists none answers every
        event with `unknown_event`."""
        return {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            return await super().trigger_event(event, *args)
        sid = args[0]
        data = args[1] if len(args) > 1 else None
        handler = self._table.get(event)
        if handler is None:
            return failed(UnknownEvent(event))
        return await answer(event, handler(sid, data))
