"""Leaner per-message paths under python-socketio, measured in docs/performance.md.

Stock python-engineio spends, per received WebSocket message, a new task and an
`asyncio.wait_for` (a second task and a timer) to read it, and per sent packet
another `wait_for` in the writer; stock python-socketio creates a task per
recipient of a broadcast. At thousands of messages a second these are a large
part of the server's CPU. This module keeps the protocol and the library's own
objects (the Engine.IO socket, its queue, its ping schedule and the server's
service task that drops silent clients) and only replaces those loops:

* `LeanWebSocket`: for a client that connects over WebSocket directly, one
  reader loop that awaits the next message and one writer that awaits the
  socket's queue, neither with a timer. A client that stops answering pings is
  still dropped: Engine.IO's service task checks every socket's last ping and
  closes it, and the `Sweeper` then ends that connection's loops at once
  (told by Engine.IO's disconnect event; a sweep every `SWEEP_S` is the
  backstop). Upgrades from long-polling use the stock handler unchanged, but
  for `LeanWebSocket.wait`: on both, a message over the size limit that asks
  for an answer gets `payload_too_large` before the connection closes.
* `FastEvents`: a Socket.IO EVENT with an ack for one of our own always-acking
  namespaces (`live.acked.AckedNamespace`) is parsed once (`live.codec.loads`,
  orjson), handed to the namespace, and its ack is written at once when
  nothing else is queued for that phone. Everything else (connect, disconnect,
  binary packets, acks from clients, events of a client that is not connected
  to the namespace, anything that does not parse) takes python-socketio's own
  path, where `live.packets` answers an unusable event with `bad_payload`.
* `LeanManager` / `LeanRedisManager`: a broadcast without a callback encodes
  the packet once and puts it straight on each recipient's queue, yielding to
  the loop every `YIELD_EVERY` recipients so votes keep flowing.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from importlib import metadata
from typing import Any, Callable

import socketio
from engineio import exceptions
from engineio import packet as eio_packet
from engineio.async_drivers.asgi import WebSocket
from socketio import packet as sio_packet
from socketio.async_manager import AsyncManager

from live import packets
from live.acked import AckedNamespace, failed
from live.codec import loads
from live.packets import (PayloadTooLarge, ack_text, acked_namespace, connected_sid,
                          event_header, event_problem)

YIELD_EVERY = 500
SWEEP_S = 2.0
HEAD_CHARS = 256  # what `FastEvents.too_large` reads of a message over the limit
log = logging.getLogger("livevote.transport")


class FastEvents:
    """Events with acks for our own namespaces, without the generic dispatch."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    def parse(self, text: str) -> tuple[Any, str, str, list[Any]] | None:
        """(namespace handler, namespace, ack id, [event, *args]) of a Socket.IO
        EVENT packet `2[/ns,]id[...]` with an ack id, or None for anything else
        (python-socketio's path then decodes it, and answers it if it is unusable:
        see `live.packets`)."""
        header = event_header(text)
        if header is None or not header.ack_id or not text.startswith("[", header.start):
            return None  # no ack wanted, or no array: the generic path
        handler = self.sio.namespace_handlers.get(header.namespace)
        if not isinstance(handler, AckedNamespace):
            return None
        try:
            data = loads(text[header.start:])
        except ValueError:  # orjson.JSONDecodeError, or an integer beyond 64 bits
            return None
        if event_problem(data):
            return None
        return handler, header.namespace, header.ack_id, data

    def sid(self, eio_sid: str, namespace: str) -> str | None:
        return connected_sid(self.sio, eio_sid, namespace)

    ack = staticmethod(ack_text)

    async def too_large(self, socket: Any, text: str) -> None:
        """Answer a message over the size limit that begins like an acked event of
        ours (`42/ns,ID[`) with `payload_too_large`, queued before the connection
        closes (the writer sends what is queued first). Only its first characters
        are read: the message itself is never parsed."""
        if not socket.upgraded or socket.closed or socket.closing:
            return
        header = event_header(text[1:HEAD_CHARS]) if text.startswith("4") else None
        if (header is None or not header.ack_id
                or not text.startswith("[", 1 + header.start)
                or not acked_namespace(self.sio, socket.sid, header.namespace)):
            return
        limit = socket.server.max_http_buffer_size
        answer = ack_text(header.namespace, header.ack_id, failed(PayloadTooLarge(limit)))
        try:
            await socket.send(eio_packet.Packet(eio_packet.MESSAGE, answer))
        except exceptions.EngineIOError:
            pass  # closed meanwhile


