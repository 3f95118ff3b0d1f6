"""General-meeting benchmark: a 5,000-member union, 1,500 members online at once.

    .venv/bin/python loadtests/meeting_bench.py --members 5000 --online 1500 --json meeting.json

Starts its own Redis (the embedded Valkey binary), `live serve` texting through
a stand-in SMS gateway that this process runs (`meeting_phones.py`), and then
runs a meeting day over the public protocol: staff import the roster, set the
record date and start an agenda item with the presenter screen on its quorum
gauge; the invitations go out, and each online member opens the personal
link, asks for a code, types the code the gateway delivers and attends online
(with the page's retries), while the desk checks members in in the hall. Then
every online member votes, the item closes, and staff fetch the minutes and
the signed bundle. Measured against the targets of issue #18: members signed
in within 60 s of the invitations, the gauge's lag behind attendance (p99
≤ 250 ms), the outcome on every phone ≤ 1 s after close, minutes and signed
bundle ≤ 5 s. CPU per phase for the server, Redis, this driver (phones and
gateway) and everything else on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import server_tree  # noqa: E402
from meeting_gauge import Screen, gauge_lag  # noqa: E402
from meeting_phones import Carrier, Cast, Gateway, Human, Phone, number_key, sign_in, vote  # noqa: E402
from meeting_steps import loop_lag, steps, timeline  # noqa: E402
from procs import free_port, start_live, start_redis  # noqa: E402
from report import machine  # noqa: E402
from stats import CpuMeter, summary  # noqa: E402
from targets import Config, Target, profile  # noqa: E402

TOKEN = "bench-sms-token"
EXPORTS = ("minutes", "minutes.csv", "minutes.xlsx", "minutes.pdf")


def roster(members: int) -> str:
    """Members M1..Mn, one holding each, phones 010-5xxx-xxxx, names unique."""
    lines = ["member_no,name,phone,holding,weight"]
    lines += [f"M{i},조합원{i:05d},{phone_of(i)},H{i},1" for i in range(1, members + 1)]
    return "\n".join(lines) + "\n"


def phone_of(i: int) -> str:
    return f"010-5{i // 10000:03d}-{i % 10000:04d}"


class Staff:
    """The union office: the host key over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.room = self.key = ""
        self.refused: dict[str, int] = {}

    async def call(self, method: str, path: str, body: Any = None, raw: bool = False,
                   **kw: Any) -> Any:
        url = f"{self.base}/api/rooms{'/' + self.room if self.room else ''}{path}"
        headers = {"authorization": f"Bearer {self.key}"} | kw.pop("headers", {})
        async with self.http.request(method, url, json=body, headers=headers, **kw) as r:
            data = await r.read()
            if raw:
                assert r.status == 200, data[:300]
                return data
            answer = json.loads(data)
            assert answer["ok"], (path, answer)
            return answer["data"]

    async def attempt(self, method: str, path: str, body: Any) -> bool:
        """A desk action that may be refused under load (counted, not fatal)."""
        url = f"{self.base}/api/rooms/{self.room}{path}"
        async with self.http.request(method, url, json=body, headers={
                "authorization": f"Bearer {self.key}"}) as r:
            answer = json.loads(await r.read())
        if not answer["ok"]:
            code = answer["error"]["code"]
            self.refused[code] = self.refused.get(code, 0) + 1
        return bool(answer["ok"])


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def timed(work: Awaitable[Any]) -> tuple[float, Any]:
    started = time.monotonic()
    result = await work
    return time.monotonic() - started, result


