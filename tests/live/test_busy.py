"""Overload answered early: while a worker is behind, a vote is answered `busy`
at once (nothing applied), and the same vote sent again goes in once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from live.pressure import Pressure
from rooms.errors import Busy
from tests.support import Host, LiveServer, call, eventually, voter


@pytest.fixture
def crowded(redis_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A worker that counts itself behind as soon as one vote waits for Redis."""
    server = LiveServer(tmp_path / "data", redis_url=redis_url,
                        env={"LIVE_BUSY_CASTING": "1", "LIVE_BUSY_LAG_MS": "0"})
    yield server
    server.stop()


async def resend_until_counted(phone: Any, ballot: str, choice: int) -> tuple[Any, int]:
    """What the phone page does: the same vote (same client key) until it is acked."""
    busy = 0
    while True:
        ack = await call(phone, "vote:cast", {"ballot": ballot, "choices": [choice],
                                              "client_key": "only-once"})
        if ack["ok"] or ack["error"]["code"] != "busy":
            return ack, busy
        assert 250 <= ack["error"]["retry_ms"] <= 750, ack
        busy += 1
        # the page's wait before sending again (shortened: the test has no people to spread)
        await asyncio.sleep(ack["error"]["retry_ms"] / 1000 / 10)


async def test_a_crowd_voting_at_once_is_answered_busy_and_counted_once(
        crowded: LiveServer) -> None:
    host = Host(crowded.url)
    phones: list[Any] = []
    try:
        await host.create_room()
        ballot = (await host.ballot())["id"]
        await host.open(ballot)
        phones = [(await voter(crowded.url, code=host.room["code"]))[0] for _ in range(120)]
        answers = await asyncio.gather(*(resend_until_counted(p, ballot, i % 3)
                                         for i, p in enumerate(phones)))
        assert all(ack["ok"] for ack, _ in answers), [a for a, _ in answers if not a["ok"]][:3]
        busy = sum(n for _, n in answers)
        assert busy > 0, "120 votes at once with room for one: some were told busy"
        tally = await host.tally(ballot)
        assert tally["counts"] == [40, 40, 40] and tally["voters"] == 120
        metrics = httpx.get(f"{crowded.url}/metrics").text
        told = [line for line in metrics.splitlines()
                if line.startswith("livevote_votes_busy_total") and 'why="casting"' in line]
        assert int(told[0].rsplit(" ", 1)[1]) == busy
    finally:
        for phone in phones:
            await phone.disconnect()
        await host.aclose()


async def test_a_loop_late_for_a_while_is_busy_until_it_catches_up() -> None:
    pressure = Pressure(lag_ms=40, casting=0)  # held up far past it: every vote turned away
    pressure.start()
    loop = asyncio.get_running_loop()
    try:
        with pressure.vote():
            pass  # on time: welcome
        held = True

        def hold_up() -> None:  # turn after turn held up, as by more frames than it can take
            time.sleep(0.15)
            if held:
                loop.call_soon(hold_up)
        loop.call_soon(hold_up)
        assert await eventually(lambda: _now(pressure.late() == "lag"))
        assert pressure.late() == "lag" and pressure.lag_ms > 80 and pressure.share("lag") == 1
        with pytest.raises(Busy) as refused:
            with pressure.vote():
                pass
        assert refused.value.as_dict()["code"] == "busy" and pressure.refused["lag"] == 1
        held = False
        assert await eventually(lambda: _now(not pressure.late()))
        assert not pressure.late(), "caught up: votes are welcome again"
    finally:
        await pressure.stop()


def test_a_worker_just_behind_turns_away_a_share_of_votes_growing_with_its_lag() -> None:
    pressure = Pressure(lag_ms=100, casting=10)
    for lag, share in ((120, 0.2), (150, 0.5), (200, 1.0), (900, 1.0)):
        pressure.lag_ms = lag
        assert pressure.late() == "lag" and pressure.share("lag") == pytest.approx(share)
    pressure.lag_ms, pressure.casting = 0, 10
    assert pressure.late() == "casting" and pressure.share("casting") == 1.0


async def _now(value: bool) -> bool:
    return value
