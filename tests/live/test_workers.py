"""Two server processes sharing one Redis behave as one service."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.live.worker_steps import closing_happens_once, presenter_sees_votes_cast_through_another
from tests.support import LiveServer


@pytest.fixture
def pair(redis_url: str, redis_client: Any, tmp_path: Path) -> Iterator[list[LiveServer]]:
    env = {"LIVE_CROSS_WORKER": "1"}
    servers = [LiveServer(tmp_path / f"w{i}", redis_url=redis_url, env=env) for i in (1, 2)]
    yield servers
    for s in servers:
        s.stop()


async def test_presenter_on_one_worker_sees_votes_cast_through_another(
        pair: list[LiveServer]) -> None:
    host = await presenter_sees_votes_cast_through_another(*pair)
    await host.aclose()


async def test_closing_happens_once_across_workers(pair: list[LiveServer]) -> None:
    await closing_happens_once(pair)
