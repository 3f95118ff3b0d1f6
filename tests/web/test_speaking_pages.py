"""Speaking requests (발언 신청) in the pages, in a real headless Chromium: members
ask on their meeting page and see their place in line, the chair gives the floor
and ends the turn from the staff console's meeting-day tab, the member given the
floor is told to speak (and, with the meeting's video off, why their voice
cannot go out), another member's queue follows, and the minutes name who spoke."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support import Host, LiveServer
from tests.web.test_meeting_pages import LAPTOP, invite_link, meeting, sign_in, staff
from tests.web.test_pages import PHONE, open_page

pytestmark = pytest.mark.browser


async def member_page(live: LiveServer, host: Host, browser: Browser,
                      contexts: list[BrowserContext], member_no: str, phone: str) -> Page:
    page = await open_page(browser, contexts, await invite_link(live, host, member_no), **PHONE)
    await sign_in(page, host, phone)
    return page


async def test_the_chair_gives_the_floor_and_the_members_pages_follow(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget, = await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"},
                            early=False)
    await staff(host, f"/ballots/{budget}/live")
    kim = await member_page(live, host, browser, contexts, "M001", "010-5001-0001")
    lee = await member_page(live, host, browser, contexts, "M002", "010-5002-0002")
    await expect(lee.get_by_test_id("speak-now")).to_have_text("No one is speaking now.")

    await kim.get_by_test_id("speak-ask").click()
    await expect(kim.get_by_test_id("speak-place")).to_have_text("1st in line")
    await lee.get_by_test_id("speak-ask").click()
    await expect(lee.get_by_test_id("speak-place")).to_have_text("2nd in line")
    await expect(lee.get_by_test_id("speak-next")).to_contain_text("Next: Kim Young-hee (M001)")

    chair = await open_page(browser, contexts,
                            f"{live.url}/staff#room={host.room['id']}&key={host.key}", **LAPTOP)
    await chair.get_by_test_id("tab-day").click()
    rows = chair.get_by_test_id("speak-row")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Kim Young-hee")
    await rows.first.get_by_test_id("speak-grant").click()
    await expect(chair.get_by_test_id("speak-now")).to_contain_text(
        "Speaking now: Kim Young-hee (M001)")
    await expect(rows.first.get_by_test_id("speak-grant")).to_be_disabled()

    await kim.locator("#lang-toggle").click()
    await expect(kim.get_by_test_id("speak-granted")).to_have_text("발언하세요: 마이크가 켜집니다")
    await expect(kim.get_by_test_id("speak-mic")).to_have_text(
        "이 총회는 영상이 꺼져 있어 목소리를 보낼 수 없습니다. 진행자에게 알려 주세요.")
    await expect(lee.get_by_test_id("speak-now")).to_have_text("Speaking now: Kim Young-hee (M001)")
    await expect(lee.get_by_test_id("speak-place")).to_have_text("1st in line")

    await chair.get_by_test_id("speak-end").click()
    await expect(chair.get_by_test_id("speak-now")).to_have_text("No one is speaking now.")
    await expect(kim.get_by_test_id("speak-ask")).to_have_text("발언 신청")
    await expect(lee.get_by_test_id("speak-now")).to_have_text("No one is speaking now.")
    await lee.get_by_test_id("speak-cancel").click()
    await expect(lee.get_by_test_id("speak-ask")).to_be_visible()
    await expect(chair.get_by_test_id("speak-queue")).to_have_text("No requests waiting.")

    minutes = (await host.get("/minutes")).json()["data"]
    assert [s["member_no"] for s in minutes["items"][0]["speakers"]] == ["M001"]

    # 폐회: refused while the item is open, then declared; the members' pages follow
    await expect(chair.get_by_test_id("adjourn-state")).to_contain_text("When every agenda item")
    await chair.get_by_test_id("adjourn").click()
    await chair.get_by_test_id("confirm").click()
    await expect(chair.locator("#adjourn-error")).to_contain_text(
        "agenda item(s) still open before closing the meeting")
    await host.close(budget)
    await chair.get_by_test_id("adjourn").click()
    await chair.get_by_test_id("confirm").click()
    await expect(chair.get_by_test_id("adjourn-state")).to_contain_text("The meeting closed at")
    await expect(chair.get_by_test_id("adjourn")).to_be_hidden()
    await expect(lee.get_by_test_id("adjourned")).to_contain_text("The meeting closed at")
    await expect(lee.get_by_test_id("speak")).to_be_hidden()
    await expect(kim.get_by_test_id("adjourned")).to_contain_text("폐회되었습니다")
