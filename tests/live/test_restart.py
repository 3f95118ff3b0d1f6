"""Restarting the server, and its private Redis, loses no acked vote."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.support import Host, LiveServer, call, voter


def redis_pid(data_dir: Path) -> int:
    return int((data_dir / "redis.pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


async def test_server_restart_keeps_an_open_ballot_and_its_votes(data_dir: Path) -> None:
    server = LiveServer(data_dir)
    host = Host(server.url)
    await host.create_room()
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phones = [await voter(server.url, code=host.room["code"]) for _ in range(5)]
    for i, (phone, _) in enumerate(phones):
        assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [i % 3],
                                                "client_key": "a"}))["ok"]
        await phone.disconnect()
    private_redis = redis_pid(data_dir)
    key = host.key
    await host.aclose()

    server.stop()
    assert not alive(private_redis), "the private Redis stops with the server"
    server = LiveServer(data_dir, port=server.port)

    host = Host(server.url)
    host.room = {"id": ballot["room"]}
    host.http.headers["authorization"] = f"Bearer {key}"
    tally = await host.tally(ballot["id"])
    assert tally["state"] == "open" and tally["counts"] == [2, 2, 1]
    again, joined = await voter(server.url, room=ballot["room"], device=phones[0][1]["device"])
    assert joined["ballots"][0]["my_vote"]["choices"] == [0]
    assert (await call(again, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                            "client_key": "b"}))["error"]["code"] == "already_voted"
    await again.disconnect()
    await host.aclose()
    server.stop()


async def test_crash_of_server_and_redis_keeps_every_acked_vote(data_dir: Path) -> None:
    server = LiveServer(data_dir)
    host = Host(server.url)
    await host.create_room()
    ballot = await host.ballot()
    await host.open(ballot["id"])
    acked = 0
    for i in range(20):
        phone, _ = await voter(server.url, code=host.room["code"])
        if (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [i % 3],
                                            "client_key": "a"}))["ok"]:
            acked += 1
        await phone.disconnect()
    key = host.key
    await host.aclose()

    os.kill(redis_pid(data_dir), signal.SIGKILL)
    server.stop(signal.SIGKILL)
    server = LiveServer(data_dir, port=server.port)

    host = Host(server.url)
    host.room = {"id": ballot["room"]}
    host.http.headers["authorization"] = f"Bearer {key}"
    tally = await host.tally(ballot["id"])
    assert tally["voters"] == acked == 20
    record = (await host.close(ballot["id"]))["record"]
    assert record["counts"] == [7, 7, 6]
    await host.aclose()
    server.stop()
