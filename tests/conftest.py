from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
import redis

from tests.support import CLUSTER, ROOT, Host, LiveServer, RedisProcess, sync_client

sys.path.insert(0, str(ROOT / "loadtests"))
from cluster import LocalCluster  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def no_leftover_servers() -> Iterator[None]:
    yield
    for server in LiveServer.started:
        server.cleanup()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = (LocalCluster(tmp_path_factory.mktemp("cluster")) if CLUSTER
              else RedisProcess(tmp_path_factory.mktemp("redis")))
    yield server.url
    server.stop()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = sync_client(redis_url)
    client.flushdb()  # on a cluster: every primary
    yield client
    client.close()


@pytest.fixture(scope="session")
def live(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("live") / "data", redis_url=redis_url)
    yield server
    server.stop()


@pytest.fixture
async def host(live: LiveServer, redis_client: redis.Redis) -> AsyncIterator[Host]:
    h = Host(live.url)
    await h.create_room()
    yield h
    await h.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
