"""A union's invitations go out to the gateway many at once, not a few at a
time: a gateway that answers in a second still gets a 5,000-member roster's
texts within a minute (loadtests/meeting_bench.py measures that); and a text
the gateway refused once is sent again."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

from tests.support import Host, LiveServer, stand_in

MEMBERS = 40
Gateway = Callable[[web.Request], Awaitable[web.Response]]


@contextlib.asynccontextmanager
async def meeting(gateway: Gateway, redis_url: str, tmp_path: Path, members: int,
                  env: dict[str, str] | None = None) -> AsyncIterator[Host]:
    """A meeting with `members` on its roster (M1's phone 010-5001-0001, ...), on
    a server texting through `gateway` (with `env` besides)."""
    async with stand_in({"/sms": gateway}) as gateway_url:
        server = LiveServer(tmp_path / "data", redis_url=redis_url,
                            env={"LIVE_SMS_WEBHOOK": f"{gateway_url}/sms"} | (env or {}))
        host = Host(server.url)
        try:
            await host.create_room(title="총회", kind="meeting")
            rows = ["member_no,name,phone,holding"] + [
                f"M{i},Member {i},010-5{i:03d}-{i:04d},H{i}" for i in range(1, members + 1)]
            assert (await host.post("/roster", {"csv": "\n".join(rows)})).status_code == 200
            host.http.timeout = 30
            yield host
        finally:
            await host.aclose()
            server.stop()


async def test_invitations_reach_the_gateway_together(redis_url: str, redis_client: Any,
                                                       tmp_path: Path) -> None:
    arrived: list[str] = []
    all_here = asyncio.Event()

    async def gateway(request: web.Request) -> web.Response:
        """Answers nobody until every invitation is in flight at once (a slow
        carrier); gives up after 10 s, which fails the texts still waiting."""
        arrived.append((await request.json())["to"])
        if len(arrived) == MEMBERS:
            all_here.set()
        try:
            await asyncio.wait_for(all_here.wait(), 10)
        except asyncio.TimeoutError:
            return web.json_response({}, status=400)
        return web.json_response({})

    async with meeting(gateway, redis_url, tmp_path, MEMBERS) as host:
        sent = (await host.post("/invites", {"to": "all"})).json()["data"]
        assert (sent["sent"], sent["failed"]) == (MEMBERS, 0)
        assert len(set(arrived)) == MEMBERS


async def test_a_text_the_gateway_refused_once_is_sent_again(redis_url: str, redis_client: Any,
                                                              tmp_path: Path) -> None:
    tries: dict[str, int] = {}

    async def gateway(request: web.Request) -> web.Response:
        """Busy the first time for every number (503), then takes the text;
        one number it never takes."""
        to = (await request.json())["to"]
        tries[to] = tries.get(to, 0) + 1
        taken = tries[to] > 1 and not to.endswith("0003")
        return web.json_response({}, status=200 if taken else 503)

    async with meeting(gateway, redis_url, tmp_path, 4) as host:
        sent = (await host.post("/invites", {"to": "all"})).json()["data"]
        assert (sent["sent"], sent["failed"]) == (3, 1)
        assert sorted(tries.values()) == [2, 2, 2, 2]  # once more each, never a third time
