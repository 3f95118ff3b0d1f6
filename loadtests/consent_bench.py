"""Consent drive benchmark: a 5,000-owner drive, owners signing through the
identity-provider path at a given concurrency, and the organiser's dashboard
polled throughout.

    .venv/bin/python loadtests/consent_bench.py --owners 5000 --signers 1000 --concurrency 50

It starts its own Redis and `live serve` (as an operator would, pointed at a
stand-in identity provider this process runs on 127.0.0.1), creates the
drive over the public API, imports the owners, opens it, then each signer
does what the owner's page does: open the link, go to the provider and back
(two redirects), sign. It reports consents a second, the sign call's
latency, the dashboard's answer time for the whole roster, and the dashboard
lag: from a consent's answer to the first progress reading that counts it.
Nothing of the project is imported but `loadtests.procs`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from loadtests.procs import free_port, start_live, start_redis  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "bench", "bench-secret-1"


def roster(owners: int) -> str:
    """Owners O1..On, each on one parcel, phone 010-7xxx-xxxx, names unique."""
    lines = ["owner_no,name,phone,birth,parcel,area,building"]
    for i in range(1, owners + 1):
        lines.append(f"O{i},소유자{i:05d},010-7{i // 10000:03d}-{i % 10000:04d},1960-01-01,"
                     f"P{i},{100 + i % 50}.25,")
    return "\n".join(lines) + "\n"


class Provider:
    """A stand-in identity provider: it vouches for whichever owner the state names."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.who: dict[str, int] = {}
        self.serial = 0

    async def auth(self, request: web.Request) -> web.Response:
        q = dict(request.query)
        self.serial += 1
        code = f"c{self.serial}"
        i = self.who[q["owner"]] if "owner" in q else 0
        self.codes[code] = {"reference": f"TX{self.serial}", "name": f"소유자{i:05d}",
                            "phone": f"010-7{i // 10000:03d}-{i % 10000:04d}",
                            "birth": "19600101"}
        back = q["return_url"] + "?" + urlencode({"code": code, "state": q["state"]})
        raise web.HTTPFound(back)

    async def result(self, request: web.Request) -> web.Response:
        person = self.codes.pop((await request.json())["code"], None)
        return web.json_response(person) if person else web.json_response({}, status=404)


async def sign_one(http: aiohttp.ClientSession, base: str, provider: Provider, invite: str,
                   i: int) -> float:
    """One owner, as the page does it; returns the sign call's seconds."""
    provider.who[invite] = i
    async with http.get(f"{base}/api/consent/idv/start", params={"invite": invite},
                        allow_redirects=False) as away:
        to_provider = away.headers["location"] + "&" + urlencode({"owner": invite})
    async with http.get(to_provider, allow_redirects=False) as at_provider:
        back = at_provider.headers["location"]
    async with http.get(back, allow_redirects=False) as home:
        assert home.status == 303, await home.text()
        session = dict(parse_qsl(urlsplit(home.headers["location"]).fragment))["session"]
    async with http.post(f"{base}/api/consent/open", json={"invite": invite}) as opened:
        form = (await opened.json())["data"]["drive"]["form_sha256"]
    started = time.perf_counter()
    async with http.post(f"{base}/api/consent/sign", json={
            "session": session, "choice": "consent", "form_sha256": form}) as signed:
        assert signed.status == 200, await signed.text()
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, Any]:
    provider = Provider()
    app = web.Application()
    app.router.add_get("/auth", provider.auth)
    app.router.add_post("/result", provider.result)
    runner = web.AppRunner(app)
    await runner.setup()
    pport = free_port()
    await web.TCPSite(runner, "127.0.0.1", pport).start()
    work = Path(tempfile.mkdtemp(prefix="consent-bench-"))
    redis, url = start_redis(work, "everysec")
    live, port = start_live(work, url, 1, {
        "LIVE_IDV_AUTH_URL": f"http://127.0.0.1:{pport}/auth",
        "LIVE_IDV_RESULT_URL": f"http://127.0.0.1:{pport}/result",
        "LIVE_IDV_CLIENT_ID": CLIENT_ID, "LIVE_IDV_CLIENT_SECRET": CLIENT_SECRET})
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            return await drive_run(http, base, provider, args)
    finally:
        live.stop()
        redis.stop()
        await runner.cleanup()


