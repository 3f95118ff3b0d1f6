"""Answers for Socket.IO packets the server cannot use, on every transport.

Every acked event of our namespaces is answered (docs/protocol.md), also one
whose data does not parse (truncated JSON, `NaN`, a lone surrogate, an integer
beyond 64 bits, nesting deeper than 1,024: `live.codec.loads` refuses them all)
or is not `[event name, ...]`. Two hooks do it, for long-polling, for polling
upgraded to WebSocket and for the lean WebSocket loops alike (whatever
`live.transport.FastEvents` does not take goes down python-socketio's own
path):

* `AnsweringPacket`, given to `socketio.AsyncServer` as `serializer=`
  (python-socketio's documented hook: a `Packet` subclass with its own
  `decode`), refuses an EVENT whose data is unusable with `BadEvent` when it
  carries an ack id, and anything else that does not decode (a binary message
  that is no attachment, `42abc[...]`, `42{}`) with `Undecodable`, instead of
  the generic errors python-socketio's dispatch would raise on it;
* `install` puts a handler in front of python-socketio's on Engine.IO's
  documented `message` event (`eio.on`), the one call every transport makes
  per received Socket.IO packet: it answers a `BadEvent` of an
  `AckedNamespace` the session is connected to with `bad_payload`, and turns
  everything else refused into at most one log line per `QUIET_S` (a flood of
  garbage frames once wrote a traceback each, megabytes of log).

Both rely on python-socketio 5.x calling `packet_class(encoded_packet=...)` in
its handler of that `message` event and letting what `decode` raises escape to
the caller (Engine.IO would log it with a traceback): the tests in
tests/live/test_event_answers.py pin that on every transport.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from typing import Any, NamedTuple

import orjson
import socketio
from engineio import exceptions as eio_exceptions
from socketio import packet as sio_packet

from live.acked import AckedNamespace, failed
from rooms.errors import BadPayload, LiveVoteError

QUIET_S = 10.0  # at most one line about refused packets per this many seconds
log = logging.getLogger("livevote.packets")


class PayloadTooLarge(LiveVoteError):
    code = "payload_too_large"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"a Socket.IO message may be at most {limit} characters long; "
                         "this one was not read, and the connection closes")


class Undecodable(ValueError):
    """A packet python-socketio cannot use and nobody is waiting an answer for."""


class BadEvent(Undecodable):
    """An EVENT with an ack id whose data is unusable: `reason` says why."""

    def __init__(self, namespace: str, ack_id: str, reason: str) -> None:
        super().__init__(f"event {ack_id} of {namespace}: {reason}")
        self.namespace, self.ack_id, self.reason = namespace, ack_id, reason


class Header(NamedTuple):
    namespace: str
    ack_id: str  # "" when the event asks for no answer
    start: int   # where its data begins


def event_header(text: str) -> Header | None:
    """Namespace, ack id and start of the data of a Socket.IO EVENT packet
    `2[/ns,][id]data`, read as python-socketio reads them (`?query` is no part of
    the namespace); None if `text` is no EVENT. The data is not looked at."""
    if not text.startswith("2"):
        return None
    namespace, start = "/", 1
    if text.startswith("/", 1):
        comma = text.find(",", 1)
        if comma < 0:
            return None  # `2/ns`: nothing after the namespace, so no ack id either
        namespace, start = text[1:comma].partition("?")[0], comma + 1
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return Header(namespace, text[start:end], end)


def event_problem(data: Any) -> str:
    """Why `data` is no `[event name, *args]`, or ""."""
    if isinstance(data, list) and data and isinstance(data[0], str):
        return ""
    return "must be a JSON array whose first item is the event name"


def ack_text(namespace: str, ack_id: str, answer: Any) -> str:
    """The ack packet, as python-socketio writes it: a tuple is several arguments,
    None none."""
    prefix = "" if namespace == "/" else namespace + ","
    args = [] if answer is None else list(answer) if isinstance(answer, tuple) else [answer]
    try:
        body = orjson.dumps(args)
    except TypeError:  # orjson.JSONEncodeError: a handler returned something odd
        log.exception("answer of an event could not be encoded")
        body = orjson.dumps([failed(LiveVoteError("something went wrong on the server; "
                                                  "please retry"))])
    return "3" + prefix + ack_id + body.decode()


def connected_sid(sio: socketio.AsyncServer, eio_sid: str, namespace: str) -> str | None:
    """The Socket.IO sid of this Engine.IO session in `namespace`, if connected."""
    manager = sio.manager
    sid = manager.sid_from_eio_sid(eio_sid, namespace)
    if sid is None or not manager.is_connected(sid, namespace):
        return None
    return str(sid)


def acked_namespace(sio: socketio.AsyncServer, eio_sid: str, namespace: str) -> bool:
    """Is `namespace` one of our always-acking ones, and this session in it?"""
    return (isinstance(sio.namespace_handlers.get(namespace), AckedNamespace)
            and connected_sid(sio, eio_sid, namespace) is not None)


class AnsweringPacket(sio_packet.Packet):  # type: ignore[misc]
    """python-socketio's packet, whose `decode` refuses what its dispatch cannot
    use: `BadEvent` for an EVENT with an ack id, `Undecodable` for the rest."""

    def decode(self, encoded_packet: Any) -> int:
        if not isinstance(encoded_packet, str):
            raise Undecodable("a binary message that is no attachment of an event")
        try:
            attachments: int = super().decode(encoded_packet)
        except Exception as exc:  # noqa: BLE001 - whatever python-socketio refuses
            reason = (f"must be valid JSON ({exc})" if isinstance(exc, json.JSONDecodeError)
                      else str(exc) or type(exc).__name__)
            raise self._refused(encoded_packet, reason) from None
        if self.packet_type == sio_packet.EVENT:
            problem = event_problem(self.data)
            if problem:
                raise self._refused(encoded_packet, problem)
        return attachments

    @staticmethod
    def _refused(text: str, reason: str) -> Undecodable:
        header = event_header(text)
        if header is not None and header.ack_id:
            return BadEvent(header.namespace, header.ack_id, reason)
        return Undecodable(reason)


class Quiet:
    """At most one log line every `every_s` seconds, for all the connections of a
    worker; the next line says how many were left out."""

    def __init__(self, every_s: float = QUIET_S) -> None:
        self.every_s = every_s
        self.until = 0.0
        self.left_out = 0

    def refused(self, eio_sid: str, reason: str) -> None:
        now = time.monotonic()
        if now < self.until:
            self.left_out += 1
            return
        left_out = (f"; {self.left_out} more were left out of the log since the last one"
                    if self.left_out else "")
        log.warning("ignored a Socket.IO packet from %s: %s (at most one such line every "
                    "%g s%s)", eio_sid, reason[:200], self.every_s, left_out)
        self.until, self.left_out = now + self.every_s, 0


def install(sio: socketio.AsyncServer) -> None:
    """Answer `BadEvent`s of this server's `AckedNamespace`s and keep refused
    packets to `Quiet` log lines (with `AnsweringPacket` as its packet class;
    with another one, nothing changes)."""
    handler = sio.eio.handlers.get("message")
    if handler is None:
        return
    quiet = Quiet()

    async def message(eio_sid: str, data: Any) -> Any:
        try:
            result = handler(eio_sid, data)
            return await result if inspect.isawaitable(result) else result
        except BadEvent as bad:
            if acked_namespace(sio, eio_sid, bad.namespace):
                answer = failed(BadPayload("event", bad.reason))
                try:
                    await sio.eio.send(eio_sid, ack_text(bad.namespace, bad.ack_id, answer))
                except eio_exceptions.EngineIOError:
                    pass  # the session closed meanwhile
                return None
            quiet.refused(eio_sid, str(bad))
        except Undecodable as exc:
            quiet.refused(eio_sid, str(exc))
        return None

    sio.eio.on("message", message)