class MeetingRun:
    def __init__(self, args: argparse.Namespace, base: str, meter: CpuMeter,
                 target: Target, cfg: Config) -> None:
        self.args, self.base, self.meter = args, base, meter
        self.target, self.cfg = target, cfg
        self.rng = random.Random(args.seed)
        self.out: dict[str, Any] = {}

    def phase(self, name: str) -> Any:
        return profile(self.cfg, self.target, name, self.out)

    async def run(self, gateway: Gateway, http: aiohttp.ClientSession) -> dict[str, Any]:
        staff = Staff(http, self.base)
        item = await self.prepare(staff)
        online = self.rng.sample(range(1, self.args.members + 1), self.args.online)
        phones = {i: Phone(i, f"M{i}", phone_of(i), f"10.{i >> 16 & 255}.{i >> 8 & 255}."
                           f"{i & 255}") for i in online}
        for p in phones.values():
            gateway.phones[number_key(p.phone.replace("-", ""))] = p
        screen = await Screen.open(self.base, staff.room, staff.key, item,
                                   self.args.gauge_poll_ms / 1000)
        try:
            await self.storm(staff, gateway, http, list(phones.values()), screen,
                             [i for i in range(1, self.args.members + 1) if i not in phones])
            signed = [p for p in phones.values() if p.signed_in_at]
            await self.voting(staff, item, signed, screen)
            await self.records(staff, item)
        finally:
            screen.close()
            for p in phones.values():
                if p.socket is not None:
                    p.socket.close()
        return self.out

    async def prepare(self, staff: Staff) -> str:
        async with staff.http.post(f"{self.base}/api/rooms",
                                   json={"title": "조합 정기총회", "kind": "meeting"}) as r:
            made = (await r.json())["data"]
        staff.room, staff.key = made["room"]["id"], made["host_key"]
        took, imported = await timed(staff.call(
            "POST", "/roster", data=roster(self.args.members).encode(),
            headers={"content-type": "text/csv"}))
        assert imported["imported"] == self.args.members, imported
        frozen = await staff.call("POST", "/record-date", {"record_date": "2026-11-01"})
        item = await staff.call("POST", "/ballots", {
            "question": "제1호 안건: 정관 변경", "kind": "yesno", "agenda": "general"})
        await staff.call("POST", f"/ballots/{item['id']}/live")
        await staff.call("POST", "/screen", {"view": "quorum", "ballot": item["id"]})
        self.out["prepare"] = {"roster_import_s": round(took, 2), "n": frozen["n"]}
        return str(item["id"])

    async def storm(self, staff: Staff, gateway: Gateway, http: aiohttp.ClientSession,
                    phones: list[Phone], screen: Screen, offline: list[int]) -> None:
        """Invitations to everyone; the online members sign in, the desk checks
        others in; the screen's gauge is read the whole time."""
        a = self.args
        human = Human() if not a.smoke else Human((0, 0.2), (0.05, 0.1), (0.1, 0.2), 3.0)
        desk_times: list[float] = []

        async def desk() -> None:
            for i in self.rng.sample(offline, a.desk):
                await asyncio.sleep(self.rng.expovariate(a.desk_rate))
                while not await staff.attempt("POST", "/attendance", {"member_no": f"M{i}"}):
                    await asyncio.sleep(1.0)  # staff try again
                desk_times.append(time.monotonic())
        lags: list[tuple[float, float]] = []
        self.meter.start(time.monotonic())
        async with self.phase("storm"):
            t0 = time.monotonic()
            lagging = asyncio.create_task(loop_lag(staff.http, staff.base, lags))
            members = [asyncio.create_task(sign_in(p, self.base, http, human,
                                                   random.Random(p.i))) for p in phones]
            desk_task = asyncio.create_task(desk())
            sent = await self.invite(staff)
            done, late = await asyncio.wait(members, timeout=max(0.0, t0 + a.storm_cap_s
                                                                  - time.monotonic()))
            for task in late:
                task.cancel()
            await desk_task
            lagging.cancel()
            await asyncio.sleep(max(1.0, 2 * a.gauge_poll_ms / 1000))
        cpu = self.meter.stop(time.monotonic())
        faults: dict[str, int] = {}
        for task in done:
            if task.exception() is not None:  # a driver fault: counted, and the run goes on
                name = repr(task.exception())[:80]
                faults[name] = faults.get(name, 0) + 1
        signed = sorted(p.signed_in_at - t0 for p in phones if p.signed_in_at)
        invited = [p.invited_at - t0 for p in phones if p.invited_at]
        own = [p.signed_in_at - p.invited_at for p in phones if p.signed_in_at]
        refusals: dict[str, int] = {}
        for p in phones:
            for code, n in p.refusals.items():
                refusals[code] = refusals.get(code, 0) + n
        changes = sorted([p.signed_in_at for p in phones if p.signed_in_at] + desk_times)
        self.out["storm"] = {
            "online": len(phones), "signed_in": len(signed),
            "within_60s": sum(1 for s in signed if s <= 60), "all_signed_in_s":
            round(signed[-1], 1) if len(signed) == len(phones) else None,
            "signed_in_after_invites": summary(signed), "invitation_at_phone": summary(invited),
            "sign_in_after_invitation": summary(own), "invites": sent,
            "otp_asks": sum(p.otp_asks for p in phones),
            "reconnects": sum(p.reconnects for p in phones),
            "verify_tries": sum(p.verify_tries for p in phones), "refusals": refusals,
            "gateway": {"requests": gateway.requests, "texts": gateway.texts,
                        "refused": gateway.refused,
                        "late": gateway.late, "most_in_flight": gateway.most_in_flight},
            "steps_ms": steps(phones), "timeline": timeline(t0, phones, lags), "desk_checkins": len(desk_times),
            "desk_refused": staff.refused,
            "driver_faults": faults, "cpu_cores": cpu,
            "gauge": gauge_lag(changes, screen), "seconds": round(time.monotonic() - t0, 1)}

    async def invite(self, staff: Staff) -> list[dict[str, Any]]:
        """Invitations to everyone, then to those whose text failed, as staff would."""
        rounds = []
        for to in ("all", "not_sent", "not_sent"):
            took, sent = await timed(staff.call("POST", "/invites", {"to": to},
                                                timeout=aiohttp.ClientTimeout(total=3600)))
            rounds.append({"to": to, "sent": sent["sent"], "failed": sent["failed"],
                           "seconds": round(took, 1)})
            if not sent["failed"]:
                break
        return rounds

    async def voting(self, staff: Staff, item: str, signed: list[Phone],
                     screen: Screen) -> None:
        a = self.args
        casts = [Cast(p, self.rng.choices((0, 1, 2), (6, 3, 1))[0]) for p in signed]
        self.meter.start(time.monotonic())
        async with self.phase("vote"):
            start = time.monotonic() + 0.5
            await asyncio.gather(*(vote(c, item, start + self.rng.uniform(0, a.vote_s),
                                        f"k{c.phone.i}") for c in casts))
        cpu = self.meter.stop(time.monotonic())
        acked = [c for c in casts if c.acked_at]
        counts = [sum(1 for c in acked if c.choice == o) for o in range(3)]
        self.out["vote"] = {"votes": len(casts), "acked": len(acked),
                            "ack": summary(c.acked_at - c.sent_at for c in acked),
                            "retried": sum(1 for c in casts if c.tries > 1),
                            "errors": sorted({c.error for c in casts if not c.acked_at}),
                            "counts_acked": counts, "cpu_cores": cpu}
        self.meter.start(time.monotonic())
        screen.stop()  # as web/screen.js: the gauge is polled while the item is open
        async with self.phase("close"):
            closed_at = time.monotonic()
            took, sealed = await timed(staff.call("POST", f"/ballots/{item}/close"))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(p.closed_at for p in signed):
                await asyncio.sleep(0.02)
        cpu = self.meter.stop(time.monotonic())
        told = [p.closed_at - closed_at for p in signed if p.closed_at]
        results = {json.dumps(p.closed["result"]["sha256"]) for p in signed if p.closed}
        record = sealed["record"]
        self.out["close"] = {
            "close_call_s": round(took, 3), "phones": len(signed), "told": len(told),
            "all_told_s": round(max(told), 3) if len(told) == len(signed) else None,
            "told_after_close": summary(told), "one_result": len(results) == 1,
            "counts_match": record["counts"] == counts, "counts": record["counts"],
            "meeting": {k: record["meeting"][k] for k in ("n", "d", "a", "outcome")},
            "cpu_cores": cpu}

    async def records(self, staff: Staff, item: str) -> None:
        """The signed bundle right after close (signing included), then the minutes."""
        self.meter.start(time.monotonic())
        timings: dict[str, float] = {}
        async with self.phase("records"):
            took, bundle = await timed(staff.call("GET", f"/ballots/{item}/bundle", raw=True))
            timings["bundle"] = took
            for name in EXPORTS:
                timings[name], _ = await timed(staff.call("GET", f"/{name}", raw=True))
        cpu = self.meter.stop(time.monotonic())
        checked = await self.verify(staff, bundle)
        self.out["records"] = {"seconds": {k: round(v, 3) for k, v in timings.items()},
                               "total_s": round(sum(timings.values()), 3),
                               "bundle_bytes": len(bundle), "verify": checked, "cpu_cores": cpu}

    async def verify(self, staff: Staff, bundle: bytes) -> dict[str, Any]:
        async with staff.http.get(f"{self.base}/api/keys") as r:
            key = (await r.json())["data"]["ed25519"]
        path = Path(tempfile.mkdtemp(prefix="meeting-bundle-")) / "bundle.json"
        path.write_bytes(bundle)
        took, done = await timed(asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "live.verify", str(path), "--key", key],
            capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent))
        return {"exit": done.returncode, "seconds": round(took, 2),
                "says": done.stdout.strip().splitlines()[-1:]}


