"""Tamper evidence: a real election produces a bundle that verifies without
trusting the server, and every kind of tampering is caught with its own message."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from live.verify import canonical, sha256, verify
from tests.support import ROOT, Host, LiveServer, call, free_port, voter


def sign_as(data_dir: Path, bundle: dict[str, Any]) -> dict[str, Any]:
    """Re-sign with the server's own key: an operator who tampers has the key."""
    key: Any = serialization.load_pem_private_key((data_dir / "signing.key").read_bytes(), None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"bundle": bundle, "algorithm": "Ed25519",
            "public_key": base64.b64encode(raw).decode(),
            "signature": base64.b64encode(key.sign(canonical(bundle))).decode()}


def rechain(bundle: dict[str, Any]) -> None:
    """Recompute every link from the payloads, as a careful forger would."""
    parent = "0" * 64
    for i, link in enumerate(bundle["chain"]):
        event = json.loads(link["payload"])
        link["entry"] = {"height": i, "parent": parent, "type": event["type"],
                         "payload_hash": sha256(link["payload"].encode()), "ts": event["ts"]}
        link["hash"] = parent = sha256(canonical(link["entry"]))


async def election(live: LiveServer, host: Host, voters: int = 6) -> tuple[dict[str, Any],
                                                                       list[dict[str, Any]]]:
    ballot = await host.ballot(allow_change=True)
    await host.open(ballot["id"])
    phones = [await voter(live.url, code=host.room["code"]) for _ in range(voters)]
    acks = []
    for i, (phone, _) in enumerate(phones):
        nonce = f"{i:02d}" * 8
        ack = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [i % 3],
                                              "client_key": "first", "nonce": nonce})
        acks.append(dict(ack["data"], nonce=nonce,
                         shown_manifest=phones[i][1]["ballots"][0]["manifest_sha256"]))
    changed = await call(phones[0][0], "vote:cast", {"ballot": ballot["id"], "choices": [2],
                                                     "client_key": "second",
                                                     "nonce": "ff" * 8})
    acks[0] = dict(changed["data"], nonce="ff" * 8)
    await host.close(ballot["id"])
    for phone, _ in phones:
        await phone.disconnect()
    return ballot, acks


