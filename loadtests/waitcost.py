"""What waiting for a replica costs a write on a local cluster, alone.

    .venv/bin/python loadtests/waitcost.py --writes 5000

A vote batch on a cluster is one EVALSHA followed by `WAIT 1 500` on the same
connection (rooms/store/batch.py). This times, one after another on one
connection to a primary, a small write (HINCRBY, a stand-in for the script's
writes) alone and followed by WAIT, and prints the percentiles of each and
the Redis CPU both spent per write (primary and replica)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import redis

from cluster import LocalCluster
from stats import cpu_seconds, summary


def timed(client: redis.Redis, key: str, n: int, wait: bool) -> list[float]:
    took = []
    for i in range(n):
        started = time.perf_counter()
        with client.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, str(i % 4), 1)
            if wait:
                pipe.execute_command("WAIT", 1, 500)
            replies = pipe.execute()
        took.append(time.perf_counter() - started)
        assert not wait or int(replies[1]) >= 1, "the replica did not acknowledge"
    return took


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--writes", type=int, default=5000)
    args = p.parse_args(argv)
    cluster = LocalCluster(Path(tempfile.mkdtemp(prefix="livevote-wait-")))
    try:
        key = "vote:{b:waitcost}:counts"
        primary = cluster.primary_of(key)
        pids = [primary.process.pid] + [n.process.pid for n in cluster.replicas_of(primary)]
        client = primary.client()
        timed(client, key, 500, True)  # warm up
        for wait in (False, True, False, True):
            before = sum(cpu_seconds(pid) for pid in pids)
            took = timed(client, key, args.writes, wait)
            cpu_us = (sum(cpu_seconds(pid) for pid in pids) - before) / args.writes * 1e6
            ms = summary(took)
            print(f"{'write + WAIT 1' if wait else 'write alone   '}: p50 {ms['p50']:.3f} "
                  f"p99 {ms['p99']:.3f} ms, Redis CPU (primary + replica) "
                  f"{cpu_us:.0f} µs per write", flush=True)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