class Sweeper:
    """Ends the loops of the lean connections of one server whose Engine.IO socket
    was closed under them. Engine.IO's service task closes a socket that stopped
    answering pings, but a phone that vanished (no FIN) would otherwise keep its
    connection, and everything hanging off it, for good: the stock loops'
    per-message timers did this job.

    Without those timers, a closed socket's connection must still end as soon as
    stock's would: the Socket.IO conformance suite (tests/conformance) allows a
    client that never completes its handshake, or sends a packet
    python-socketio only logs (`42{}`, `42abc[...]`), 2 s to see the close,
    and stock closes it after ping interval + timeout. A sweep every 2 s alone
    missed that. So `install` has Engine.IO's disconnect event call `closed`,
    which ends that one connection right after the close (no task, no timer: one
    callback per closed session); the periodic sweep stays as a backstop for a
    close that would not raise that event."""

    def __init__(self) -> None:
        self.open: dict[str, LeanWebSocket] = {}  # by Engine.IO sid
        self.task: asyncio.Task[None] | None = None

    def add(self, ws: "LeanWebSocket") -> None:
        self.open[ws.socket.sid] = ws
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def discard(self, ws: "LeanWebSocket") -> None:
        if self.open.get(ws.socket.sid) is ws:
            del self.open[ws.socket.sid]

    def closed(self, eio_sid: str) -> None:
        """Engine.IO is closing this session. The socket is marked closed only after
        its disconnect handlers return (and, for a server's disconnect, after its
        CLOSE packet is queued, which must still go out first), so look on the
        next turn of the loop rather than now."""
        if eio_sid in self.open:
            asyncio.get_running_loop().call_soon(self._end, eio_sid)

    def _end(self, eio_sid: str) -> None:
        ws = self.open.get(eio_sid)
        if ws is not None and ws.socket.closed:
            del self.open[eio_sid]
            ws.socket.queue.put_nowait(None)  # the writer ends and closes the WebSocket

    async def _run(self) -> None:
        while self.open:
            await asyncio.sleep(SWEEP_S)
            for eio_sid in [sid for sid, ws in self.open.items() if ws.socket.closed]:
                self._end(eio_sid)


