"""The ceiling of the stack: python-socketio on uvicorn that only acks.

Same Socket.IO settings, JSON codec, uvicorn options and collector tuning as
`live serve` (see live/app.py, live/cli.py, live/collector.py), and the same
event names and ack shapes the benchmark driver expects, but no Redis and no
rules: `room:join` and `vote:cast` are acked at once, and the console's
`ballot:close` broadcasts a `ballot:closed` of realistic size to every phone
(the ceiling of a fan-out). Run it as `python loadtests/bare_server.py --port 8001`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import itertools
from typing import Any

import orjson
import socketio
import uvicorn


class OrjsonCodec:
    @staticmethod
    def dumps(value: Any, **_: Any) -> str:
        return orjson.dumps(value).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        return orjson.loads(text)


def sealed_result(ballot: str, votes: int) -> dict[str, Any]:
    record = {"version": 1, "room": "bare", "ballot": ballot, "question": "Bare?",
              "kind": "single", "max_choices": 1, "options": ["A", "B", "C"],
              "counts": [votes, 0, 0], "voters": votes, "total_choices": votes,
              "opened_at": 0, "closed_at": 0, "seq": votes, "receipts": votes,
              "receipts_sha256": "0" * 64, "resets": []}
    digest = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return {"sha256": digest, "record": record}


# As live/collector.py: survivors are frozen so the cyclic collector does not
# re-scan thousands of connections' objects; young collections are rarer.
FREEZE_EVERY_S = 10.0
YOUNG_THRESHOLD = 50_000


class Collector:
    """Freeze at start-up and then every FREEZE_EVERY_S, on the server's loop."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, 20, 100)
        self.task = asyncio.create_task(self._every())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(FREEZE_EVERY_S)
            gc.freeze()


def create_app() -> socketio.ASGIApp:
    sio = socketio.AsyncServer(async_mode="asgi", json=OrjsonCodec, ping_interval=20,
                               ping_timeout=20, max_http_buffer_size=64 * 1024)
    seq = itertools.count(1)
    room = {"id": "bare", "code": "000000", "title": "Bare", "lang": "en"}

    @sio.on("room:join", namespace="/voter")  # type: ignore[untyped-decorator]
    async def join(sid: str, data: Any) -> dict[str, Any]:
        return {"ok": True, "data": {"room": room, "device": "bare." + sid, "ballots": []}}

    @sio.on("vote:cast", namespace="/voter")  # type: ignore[untyped-decorator]
    async def cast(sid: str, data: Any) -> dict[str, Any]:
        return {"ok": True, "data": {"ballot": data.get("ballot"), "seq": next(seq),
                                     "receipt": "BARE-" + sid[:4], "status": "new",
                                     "choices": data.get("choices")}}

    @sio.on("ballot:close", namespace="/host")  # type: ignore[untyped-decorator]
    async def close(sid: str, data: Any) -> dict[str, Any]:
        result = sealed_result(str(data.get("ballot")), int(data.get("votes", 0)))
        await sio.emit("ballot:closed", {"ballot": {"id": data.get("ballot"),
                                                    "state": "closed"}, "result": result},
                       namespace="/voter")
        return {"ok": True, "data": result}

    @sio.on("*", namespace="*")  # type: ignore[untyped-decorator]
    async def other(event: str, namespace: str, sid: str, data: Any = None) -> dict[str, Any]:
        return {"ok": False, "error": {"code": "unknown_event", "message": event}}

    collector = Collector()
    return socketio.ASGIApp(sio, on_startup=collector.start, on_shutdown=collector.stop)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    args = p.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning",
                lifespan="on", timeout_graceful_shutdown=5, ws_ping_interval=None)


if __name__ == "__main__":
    main()
