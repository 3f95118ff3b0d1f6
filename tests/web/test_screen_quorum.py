"""The presenter screen shows a meeting item's N, D, A, rule and live gauge, then
the outcome at close."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.live.test_meeting import staff
from tests.live.test_meeting_rules import small_meeting
from tests.support import Host, LiveServer, eventually
from tests.web.test_meeting_pages import LAPTOP
from tests.web.test_pages import PROJECTOR, open_page, screen_url

pytestmark = pytest.mark.browser


async def test_presenter_sees_the_quorum_gauge_move_and_the_outcome(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    item = await small_meeting(host, members=4)
    await staff(host, "/attendance", {"member_no": "M001", "mode": "in_person"})
    await staff(host, f"/ballots/{item}/live", {})
    page = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)

    await expect(page.get_by_test_id("quorum-n")).to_have_text("4")
    await expect(page.get_by_test_id("quorum-d")).to_have_text("1")
    await expect(page.get_by_test_id("quorum-gauge")).to_contain_text(
        "needs 2 more attending")
    await expect(page.get_by_test_id("quorum-rule")).to_have_text("General resolution")

    for member in ("M002", "M003"):
        await staff(host, "/attendance", {"member_no": member, "mode": "in_person"})
    # pushed as attendance moves: well before the page's own 10-second backstop
    await expect(page.get_by_test_id("quorum-a")).to_have_text("3", timeout=4000)
    await expect(page.get_by_test_id("quorum-gauge")).to_contain_text("Quorum met")

    await staff(host, f"/ballots/{item}/close", {})
    await expect(page.get_by_test_id("quorum-gauge")).to_have_text("FAILED")


async def test_the_staff_day_tab_takes_the_gauge_as_pushed(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    item = await small_meeting(host, members=4)
    await staff(host, "/attendance", {"member_no": "M001", "mode": "in_person"})
    await staff(host, f"/ballots/{item}/live", {})
    asked: list[str] = []  # the page's own reads: the board, and any gauge
    url = f"{live.url}/staff#room={host.room['id']}&key={host.key}&tab=day"
    page = await open_page(browser, contexts, url, **LAPTOP)
    page.on("request", lambda r: asked.append(r.url.split("?")[0].rsplit("/", 1)[-1]))
    line = page.get_by_test_id("quorum-line")
    await expect(line).to_contain_text("direct 1 ·")

    async def refreshed(times: int) -> bool:  # the console's own 3-s refresh
        return asked.count("attendance") >= times
    assert await eventually(lambda: refreshed(2), timeout=10)
    await staff(host, "/attendance", {"member_no": "M002", "mode": "in_person"})
    await expect(line).to_contain_text("direct 2 ·")  # pushed (or read, had the push been slower)
    asked.clear()
    assert await eventually(lambda: refreshed(1), timeout=10)
    asked.clear()  # the push has come, and a refresh since

    await staff(host, "/attendance", {"member_no": "M003", "mode": "in_person"})
    await expect(line).to_contain_text("direct 3 ·")
    await expect(line).to_contain_text("quorum met")
    assert await eventually(lambda: refreshed(1), timeout=10)
    assert "quorum" not in asked  # the gauge came by push, not by asking