class LeanWebSocket(WebSocket):  # type: ignore[misc]
    """The ASGI WebSocket driver of Engine.IO with timer-free read and write loops."""

    events: FastEvents | None = None  # set per server by `install`
    sweeper: Sweeper | None = None
    limit = 0  # the server's max_http_buffer_size; 0: `wait` answers nothing

    async def __call__(self, environ: dict[str, Any]) -> str:
        socket = getattr(self.handler, "__self__", None)
        if socket is None or socket.connected:
            return await super().__call__(environ)  # type: ignore[no-any-return]
        self.asgi_receive = environ["asgi.receive"]
        self.asgi_send = environ["asgi.send"]
        await self.asgi_send({"type": "websocket.accept"})
        socket.connected = True
        socket.upgraded = True
        self.socket = socket
        self._sending = asyncio.Lock()  # every frame goes out under it, in order
        writer = asyncio.ensure_future(self._write(socket))
        if self.sweeper is not None:
            self.sweeper.add(self)
        try:
            await self._read(socket)
        finally:
            if self.sweeper is not None:
                self.sweeper.discard(self)
            socket.queue.put_nowait(None)  # lets the writer finish
            await writer
            await socket.close(wait=False, abort=True,
                               reason=socket.server.reason.TRANSPORT_CLOSE)
        return ""

    async def wait(self) -> Any:
        """The next message, for `_read` and for python-engineio's own loop of an
        upgraded connection alike. One over the size limit is answered here, if it
        asks for an answer (`FastEvents.too_large`); both loops then close."""
        data = await super().wait()
        if self.limit and len(data) > self.limit and isinstance(data, str) and self.events:
            await self.events.too_large(self.handler.__self__, data)
        return data

    async def _read(self, socket: Any) -> None:
        limit = socket.server.max_http_buffer_size
        log = socket.server.logger
        while True:
            try:
                data = await self.wait()
            except (OSError, asyncio.CancelledError):
                return  # the client went away or the server is stopping
            if data is None or len(data) > limit:
                return
            if self.events is not None and isinstance(data, str) and data.startswith("42"):
                try:
                    if await self._event(socket, data[1:]):
                        continue
                except Exception:  # noqa: BLE001 - the handler answers its own errors
                    log.exception("fast event path failed")
                    continue
            try:
                pkt = eio_packet.Packet(encoded_packet=data)
            except Exception:  # noqa: BLE001 - whatever fails to decode
                # Not an Engine.IO packet (`abc`): the protocol closes the session,
                # and so does stock, whose decode error escapes its loop. Going on
                # would keep the connection until the ping timeout.
                log.info("%s: invalid Engine.IO packet, closing", socket.sid)
                return
            try:
                await socket.receive(pkt)
            except exceptions.SocketIsClosedError:
                return
            except exceptions.UnknownPacketError:
                continue
            except Exception:  # noqa: BLE001 - as stock: a bad packet is logged, not fatal
                log.exception("Unknown receive error")
            if socket.closed:
                return  # closed by this packet (a client close, a refused packet): end now

    async def _write(self, socket: Any) -> None:
        queue: asyncio.Queue[Any] = socket.queue
        try:
            while True:
                first = await queue.get()
                queue.task_done()
                batch = [first]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                    queue.task_done()
                async with self._sending:
                    for pkt in batch:
                        if pkt is None:
                            return
                        await self.send(pkt.encode())
                        if pkt.packet_type == eio_packet.CLOSE:
                            return  # dropped by the server (no pong): end the connection
        except Exception:  # noqa: BLE001 - the peer is gone; the reader ends too
            return
        finally:
            await self.close()

    async def _event(self, socket: Any, text: str) -> bool:
        """Handle one Socket.IO EVENT packet `text` if it is ours; False if not."""
        assert self.events is not None
        parsed = self.events.parse(text)
        if parsed is None:
            return False
        handler, namespace, ack_id, data = parsed
        sid = self.events.sid(socket.sid, namespace)
        if sid is None:
            return False
        answer = await handler.trigger_event(data[0], sid, *data[1:])
        if socket.closed or socket.closing:
            return True
        frame = FastEvents.ack(namespace, ack_id, answer)
        if socket.queue.empty() and not self._sending.locked():
            async with self._sending:  # nothing is waiting for this phone: write now
                await self.send("4" + frame)
        else:
            socket.queue.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, frame))
        return True


class LeanManager(AsyncManager):  # type: ignore[misc]
    """A broadcast without a callback: encode once, queue for each recipient."""

    # Told (event, namespace, room) of every event this worker delivers, its own
    # and other workers', before the delivery: the hub forgets what a change made stale.
    heard: Callable[[str, str, Any], None] | None = None

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        if self.heard is not None:
            self.heard(event, namespace, to or room)
        if callback is not None:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                               callback=callback, to=to, **kwargs)
            return
        room = to or room
        if namespace not in self.rooms:
            return
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        recipients = [p for p in self.get_participants(namespace, room) if p[0] not in skip]
        await self.emit_to(event, data, namespace, recipients)

    async def emit_to(self, event: str, data: Any, namespace: str,
                      recipients: list[tuple[str, str]]) -> None:
        """Queue one event, encoded once, for these (sid, eio_sid) of this worker."""
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace,
                                           data=[event] + args).encode()
        packets = [eio_packet.Packet(eio_packet.MESSAGE, p)
                   for p in (encoded if isinstance(encoded, list) else [encoded])]
        sockets = self.server.eio.sockets
        for n, (_, eio_sid) in enumerate(recipients, 1):
            target = sockets.get(eio_sid)
            if target is None or target.closed or target.closing:
                continue
            for pkt in packets:
                target.queue.put_nowait(pkt)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)


