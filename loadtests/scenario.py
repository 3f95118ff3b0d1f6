"""One target, one pass: warm up, hold N phones, a burst, close, a rate ladder.

Every phase is bounded in time; the same phases run against the bare ack-only
server and against LiveVote so the figures can be read as ratios.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import analysis
from fleet import Fleet, Plan
from procs import Process
from roles import BareHost, LiveHost, Presenter
from stats import CpuMeter, summary

OPTIONS = ["Red", "Green", "Blue"]
WARM_PHONES = 200


@dataclass(frozen=True)
class Config:
    voters: int = 10_000
    connect_rate: float = 1000.0
    burst_seconds: float = 5.0
    burst_shape: str = "uniform"
    visibility: str = "live"
    ladder: tuple[float, ...] = (500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000)
    step_seconds: float = 3.0
    grace: float = 30.0
    seed: int = 7
    profile_dir: Path | None = None


@dataclass
class Target:
    name: str
    kind: str  # "bare" or "live"
    server: Process
    port: int
    redis: Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Run:
    def __init__(self, target: Target, fleet: Fleet, cfg: Config) -> None:
        self.t, self.fleet, self.cfg = target, fleet, cfg
        self.rng = random.Random(cfg.seed)
        self.host: LiveHost | BareHost = (LiveHost(target.url) if target.kind == "live"
                                          else BareHost("127.0.0.1", target.port))
        self.presenter = Presenter()
        self.phones: list[tuple[int, int]] = []
        groups = {"server": target.server.pids(), "driver": fleet.pids + [os.getpid()]}
        if target.redis is not None:
            groups["redis"] = [target.redis.pid]
        self.cpu = CpuMeter(groups)
        self.out: dict[str, Any] = {"name": target.name, "kind": target.kind}

    @property
    def live(self) -> bool:
        return self.t.kind == "live"

    def log(self, text: str) -> None:
        print(f"[{self.t.name}] {text}", flush=True)

    async def connect(self, count: int) -> dict[str, Any]:
        n = len(self.fleet)
        shares = [count // n + (i < count % n) for i in range(n)]
        join = {"code": self.host.room["code"]}
        replies = await self.fleet.ask("connect", [
            {"host": "127.0.0.1", "port": self.t.port, "count": c,
             "rate": self.cfg.connect_rate / n, "join": join} for c in shares])
        errors: dict[str, int] = {}
        for r in replies:
            for k, v in r["errors"].items():
                errors[k] = errors.get(k, 0) + v
        lat = [x for r in replies for x in r["latency"]]
        return {"connected": sum(r["connected"] for r in replies), "errors": errors,
                "connect_ms": summary(lat), "seconds": max(r["seconds"] for r in replies),
                "per_worker": [r["connected"] for r in replies]}

    async def vote(self, ballot: str, plan: list[tuple[tuple[int, int], float, int, str]]
                   ) -> list[analysis.Vote]:
        per: list[Plan] = [[] for _ in range(len(self.fleet))]
        for (w, local), at, option, key in plan:
            per[w].append((local, at, option, key))
        replies = await self.fleet.ask("vote", [{"ballot": ballot, "plan": p,
                                                 "grace": self.cfg.grace} for p in per])
        return analysis.votes(replies)

    # phases -------------------------------------------------------------------

    async def warm_up(self) -> None:
        """Let lazy imports, pools and arenas settle before the RSS baseline."""
        ballot = await self.host.ballot("Warm-up", OPTIONS, False, "after_close")
        await self.host.open(ballot)
        got = await self.connect(WARM_PHONES)
        phones = [(w, i) for w, c in enumerate(got["per_worker"]) for i in range(c)]
        start = time.monotonic() + 0.2
        await self.vote(ballot, [(p, start + i / 500, i % 3, f"w{i}")
                                 for i, p in enumerate(phones)])
        if self.live:
            await self.host.close(ballot)
        await self.fleet.ask("disconnect", {})
        await asyncio.sleep(1.0)

    async def hold(self) -> None:
        before = self.t.server.rss_kb()
        self.cpu.start(time.monotonic())
        got = await self.connect(self.cfg.voters)
        self.out["connect_cpu"] = self.cpu.stop(time.monotonic())
        self.phones = [(w, i) for w, c in enumerate(got["per_worker"]) for i in range(c)]
        if not self.phones:
            raise RuntimeError(f"no phone could connect: {got['errors']}")
        await asyncio.sleep(3.0)  # presence reports and buffers settle
        after = self.t.server.rss_kb()
        got.update(rss_before_kb=before, rss_after_kb=after,
                   kb_per_phone=(after - before) / max(1, got["connected"]),
                   server_sees=self.presenter.last_phones() if self.live else None)
        self.out["hold"] = got
        self.log(f"held {got['connected']}/{self.cfg.voters} phones in {got['seconds']:.1f} s, "
                 f"{got['kb_per_phone']:.1f} KB/phone, errors {got['errors']}")

    def burst_plan(self, ballot: str) -> list[tuple[tuple[int, int], float, int, str]]:
        start = time.monotonic() + 1.0
        span = self.cfg.burst_seconds
        plan = []
        for i, phone in enumerate(self.phones):
            u = self.rng.random()
            # 90 % of the phones vote within `burst_seconds`
            at = (span / 0.9 * u if self.cfg.burst_shape == "uniform"
                  else -span / math.log(10) * math.log(1 - u))
            plan.append((phone, start + at, self.rng.randrange(len(OPTIONS)), f"b{i}"))
        return plan

    async def burst(self) -> None:
        ballot = await self.host.ballot("Burst", OPTIONS, False, self.cfg.visibility)
        await self.host.open(ballot)
        plan = self.burst_plan(ballot)
        self.cpu.start(plan[0][1])
        vs = await self.vote(ballot, plan)
        res = analysis.throughput(vs, self.cfg.burst_seconds / 0.9)
        res["cpu"] = self.cpu.stop(time.monotonic())
        self.out["_burst_latencies"] = [v.acked - v.scheduled for v in vs if v.acked >= 0]
        if self.live:
            await asyncio.sleep(1.0)  # the last coalesced tallies
            res["presenter"] = analysis.presenter_lag(vs, self.presenter.seqs(ballot))
            tally = await self.host.tally(ballot)
        res["close"], sealed = await self.close(ballot, len([v for v in vs if v.ok]))
        if isinstance(self.host, LiveHost):
            persisted = await self.host.result(ballot)
            res["correct"] = analysis.correctness(vs, len(OPTIONS), tally, sealed, persisted,
                                                  self.presenter.last_tally(ballot))
        self.out["burst"] = res
        self.log(f"burst: {res['acked']}/{res['sent']} acked, {res['acked_per_s']:.0f}/s, "
                 f"lost {res['lost']}, refused {res['refused']}, "
                 f"correct {res.get('correct', {}).get('ok')}")

    async def close(self, ballot: str, votes: int) -> tuple[dict[str, Any], dict[str, Any]]:
        started = time.monotonic()
        sealed = await self.host.close(ballot, votes)
        acked = time.monotonic()
        arrivals = await self.fleet.ask("closed", {"ballot": ballot, "timeout": 15.0})
        held = sum(s["held"] for s in await self.fleet.ask("stats", {}))
        told = analysis.result_to_all(arrivals, held, started, sealed["sha256"])
        told["close_call_ms"] = (acked - started) * 1000
        return told, sealed

    async def ladder(self) -> None:
        ballot = await self.host.ballot("Ladder", OPTIONS, True, self.cfg.visibility)
        await self.host.open(ballot)
        steps, every, cursor = [], [], 0
        for rate in self.cfg.ladder:
            count = int(rate * self.cfg.step_seconds)
            start = time.monotonic() + 0.5
            plan = []
            for k in range(count):
                phone = self.phones[(cursor + k) % len(self.phones)]
                plan.append((phone, start + k / rate, self.rng.randrange(len(OPTIONS)),
                             f"l{cursor + k}"))
            cursor += count
            self.cpu.start(start)
            vs = await self.vote(ballot, plan)
            step = analysis.throughput(vs, self.cfg.step_seconds)
            step["cpu"] = self.cpu.stop(time.monotonic())
            step["rate"] = rate
            if self.live:
                step["presenter"] = analysis.presenter_lag(vs, self.presenter.seqs(ballot))
            steps.append(step)
            every += vs
            lat = step["latency_ms"]
            self.log(f"ladder {rate:>6.0f}/s: acked {step['acked_per_s']:.0f}/s p50 "
                     f"{lat['p50']:.1f} p99 {lat['p99']:.1f} ms lost {step['lost']} "
                     f"send lag p99 {step['driver_lag_ms']['p99']:.1f} ms, "
                     f"cores {_cores(step['cpu'])}")
            if (step["acked_per_s"] < 0.9 * rate or lat["p99"] > 1000 or step["lost"]
                    or step["refused"]):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
        res: dict[str, Any] = {"steps": steps,
                               "ceiling_per_s": max(s["acked_per_s"] for s in steps)}
        res["close"], sealed = await self.close(ballot, 0)
        if isinstance(self.host, LiveHost):
            res["correct"] = analysis.correctness(
                every, len(OPTIONS), None, sealed, await self.host.result(ballot),
                self.presenter.last_tally(ballot))
        self.out["ladder"] = res

    async def finish(self) -> None:
        stats = await self.fleet.ask("stats", {})
        self.out["end"] = {"held": sum(s["held"] for s in stats),
                           "dropped": sum(s["dropped"] for s in stats),
                           "pushes_per_phone": {k: sum(s["pushes"].get(k, 0) for s in stats)
                                                / max(1, len(self.phones))
                                                for k in {k for s in stats for k in s["pushes"]}}}
        await self.fleet.ask("disconnect", {})

    async def run(self) -> dict[str, Any]:
        room = await self.host.create_room(f"Bench {self.t.name}")
        self.out["room"] = room["room"]["id"]
        try:
            await self.warm_up()
            if isinstance(self.host, LiveHost):
                await self.presenter.watch("127.0.0.1", self.t.port, self.host.room["id"],
                                           self.host.key)
            await self.hold()
            profiler = self.profile("burst-ladder")
            try:
                await self.burst()
                await self.ladder()
            finally:
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    profiler.wait(30)
            await self.finish()
        finally:
            self.presenter.close()
            await self.host.aclose()
        return self.out

    def profile(self, label: str) -> subprocess.Popen[bytes] | None:
        """py-spy on the (first) serving process while the load runs."""
        if self.cfg.profile_dir is None:
            return None
        self.cfg.profile_dir.mkdir(parents=True, exist_ok=True)
        pid = self.t.server.workers()[0]
        out = self.cfg.profile_dir / f"{self.t.name}-{label}.txt"
        self.out["profile"] = str(out)
        spy = Path(sys.executable).with_name("py-spy")
        return subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record",
                                 "--pid", str(pid), "--rate", "200", "--format", "raw",
                                 "--output", str(out), "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cores(cpu: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.2f}" for k, v in cpu.items())
