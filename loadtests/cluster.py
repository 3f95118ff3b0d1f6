"""A local Redis/Valkey Cluster for tests and the benchmark: N primaries with a
replica each, every node the server binary `live serve` embeds (or the one
LIVE_REDIS_SERVER names), built with plain commands from redis-py (CLUSTER
MEET, ADDSLOTSRANGE, REPLICATE) because the embedded package ships no CLI.

Failover is quick on purpose: `node_timeout_ms` (default 1000) is how long a
silent primary takes to be marked failed, and `cluster-replica-validity-factor
0` lets a replica take over however long ago it last heard its primary."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import redis
import redis.crc

from procs import Process, redis_binary

SLOTS = 16384
BUS_OFFSET = 10000  # the cluster bus listens on port + 10000


def _free_pair() -> int:
    """A free port whose cluster bus port is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + BUS_OFFSET > 65535:
            continue
        try:
            with socket.socket() as bus:
                bus.bind(("127.0.0.1", port + BUS_OFFSET))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def _until(check: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} within {timeout}s")


class Node:
    def __init__(self, workdir: Path, port: int, fsync: str, node_timeout_ms: int) -> None:
        self.port = port
        self.workdir = workdir / str(port)
        self.args = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1",
                     "--dir", str(self.workdir), "--save", "", "--maxclients", "10000",
                     "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-node-timeout", str(node_timeout_ms),
                     "--cluster-replica-validity-factor", "0",
                     "--appendonly", "yes", "--appendfsync", fsync]
        self.start()

    def start(self) -> None:
        self.process = Process(f"node-{self.port}", self.args, self.workdir)
        _until(lambda: self.client().ping(), f"cluster node {self.port} up", 20)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def kill(self) -> None:
        """kill -9: no shutdown, no last write to disk or to the replica."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.proc.wait(10)

    def stop(self) -> None:
        self.process.stop()

    @property
    def alive(self) -> bool:
        return self.process.alive()


class LocalCluster:
    """`primaries` primaries, each with `replicas_each` replicas, on loopback."""

    def __init__(self, workdir: Path, primaries: int = 3, replicas_each: int = 1,
                 fsync: str = "everysec", node_timeout_ms: int = 1000) -> None:
        self.nodes: list[Node] = []
        self.primary_count = primaries
        try:
            for _ in range(primaries * (1 + replicas_each)):
                self.nodes.append(Node(workdir, _free_pair(), fsync, node_timeout_ms))
            self._build(primaries)
        except BaseException:
            self.stop()
            raise

    def _build(self, primaries: int) -> None:
        first = self.nodes[0].client()
        for node in self.nodes[1:]:
            first.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port)
        share = SLOTS // primaries
        for i, node in enumerate(self.nodes[:primaries]):
            end = SLOTS - 1 if i == primaries - 1 else (i + 1) * share - 1
            node.client().execute_command("CLUSTER", "ADDSLOTSRANGE", i * share, end)
        ids = [n.client().execute_command("CLUSTER", "MYID").decode()
               for n in self.nodes[:primaries]]
        for i, node in enumerate(self.nodes[primaries:]):
            primary = ids[i % primaries]
            _until(lambda: primary.encode() in node.client().execute_command("CLUSTER", "NODES"),
                   f"node {node.port} to learn of its primary", 20)
            node.client().execute_command("CLUSTER", "REPLICATE", primary)
        self.wait_ok()
        _until(lambda: all(self._replica_synced(n) for n in self.nodes[primaries:]),
               "replicas in sync", 30)

    @staticmethod
    def _replica_synced(node: Node) -> bool:
        info = node.client().info("replication")
        return bool(info.get("role") == "slave" and info.get("master_link_status") == "up")

    def wait_ok(self, timeout: float = 30) -> None:
        """Every live node says cluster_state:ok and agrees every slot is served."""
        def ok() -> bool:
            for node in self.nodes:
                if not node.alive:
                    continue
                info = node.client().execute_command("CLUSTER", "INFO").decode()
                if "cluster_state:ok" not in info or f"cluster_slots_ok:{SLOTS}" not in info:
                    return False
            return True
        _until(ok, "cluster_state:ok", timeout)

    @property
    def primaries(self) -> list[Node]:
        """The primaries as built (before any failover)."""
        return self.nodes[:self.primary_count]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def primary_of(self, key: str) -> Node:
        """The node serving `key`'s slot now, as the first live node that answers
        sees it."""
        slot = redis.crc.key_slot(key.encode())
        for node in self.nodes:
            if not node.alive:
                continue
            try:
                slots = node.client().execute_command("CLUSTER", "SLOTS")
            except redis.RedisError:
                continue
            for start, end, owner, *_ in slots:
                if start <= slot <= end:
                    port = int(owner[1])
                    return next(n for n in self.nodes if n.port == port)
        raise LookupError(f"no node serves {key}")

    def replicas_of(self, primary: Node) -> list[Node]:
        return [n for n in self.nodes if n.alive and n is not primary
                and n.client().info("replication").get("master_port") == primary.port]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