async def fetch_bundle(host: Host, ballot_id: str) -> dict[str, Any]:
    r = await host.http.get(f"/api/rooms/{host.room['id']}/ballots/{ballot_id}/bundle")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_real_election_produces_a_bundle_that_verifies(live: LiveServer, host: Host,
                                                               tmp_path: Path) -> None:
    ballot, acks = await election(live, host)
    doc = await fetch_bundle(host, ballot["id"])
    published_key = (await host.http.get("/api/keys")).json()["data"]["ed25519"]

    assert verify(doc, key=published_key) == []
    bundle = doc["bundle"]
    assert bundle["record"]["counts"] == [1, 2, 3] and bundle["outcome"]["winners"] == [2]
    trackers = (await host.get(f"/ballots/{ballot['id']}/trackers")).json()["data"]["trackers"]
    for ack in acks:
        mine = sha256(canonical({"ballot": ballot["id"], "choices": ack["choices"],
                                 "nonce": ack["nonce"]}))
        assert ack["tracker"] == mine and mine in trackers, "each voter finds their ballot"
    assert len(trackers) == 6
    assert sha256(bundle["manifest"].encode()) == acks[1]["shown_manifest"], \
        "the manifest hash phones saw before voting is the one in the bundle"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    cli = subprocess.run([sys.executable, "-m", "live.cli", "verify", str(path), "--key",
                          published_key], capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 0 and cli.stdout.startswith("OK"), cli.stdout + cli.stderr
    on_disk = (live.data_dir / "ledger" / f"{ballot['id']}.jsonl").read_text().splitlines()
    assert [json.loads(line)["hash"] for line in on_disk] == [
        link["hash"] for link in bundle["chain"]]


def drop_ballot(b: dict[str, Any]) -> None:
    b["ballots"].pop(1)


def change_count(b: dict[str, Any]) -> None:
    b["record"]["counts"][0] += 1


def swap_entries(b: dict[str, Any]) -> None:
    b["chain"][2], b["chain"][3] = b["chain"][3], b["chain"][2]


def swap_manifest(b: dict[str, Any]) -> None:
    manifest = json.loads(b["manifest"])
    manifest["question"] = "Something else entirely?"
    b["manifest"] = json.dumps(manifest)


def truncate(b: dict[str, Any]) -> None:
    del b["chain"][-2:]


TAMPERING = [
    (change_count, True, "record: counts are [2, 2, 3] but the published ballots add up to"),
    (drop_ballot, True, "missing from the published ballots; a ballot was dropped"),
    (swap_entries, True, "parent does not match the hash of chain[1]"),
    (swap_manifest, True, "manifest: its SHA-256 does not match"),
    (truncate, True, "the chain is truncated"),
    (change_count, False, "signature: the Ed25519 signature does not match the bundle"),
]


@pytest.mark.parametrize("tamper,resign,message", TAMPERING,
                         ids=[f"{t.__name__}{'-resigned' if r else ''}" for t, r, _ in TAMPERING])
async def test_tampering_is_detected_with_its_own_message(live: LiveServer, host: Host,
                                                          tamper: Any, resign: bool,
                                                          message: str) -> None:
    ballot, _ = await election(live, host)
    doc = await fetch_bundle(host, ballot["id"])
    bundle = copy.deepcopy(doc["bundle"])
    tamper(bundle)
    forged = sign_as(live.data_dir, bundle) if resign else dict(doc, bundle=bundle)

    problems = verify(forged)

    assert any(message in p for p in problems), problems


async def test_replaced_signature_and_foreign_key_are_detected(live: LiveServer,
                                                               host: Host) -> None:
    ballot, _ = await election(live, host, voters=2)
    doc = await fetch_bundle(host, ballot["id"])
    forged = dict(doc, signature=base64.b64encode(b"\x01" * 64).decode())
    assert any(p.startswith("signature: the Ed25519 signature") for p in verify(forged))
    assert any("not the published key" in p for p in verify(doc, key="c29tZW9uZSBlbHNl"))


async def test_a_chain_that_forks_from_a_witnessed_head_is_detected(live: LiveServer,
                                                                    host: Host) -> None:
    ballot, _ = await election(live, host)
    doc = await fetch_bundle(host, ballot["id"])
    # A witness saved the head when voting closed (every cast lies before it).
    at_close = doc["bundle"]["record"]["chain_at_close"]["height"]
    witnessed = (at_close, doc["bundle"]["chain"][at_close]["hash"])
    bundle = copy.deepcopy(doc["bundle"])
    # A careful forger moves voter 1's vote from option 1 to 0 and rebuilds everything.
    victim = next(b for b in bundle["ballots"] if b["choices"] == [1])
    victim["choices"], victim["nonce"] = [0], "aa" * 8
    old, victim["tracker"] = victim["tracker"], sha256(canonical(
        {"ballot": ballot["id"], "choices": [0], "nonce": "aa" * 8}))
    for link in bundle["chain"]:
        link["payload"] = link["payload"].replace(old, victim["tracker"])
    bundle["ballots"].sort(key=lambda b: b["tracker"])
    bundle["record"]["counts"] = [2, 1, 3]
    rechain(bundle)
    close_at = bundle["record"]["chain_at_close"]["height"]
    bundle["record"]["chain_at_close"]["hash"] = bundle["chain"][close_at]["hash"]
    bundle["record_sha256"] = sha256(canonical(bundle["record"]))
    result = json.loads(bundle["chain"][-1]["payload"])
    result["sha256"] = bundle["record_sha256"]
    bundle["chain"][-1]["payload"] = json.dumps(result, sort_keys=True)
    rechain(bundle)
    forged = sign_as(live.data_dir, bundle)

    assert verify(forged) == [], "without a witness the forgery is self-consistent"
    problems = verify(forged, witnesses=[witnessed])
    assert problems == [p for p in problems
                        if p.startswith(f"witness: at height {at_close}")] != []
    assert verify(doc, witnesses=[witnessed]) == []


async def test_witnesses_receive_the_final_head(redis_url: str, redis_client: Any,
                                                tmp_path: Path) -> None:
    heads: list[dict[str, Any]] = []

    async def witness(request: web.Request) -> web.Response:
        heads.append(await request.json())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/heads", witness)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    server = LiveServer(tmp_path / "data", redis_url=redis_url,
                        env={"LIVE_WITNESSES": f"http://127.0.0.1:{port}/heads"})
    host = Host(server.url)
    try:
        await host.create_room()
        ballot, _ = await election(server, host, voters=3)
        doc = await fetch_bundle(host, ballot["id"])
        final = [h for h in heads if h["final"]]
        assert final and final[-1]["hash"] == doc["bundle"]["chain"][-1]["hash"]
        assert verify(doc, witnesses=[(h["height"], h["hash"]) for h in heads]) == []
    finally:
        await host.aclose()
        server.stop()
        await runner.cleanup()


async def test_killing_the_server_mid_burst_keeps_every_acked_vote_in_the_chain(
        data_dir: Path) -> None:
    server = LiveServer(data_dir)
    host = Host(server.url)
    await host.create_room()
    ballot = await host.ballot(options=["A", "B"])
    await host.open(ballot["id"])
    phones = await asyncio.gather(*[voter(server.url, code=host.room["code"])
                                    for _ in range(150)])
    key = host.key

    acked_so_far: list[int] = []

    async def cast(i: int, phone: Any) -> Any:
        try:
            ack = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [i % 2],
                                                  "client_key": "k"})
        except Exception:
            return None  # the server died before it acked: this vote may or may not count
        acked_so_far.append(i)
        return ack

    burst = [asyncio.ensure_future(cast(i, p)) for i, (p, _) in enumerate(phones)]
    while len(acked_so_far) < 20:
        await asyncio.sleep(0.005)
    os.killpg(server.proc.pid, signal.SIGKILL)
    acks = await asyncio.gather(*burst)
    server.stop()
    acked = [a["data"]["tracker"] for a in acks if a and a.get("ok")]
    assert acked, "some votes were acked before the kill"

    server = LiveServer(data_dir, port=server.port)
    host = Host(server.url)
    host.room = {"id": ballot["room"]}
    host.http.headers["authorization"] = f"Bearer {key}"
    await host.close(ballot["id"])
    doc = await fetch_bundle(host, ballot["id"])

    assert verify(doc) == []
    published = {b["tracker"] for b in doc["bundle"]["ballots"]}
    assert set(acked) <= published, "every acked vote is counted and in the chain"
    await asyncio.gather(*[p.disconnect() for p, _ in phones])
    await host.aclose()
    server.stop()
