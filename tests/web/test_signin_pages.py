"""A member who asked for a code and got no answer in time, or reloaded the
page after asking, still gets somewhere to type the code that is on its way:
a busy server still sends it, and asking again only meets the wait between
codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.support import Host, LiveServer
from tests.web.test_meeting_pages import invite_link, meeting, texted_code
from tests.web.test_pages import PHONE, open_page

pytestmark = pytest.mark.browser


@pytest.fixture
async def slow_codes(redis_url: str, redis_client: Any, tmp_path: Path
                     ) -> AsyncIterator[tuple[LiveServer, Host]]:
    """A server with the real 30-s wait between codes (the tests' default is 2 s)."""
    live = LiveServer(tmp_path / "data", redis_url=redis_url, env={"LIVE_OTP_GAP_S": "30"})
    host = Host(live.url)
    try:
        await host.create_room()
        yield live, host
    finally:
        await host.aclose()
        live.stop()


async def test_a_code_already_on_its_way_can_be_typed_after_a_reload(
        slow_codes: tuple[LiveServer, Host], browser: Browser,
        contexts: list[BrowserContext]) -> None:
    live, host = slow_codes
    await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"})
    page = await open_page(browser, contexts, await invite_link(live, host, "M001"), **PHONE)
    await page.get_by_label("Your mobile number").fill("010-5001-0001")
    await page.get_by_test_id("send-code").click()
    await expect(page.get_by_test_id("code-sent")).to_contain_text("We texted a code")

    await page.reload()  # before typing it: the page no longer knows a code was sent
    await page.get_by_label("Your mobile number").fill("010-5001-0001")
    await page.get_by_test_id("send-code").click()
    await expect(page.get_by_test_id("signin-error")).to_contain_text("wait 30 seconds")
    await expect(page.get_by_test_id("code-sent")).to_have_text(
        "If a text with a code reached the number ending in 0001, type it below.")
    await page.get_by_label("The 6-digit code from the text message").fill(await texted_code(host))
    await page.get_by_test_id("confirm-code").click()
    await expect(page.get_by_test_id("member-bar")).to_be_visible()

    await page.get_by_role("button", name="한국어로 보기").click()
    await expect(page.get_by_test_id("member-bar")).to_be_visible()
