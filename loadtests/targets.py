"""What a benchmark pass runs against: its settings, the server under test,
and a py-spy recorder for the server while a phase runs."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from procs import Process, redis_commands


@dataclass(frozen=True)
class Config:
    voters: int = 10_000
    connect_rate: float = 1000.0
    burst_seconds: float = 5.0
    burst_shape: str = "uniform"
    visibility: str = "live"
    ladder_visibility: str = "after_close"
    ladder: tuple[float, ...] = (200, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000,
                                 3500, 4000, 4500, 5000, 5500, 6000, 6500, 7000, 8000,
                                 9000, 10000, 12000, 15000)
    step_seconds: float = 3.0
    grace: float = 30.0
    idle_seconds: float = 5.0
    hold_only: bool = False  # stop after connecting and idling (join storm, idle cost)
    trickle: tuple[float, float] = (20.0, 5.0)  # votes/s, seconds: every tick has news
    warm_phones: int = 200
    seed: int = 7
    profile_dir: Path | None = None


@dataclass
class Target:
    name: str
    kind: str  # "bare" or "live"
    server: Process
    port: int
    redis: Process | None = None
    redis_url: str = ""
    cluster: Any = None  # cluster.LocalCluster, for a target on a cluster

    def redis_pids(self) -> list[int]:
        if self.cluster is not None:
            return [node.process.pid for node in self.cluster.nodes]
        return [] if self.redis is None else [self.redis.pid]

    def redis_ops(self) -> int:
        """Commands the store has processed so far (a cluster's primaries: their
        replicas apply the same writes again)."""
        if self.cluster is not None:
            return sum(redis_commands(f"redis://127.0.0.1:{node.port}/0")
                       for node in self.cluster.primaries)
        return redis_commands(self.redis_url) if self.redis_url else 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def profile(cfg: Config, target: Target, label: str,
                  out: dict[str, Any]) -> AsyncIterator[None]:
    """py-spy on the (first) serving process while a phase runs."""
    if cfg.profile_dir is None:
        yield
        return
    cfg.profile_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.profile_dir / f"{target.name}-{label}.txt"
    out.setdefault("profiles", []).append(str(path))
    spy = Path(sys.executable).with_name("py-spy")
    proc = subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record",
                             "--pid", str(target.server.workers()[0]), "--rate", "100",
                             "--format", "raw", "--output", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