def targets(out: dict[str, Any], online: int) -> dict[str, dict[str, Any]]:
    storm, close, records = out["storm"], out["close"], out["records"]
    gauge = storm["gauge"]
    told = close["all_told_s"]
    return {
        "signed_in_within_60s": {"have": f"{storm['within_60s']} of {online}",
                                 "pass": storm["within_60s"] == online},
        "gauge_lag_p99_250ms": {"have": gauge["lag"]["p99"],
                                "pass": bool(gauge["lag"]["count"])
                                and gauge["lag"]["p99"] <= 250},
        "outcome_on_every_phone_1s": {"have": told, "pass": told is not None and told <= 1.0},
        "minutes_and_bundle_5s": {"have": records["total_s"],
                                  "pass": records["total_s"] <= 5.0
                                  and records["verify"]["exit"] == 0},
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    carrier = Carrier() if not args.smoke else Carrier((0.02, 0.1), (0.01, 0.05), (0.5, 1.0),
                                                       0.1, 0.05)
    gateway = Gateway(carrier, TOKEN, args.seed)
    gport = free_port()
    await gateway.start(gport)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="meeting-bench-"))
    redis, url = start_redis(work, args.fsync)
    env = {"LIVE_SMS_WEBHOOK": f"http://127.0.0.1:{gport}/sms", "LIVE_SMS_TOKEN": TOKEN,
           "LIVE_TRUSTED_PROXIES": "127.0.0.1", "LIVE_OTP_GAP_S": str(args.otp_gap_s),
           "LIVE_SMS_LIST": str(args.gateway_list)}
    live, port = start_live(work, url, args.workers, env)
    target = Target("live", "live", live, port, redis, url)
    meter = CpuMeter({"server": live.pids(), "redis": [redis.pid], "driver": [os.getpid()]})
    run = MeetingRun(args, f"http://127.0.0.1:{port}", meter, target,
                     Config(profile_dir=args.profile))
    try:
        # A connection per request, as phones have their own: a pooled one that
        # the server closed after its keep-alive would fail as "reset by peer".
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                limit=0, force_close=True)) as http:
            out = await run.run(gateway, http)
    finally:
        live.stop()
        redis.stop()
        await gateway.stop()
    out["targets"] = targets(out, args.online)
    out["setup"] = {"members": args.members, "online": args.online, "desk": args.desk,
                    "workers": args.workers, "gateway_list": args.gateway_list,
                    "server": server_tree(), "machine": machine(),
                    "carrier": carrier.__dict__, "gauge_poll_ms": args.gauge_poll_ms}
    return out


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--members", type=int, default=5000, help="members on the roster")
    p.add_argument("--online", type=int, default=1500, help="members who sign in at once")
    p.add_argument("--desk", type=int, default=200, help="members checked in at the desk")
    p.add_argument("--desk-rate", type=float, default=5.0, help="desk check-ins a second")
    p.add_argument("--vote-s", type=float, default=10.0, help="votes spread over this")
    p.add_argument("--storm-cap-s", type=float, default=600.0, help="give up signing in after")
    p.add_argument("--gauge-poll-ms", type=int, default=2000,
                   help="the screen asks item:quorum this often (web/screen.js: 2000)")
    p.add_argument("--otp-gap-s", type=int, default=30, help="LIVE_OTP_GAP_S")
    p.add_argument("--gateway-list", type=int, default=500,
                   help="texts per request to the gateway (LIVE_SMS_LIST); 0: one per request")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--fsync", default="always", help="the Redis appendfsync")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", type=Path, help="py-spy raw profiles per phase here")
    p.add_argument("--workdir", type=Path)
    p.add_argument("--json", type=Path, help="write the figures here")
    p.add_argument("--smoke", action="store_true", help="50 members, 20 online, quick delays")
    args = p.parse_args(argv)
    if args.smoke:
        args.members, args.online, args.desk, args.desk_rate = 50, 20, 5, 20.0
        args.vote_s, args.otp_gap_s, args.storm_cap_s, args.gauge_poll_ms = 1.0, 2, 60.0, 200
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        import uvloop
        make_loop: Any = uvloop.new_event_loop
    except ImportError:
        make_loop = None
    # A loop of its own, not uvloop's policy for the whole process: the smoke
    # test runs this inside pytest, and later tests start subprocesses through
    # asyncio's default policy (which uvloop's lacks).
    with asyncio.Runner(loop_factory=make_loop) as runner:
        out = runner.run(main_async(args))
    text = json.dumps(out, ensure_ascii=False, indent=1, default=str)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
