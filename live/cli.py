"""`live serve`: run LiveVote, on its own private Redis unless REDIS_URL is set."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time
from typing import Any
from pathlib import Path

import uvicorn
from redis.exceptions import RedisClusterException, RedisError

from live import qr, verify
from live.embedded import EmbeddedRedis, RedisUnavailable, make_private
from live.serverinfo import UnsupportedServer, require_supported
from live.hub import now_ms
from live.settings import Settings, from_env, server_secret
from live.storeclient import checking_client, store_client
from rooms.polls import Rooms
from rooms.store import Store

log = logging.getLogger("livevote")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="live", description="LiveVote real-time voting server")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, or HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, or PORT)")
    serve.add_argument("--data-dir", type=Path, help="folder for the private Redis and keys")
    serve.add_argument("--workers", type=int, default=None, help="uvicorn worker processes")
    serve.add_argument("--demo", action="store_true", help="create a sample room and print it")
    check = sub.add_parser("verify", add_help=False,
                           help="check a signed result or drive bundle, trusting nothing")
    check.add_argument("args", nargs=argparse.REMAINDER)
    return p


def settings_for(args: argparse.Namespace) -> Settings:
    s = from_env()
    changes: dict[str, object] = {}
    if args.host:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    if args.data_dir:
        changes["data_dir"] = args.data_dir
    if args.workers:
        changes["workers"] = args.workers
    return s.with_(**changes) if changes else s


async def demo(settings: Settings) -> None:
    assert settings.redis_url
    redis = store_client(settings.redis_url, settings.redis_cluster)
    rooms = Rooms(Store(redis), server_secret(settings))
    room, key = await rooms.create_room({"title": "LiveVote demo / 라이브투표 데모",
                                         "lang": "ko"}, now_ms())
    ballot = await rooms.add_ballot(room, {
        "question": "Lunch today? / 오늘 점심은?", "options": ["Bibimbap / 비빔밥",
                                                         "Naengmyeon / 냉면",
                                                         "Kimbap / 김밥"]})
    await rooms.open(ballot)
    await redis.aclose()
    base = settings.base_url
    print(f"Demo room {room.code}: voters open {base}/j/{room.code}")
    print(qr.terminal(f"{base}/j/{room.code}"))
    print(f"Presenter screen: {base}/screen#room={room.id}&key={key}")
    print(f"Host console:     {base}/host#room={room.id}&key={key}")


def check_external(url: str, cluster: bool = False) -> str:
    """The server (or every node of the cluster) named by REDIS_URL, checked once
    before any worker starts."""
    try:
        client = checking_client(url, cluster)
    except RedisClusterException as exc:  # the node says it is not in cluster mode
        raise UnsupportedServer(f"REDIS_URL does not name a cluster node ({exc}): unset "
                                "LIVE_REDIS_CLUSTER to use it as one server") from exc
    try:
        return require_supported(client)
    finally:
        client.close()


def serve(settings: Settings, with_demo: bool) -> int:
    embedded = None
    make_private(settings.data_dir)
    if not settings.redis_url:
        embedded = EmbeddedRedis(settings.data_dir, settings.fsync, settings.redis_server)
        try:
            settings = settings.with_(redis_url=embedded.start())
        except RedisUnavailable as exc:
            print(f"live: cannot start the private Redis: {exc}", file=sys.stderr)
            return 2
        embedded.watch()
        print(f"Private Redis with append-only persistence in {settings.data_dir.resolve()}")
    else:
        try:
            name = check_external(settings.redis_url, settings.redis_cluster)
        except (UnsupportedServer, RedisError) as exc:
            print(f"live: cannot use REDIS_URL: {exc}", file=sys.stderr)
            return 2
        log.info("using %s at REDIS_URL", name)
    try:
        server_secret(settings)
        os.environ.update({"REDIS_URL": settings.redis_url or "",
                           "LIVE_DATA_DIR": str(settings.data_dir),
                           "LIVE_PUBLIC_URL": settings.base_url,
                           "LIVE_CROSS_WORKER": "1" if settings.cross_worker or settings.workers > 1
                           else "",
                           "LIVE_WORKERS": str(settings.workers)})
        if with_demo:
            asyncio.run(demo(settings))
        print(f"Host console: {settings.base_url}/host  (create a room there)")
        if settings.host in ("0.0.0.0", "::") and "localhost" in settings.base_url:
            print("Note: join links say localhost, which phones cannot reach; set "
                  "LIVE_PUBLIC_URL=http://<this machine's address>:PORT", file=sys.stderr)
        # uvicorn re-raises SIGTERM after a graceful stop; turn it into an exit
        # that still runs the `finally` below, so the private Redis is shut down.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        options: dict[str, Any] = dict(
            factory=True, host=settings.host, port=settings.port, workers=settings.workers,
            log_level="warning", lifespan="on", timeout_graceful_shutdown=5,
            # The client's address (rate limits) comes from X-Forwarded-For
            # only when the peer is one of the configured proxies.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
            # Engine.IO pings every session already; a second WebSocket
            # ping per phone is 500 frames a second at 10,000 phones.
            ws_ping_interval=None)
        if settings.workers == 1:
            BoundedServer(uvicorn.Config("live.app:create_app", **options),
                          lambda: embedded.stop() if embedded else None).run()
        else:
            uvicorn.run("live.app:create_app", **options)
    finally:
        if embedded is not None:
            started = time.monotonic()
            embedded.stop()
            log.info("private Redis stopped in %.0f ms", 1000 * (time.monotonic() - started))
    return 0


HARD_STOP_S = 25.0


class BoundedServer(uvicorn.Server):
    """uvicorn's server with a bound on shutdown: every step of a graceful stop
    has its own timeout, but should one still hang (seen rarely after a Redis
    restart, not yet explained), the process stops its private Redis and exits
    HARD_STOP_S after the signal. Every acked vote is already in Redis."""

    def __init__(self, config: uvicorn.Config, stop_store: Any) -> None:
        super().__init__(config)
        self._stop_store = stop_store

    def handle_exit(self, sig: int, frame: Any) -> None:
        if not self.should_exit:
            timer = threading.Timer(HARD_STOP_S, self._hard_exit)
            timer.daemon = True
            timer.start()
        super().handle_exit(sig, frame)

    def _hard_exit(self) -> None:
        log.error("shutdown took over %.0f s; exiting now", HARD_STOP_S)
        self._stop_store()
        os._exit(0)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(settings_for(args), args.demo)
    if args.command == "verify":
        return verify.main(args.args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
