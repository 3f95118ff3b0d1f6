"""LiveVote on a real local Redis/Valkey Cluster (3 primaries, a replica each,
the embedded server binary): two `live serve` processes behave as one service,
and a primary killed mid-burst loses no acked vote."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import socketio
from redis.cluster import RedisCluster
from redis.crc import key_slot

from live.clustermanager import EVERYONE, shard_channel
from rooms.store import keys
from tests.live.worker_steps import closing_happens_once, presenter_sees_votes_cast_through_another
from tests.support import CLUSTER, PASSES, ROOT, Host, LiveServer, call, eventually, voter

sys.path.insert(0, str(ROOT / "loadtests"))
from cluster import LocalCluster  # noqa: E402

CLUSTER_ENV = {"LIVE_REDIS_CLUSTER": "1"}
PHONES = 300


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


def test_a_rooms_events_go_to_the_shard_of_its_keys() -> None:
    for room_id in ("abc", "0f3a9c", "x" * 12):
        channel = shard_channel(f"room:{room_id}")
        assert key_slot(channel.encode()) == key_slot(keys.room(room_id).encode())
        assert shard_channel(f"video:{room_id}") == channel
    assert shard_channel("voted:b1") == shard_channel("some-sid") == shard_channel(None) \
        == shard_channel(["room:a", "room:b"]) == EVERYONE


def serve_once(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "live.cli", "serve", "--port", "0",
                           "--data-dir", str(tmp_path / "data")], cwd=ROOT,
                          env=dict(os.environ, **env), capture_output=True, text=True,
                          timeout=60)


def test_live_serve_refuses_a_cluster_node_as_one_server_and_the_reverse(
        cluster: LocalCluster, redis_url: str, tmp_path: Path) -> None:
    plain = {k: v for k, v in os.environ.items() if k != "LIVE_REDIS_CLUSTER"}
    as_one = serve_once(tmp_path, dict(plain, REDIS_URL=cluster.url, LIVE_REDIS_CLUSTER=""))
    assert as_one.returncode == 2 and "set LIVE_REDIS_CLUSTER=1" in as_one.stderr, \
        as_one.stderr
    if not CLUSTER:  # the session's store is one server
        as_cluster = serve_once(tmp_path, dict(REDIS_URL=redis_url, LIVE_REDIS_CLUSTER="1"))
        assert as_cluster.returncode == 2, as_cluster.stderr
        assert "cluster" in as_cluster.stderr, as_cluster.stderr


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
    waits = sum(int(node.client().info("commandstats").get("cmdstat_wait", {}).get("calls", 0))
                for node in cluster.primaries)
    assert waits >= 6, "each vote was acked after WAIT (at least one per ballot)"


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


@pytest.fixture
def failing(tmp_path: Path) -> Iterator[tuple[LocalCluster, list[LiveServer]]]:
    """A cluster of its own, since a node of it gets killed, and two processes."""
    made = LocalCluster(tmp_path / "cluster")
    servers = [LiveServer(tmp_path / f"w{i}", redis_url=made.url, env=CLUSTER_ENV)
               for i in (1, 2)]
    yield made, servers
    for s in servers:
        s.stop()
    made.stop()


async def ballot_on_the_rooms_shard(host: Host, cluster: LocalCluster) -> dict[str, Any]:
    """A ballot whose keys live on the primary that holds the room's keys (and
    so its event channel): killing that one primary tests both at once."""
    room_owner = cluster.primary_of(keys.room(host.room["id"]))
    for _ in range(30):
        ballot = await host.ballot()
        if cluster.primary_of(keys.ballot(ballot["id"])) is room_owner:
            return ballot
    raise AssertionError("no ballot landed on the room's shard in 30 tries")


async def cast_until_acked(phone: socketio.AsyncClient, ballot_id: str, choice: int,
                           key: str) -> dict[str, Any]:
    """A phone's vote, sent again with the same client key while the store is
    unavailable, as the page does; its ack, and how long it took in "took_s"."""
    started = time.monotonic()
    deadline = started + 40
    while True:
        ack = await phone.call("vote:cast", {"ballot": ballot_id, "choices": [choice],
                                             "client_key": key, "pass": PASSES.get(phone)},
                               namespace="/voter", timeout=40)
        if ack["ok"] or ack["error"]["code"] != "store_unavailable":
            return dict(ack, took_s=time.monotonic() - started)
        assert time.monotonic() < deadline, "the store did not come back"
        await asyncio.sleep(0.2)


def async_true(check: Any) -> Any:
    async def run() -> bool:
        return bool(check())
    return run


async def room_events_flow(host: Host, updates: list[dict[str, Any]]) -> bool:
    """A ballot added through `host` reaches the screen. Events published while
    the room's shard fails over may be lost (docs/deploy.md); one published
    once the processes have moved their subscriptions is not."""
    for _ in range(5):
        added = await host.ballot(question="After the failover?")

        async def told() -> bool:
            return any(u.get("id") == added["id"] for u in updates)
        if await eventually(told, timeout=3):
            return True
    return False


async def test_a_primary_killed_mid_burst_loses_no_acked_vote(
        failing: tuple[LocalCluster, list[LiveServer]]) -> None:
    """kill -9 of the primary holding the ballot and the room: its replica is
    promoted, both processes carry on by themselves, every acked vote is
    counted exactly once (each was on a replica before it was acked), and the
    room's events flow again."""
    cluster, (a, b) = failing
    host = await room_on(a)
    ballot = await ballot_on_the_rooms_shard(host, cluster)
    await host.open(ballot["id"])
    presenter = socketio.AsyncClient(reconnection=False)
    pushed: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    presenter.on("tally", pushed.append, namespace="/screen")
    presenter.on("ballot:update", updates.append, namespace="/screen")
    await presenter.connect(a.url, namespaces=["/screen"], transports=["websocket"])
    await call(presenter, "screen:watch", {"room": host.room["id"], "key": host.key}, "/screen")
    phones = await asyncio.gather(*[voter((a, b)[i % 2].url, code=host.room["code"])
                                    for i in range(PHONES)])
    victim = cluster.primary_of(keys.ballot(ballot["id"]))

    acks: list[dict[str, Any]] = []
    tasks = []
    for i, (phone, _) in enumerate(phones):  # about 100 votes a second
        tasks.append(asyncio.ensure_future(cast_until_acked(phone, ballot["id"], i % 3, f"k{i}")))
        if i == PHONES // 3:
            killed_at = time.monotonic()
            victim.kill()
        await asyncio.sleep(0.01)
    acks = await asyncio.gather(*tasks)
    recovered_s = time.monotonic() - killed_at
    longest_s = max(ack["took_s"] for ack in acks)

    assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
    assert await eventually(async_true(lambda: cluster.primary_of(keys.ballot(ballot["id"]))
                                       is not victim)), "the replica was promoted"
    want = [sum(1 for i in range(PHONES) if i % 3 == c) for c in range(3)]
    tally = await as_host(b, host).tally(ballot["id"])
    assert tally["counts"] == want and tally["voters"] == PHONES, tally

    async def screen_caught_up() -> bool:
        return any(t["ballot"] == ballot["id"] and t["voters"] == PHONES for t in pushed)
    assert await eventually(screen_caught_up, timeout=15), pushed[-1:]
    assert await room_events_flow(as_host(b, host), updates), \
        "room events flow again after the failover"

    sealed = await host.close(ballot["id"])
    receipts = "\n".join(sorted(ack["data"]["receipt"] for ack in acks))
    assert sealed["record"]["receipts_sha256"] == hashlib.sha256(receipts.encode()).hexdigest(), \
        "the seal covers exactly the receipts the phones were given"
    print(f"\nfailover: all {PHONES} votes acked {recovered_s:.1f} s after the kill; "
          f"the longest a phone waited for its ack: {longest_s:.1f} s")
    await asyncio.gather(*[phone.disconnect() for phone, _ in phones])
    await presenter.disconnect()
    await host.aclose()
