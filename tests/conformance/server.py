"""The server the Socket.IO conformance suites (README.md) talk to, under uvicorn.

    python tests/conformance/server.py --port 0 [--stock]

One port serves both suites:

* `/engine.io/`: the Engine.IO v4 suite. An Engine.IO echo: every message is
  sent back as it came (text or binary).
* `/socket.io/`: the Socket.IO v5 suite. Namespaces `/` and `/custom` emit
  `auth` with the client's auth payload (`{}` without one) once connected,
  answer `message` with `message-back` and the same arguments, and ack
  `message-with-ack` with its own arguments. Any other namespace is refused
  with "Invalid namespace", the reference server's words (python-socketio
  alone would say "Unable to connect").

Both with the suites' settings: ping interval 300 ms, ping timeout 200 ms,
max payload 1,000,000 bytes; otherwise as `live/app.py` builds its server
(orjson codec, handlers run inline in the reader).

By default `live.transport.install` is applied to both (the lean WebSocket
loops, `FastEvents` for the acked events of `/` and `/custom`, which are
`AckedNamespace`s, and `LeanManager` for emits); `--stock` keeps
python-socketio's own loops and manager. With `--port 0` a free port is
chosen; either way the listening socket is bound before `listening on PORT`
is printed, so a test can connect as soon as it reads that line.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import engineio
import socketio
import uvicorn

from live import transport
from live.packets import AnsweringPacket
from live.acked import AckedNamespace
from live.codec import OrjsonCodec

PING_INTERVAL_S = 0.3
PING_TIMEOUT_S = 0.2
MAX_PAYLOAD = 1_000_000


class Echo(AckedNamespace):
    """`/` and `/custom`. `trigger_event` is what both python-socketio's dispatch
    and `FastEvents` call; its return value is the ack (a tuple is several
    arguments), so `message-with-ack` answers with exactly what it was sent."""

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect" and len(args) == 3:
            sid, _environ, auth = args
            # python-socketio writes the CONNECT packet once this handler has
            # returned; the suite wants `auth` after it, hence a task.
            self.server.start_background_task(self.emit, "auth",
                                              {} if auth is None else auth, to=sid)
            return None
        if event == "message" and args:
            await self.emit("message-back", tuple(args[1:]), to=args[0])
            return None
        if event == "message-with-ack" and args:
            return tuple(args[1:])
        return None


class Refuse(socketio.AsyncNamespace):  # type: ignore[misc]
    """Every namespace but `/` and `/custom`."""

    async def on_connect(self, namespace: str, *_: Any) -> None:
        raise socketio.exceptions.ConnectionRefusedError("Invalid namespace")


def make_servers(stock: bool) -> tuple[socketio.AsyncServer, socketio.AsyncServer]:
    """(the Socket.IO server, the Engine.IO echo server)."""
    def server(manager: Any) -> socketio.AsyncServer:
        # As live/app.py: with the lean loops, our packet class answers unreadable
        # acked events (live/packets.py); stock is python-socketio's own.
        return socketio.AsyncServer(
            async_mode="asgi", json=OrjsonCodec, client_manager=manager,
            namespaces="*", async_handlers=False,
            ping_interval=PING_INTERVAL_S, ping_timeout=PING_TIMEOUT_S,
            max_http_buffer_size=MAX_PAYLOAD,
            serializer="default" if stock else AnsweringPacket)

    sio = server(socketio.AsyncManager() if stock else transport.LeanManager())
    sio.register_namespace(Echo("/"))
    sio.register_namespace(Echo("/custom"))
    sio.register_namespace(Refuse("*"))

    # The Engine.IO suite needs no Socket.IO: a Socket.IO server whose Engine.IO
    # echoes instead of decoding, so that `install` applies to it just the same.
    echo = server(socketio.AsyncManager() if stock else transport.LeanManager())

    async def on_message(eio_sid: str, data: str | bytes) -> None:
        await echo.eio.send(eio_sid, data)

    echo.eio.on("message", on_message)

    if not stock:
        for each in (sio, echo):
            if not transport.install(each):
                sys.exit(f"lean transport refused: {transport.STATE['reason']}")
    return sio, echo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3000, help="0: any free port")
    parser.add_argument("--stock", action="store_true",
                        help="python-socketio's own WebSocket loops, not live.transport's")
    args = parser.parse_args()
    sio, echo = make_servers(args.stock)
    app = socketio.ASGIApp(sio, socketio_path="socket.io",
                           other_asgi_app=engineio.ASGIApp(echo.eio, engineio_path="engine.io"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws_ping_interval=None)
    print(f"listening on {sock.getsockname()[1]} ({'stock' if args.stock else 'lean'})",
          flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
