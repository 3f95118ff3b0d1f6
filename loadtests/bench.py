"""Benchmark driver: LiveVote against the bare ack-only ceiling, in one run.

    .venv/bin/python loadtests/bench.py --voters 10000 --workers2 --json bench.json

Starts its own redis-server and the servers under test on 127.0.0.1 free
ports, drives them from several processes with a lean raw-WebSocket
Socket.IO client (open-loop schedules), prints one table with ratios against
the bare server and the targets, and stops everything it started. Talks to
the servers through the public protocol only (docs/protocol.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from cluster import LocalCluster
from fleet import Fleet, raise_nofile
from procs import ROOT, Process, start_bare, start_live, start_redis
from report import machine, render
from scenario import Run
from targets import Config, Target


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--voters", type=int, default=10_000, help="phones to connect")
    p.add_argument("--procs", type=int, default=2, help="driver processes")
    p.add_argument("--connect-rate", type=float, default=1000, help="new phones per second")
    p.add_argument("--burst-seconds", type=float, default=5.0, help="90%% vote within this")
    p.add_argument("--burst-shape", choices=("uniform", "exp"), default="uniform",
                   help="uniform: flat rate; exp: front-loaded, decaying")
    p.add_argument("--visibility", default="live",
                   choices=("live", "after_vote", "after_close", "never"),
                   help="what the phones see of the burst ballot's tally (the fan-out)")
    p.add_argument("--ladder-visibility", default="after_close",
                   choices=("live", "after_vote", "after_close", "never"),
                   help="the same for the ladder ballot (after_close: ingest alone)")
    p.add_argument("--ladder", default=",".join(f"{r:g}" for r in Config.ladder),
                   help="offered vote rates per second, one step each, until one fails")
    p.add_argument("--step-seconds", type=float, default=3.0)
    p.add_argument("--targets", default="bare,live",
                   help="comma list of bare, liveN (`live serve --workers N` on one "
                        "redis-server; live = live1), clusterN (the same on a local cluster "
                        "of 3 primaries with a replica each; clusterN-nowait: acks without "
                        "waiting for a replica)")
    p.add_argument("--workers2", action="store_true", help="add the live2 target")
    p.add_argument("--fsync", choices=("always", "everysec"), default="always",
                   help="appendfsync of the benchmark's redis-server")
    p.add_argument("--tick-ms", type=int, default=None, help="LIVE_TICK_MS for live serve")
    p.add_argument("--gc-freeze", type=float, default=0.0, metavar="S",
                   help="experiment: gc.freeze() in every server every S seconds "
                        "(loadtests/gcfreeze); 0 = off, the servers as they are")
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy raw profiles of the server under load into this folder")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny, quick pass (50 phones, short phases) to check the driver")
    p.add_argument("--idle-seconds", type=float, default=5.0,
                   help="how long the phones idle (and the idle profile records)")
    p.add_argument("--hold-only", action="store_true",
                   help="stop after connecting and idling: the join storm and the idle cost")
    p.add_argument("--json", type=Path, default=None, help="write all figures here")
    p.add_argument("--workdir", type=Path, default=None, help="logs and Redis files")
    return p.parse_args(argv)


async def drive(target: Target, fleet: Fleet, cfg: Config) -> dict[str, Any]:
    return await Run(target, fleet, cfg).run()


def server_tree() -> str:
    """Which server code ran: the commit, and the server files changed since."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = git("status", "--short", "--", "live", "rooms").splitlines()
    return git("rev-parse", "--short", "HEAD") + (
        f" + uncommitted {', '.join(line[3:] for line in changed)}" if changed else "")


def run_target(name: str, args: argparse.Namespace, fleet: Fleet, cfg: Config,
               workdir: Path) -> dict[str, Any]:
    started: list[Process] = []
    stops: list[Any] = []
    try:
        if name == "bare":
            server, port = start_bare(workdir / name, args.gc_freeze)
            started.append(server)
            target = Target(name, "bare", server, port)
        else:
            kind, workers, nowait = target_kind(name)
            env = {"LIVE_TICK_MS": str(args.tick_ms)} if args.tick_ms else {}
            redis, cluster = None, None
            if kind == "cluster":
                cluster = LocalCluster(workdir / name, fsync=args.fsync)
                stops.append(cluster.stop)
                url = cluster.url
                env.update(LIVE_REDIS_CLUSTER="1", LIVE_VOTE_REPLICAS="0" if nowait else "1")
            else:
                redis, url = start_redis(workdir / name, args.fsync)
                started.append(redis)
            server, port = start_live(workdir / name, url, workers, env, args.gc_freeze)
            started.append(server)
            target = Target(name, "live", server, port, redis, url, cluster)
        print(f"[{name}] server pid {server.pid} on port {port}", flush=True)
        out = asyncio.run(drive(target, fleet, cfg))
        out["server_alive"] = server.alive()
        return out
    finally:
        for proc in reversed(started):
            proc.stop()
        for stop in stops:
            stop()


def target_kind(name: str) -> tuple[str, int, bool]:
    """("live" or "cluster", workers, without WAIT) of a target's name."""
    found = re.fullmatch(r"(live|cluster)(\d*)(-nowait)?", name)
    if found is None:
        raise SystemExit(f"bench: unknown target {name!r}")
    return found[1], int(found[2] or 1), bool(found[3])


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    limit = raise_nofile()
    if limit < args.voters + 1000:
        print(f"bench: open-file limit {limit} is too low for {args.voters} phones",
              file=sys.stderr)
        return 2
    names = [n for n in args.targets.split(",") if n] + (["live2"] if args.workers2 else [])
    cfg = Config(voters=args.voters, connect_rate=args.connect_rate,
                 burst_seconds=args.burst_seconds, burst_shape=args.burst_shape,
                 visibility=args.visibility, ladder_visibility=args.ladder_visibility,
                 ladder=tuple(float(r) for r in args.ladder.split(",")),
                 step_seconds=args.step_seconds, profile_dir=args.profile,
                 idle_seconds=args.idle_seconds, hold_only=args.hold_only)
    if args.smoke:
        cfg = replace(cfg, voters=min(args.voters, 50), burst_seconds=1.0, ladder=(100, 200),
                      step_seconds=1.0, idle_seconds=1.0, trickle=(20.0, 1.0), warm_phones=20)
        args.voters = cfg.voters
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="livevote-bench-"))
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
            "server_tree": server_tree(),
            "voters": args.voters, "config": (
                f"{args.voters} phones, {args.procs} driver processes, burst "
                f"{args.burst_shape} 90% in {args.burst_seconds:g} s, visibility "
                f"{args.visibility} (ladder {args.ladder_visibility}), redis appendfsync "
                f"{args.fsync}"
                f"{f', gc.freeze every {args.gc_freeze:g} s' if args.gc_freeze else ''}, "
                f"logs in {workdir}")}
    fleet = Fleet(args.procs)
    outs = []
    try:
        for name in names:
            outs.append(run_target(name, args, fleet, cfg, workdir))
    finally:
        fleet.close()
    print()
    print(render(meta, outs))
    if args.json:
        clean = [{k: v for k, v in o.items() if not k.startswith("_")} for o in outs]
        args.json.write_text(json.dumps({"meta": meta, "targets": clean}, indent=1,
                                        default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
