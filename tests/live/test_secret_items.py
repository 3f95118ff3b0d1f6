"""Secret agenda items: a member's ballot can be replaced from another device or
withdrawn by staff without its receipt while the item is open, the count stays
exact, and after close nothing stored or published links a member to a
choice: not the Redis keys, not the append-only file (rewritten at close), not
the bundle (no cast times or trackers in secret cast events, ballots in tracker
order), not the ledger files."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any, Iterator

import redis

from live.verify import verify
from tests.live.test_meeting import NO, YES, Members, staff
from tests.live.test_meeting_rules import invites, small_meeting
from tests.support import MEMBER_GRACE_MS, Host, LiveServer, eventually


def resp_commands(data: bytes) -> Iterator[list[bytes]]:
    """The commands of an append-only file in RESP (stops at an RDB preamble)."""
    i = 0
    while i < len(data) and data[i:i + 1] == b"*":
        end = data.index(b"\r\n", i)
        count, i = int(data[i + 1:end]), end + 2
        args = []
        for _ in range(count):
            end = data.index(b"\r\n", i)
            size = int(data[i + 1:end])
            args.append(data[end + 2:end + 2 + size])
            i = end + 2 + size + 2
        yield args


def blocks(data: bytes) -> list[list[list[bytes]]]:
    """Commands grouped as the server wrote them: MULTI ... EXEC, or one alone."""
    grouped: list[list[list[bytes]]] = []
    current: list[list[bytes]] | None = None
    for cmd in resp_commands(data):
        name = cmd[0].upper()
        if name == b"MULTI":
            current = []
        elif name == b"EXEC" and current is not None:
            grouped.append(current)
            current = None
        elif current is not None:
            current.append(cmd)
        else:
            grouped.append([cmd])
    return grouped


async def wait_for_rewrite(client: redis.Redis, before: int) -> None:
    async def done() -> bool:
        info = client.info("persistence")
        return bool(info["aof_rewrite_in_progress"] == 0 and info.get("aof_rewrites", 0) > before
                    and info["aof_last_bgrewrite_status"] == "ok")
    assert await eventually(done, 30), client.info("persistence")


async def test_a_closed_secret_item_links_no_member_to_a_choice(data_dir: Path) -> None:
    server = LiveServer(data_dir)  # the private server: append-only file on
    client = redis.Redis(unix_socket_path=str(data_dir / "redis.sock"))
    host = Host(server.url)
    try:
        await host.create_room()
        await small_meeting(host, members=5)
        item = (await host.ballot(kind="yesno", question="Contractor", agenda="general",
                                  secret=True))["id"]
        await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
        members = Members(server, host, await invites(host))
        await members.verify(1)
        assert (await members.vote(1, item, NO))["ok"]  # advance, on one device
        await members.leave(1)
        await staff(host, "/written", {"member_no": "M002", "ballot": item, "choices": YES})
        await staff(host, "/written", {"member_no": "M003", "ballot": item, "choices": YES})
        withdrawn = await staff(host, "/withdraw", {"member_no": "M002", "ballot": item})
        await asyncio.sleep(MEMBER_GRACE_MS / 1000 + 0.3)
        await staff(host, f"/ballots/{item}/live", {})
        await staff(host, "/attendance", {"member_no": "M001", "mode": "in_person"})
        await asyncio.sleep(2.1)  # LIVE_OTP_GAP_S: a second code to the same phone
        await members.verify(1)  # another device, in the hall: no receipt of the first
        over = await members.vote(1, item, YES, client_key="hall", nonce="ab" * 8)
        await staff(host, "/paper", {"member_no": "M004", "ballot": item, "choices": NO})
        rewrites = client.info("persistence").get("aof_rewrites", 0)
        record = (await staff(host, f"/ballots/{item}/close", {}))["data"]["record"]
        doc = (await host.get(f"/ballots/{item}/bundle")).json()
        await wait_for_rewrite(client, rewrites)
        await members.close()

        assert withdrawn["data"]["withdrawn"] == "written"
        assert over["data"]["status"] == "changed", over
        assert record["counts"] == [2, 1, 0] and record["voters"] == 3, record
        assert verify(doc) == []
        bundle = doc["bundle"]
        events = [json.loads(link["payload"]) for link in bundle["chain"]]
        secret_events = [e for e in events if e["type"] in ("cast", "withdraw")]
        assert secret_events and all(e.get("secret") and "tracker" not in e
                                     and "voter" not in e for e in secret_events)
        attendance = [json.loads(link["payload"]) for link in bundle["room_chain"]]
        attendance = [e for e in attendance if e["type"] in ("arrive", "leave", "drop", "proxy")]
        assert attendance and all("holding" not in e and e["ts"] % 60_000 == 0
                                  and re.fullmatch(r"[0-9a-f]{32}", e["member"])
                                  for e in attendance), attendance[:3]
        ballots = bundle["ballots"]
        assert [b["tracker"] for b in ballots] == sorted(b["tracker"] for b in ballots)
        assert all(set(b) == {"tracker", "choices", "nonce", "voter"} and b["voter"] is None
                   for b in ballots)

        # Stored: the links are gone; the box holds choices by tracker only, in
        # tracker order (not in the order the voters came).
        assert not client.exists(f"vote:{{b:{item}}}:links")
        box_order = list(client.hgetall(f"vote:{{b:{item}}}:secret"))
        assert box_order == sorted(box_order)
        voters = client.hgetall(f"vote:{{b:{item}}}:voters")
        assert all(b'"c"' not in v and b'"t"' not in v for v in voters.values())
        # On disk: the rewritten append-only file keeps no block that names a
        # member and writes a secret ballot, and no trace of the links.
        files = sorted((data_dir / "appendonlydir").iterdir())
        raw = b"".join(f.read_bytes() for f in files)
        assert b":links" not in raw, "the links survived the rewrite"
        box_key = f"vote:{{b:{item}}}:secret".encode()
        trackers = {b["tracker"].encode() for b in ballots}
        for f in files:
            for block in blocks(f.read_bytes()):
                flat = b"\x00".join(b"\x00".join(cmd) for cmd in block)
                writes_box = box_key in flat or any(t in flat for t in trackers)
                names_member = re.search(rb"m:H\d{3}", flat) is not None
                assert not (writes_box and names_member), (f.name, block)
        ledger = (data_dir / "ledger" / f"{item}.jsonl").read_text()
        assert not any(b["tracker"] in ledger for b in ballots)
    finally:
        client.close()
        await host.aclose()
        server.stop()
