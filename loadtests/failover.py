"""How long a shard of a local cluster is without a primary after kill -9.

    .venv/bin/python loadtests/failover.py --rounds 3 --node-timeout-ms 1000

Builds a cluster of 3 primaries with a replica each from the embedded server
binary, then per round kills -9 the primary of one key, times until a write
to that key succeeds again (its replica promoted and serving) and until the
cluster says `cluster_state:ok` everywhere, starts the killed node again (it
comes back as the new primary's replica) and waits for it to be in sync.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from redis.cluster import RedisCluster
from redis.exceptions import RedisError

from cluster import LocalCluster


def writable_again(url: str, key: str, timeout: float) -> float:
    """Seconds until SET `key` succeeds, asking a fresh client each time."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            client = RedisCluster.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)
            try:
                client.set(key, "x")
                return time.monotonic() - started
            finally:
                client.close()
        except RedisError:
            time.sleep(0.02)
    raise TimeoutError(f"{key} not writable within {timeout} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--node-timeout-ms", type=int, default=1000)
    args = p.parse_args(argv)
    cluster = LocalCluster(Path(tempfile.mkdtemp(prefix="livevote-failover-")),
                           node_timeout_ms=args.node_timeout_ms)
    try:
        for n in range(args.rounds):
            key = f"vote:{{b:round{n}}}:meta"
            victim = cluster.primary_of(key)
            survivor_url = next(f"redis://127.0.0.1:{x.port}/0" for x in cluster.nodes
                                if x is not victim and x.alive)
            victim.kill()
            writable = writable_again(survivor_url, key, 30)
            started = time.monotonic()
            cluster.wait_ok()
            settled = writable + time.monotonic() - started
            victim.start()
            cluster.wait_ok()
            print(f"round {n + 1}: node timeout {args.node_timeout_ms} ms, writable again "
                  f"after {writable:.2f} s, cluster_state:ok everywhere after {settled:.2f} s",
                  flush=True)
            time.sleep(1)  # the returned node syncs as a replica
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
