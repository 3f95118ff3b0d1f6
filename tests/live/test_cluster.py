"""LiveVote on a real local Redis/Valkey Cluster (3 primaries, a replica each,
the embedded server binary): two `live serve` processes behave as one service,
and a primary killed mid-burst loses no acked vote."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import socketio
from redis.cluster import RedisCluster
from redis.crc import key_slot

from rooms.store import keys
from tests.live.worker_steps import closing_happens_once, presenter_sees_votes_cast_through_another
from tests.support import ROOT, Host, LiveServer, call, eventually, voter

sys.path.insert(0, str(ROOT / "loadtests"))
from cluster import LocalCluster  # noqa: E402

CLUSTER_ENV = {"LIVE_REDIS_CLUSTER": "1"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    made = LocalCluster(tmp_path_factory.mktemp("cluster"))
    yield made
    made.stop()


@pytest.fixture(scope="module")
def pair(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[list[LiveServer]]:
    base = tmp_path_factory.mktemp("cluster-live")
    servers = [LiveServer(base / f"w{i}", redis_url=cluster.url, env=CLUSTER_ENV)
               for i in (1, 2)]
    yield servers
    for s in servers:
        s.stop()


async def room_on(server: LiveServer, title: str = "Cluster room") -> Host:
    host = Host(server.url)
    await host.create_room(title)
    return host


def as_host(other: LiveServer, host: Host) -> Host:
    """The same host, through another process."""
    twin = Host(other.url)
    twin.room, twin.key = host.room, host.key
    twin.http.headers["authorization"] = f"Bearer {host.key}"
    return twin


async def test_rooms_land_on_every_shard(pair: list[LiveServer], cluster: LocalCluster) -> None:
    """Rooms and their ballots spread over the primaries, each room's keys on
    one slot and each ballot's on another; votes on each are exact."""
    a, b = pair
    hosts = [await room_on(a, f"room {i}") for i in range(6)]
    owners = set()
    for host in hosts:
        ballot = await host.ballot()
        await host.open(ballot["id"])
        owners.add(cluster.primary_of(keys.ballot(ballot["id"])).port)
        phones = [await voter(b.url, code=host.room["code"]) for _ in range(3)]
        acks = [await call(p, "vote:cast", {"ballot": ballot["id"], "choices": [i % 3],
                                            "client_key": "k"})
                for i, (p, _) in enumerate(phones)]
        assert all(a["ok"] for a in acks), acks
        assert (await host.tally(ballot["id"]))["counts"] == [1, 1, 1]
        assert len({key_slot(k.encode()) for k in keys.ballot_keys(ballot["id"])}) == 1
        for phone, _ in phones:
            await phone.disconnect()
        await host.aclose()
    assert len(owners) >= 2, "six ballots all on one shard: the hash tags do not spread"


async def test_presenter_on_one_process_sees_votes_cast_through_another(
        pair: list[LiveServer]) -> None:
    a, b = pair
    host = await presenter_sees_votes_cast_through_another(a, b)
    presenter = socketio.AsyncClient(reconnection=False)
    updates: list[dict[str, Any]] = []
    presenter.on("ballot:update", updates.append, namespace="/screen")
    await presenter.connect(a.url, namespaces=["/screen"], transports=["websocket"])
    await call(presenter, "screen:watch", {"room": host.room["id"], "key": host.key}, "/screen")

    # A room event raised on process b (a ballot added there) reaches the
    # screen on a over the room's sharded channel.
    other = as_host(b, host)
    added = await other.ballot(question="Second?")

    async def told() -> bool:
        return any(u.get("id") == added["id"] for u in updates)
    assert await eventually(told), updates[-3:]
    await presenter.disconnect()
    await host.aclose()
    await other.aclose()


async def test_closing_happens_once_across_processes(pair: list[LiveServer],
                                                     cluster: LocalCluster) -> None:
    ballot = await closing_happens_once(pair)
    log = RedisCluster.from_url(cluster.url).lrange(keys.log(ballot), 0, -1)
    assert sum(b'"close"' in e for e in log) == 1, "one close in the ledger"
