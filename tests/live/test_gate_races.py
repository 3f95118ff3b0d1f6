"""Gates hold under races and odd input: guesses sent together are counted
before they are checked, a crowd behind one address is slowed down and never
locked out (staff can lift it), the client address comes from a proxy header
only when the proxy is trusted, one phone is one identity however its number is
written, and only ASCII digits count as digits."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import socketio

from tests.live.test_gates import gated, verify_phone, vote
from tests.support import Host, LiveServer, call, voter

PIN = "24681357"


async def phones(url: str, code: str, n: int, headers: dict[str, str] | None = None
                 ) -> list[socketio.AsyncClient]:
    async def one(i: int) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, namespaces=["/voter"], transports=["websocket"],
                             headers=(headers or {}) | ({"x-forwarded-for": f"10.0.{i // 250}."
                                                         f"{i % 250}"} if headers else {}))
        assert (await call(client, "room:join", {"code": code}))["ok"]
        return client
    return list(await asyncio.gather(*[one(i) for i in range(n)]))


def codes(answers: list[Any]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for a in answers:
        key = "ok" if a["ok"] else a["error"]["code"]
        seen[key] = seen.get(key, 0) + 1
    return seen


async def until_admitted(phone: socketio.AsyncClient, proof: dict[str, str],
                         timeout: float = 15.0) -> tuple[Any, float]:
    """Try again while slowed down, as the page does; (answer, seconds waited)."""
    start = time.monotonic()
    while True:
        answer = await call(phone, "gate:admit", proof)
        if answer["ok"] or answer["error"]["code"] != "rate_limited" or \
                time.monotonic() - start > timeout:
            return answer, time.monotonic() - start
        await asyncio.sleep(0.25)


async def test_two_hundred_pin_guesses_at_once_from_one_address_are_cut_at_twenty(
        live: LiveServer, host: Host) -> None:
    await gated(host, pin=PIN)
    crowd = await phones(live.url, host.room["code"], 200)

    guesses = await asyncio.gather(*[
        call(p, "gate:admit", {"pin": f"{i:08d}"}) for i, p in enumerate(crowd)])
    right_now = await call(crowd[0], "gate:admit", {"pin": PIN})
    seen = codes(guesses)

    assert seen.get("pin_wrong", 0) <= 20 and seen.get("pin_wrong", 0) >= 15, seen
    assert seen["rate_limited"] == 200 - seen["pin_wrong"], seen
    assert right_now["error"]["code"] == "rate_limited", "not evaluated after the burst"
    # Slowed down, not locked out: the next guess is free within 30 s (one
    # address refills one guess every 30 s, and a right PIN gives its guess back)...
    slowed = await call(crowd[1], "gate:admit", {"pin": PIN})
    seconds = int(re.search(r"wait (\d+) seconds", slowed["error"]["message"]).group(1))
    assert slowed["error"]["code"] == "rate_limited" and 1 <= seconds <= 30, slowed
    # ...and staff can lift it at once.
    for p in crowd[2:6]:
        assert (await call(p, "gate:admit", {"pin": "00000000"}))["error"]["code"] in (
            "pin_wrong", "rate_limited")
    lifted = await host.post("/limits/reset")
    assert lifted.status_code == 200, lifted.text
    admitted = await asyncio.gather(*[call(p, "gate:admit", {"pin": PIN}) for p in crowd[2:12]])
    assert codes(admitted) == {"ok": 10}
    await asyncio.gather(*[p.disconnect() for p in crowd])


async def test_a_right_pin_costs_nothing_so_a_whole_hall_gets_in(
        live: LiveServer, host: Host) -> None:
    ballot = await gated(host, pin=PIN)
    hall = await phones(live.url, host.room["code"], 120)

    answers = await asyncio.gather(*[until_admitted(p, {"pin": PIN}) for p in hall])
    votes = await asyncio.gather(*[vote(p, ballot) for p in hall])

    assert all(a["ok"] for a, _ in answers), codes([a for a, _ in answers])
    assert all(v["ok"] for v in votes)
    await asyncio.gather(*[p.disconnect() for p in hall])


async def test_staff_code_guesses_are_limited_like_pins(live: LiveServer, host: Host) -> None:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"qr": True})
    staff_code = r.json()["data"]["staff_code"]
    crowd = await phones(live.url, host.room["code"], 60)

    guesses = await asyncio.gather(*[
        call(p, "gate:admit", {"staff_code": f"{i:08d}"}) for i, p in enumerate(crowd)])
    seen = codes(guesses)

    assert seen.get("staff_code_wrong", 0) <= 20 and seen["rate_limited"] >= 40, seen
    assert (await host.post("/limits/reset")).status_code == 200
    answer, _ = await until_admitted(crowd[0], {"staff_code": staff_code})
    assert answer["ok"] and answer["data"]["passed"] == ["qr"], answer
    await asyncio.gather(*[p.disconnect() for p in crowd])


async def test_the_client_address_comes_from_a_trusted_proxy_only(
        live: LiveServer, data_dir: Path, redis_url: str) -> None:
    trusting = LiveServer(data_dir, redis_url=redis_url,
                          env={"LIVE_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        for url, separate in ((trusting.url, True), (live.url, False)):
            host = Host(url)
            await host.create_room()
            await gated(host, pin=PIN)
            # 30 phones, each behind its own address according to the header.
            crowd = await phones(url, host.room["code"], 30, headers={"user-agent": "t"})
            guesses = await asyncio.gather(*[
                call(p, "gate:admit", {"pin": "00000000"}) for p in crowd])
            seen = codes(guesses)
            if separate:  # each address has its own bucket: every guess is checked
                assert seen == {"pin_wrong": 30}, seen
            else:  # the header is ignored: one address, cut at 20
                assert seen.get("pin_wrong", 0) <= 20 and seen.get("rate_limited", 0) >= 10, seen
            await asyncio.gather(*[p.disconnect() for p in crowd])
            await host.aclose()
    finally:
        trusting.stop()


async def test_one_phone_is_one_identity_however_written(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, phone=True)
    first, _ = await voter(live.url, code=host.room["code"])
    _, admitted = await verify_phone(host, first, "010-5555-0101")
    assert admitted["ok"] and (await vote(first, ballot))["ok"]

    same = []
    for written in ("+82 010-5555-0101", "+８２１０５５５５０１０１"):
        other, _ = await voter(live.url, code=host.room["code"])
        await asyncio.sleep(2.1)  # LIVE_OTP_GAP_S of the test server: one code per number
        _, ok = await verify_phone(host, other, written)
        assert ok["ok"], ok
        same.append((await vote(other, ballot))["error"]["code"])
        await other.disconnect()
    invalid = [await call(first, "otp:send", {"phone": n})
               for n in ("02-123-4567", "12", "010-12", "+82 2 123 4567")]

    assert same == ["already_voted", "already_voted"]
    assert [a["error"]["code"] for a in invalid] == ["phone_invalid"] * 4, invalid
    assert (await host.tally(ballot["id"]))["voters"] == 1
    await first.disconnect()


async def test_only_ascii_digits_are_digits(live: LiveServer, host: Host) -> None:
    wide = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "１２３４"})
    superscript = await host.http.put(f"/api/rooms/{host.room['id']}/gates",
                                      json={"pin": "12²4"})
    await gated(host, qr=True, pin="1234")
    phone, _ = await voter(live.url, code=host.room["code"])
    token = f"{host.room['id']}.²." + "A" * 20
    qr_answer = await call(phone, "gate:admit", {"qr": token})
    image = httpx.get(f"{live.url}/api/rooms/{host.room['id']}/qr.svg", params={"t": token})
    wide_pin = await call(phone, "gate:admit", {"pin": "１２３４"})
    wide_code = await call(phone, "room:join", {"code": "１" * 6})

    assert wide.status_code == 400 and wide.json()["error"]["code"] == "bad_payload"
    assert superscript.status_code == 400
    assert qr_answer["error"]["code"] == "qr_forged", qr_answer
    assert image.status_code == 403 and image.json()["error"]["code"] == "qr_forged"
    assert wide_pin["error"]["code"] == "pin_wrong"
    assert wide_code["error"]["code"] == "room_not_found"
    await phone.disconnect()