async def drive_run(http: aiohttp.ClientSession, base: str, provider: Provider,
                    args: argparse.Namespace) -> dict[str, Any]:
    async with http.post(f"{base}/api/rooms", json={"title": "bench", "kind": "drive"}) as r:
        made = (await r.json())["data"]
    room, key = made["room"]["id"], made["host_key"]
    auth = {"authorization": f"Bearer {key}"}
    started = time.perf_counter()
    async with http.post(f"{base}/api/rooms/{room}/owners", data=roster(args.owners).encode(),
                         headers=auth | {"content-type": "text/csv"}) as r:
        assert (await r.json())["data"]["owners"] == args.owners
    imported_s = time.perf_counter() - started
    form = {"title": "동의서", "body": "본문", "attachments": []}
    async with http.post(f"{base}/api/rooms/{room}/drive", headers=auth, json={
            "proposal": "union", "threshold": "redevelopment_union", "form": form,
            "deadline": int(time.time() * 1000) + 3_600_000}) as r:
        assert r.status == 200
    async with http.post(f"{base}/api/rooms/{room}/drive/open", headers=auth) as r:
        assert r.status == 200
    async with http.get(f"{base}/api/rooms/{room}/owners", headers=auth) as r:
        links = {int(row["owner_no"][1:]): row["link"].split("invite=", 1)[1]
                 for row in (await r.json())["data"]["rows"]}
    acked: dict[int, float] = {}
    readings: list[tuple[float, int, float]] = []  # (when answered, consenting, answer seconds)
    done = asyncio.Event()

    async def dashboard() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            async with http.get(f"{base}/api/rooms/{room}/drive/progress", headers=auth) as r:
                consenting = (await r.json())["data"]["consenting"]
            readings.append((time.perf_counter(), consenting, time.perf_counter() - asked))
            await asyncio.sleep(args.poll_ms / 1000)

    gate = asyncio.Semaphore(args.concurrency)
    latencies: list[float] = []

    async def owner(i: int) -> None:
        async with gate:
            latencies.append(await sign_one(http, base, provider, links[i + 1], i + 1))
            acked[len(acked) + 1] = time.perf_counter()
    poller = asyncio.create_task(dashboard())
    t0 = time.perf_counter()
    await asyncio.gather(*(owner(i) for i in range(args.signers)))
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(2 * args.poll_ms / 1000)
    done.set()
    await poller
    lags = []
    for n, when in acked.items():
        seen = next((at for at, count, _ in readings if count >= n and at >= when), None)
        if seen is not None:
            lags.append(seen - when)
    answer = [s for _, _, s in readings]
    q = statistics.quantiles
    return {"owners": args.owners, "signers": args.signers, "concurrency": args.concurrency,
            "import_s": round(imported_s, 2), "consents_per_s": round(args.signers / elapsed, 1),
            "sign_p50_ms": round(1000 * statistics.median(latencies), 1),
            "sign_p99_ms": round(1000 * q(latencies, n=100)[98], 1),
            "dashboard_answer_p50_ms": round(1000 * statistics.median(answer), 1),
            "dashboard_answer_p99_ms": round(1000 * q(answer, n=100)[98], 1),
            "dashboard_lag_p50_ms": round(1000 * statistics.median(lags), 1),
            "dashboard_lag_p99_ms": round(1000 * q(lags, n=100)[98], 1),
            "roster_sha": hashlib.sha256(roster(args.owners).encode()).hexdigest()[:12]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--owners", type=int, default=5000)
    parser.add_argument("--signers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--poll-ms", type=int, default=250)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
