"""Driver processes: each holds a share of the phones on its own event loop.

The orchestrator (`bench.py`) talks to every process over a pipe: `connect`
opens phones at a steady rate, `vote` sends votes at the scheduled moments
(open loop: a vote leaves at its time whether or not earlier acks came back),
`closed` waits for `ballot:closed` on every phone. All timestamps are
`time.monotonic()`, one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import time
import traceback
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

import orjson

from wsclient import SioClient, connect

VOTER = "/voter"
CONNECT_IN_FLIGHT = 256
SEND_TICK = 0.002
# One vote: (local voter index, scheduled time, option, client key)
Plan = list[tuple[int, float, int, str]]


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Worker:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.clients: list[SioClient] = []
        self.passes: list[str | None] = []
        self.closing = False
        self.dropped = 0
        self.pushes: Counter[str] = Counter()
        self.push_bytes = 0
        self.closed_seen: dict[str, list[tuple[int, float, str | None]]] = {}
        self.finished: asyncio.Future[None] | None = None

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.finished = loop.create_future()
        loop.add_reader(self.pipe.fileno(), self._command)
        await self.finished

    def _command(self) -> None:
        # uvloop makes watched descriptors non-blocking; a large plan arrives
        # in several reads, so read each message whole.
        os.set_blocking(self.pipe.fileno(), True)
        op, args = self.pipe.recv()
        asyncio.get_running_loop().create_task(self._run(op, args))

    async def _run(self, op: str, args: dict[str, Any]) -> None:
        try:
            result = await getattr(self, f"op_{op}")(**args)
            self.pipe.send(("ok", result))
        except Exception:
            self.pipe.send(("error", traceback.format_exc()))

    # events pushed to phones -------------------------------------------------------

    def on_event(self, client: SioClient, ns: str, raw: str, now: float) -> None:
        name = raw[2:raw.find('"', 2)]
        self.pushes[name] += 1
        self.push_bytes += len(raw)
        if name == "ballot:closed":
            data = orjson.loads(raw)[1]
            result = data.get("result")
            self.closed_seen.setdefault(data["ballot"]["id"], []).append(
                (client.user, now, result["sha256"] if result else None))

    def on_close(self, client: SioClient) -> None:
        if not self.closing:
            self.dropped += 1

    # commands ----------------------------------------------------------------------

    async def op_connect(self, host: str, port: int, count: int, rate: float,
                         join: dict[str, Any]) -> dict[str, Any]:
        """Open `count` phones at `rate` per second; each joins with `join`."""
        gate = asyncio.Semaphore(CONNECT_IN_FLIGHT)
        errors: Counter[str] = Counter()
        latencies: list[float] = []
        opened: list[tuple[SioClient, str | None] | None] = [None] * count
        start = time.monotonic()

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            async with gate:
                t0 = time.monotonic()
                try:
                    client = await connect(host, port, (VOTER,), self.on_event, self.on_close)
                    ack = await asyncio.wait_for(client.call(VOTER, "room:join", join), 30)
                except Exception as exc:
                    errors[type(exc).__name__ + ": " + str(exc)[:80]] += 1
                    return
                if not ack["ok"]:
                    errors[ack["error"]["code"]] += 1
                    client.close()
                    return
                latencies.append(time.monotonic() - t0)
                opened[i] = (client, ack["data"].get("pass"))

        await asyncio.gather(*(one(i) for i in range(count)))
        for entry in opened:
            if entry is not None:
                entry[0].user = len(self.clients)
                self.clients.append(entry[0])
                self.passes.append(entry[1])
        return {"connected": len(latencies), "errors": dict(errors), "latency": latencies,
                "seconds": time.monotonic() - start}

    async def op_vote(self, ballot: str, plan: Plan, grace: float) -> list[list[Any]]:
        """Send every vote of `plan` at its time; wait up to `grace` s for the acks.

        Each record: [voter, option, scheduled, sent, acked (-1 if never), seq,
        status or "err:code", receipt, client key].
        """
        plan = sorted(plan, key=lambda p: p[1])
        records: list[list[Any]] = []
        waiting = [0]
        all_in = asyncio.get_running_loop().create_future()

        def acked(record: list[Any]) -> Any:
            def done(ack: Any, now: float) -> None:
                record[4] = now
                if ack.get("ok"):
                    data = ack["data"]
                    record[5], record[6], record[7] = data["seq"], data["status"], data["receipt"]
                else:
                    record[6] = "err:" + ack["error"]["code"]
                waiting[0] -= 1
                if waiting[0] == 0 and len(records) == len(plan) and not all_in.done():
                    all_in.set_result(None)
            return done

        i = 0
        while i < len(plan):
            now = time.monotonic()
            while i < len(plan) and plan[i][1] <= now:
                voter, at, option, key = plan[i]
                record = [voter, option, at, now, -1.0, 0, "", "", key]
                records.append(record)
                client = self.clients[voter]
                if client.closed:
                    record[6] = "err:closed"
                else:
                    waiting[0] += 1
                    client.emit_call(VOTER, "vote:cast", {"ballot": ballot, "choices": [option],
                                                          "client_key": key,
                                                          "pass": self.passes[voter]},
                                    acked(record))
                i += 1
            if i < len(plan):
                # Wake at most every SEND_TICK: a vote leaves up to that late (and
                # its latency, counted from the schedule, says so) instead of the
                # loop spinning through sub-millisecond sleeps.
                await asyncio.sleep(min(max(plan[i][1] - time.monotonic(), SEND_TICK), 0.005))
        if waiting[0] and not all_in.done():
            try:
                await asyncio.wait_for(all_in, grace)
            except asyncio.TimeoutError:
                pass
        return records

    async def op_closed(self, ballot: str, timeout: float) -> list[tuple[int, float, str | None]]:
        """Wait until every open phone saw `ballot:closed` for `ballot` (or timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = {v for v, _, _ in self.closed_seen.get(ballot, [])}
            if all(c.user in seen for c in self.clients if not c.closed):
                break
            await asyncio.sleep(0.01)
        return list(self.closed_seen.get(ballot, []))

    async def op_stats(self) -> dict[str, Any]:
        return {"held": sum(not c.closed for c in self.clients), "dropped": self.dropped,
                "pushes": dict(self.pushes), "push_bytes": self.push_bytes}

    async def op_disconnect(self) -> dict[str, Any]:
        """Hang up every phone and forget them (ready for the next server)."""
        stats = await self.op_stats()
        self.closing = True
        for client in self.clients:
            client.close()
        deadline = time.monotonic() + 10
        while any(not c.closed for c in self.clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.clients.clear()
        self.passes.clear()
        self.closed_seen.clear()
        self.pushes.clear()
        self.push_bytes, self.dropped, self.closing = 0, 0, False
        return stats

    async def op_quit(self) -> None:
        assert self.finished is not None
        self.finished.set_result(None)


def worker_main(pipe: Connection) -> None:
    raise_nofile()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(Worker(pipe).serve())


class Fleet:
    """The orchestrator's handle on the driver processes."""

    def __init__(self, processes: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs = []
        for _ in range(processes):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(theirs,), daemon=True)
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def __len__(self) -> int:
        return len(self.pipes)

    async def ask(self, op: str, args: list[dict[str, Any]] | dict[str, Any],
                  timeout: float = 300.0) -> list[Any]:
        """Send `op` to every process (one argument dict each, or one for all)."""
        per = args if isinstance(args, list) else [args] * len(self.pipes)
        for pipe, a in zip(self.pipes, per):
            pipe.send((op, a))
        loop = asyncio.get_running_loop()
        replies = await asyncio.gather(*(loop.run_in_executor(None, _reply, pipe, op, timeout)
                                         for pipe in self.pipes))
        for status, value in replies:
            if status != "ok":
                raise RuntimeError(f"driver process failed in {op}:\n{value}")
        return [value for _, value in replies]

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("quit", {}))
            except OSError:
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()


def _reply(pipe: Connection, op: str, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError(f"driver process gave no answer to {op} in {timeout:.0f} s")
    return pipe.recv()
