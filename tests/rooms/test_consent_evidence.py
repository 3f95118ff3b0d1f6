"""A drive's evidence is taken at one height of the room's chain, against a
real redis-server: an act stored after the chain was read is left for the next
bundle, never shown without its chain entry."""

from __future__ import annotations

import time
from typing import Any, AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.support import async_client

from live.signing import Signer
from rooms.consent.drive import Drives
from rooms.consent.evidence import build, snapshot
from rooms.polls.model import Room
from rooms.store import ConsentStore, keys

ROOM = Room("d1", "123456", "한빛구역", "ko", 0, "drive")


def row(owner_no: str, parcel: str, area: str) -> dict[str, Any]:
    return {"owner_no": owner_no, "parcel": parcel, "area": area, "building": "",
            "amenity": False, "name_hash": f"n-{owner_no}", "name_masked": "김*희",
            "phone_hash": f"p-{owner_no}", "phone_sealed": "", "birth_hash": ""}


@pytest.fixture
async def drives(redis_url: str, redis_client: object) -> AsyncIterator[Drives]:
    r = async_client(redis_url)
    made = Drives(ConsentStore(r), b"secret", Signer(Ed25519PrivateKey.generate()))
    await made.import_owners(ROOM, [row("O1", "1", "10"), row("O2", "2", "30")])
    await made.setup(ROOM, {"proposal": "union", "threshold": "promotion_committee",
                            "form": {"title": "동의서", "body": "동의합니다."},
                            "deadline": int(time.time() * 1000) + 600_000})
    await made.open(ROOM)
    yield made
    await r.aclose()


async def act(drives: Drives, owner_no: str, choice: str) -> dict[str, Any]:
    session = drives.session(ROOM.id, owner_no, "otp", "ref", await drives.store.now_ms())
    form = (await drives.settings(ROOM.id))["form_sha256"]
    return await drives.act(session, {"choice": choice, "form_sha256": form})


async def test_acts_stored_after_the_chain_was_read_wait_for_the_next_bundle(
        drives: Drives) -> None:
    first = await act(drives, "O1", "consent")
    log = [raw.decode() for raw in await drives.store.redis.lrange(
        keys.meeting_log(ROOM.id), 0, -1)]  # the chain as far as it was read
    await act(drives, "O1", "withdraw")
    await act(drives, "O2", "consent")

    snap = await snapshot(drives, ROOM.id, log)

    assert [a["sha256"] for a in snap.history or []] == [first["sha256"]]
    assert {oid: a["sha256"] for oid, a in snap.acts.items()} == {"O1": first["sha256"]}
    assert snap.progress.met is False  # one of two owners: not more than half
    doc = build(snap, [], 1)
    assert [a["record"]["choice"] for a in doc["acts"]] == ["consent"]

    everything = [raw.decode() for raw in await drives.store.redis.lrange(
        keys.meeting_log(ROOM.id), 0, -1)]
    later = await snapshot(drives, ROOM.id, everything)
    assert len(later.history or []) == 3 and later.progress.met is False
    assert {oid: a["record"]["choice"] for oid, a in later.acts.items()} == {
        "O1": "withdraw", "O2": "consent"}
