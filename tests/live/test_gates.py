"""Each gate admits the right phone and refuses each bypass with its own code."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
import socketio

from rooms.gates import qrtoken
from tests.support import Host, LiveServer, call, voter

SECRET = b"test-secret"  # LIVE_SECRET of the test server
OTP_GAP_S = 2.1  # LIVE_OTP_GAP_S of the test server, plus a little
VENUE = {"lat": 37.5665, "lon": 126.9780}  # Seoul City Hall


async def gated(host: Host, **gates: Any) -> dict[str, Any]:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json=gates)
    assert r.status_code == 200, r.text
    ballot = await host.ballot()
    await host.open(ballot["id"])
    return ballot


async def vote(phone: socketio.AsyncClient, ballot: dict[str, Any], **extra: Any) -> Any:
    return await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                           "client_key": f"k{time.monotonic_ns()}", **extra})


def code_of(ack: Any) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


async def test_voting_without_a_pass_is_refused(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, pin="4321")
    phone, joined = await voter(live.url, code=host.room["code"])

    assert joined["pass"] is None and joined["needs"] == ["pin"]
    assert code_of(await vote(phone, ballot)) == "pass_required"
    assert code_of(await vote(phone, ballot, **{"pass": "forged.pass"})) == "pass_invalid"
    assert (await host.tally(ballot["id"]))["voters"] == 0
    await phone.disconnect()


async def test_a_pass_of_another_room_or_device_is_refused(live: LiveServer, host: Host) -> None:
    ballot = await gated(host)
    other = Host(live.url)
    await other.create_room(title="Open room next door")
    phone_elsewhere, elsewhere = await voter(live.url, code=other.room["code"])
    neighbour, next_to_me = await voter(live.url, code=host.room["code"])
    phone, _ = await voter(live.url, code=host.room["code"])

    assert code_of(await vote(phone, ballot, **{"pass": elsewhere["pass"]})) == "pass_invalid"
    assert code_of(await vote(phone, ballot, **{"pass": next_to_me["pass"]})) == "pass_invalid"
    assert (await vote(phone, ballot))["ok"]
    for client in (phone, neighbour, phone_elsewhere):
        await client.disconnect()
    await other.aclose()


async def test_qr_gate_admits_a_fresh_scan_and_refuses_old_or_foreign_codes(
        live: LiveServer, host: Host) -> None:
    ballot = await gated(host, qr=True)
    shown = (await host.get("/qr")).json()["data"]
    token = re.search(r"\?t=(.+)$", shown["join_url"]).group(1)  # type: ignore[union-attr]
    old, _ = qrtoken.issue(SECRET, host.room["id"], time.time() - 120)
    foreign, _ = qrtoken.issue(SECRET, "another-room", time.time())
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    refusals = []
    for bad in (old, foreign, forged, "not-a-token"):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(live.url, namespaces=["/voter"], transports=["websocket"])
        refusals.append(code_of(await call(client, "room:join",
                                           {"code": host.room["code"], "qr": bad})))
        await client.disconnect()
    phone, joined = await voter(live.url, code=host.room["code"], qr=token)

    assert refusals == ["qr_expired", "qr_wrong_room", "qr_forged", "qr_forged"]
    assert joined["passed"] == ["qr"] and joined["pass"]
    assert (await vote(phone, ballot))["ok"]
    svg = await host.http.get(shown["svg"])
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<?xml")
    stale_svg = await host.http.get(f"/api/rooms/{host.room['id']}/qr.svg?t={old}")
    assert stale_svg.json()["error"]["code"] == "qr_expired"
    await phone.disconnect()


async def test_staff_code_stands_in_for_the_qr_scan(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, qr=True)
    staff = (await host.get("/gates")).json()["data"]["staff_code"]
    phone, joined = await voter(live.url, code=host.room["code"])

    wrong = await call(phone, "gate:admit", {"staff_code": "00000000"})
    right = await call(phone, "gate:admit", {"staff_code": staff})

    assert joined["needs"] == ["qr"] and code_of(wrong) == "staff_code_wrong"
    assert right["data"]["needs"] == [] and (await vote(phone, ballot))["ok"]
    await phone.disconnect()


@pytest.mark.parametrize("location,code,words", [
    ({"lat": 37.5665, "lon": 126.9880, "accuracy": 20}, "outside_fence", "about 883 m"),
    ({"lat": 37.5665, "lon": 126.9800, "accuracy": 30}, "location_imprecise", "accurate to 30 m"),
    ({"lat": 37.5665, "lon": 126.9780, "accuracy": 5000}, "location_imprecise", "5,000 m"),
    ({"lat": 91, "lon": 126.9780, "accuracy": 5}, "bad_payload", "latitude"),
    ({"lat": "37.5", "lon": 126.9780, "accuracy": 5}, "bad_payload", "location.lat"),
    ({"lat": 37.5665, "lon": 126.9780}, "bad_payload", "location.accuracy"),
    ({"lat": 37.5665, "lon": 126.9780, "accuracy": 0}, "bad_payload", "positive"),
    ("here", "bad_payload", "location"),
])
async def test_fence_refusals_say_why(live: LiveServer, host: Host, location: Any, code: str,
                                      words: str) -> None:
    await gated(host, fence={**VENUE, "radius_m": 200})
    phone, _ = await voter(live.url, code=host.room["code"])
    ack = await call(phone, "gate:admit", {"location": location})
    assert code_of(ack) == code and words in ack["error"]["message"], ack
    await phone.disconnect()


async def test_refusals_carry_their_numbers_for_the_pages_to_word(
        live: LiveServer, host: Host) -> None:
    await gated(host, fence={**VENUE, "radius_m": 200}, pin="2468")
    phone, _ = await voter(live.url, code=host.room["code"])

    far = await call(phone, "gate:admit", {"location": {"lat": 37.5665, "lon": 126.9880,
                                                        "accuracy": 20}})
    blurred = await call(phone, "gate:admit", {"location": {"lat": 37.5665, "lon": 126.9800,
                                                            "accuracy": 30}})
    wrong = [(await call(phone, "gate:admit", {"pin": "1111"}))["error"] for _ in range(5)]
    locked = await call(phone, "gate:admit", {"pin": "2468"})

    assert {k: far["error"][k] for k in ("code", "distance_m", "radius_m")} == {
        "code": "outside_fence", "distance_m": 883, "radius_m": 200}
    assert {k: blurred["error"].get(k) for k in ("accuracy_m", "radius_m")} == {
        "accuracy_m": 30, "radius_m": 200}
    assert [e["tries_left"] for e in wrong] == [4, 3, 2, 1, 0]
    assert wrong[0]["message"] == "wrong PIN (4 tries left)"
    assert locked["error"]["code"] == "rate_limited"
    assert f"wait {locked['error']['wait_s']} seconds" in locked["error"]["message"]
    await phone.disconnect()


async def test_fence_admits_a_phone_at_the_venue(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, fence={**VENUE, "radius_m": 200})
    phone, joined = await voter(live.url, code=host.room["code"])
    assert joined["gates"] == {"required": ["fence"], "fence_radius_m": 200.0, "preview": False}

    ack = await call(phone, "gate:admit", {"location": {"lat": 37.5670, "lon": 126.9782,
                                                        "accuracy": 25}})

    assert ack["data"]["passed"] == ["fence"] and (await vote(phone, ballot))["ok"]
    await phone.disconnect()


async def test_wrong_pins_are_refused_and_then_slowed_down(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, pin="2468")
    phone, _ = await voter(live.url, code=host.room["code"])

    wrong = [code_of(await call(phone, "gate:admit", {"pin": "1111"})) for _ in range(5)]
    locked = await call(phone, "gate:admit", {"pin": "2468"})
    other, _ = await voter(live.url, code=host.room["code"])
    right = await call(other, "gate:admit", {"pin": "2468"})

    assert wrong == ["pin_wrong"] * 5 and code_of(locked) == "rate_limited"
    assert right["data"]["passed"] == ["pin"] and (await vote(other, ballot))["ok"]
    assert code_of(await vote(phone, ballot)) == "pass_required"
    await phone.disconnect()
    await other.disconnect()


async def verify_phone(host: Host, phone: socketio.AsyncClient, number: str) -> Any:
    sent = await call(phone, "otp:send", {"phone": number})
    assert sent["ok"], sent
    outbox = (await host.get("/outbox")).json()["data"]
    code = re.search(r"\b(\d{6})\b", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
    return code, await call(phone, "gate:admit", {"phone": number, "otp": code})


async def test_one_counted_vote_per_phone_number(live: LiveServer, host: Host) -> None:
    ballot = await gated(host, phone=True)
    phone, _ = await voter(live.url, code=host.room["code"])

    code, admitted = await verify_phone(host, phone, "010-1234-5678")
    assert admitted["data"]["passed"] == ["phone"]
    assert (await vote(phone, ballot))["ok"]
    reused = await call(phone, "gate:admit", {"phone": "010-1234-5678", "otp": code})
    assert code_of(reused) == "otp_used"

    second_device, _ = await voter(live.url, code=host.room["code"])
    await asyncio.sleep(OTP_GAP_S)
    _, same_number = await verify_phone(host, second_device, "+82 10 1234 5678")
    assert same_number["ok"]
    assert code_of(await vote(second_device, ballot)) == "already_voted"

    _, second_number = await verify_phone(host, phone, "010-9999-0000")
    assert second_number["ok"], "a device may verify another number..."
    assert code_of(await vote(phone, ballot)) == "already_voted", "...but not vote again"

    tally = await host.tally(ballot["id"])
    assert tally["voters"] == 1
    outbox = (await host.get("/outbox")).json()["data"]
    assert all("1234-5678" not in e["to"] and "****" in e["to"] for e in outbox)
    await phone.disconnect()
    await second_device.disconnect()


async def test_otp_errors_and_send_limits(live: LiveServer, host: Host) -> None:
    await gated(host, phone=True)
    phone, _ = await voter(live.url, code=host.room["code"])

    bad_number = await call(phone, "otp:send", {"phone": "12"})
    never_sent = await call(phone, "gate:admit", {"phone": "010-5555-0000", "otp": "123456"})
    first = await call(phone, "otp:send", {"phone": "010-5555-0000"})
    too_soon = await call(phone, "otp:send", {"phone": "010-5555-0000"})
    wrong = await call(phone, "gate:admit", {"phone": "010-5555-0000", "otp": "000000"})
    garbled = await call(phone, "gate:admit", {"phone": "010-5555-0000", "otp": "12ab"})

    assert code_of(bad_number) == "phone_invalid"
    assert code_of(never_sent) == "otp_expired"
    assert first["data"]["sent_to"] == "+821*****0000"
    assert code_of(too_soon) == "rate_limited"
    assert code_of(wrong) == "otp_wrong"
    assert code_of(garbled) == "bad_payload"
    await phone.disconnect()


async def test_a_gate_added_later_applies_to_existing_passes(live: LiveServer,
                                                             host: Host) -> None:
    ballot = await gated(host)
    phone, joined = await voter(live.url, code=host.room["code"])
    assert joined["pass"]
    await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "1357"})

    async def refused() -> bool:
        return code_of(await vote(phone, ballot)) == "pass_required"
    deadline = time.monotonic() + 3
    while not await refused():
        assert time.monotonic() < deadline, "the new PIN gate never applied"
    assert (await host.tally(ballot["id"]))["voters"] == 0
    await phone.disconnect()
