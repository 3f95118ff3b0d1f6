"""One target, one pass: warm up, hold N phones, idle, a tally trickle, the
burst, close, a rate ladder. Every phase is bounded in time; the same phases
run against the bare ack-only server and LiveVote so figures read as ratios.

Besides latencies (which a noisy shared machine inflates), every phase
records the CPU the server used for it, so per-operation costs (ms per
connect, per vote, µs per pushed message) can be compared across runs.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from typing import Any

import analysis
import plans
from fleet import Fleet
from roles import BareHost, LiveHost, Presenter
from stats import CpuMeter, summary
from targets import Config, Target, profile

OPTIONS = ["Red", "Green", "Blue"]
RETRY_ROUNDS, RETRY_RATE = 3, 300.0
OVERLOAD = 1.3  # the overload phase offers this times the ladder's best step


class Run:
    def __init__(self, target: Target, fleet: Fleet, cfg: Config) -> None:
        self.t, self.fleet, self.cfg = target, fleet, cfg
        self.rng = random.Random(cfg.seed)
        self.host: LiveHost | BareHost = (LiveHost(target.url) if target.kind == "live"
                                          else BareHost("127.0.0.1", target.port))
        self.presenter = Presenter()
        self.phones: list[plans.Phone] = []
        groups = {"server": target.server.pids(), "driver": fleet.pids + [os.getpid()]}
        if target.redis_pids():
            groups["redis"] = target.redis_pids()
        self.cpu = CpuMeter(groups)
        self.idle = 0.0
        self.out: dict[str, Any] = {"name": target.name, "kind": target.kind}

    @property
    def live(self) -> bool:
        return self.t.kind == "live"

    def log(self, text: str) -> None:
        print(f"[{self.t.name}] {text}", flush=True)

    async def connect(self, count: int) -> dict[str, Any]:
        n = len(self.fleet)
        shares = [count // n + (i < count % n) for i in range(n)]
        replies = await self.fleet.ask("connect", [
            {"host": "127.0.0.1", "port": self.t.port, "count": c,
             "rate": self.cfg.connect_rate / n, "join": {"code": self.host.room["code"]}}
            for c in shares])
        errors: dict[str, int] = {}
        for r in replies:
            for k, v in r["errors"].items():
                errors[k] = errors.get(k, 0) + v
        return {"connected": sum(r["connected"] for r in replies), "errors": errors,
                "connect_ms": summary(x for r in replies for x in r["latency"]),
                "seconds": max(r["seconds"] for r in replies),
                "per_worker": [r["connected"] for r in replies]}

    async def vote(self, ballot: str, plan: plans.Plan) -> list[analysis.Vote]:
        per: list[list[tuple[int, float, int, str]]] = [[] for _ in range(len(self.fleet))]
        for (w, local), at, option, key in plan:
            per[w].append((local, at, option, key))
        return analysis.votes(await self.fleet.ask("vote", [
            {"ballot": ballot, "plan": p, "grace": self.cfg.grace} for p in per]))

    def redis_ops(self) -> int:
        return self.t.redis_ops()

    async def pushes(self, name: str) -> int:
        return sum(s["pushes"].get(name, 0) for s in await self.fleet.ask("stats", {}))

    def busy(self, cpu: dict[str, float]) -> float:
        """Server cores used by the phase itself, above the idle cost of the phones."""
        return max(0.0, cpu["server"] - self.idle)

    # phases -----------------------------------------------------------------------

    async def warm_up(self) -> None:
        """Let lazy imports, pools and arenas settle before the RSS baseline."""
        ballot = await self.host.ballot("Warm-up", OPTIONS, False, "after_close")
        await self.host.open(ballot)
        got = await self.connect(self.cfg.warm_phones)
        phones = [(w, i) for w, c in enumerate(got["per_worker"]) for i in range(c)]
        await self.vote(ballot, plans.steady(phones, time.monotonic() + 0.2, 500,
                                             len(phones) / 500, 3, self.rng, 0, "w"))
        if self.live:
            await self.host.close(ballot)
        await self.fleet.ask("disconnect", {})
        await asyncio.sleep(1.0)

    async def hold(self) -> None:
        before = self.t.server.rss_kb()
        async with profile(self.cfg, self.t, "connect", self.out):
            self.cpu.start(time.monotonic())
            got = await self.connect(self.cfg.voters)
            cpu = self.cpu.stop(time.monotonic())
        self.phones = [(w, i) for w, c in enumerate(got["per_worker"]) for i in range(c)]
        if not self.phones:
            raise RuntimeError(f"no phone could connect: {got['errors']}")
        await asyncio.sleep(3.0)  # presence reports and buffers settle
        after = self.t.server.rss_kb()
        async with profile(self.cfg, self.t, "idle", self.out):
            self.cpu.start(time.monotonic())
            await asyncio.sleep(self.cfg.idle_seconds)
            idle = self.cpu.stop(time.monotonic())
        self.idle = idle["server"]
        got.update(rss_before_kb=before, rss_after_kb=after, cpu=cpu, idle_cpu=idle,
                   kb_per_phone=(after - before) / got["connected"],
                   server_ms_per_connect=cpu["server"] * got["seconds"] / got["connected"]
                   * 1000, server_sees=self.presenter.last_phones() if self.live else None)
        self.out["hold"] = got
        self.log(f"held {got['connected']}/{self.cfg.voters} phones in {got['seconds']:.1f} s "
                 f"({got['server_ms_per_connect']:.2f} server ms each), "
                 f"{got['kb_per_phone']:.1f} KB/phone, idle {self.idle:.2f} cores, "
                 f"errors {got['errors']}")

    async def trickle(self) -> None:
        """A few votes a second on a `live` ballot: what pushing tallies to every
        phone costs, and how fresh the screen is when the server is not busy."""
        ballot = await self.host.ballot("Trickle", OPTIONS, False, "live")
        await self.host.open(ballot)
        rate, seconds = self.cfg.trickle
        plan = plans.steady(self.phones, time.monotonic() + 0.5, rate, seconds, len(OPTIONS),
                            self.rng, 0, "t")
        pushed = await self.pushes("tally")
        self.cpu.start(plan[0][1])
        vs = await self.vote(ballot, plan)
        await asyncio.sleep(0.5)
        cpu = self.cpu.stop(time.monotonic())
        span = time.monotonic() - plan[0][1]
        per_s = (await self.pushes("tally") - pushed) / span
        res = analysis.throughput(vs, seconds)
        res.update(cpu=cpu, pushes_per_s=per_s, us_per_push=self.busy(cpu) / per_s * 1e6
                   if per_s else None,
                   presenter=analysis.presenter_lag(vs, self.presenter.seqs(ballot)))
        await self.host.close(ballot)
        self.out["trickle"] = res
        self.log(f"trickle: {per_s:.0f} tally pushes/s to phones, "
                 f"{res['us_per_push'] or 0:.0f} server µs each, screen p99 "
                 f"{res['presenter']['after_ack_ms']['p99']:.0f} ms after the ack")

    async def burst(self) -> None:
        ballot = await self.host.ballot("Burst", OPTIONS, False, self.cfg.visibility)
        await self.host.open(ballot)
        plan = plans.burst(self.phones, time.monotonic() + 1.0, self.cfg.burst_seconds,
                           self.cfg.burst_shape, len(OPTIONS), self.rng)
        pushed = await self.pushes("tally")
        self.cpu.start(min(p[1] for p in plan))
        vs = await self.vote(ballot, plan)
        res = analysis.throughput(vs, self.cfg.burst_seconds / 0.9)
        res["cpu"] = self.cpu.stop(time.monotonic())
        res["tally_pushes"] = await self.pushes("tally") - pushed
        self.out["_burst_latencies"] = [v.acked - v.scheduled for v in vs if v.acked >= 0]
        res["retried"] = await self.retry(ballot, vs)
        vs = [v for v in vs if not plans.needs_retry(v)] + res["retried"].pop("votes")
        tally = None
        if isinstance(self.host, LiveHost):
            await asyncio.sleep(1.0)  # the last coalesced tallies
            res["presenter"] = analysis.presenter_lag(vs, self.presenter.seqs(ballot))
            tally = await self.host.tally(ballot)
        res["close"], sealed = await self.close(ballot, sum(v.ok for v in vs))
        if isinstance(self.host, LiveHost):
            res["correct"] = analysis.correctness(vs, len(OPTIONS), tally, sealed,
                                                  await self.host.result(ballot),
                                                  self.presenter.last_tally(ballot))
        self.out["burst"] = res
        self.log(f"burst: {res['acked']}/{res['sent']} acked, {res['acked_per_s']:.0f}/s, "
                 f"lost {res['lost']}, refused {res['refused']}, retried "
                 f"{res.get('retried')}, correct {res.get('correct', {}).get('ok')}")

    async def retry(self, ballot: str, vs: list[analysis.Vote]) -> dict[str, Any]:
        """Retry unanswered and `internal` votes, as phones do, for a few rounds."""
        final: list[analysis.Vote] = []
        rounds: list[dict[str, int]] = []
        todo = [v for v in vs if plans.needs_retry(v)]
        for _ in range(RETRY_ROUNDS):
            if not todo:
                break
            await asyncio.sleep(1.0)
            done = await self.vote(ballot, plans.retries(todo, time.monotonic() + 0.2,
                                                         RETRY_RATE))
            rounds.append(dict(Counter(v.status for v in done)))
            final += [v for v in done if not plans.needs_retry(v)]
            todo = [v for v in done if plans.needs_retry(v)]
        return {"rounds": rounds, "still_failing": len(todo), "votes": final + todo}

    async def close(self, ballot: str, votes: int) -> tuple[dict[str, Any], dict[str, Any]]:
        self.cpu.start(time.monotonic())
        started = time.monotonic()
        sealed = await self.host.close(ballot, votes)
        acked = time.monotonic()
        arrivals = await self.fleet.ask("closed", {"ballot": ballot, "timeout": 15.0})
        ended = time.monotonic()
        cpu = self.cpu.stop(ended)
        held = sum(s["held"] for s in await self.fleet.ask("stats", {}))
        told = analysis.result_to_all(arrivals, held, started, sealed["sha256"])
        told.update(close_call_ms=(acked - started) * 1000, cpu=cpu,
                    server_us_per_phone=self.busy(cpu) * (ended - started) * 1e6 / held)
        return told, sealed

    async def ladder(self) -> None:
        ballot = await self.host.ballot("Ladder", OPTIONS, True, self.cfg.ladder_visibility)
        await self.host.open(ballot)
        steps, every, cursor = [], [], 0
        for rate in self.cfg.ladder:
            plan = plans.steady(self.phones, time.monotonic() + 0.5, rate,
                                self.cfg.step_seconds, len(OPTIONS), self.rng, cursor, "l")
            cursor += len(plan)
            ops = self.redis_ops()
            self.cpu.start(plan[0][1])
            vs = await self.vote(ballot, plan)
            step = analysis.throughput(vs, self.cfg.step_seconds)
            step.update(cpu=self.cpu.stop(time.monotonic()), rate=rate)
            if self.t.redis_url and step["acked"]:
                step["redis_ops_per_vote"] = (self.redis_ops() - ops) / step["acked"]
            # All the server's CPU over the step, idle costs included: subtracting a
            # separately measured idle cost is fragile when a collector pause lands in it.
            step["server_ms_per_vote"] = (step["cpu"]["server"] / step["acked_per_s"] * 1000
                                          if step["acked_per_s"] else None)
            if self.live:
                step["presenter"] = analysis.presenter_lag(vs, self.presenter.seqs(ballot))
            steps.append(step)
            every += vs
            lat = step["latency_ms"]
            self.log(f"ladder {rate:>6.0f}/s: acked {step['acked_per_s']:.0f}/s p50 "
                     f"{lat['p50']:.1f} p99 {lat['p99']:.1f} ms, lost {step['lost']}, "
                     f"{step['server_ms_per_vote'] or 0:.2f} server ms/vote, send lag p99 "
                     f"{step['driver_lag_ms']['p99']:.1f} ms, cores {_cores(step['cpu'])}")
            # Throughput and the median decide: a single collector pause can push
            # the p99 of a short step past a second without the server falling behind.
            if (step["acked_per_s"] < 0.9 * rate or lat["p50"] > 500 or step["lost"]
                    or step["refused"]):
                break
            await asyncio.sleep(0.5)
        ceiling = max(s["acked_per_s"] for s in steps)
        await asyncio.sleep(1.0)
        over, done = await self.overload(ballot, ceiling, cursor)
        every += done
        await asyncio.sleep(1.0)
        res: dict[str, Any] = {"steps": steps, "ceiling_per_s": ceiling, "overload": over}
        res["close"], sealed = await self.close(ballot, 0)
        if isinstance(self.host, LiveHost):
            res["correct"] = analysis.correctness(
                every, len(OPTIONS), None, sealed, await self.host.result(ballot),
                self.presenter.last_tally(ballot))
        self.out["ladder"] = res

    async def overload(self, ballot: str, ceiling: float, cursor: int
                       ) -> tuple[dict[str, Any], list[analysis.Vote]]:
        """Above capacity: OVERLOAD times the most a step acked, for two steps'
        time. Every answer (acked or `busy`) counts for latency; then the phones
        send their unanswered and `busy` votes again, so none may be lost."""
        rate = max(OVERLOAD * ceiling, 100.0)
        seconds = 2 * self.cfg.step_seconds
        plan = plans.steady(self.phones, time.monotonic() + 0.5, rate, seconds, len(OPTIONS),
                            self.rng, cursor, "o")
        self.cpu.start(plan[0][1])
        vs = await self.vote(ballot, plan)
        step = analysis.throughput(vs, seconds)
        step.update(cpu=self.cpu.stop(time.monotonic()), rate=rate)
        step["retried"] = await self.retry(ballot, vs)
        done = [v for v in vs if not plans.needs_retry(v)] + step["retried"].pop("votes")
        step["lost_after_retries"] = sum(plans.needs_retry(v) for v in done)
        lat = step["latency_ms"]
        self.log(f"overload {rate:.0f}/s: acked {step['acked_per_s']:.0f}/s, answers p50 "
                 f"{lat['p50']:.1f} p99 {lat['p99']:.1f} ms, refused {step['refused']}, "
                 f"lost after retries {step['lost_after_retries']}")
        return step, done

    async def finish(self) -> None:
        stats = await self.fleet.ask("stats", {})
        names = {k for s in stats for k in s["pushes"]}
        self.out["end"] = {"held": sum(s["held"] for s in stats),
                           "dropped": sum(s["dropped"] for s in stats),
                           "pushes_per_phone": {k: sum(s["pushes"].get(k, 0) for s in stats)
                                                / max(1, len(self.phones)) for k in names}}
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
            if self.cfg.hold_only:  # the join storm and the idle cost alone
                await self.finish()
                return self.out
            if self.live:
                await self.trickle()
            async with profile(self.cfg, self.t, "burst-ladder", self.out):
                await self.burst()
                await self.ladder()
            await self.finish()
        finally:
            self.presenter.close()
            await self.host.aclose()
        return self.out


def _cores(cpu: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.2f}" for k, v in cpu.items())
