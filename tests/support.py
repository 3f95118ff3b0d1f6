"""Real parts for tests: a redis-server, `live serve` processes, Socket.IO clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import redis
import socketio

from live.embedded import server_binary
from live.storeclient import checking_client, store_client
from live.settings import from_env
from rooms.store import Client

ROOT = Path(__file__).resolve().parent.parent
# LIVE_REDIS_CLUSTER=1: the store fixtures run on a local cluster (conftest.py)
# and the servers the tests start on an external store use it as one
CLUSTER = os.environ.get("LIVE_REDIS_CLUSTER") == "1"
MEMBER_GRACE_MS = 1500  # reconnect grace of online members on test servers
# Shutdown is bounded by uvicorn's 5 s for open connections and 5 s per step after;
# on a loaded machine it takes longer, and a hang should show its log.
STOP_TIMEOUT_S = 45


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisProcess:
    """A throwaway server on a free loopback port: the binary `live serve` embeds,
    or the one LIVE_REDIS_SERVER names. `durable` keeps an fsynced append-only
    file, so `kill` and `start` again lose nothing that was acked."""

    def __init__(self, workdir: Path, durable: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.durable = durable
        workdir.mkdir(parents=True, exist_ok=True)
        self.start()

    def start(self) -> None:
        persistence = (["--appendonly", "yes", "--appendfsync", "always"] if self.durable
                       else ["--appendonly", "no"])
        self.proc = subprocess.Popen(
            [server_binary(from_env().redis_server), "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.workdir), "--save", "",
             "--maxclients", "4000", *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _redis_up(self.port), "redis-server")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def sync_client(url: str) -> Any:
    """A client of the tests' store: one server, or the cluster."""
    return checking_client(url, CLUSTER)


def async_client(url: str) -> Client:
    return store_client(url, CLUSTER)


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(check: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up in {timeout}s")


class LiveServer:
    """`live serve` in its own process, as a user would start it."""

    started: "list[LiveServer]" = []

    def __init__(self, data_dir: Path, redis_url: str | None = None, port: int | None = None,
                 env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.embedded = redis_url is None
        LiveServer.started.append(self)
        dropped = ("REDIS_URL",) if redis_url else ("REDIS_URL", "LIVE_REDIS_CLUSTER")
        full_env = {k: v for k, v in os.environ.items() if k not in dropped}
        full_env.update({"LIVE_SECRET": "test-secret", "LIVE_TICK_MS": "50", "LIVE_OTP_GAP_S": "2",
                         "LIVE_MEMBER_GRACE_MS": str(MEMBER_GRACE_MS),
                         # Tests create hundreds of rooms from one address; the
                         # limits have tests of their own.
                         "LIVE_ROOMS_PER_HOUR": "100000",
                         "LIVE_WRONG_CODES_PER_MINUTE": "100000",
                         "PYTHONUNBUFFERED": "1"})
        if redis_url:
            full_env["REDIS_URL"] = redis_url
        full_env.update(env or {})
        self.log = open(data_dir.parent / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "live.cli", "serve", "--port", str(self.port),
             "--data-dir", str(data_dir), "--workers", str(workers)],
            cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(self._healthy, "live serve", timeout=30)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"live serve exited with {self.proc.returncode}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.log.flush()
                tail = Path(self.log.name).read_text(errors="replace")[-3000:]
                raise AssertionError(f"live serve ignored {signal.Signals(sig).name} for "
                                     f"{STOP_TIMEOUT_S} s; its log ends:\n{tail}") from None
        self.log.close()

    def cleanup(self) -> None:
        """After a failed test: stop the server and a private Redis it left behind."""
        if self.proc.poll() is None:
            self.stop(signal.SIGKILL)
        sock = self.data_dir / "redis.sock"
        if self.embedded and sock.exists():
            try:
                redis.Redis(unix_socket_path=str(sock), socket_timeout=2).shutdown(nosave=True)
            except redis.RedisError:
                pass


async def voter(server_url: str, **join: Any) -> tuple[socketio.AsyncClient, dict[str, Any]]:
    """A phone that connected and joined; returns the client and the join ack."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(server_url, namespaces=["/voter"], transports=["websocket"])
    ack = await client.call("room:join", join, namespace="/voter", timeout=10)
    assert ack["ok"], ack
    PASSES[client] = ack["data"]["pass"]
    return client, ack["data"]


PASSES: "weakref.WeakKeyDictionary[socketio.AsyncClient, str | None]" = weakref.WeakKeyDictionary()


async def call(client: socketio.AsyncClient, event: str, data: Any, ns: str = "/voter") -> Any:
    """Send an event and wait for its ack. A vote carries the phone's admission
    pass, as the page does, unless the payload sets "pass" itself."""
    if event == "vote:cast" and isinstance(data, dict) and "pass" not in data:
        data = dict(data, **{"pass": PASSES.get(client)})
    ack = await client.call(event, data, namespace=ns, timeout=10)
    if event in ("room:join", "gate:admit") and ack.get("ok"):
        PASSES[client] = ack["data"]["pass"]
    return ack


class Host:
    """The host's side over the documented JSON API."""

    def __init__(self, server_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=server_url, timeout=10)
        self.room: dict[str, Any] = {}
        self.key = ""

    async def create_room(self, title: str = "Test room", lang: str = "en",
                          kind: str = "event") -> dict[str, Any]:
        r = await self.http.post("/api/rooms", json={"title": title, "lang": lang, "kind": kind})
        assert r.status_code == 201, r.text
        data = r.json()["data"]
        self.room, self.key = data["room"], data["host_key"]
        self.http.headers["authorization"] = f"Bearer {self.key}"
        return data

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(f"/api/rooms/{self.room['id']}{path}", json=body or {})

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(f"/api/rooms/{self.room['id']}{path}")

    async def ballot(self, **spec: Any) -> dict[str, Any]:
        spec.setdefault("question", "Which one?")
        if spec.get("kind") != "yesno":
            spec.setdefault("options", ["Red", "Green", "Blue"])
        r = await self.post("/ballots", spec)
        assert r.status_code == 201, r.text
        return dict(r.json()["data"])

    async def open(self, ballot_id: str, countdown: int = 0) -> dict[str, Any]:
        r = await self.post(f"/ballots/{ballot_id}/open", {"countdown": countdown})
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    async def close(self, ballot_id: str) -> dict[str, Any]:
        r = await self.post(f"/ballots/{ballot_id}/close")
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    async def tally(self, ballot_id: str) -> dict[str, Any]:
        r = await self.get(f"/ballots/{ballot_id}/tally")
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    async def aclose(self) -> None:
        await self.http.aclose()


async def eventually(check: Any, timeout: float = 5.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def stand_in(routes: dict[str, Any]) -> AsyncIterator[str]:
    """A real local HTTP service standing in for an outside one (an SMS or
    message gateway, a time-stamping authority, an identity provider): handlers
    by path, POST unless the key names the method ("GET /auth"); yields its
    base URL."""
    from aiohttp import web

    app = web.Application()
    for route, handler in routes.items():
        method, _, path = route.rpartition(" ")
        app.router.add_route(method or "POST", path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