class LeanRedisManager(socketio.AsyncRedisManager, LeanManager):  # type: ignore[misc]
    """Cross-worker events through Redis; the local part of each is `LeanManager`'s."""


# The python-engineio releases whose internals this module was written and tested
# against (pyproject.toml pins the same range): `_async["websocket"]`, the
# socket's `queue`, `closed`/`closing`, and `close(reason=...)` with `reason`.
ENGINEIO_SUPPORTED = ((4, 11), (5, 0))


def _engineio_version() -> tuple[int, ...]:
    try:
        text = metadata.version("python-engineio")
        return tuple(int(p) for p in text.split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return (0,)


def unsupported_reason(sio: socketio.AsyncServer) -> str:
    """Why the lean loops cannot be used with this server's Engine.IO, or ""."""
    low, high = ENGINEIO_SUPPORTED
    version = _engineio_version()
    if not low <= version < high:
        return (f"python-engineio {'.'.join(map(str, version))} is outside "
                f"{'.'.join(map(str, low))}-{'.'.join(map(str, high))}")
    drivers = getattr(sio.eio, "_async", None)
    if not isinstance(drivers, dict) or drivers.get("websocket") is not WebSocket:
        return "python-engineio's WebSocket driver is not where it was"
    if not hasattr(getattr(sio.eio, "reason", None), "TRANSPORT_CLOSE"):
        return "python-engineio has no disconnect reasons"
    if not isinstance(getattr(sio.eio, "handlers", None), dict):
        return "python-engineio's event handlers are not where they were"
    return ""


def install(sio: socketio.AsyncServer) -> bool:
    """Use `LeanWebSocket` and `FastEvents` for this server's WebSocket connections.
    With an Engine.IO this module does not know, keep the stock driver (slower,
    but correct), say so in one line, and report it (`lean_transport` in
    /healthz and /metrics). Either way, unusable packets are answered or
    logged quietly on every transport (`live.packets.install`)."""
    packets.install(sio)
    reason = unsupported_reason(sio)
    if reason:
        log.warning("lean transport off, using python-engineio's own loops (slower): %s",
                    reason)
        STATE["lean"], STATE["reason"] = False, reason
        return False
    drivers = sio.eio._async
    sweeper = Sweeper()
    driver = type("LeanWebSocketFor", (LeanWebSocket,),
                  {"events": FastEvents(sio), "sweeper": sweeper,
                   "limit": sio.eio.max_http_buffer_size})
    sio.eio._async = {**drivers, "websocket": driver}
    _end_loops_on_disconnect(sio.eio, sweeper)
    STATE["lean"], STATE["reason"] = True, ""
    return True


def _end_loops_on_disconnect(eio: Any, sweeper: Sweeper) -> None:
    """Engine.IO's disconnect event, whoever closed the session (the ping
    timeout, a server's disconnect), also ends its lean loops at once (see
    `Sweeper`). The handler already there (python-socketio's) runs first,
    unchanged."""
    handler = eio.handlers.get("disconnect")

    async def disconnect(eio_sid: str, reason: Any) -> Any:
        try:
            result = None if handler is None else handler(eio_sid, reason)
            return await result if inspect.isawaitable(result) else result
        finally:
            sweeper.closed(eio_sid)

    eio.on("disconnect", disconnect)


STATE: dict[str, Any] = {"lean": False, "reason": "not installed"}
