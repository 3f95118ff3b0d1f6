"""The phone pages for people who need them most: a step to check the vote before it
is cast, text at 200 % on a 390 px phone without sideways scrolling, and a member
who scans a general meeting's screen QR led to their personal link. A real headless
Chromium (the system one) against a real `live serve` and redis-server."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.support import Host, LiveServer
from tests.web.test_meeting_pages import (LAPTOP, agenda_item, invite_link, meeting, roster,
                                          sign_in)
from tests.web.test_pages import PHONE, RECEIPT, open_page

pytestmark = pytest.mark.browser

LONG_OPTIONS = [
    "재건축정비사업조합설립추진위원회운영규정변경안승인의건",
    "Supercalifragilisticexpialidocious-renovation-of-the-community-hall-roof",
    "https://example.org/a/very/long/address/that/never/breaks/by/itself/0123456789",
]

# Why a page scrolls sideways: the elements that stick out past the viewport.
OVERFLOWING = """() => {
  const width = 390;
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > width + 1)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id} `
      + `${Math.round(el.getBoundingClientRect().right)}px`)
    .slice(0, 12);
}"""


async def zoomed_phone(browser: Browser, contexts: list[BrowserContext], url: str,
                       **options: Any) -> Page:
    """A 390 px phone whose reader set text to 200 %: the pages size text in rem, so
    doubling the root font size is what the browser's text zoom does to them."""
    page = await open_page(browser, contexts, "about:blank", **PHONE, **options)
    await page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => "
        "{ document.documentElement.style.fontSize = '200%'; });")
    await page.goto(url)
    return page


async def fits(page: Page, state: str) -> None:
    """No sideways scrolling in this state. A phone browser widens its layout
    viewport to what sticks out, so both are held to the phone's own width."""
    scroll, inner, root = await page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " getComputedStyle(document.documentElement).fontSize]")
    assert root == "32px", f"{state}: text is not at 200 % ({root})"
    assert max(scroll, inner) <= PHONE["viewport"]["width"], \
        f"{state}: the page scrolls sideways ({scroll} px, viewport {inner} px): " \
        f"{await page.evaluate(OVERFLOWING)}"


async def wide_enough(page: Page, panel: Locator, state: str) -> None:
    """Lines of readable length, not one syllable a line: the panel takes most of
    the width."""
    box = await panel.bounding_box()
    width = await page.evaluate("window.innerWidth")
    assert box is not None and box["width"] > 0.6 * width, \
        f"{state}: the panel is {box and box['width']} px of {width}"


async def phone_on(live: LiveServer, host: Host, browser: Browser,
                   contexts: list[BrowserContext], **ballot: Any) -> tuple[str, Page]:
    """An open ballot, and a phone that joined its room."""
    made = await host.ballot(**ballot)
    await host.open(made["id"])
    return made["id"], await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}",
                                       **PHONE)


async def signed_in_item(page: Page, host: Host, phone: str, question: str) -> Locator:
    await sign_in(page, host, phone)
    return agenda_item(page, question)


async def cast_zoomed(page: Page, scope: Page | Locator) -> Locator:
    """Confirm the vote waiting in `scope` at 200 %, then open its full tracker."""
    await expect(scope.get_by_test_id("cast-check")).to_be_visible()
    await fits(page, "confirm")
    await scope.get_by_test_id("confirm-cast").click()
    counted = scope.get_by_test_id("confirmation")
    await expect(counted).to_contain_text("Counted")
    await counted.locator("summary").click()
    await expect(counted.get_by_test_id("tracker")).to_be_visible()
    await wide_enough(page, counted, "counted")
    return counted


# the confirm step -----------------------------------------------------------------

async def test_voter_checks_the_vote_before_it_is_cast(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot, phone = await phone_on(live, host, browser, contexts, question="Where is the party?",
                                   options=["Town hall", "Riverside park", "Library"],
                                   confirm=True)
    await phone.get_by_role("button", name="Riverside park").click()

    check = phone.get_by_role("dialog", name="Cast this vote?")
    await expect(check).to_be_focused()
    await expect(check.get_by_test_id("cast-check-choice")).to_have_text("Riverside park")
    await phone.keyboard.press("Escape")  # back to the choices, nothing sent
    await expect(check).to_have_count(0)
    await expect(phone.get_by_role("button", name="Riverside park")).to_be_focused()
    await phone.get_by_role("button", name="Library").click()
    await expect(check.get_by_test_id("cast-check-choice")).to_have_text("Library")
    await check.get_by_role("button", name="Change").click()
    await expect(phone.get_by_role("button", name="Library")).to_be_focused()
    tally = await host.tally(ballot)
    assert (tally["counts"], tally["voters"]) == ([0, 0, 0], 0), "nothing cast before confirming"

    await phone.get_by_role("button", name="Town hall").click()
    await check.get_by_role("button", name="Cast vote").click()

    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(phone.get_by_test_id("my-choice")).to_have_text("Town hall")
    await expect(phone.get_by_test_id("receipt")).to_have_text(RECEIPT)
    assert (await host.tally(ballot))["counts"] == [1, 0, 0]


async def test_voter_checks_several_choices_in_korean_before_casting(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot, phone = await phone_on(live, host, browser, contexts, question="Which days?",
                                   options=["Mon", "Tue", "Wed"], kind="multiple",
                                   max_choices=2, confirm=True)
    await phone.get_by_role("button", name="한국어로 보기").click()
    for day in ("Mon", "Wed"):
        await phone.get_by_role("button", name=day).click()
    await phone.get_by_test_id("submit-vote").click()

    check = phone.get_by_role("dialog", name="이대로 투표할까요?")
    await expect(check.get_by_role("listitem")).to_have_text(["Mon", "Wed"])
    await check.get_by_role("button", name="다시 고르기").click()
    await expect(phone.get_by_role("button", name="Wed")).to_have_attribute("aria-pressed", "true")
    await phone.get_by_role("button", name="Wed").click()
    await phone.get_by_role("button", name="Tue").click()
    await phone.get_by_test_id("submit-vote").click()
    await expect(check.get_by_role("listitem")).to_have_text(["Mon", "Tue"])
    await check.get_by_role("button", name="투표하기").click()

    await expect(phone.get_by_test_id("confirmation")).to_contain_text("집계되었습니다")
    assert (await host.tally(ballot))["counts"] == [1, 1, 0]


async def test_event_poll_casts_on_one_tap_unless_the_host_asks_to_confirm(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    console = await open_page(browser, contexts,
                              f"{live.url}/host#room={host.room['id']}&key={host.key}",
                              **LAPTOP)
    await console.get_by_test_id("ballot-question").fill("Start now?")
    await console.get_by_test_id("ballot-kind").select_option("yesno")
    await console.get_by_label("Ask phones to confirm").check()
    await console.get_by_test_id("add-ballot").click()
    card = console.locator("article", has_text="Start now?")
    await expect(card).to_contain_text("asks to confirm")
    await card.get_by_test_id("open").click()
    quick = await host.ballot(question="Coffee?", options=["Hot", "Iced"])
    await host.open(quick["id"])
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)

    poll = phone.locator("article", has_text="Coffee?")
    await poll.get_by_role("button", name="Iced").click()
    await expect(poll.get_by_test_id("confirmation")).to_contain_text("Counted")
    asked = phone.locator("article", has_text="Start now?")
    await asked.get_by_role("button", name="Yes").click()
    await expect(asked.get_by_test_id("cast-check")).to_contain_text("Cast this vote?")
    await asked.get_by_test_id("confirm-cast").click()
    await expect(asked.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(card.get_by_test_id("ballot-voters")).to_contain_text("1")


async def test_member_checks_an_agenda_vote_before_it_is_cast(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget, = await meeting(host, {"question": "Approve the 2027 budget?", "agenda": "budget"})
    page = await open_page(browser, contexts, await invite_link(live, host, "M001"), **PHONE)
    item = await signed_in_item(page, host, "010-5001-0001", "Approve the 2027 budget?")
    await item.get_by_role("button", name="No", exact=True).click()
    await item.get_by_test_id("send-vote").click()

    check = item.get_by_role("dialog", name="Cast this vote?")
    await expect(check).to_be_focused()
    await expect(check.get_by_test_id("cast-check-choice")).to_have_text("No")
    await check.get_by_role("button", name="Change").click()
    await expect(item.get_by_test_id("choice-1")).to_have_attribute("aria-pressed", "true")
    await expect(item.get_by_test_id("choice-1")).to_be_focused()
    gauge = (await host.get(f"/ballots/{budget}/quorum")).json()["data"]
    assert gauge["votes"] == [0, 0, 0], "nothing cast before confirming"
    await item.get_by_role("button", name="Yes", exact=True).click()
    await item.get_by_test_id("send-vote").click()
    await check.get_by_role("button", name="Cast vote").click()

    await expect(item.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(item.get_by_test_id("my-choice")).to_have_text("Yes")
    gauge = (await host.get(f"/ballots/{budget}/quorum")).json()["data"]
    assert gauge["votes"] == [1, 0, 0]


# 200 % text on a 390 px phone --------------------------------------------------------

async def test_voter_page_fits_a_phone_at_200_percent_text(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    start = await zoomed_phone(browser, contexts, f"{live.url}/")
    await expect(start.get_by_test_id("code-input")).to_be_visible()
    await fits(start, "join")
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    ballot = await host.ballot(question="어느 안을 고르시겠습니까? " * 3, options=LONG_OPTIONS,
                               confirm=True)
    await host.open(ballot["id"])
    phone = await zoomed_phone(browser, contexts, f"{live.url}/j/{host.room['code']}")

    await expect(phone.get_by_test_id("gates")).to_contain_text("Room PIN")
    await fits(phone, "gates")
    await phone.get_by_test_id("pin").fill("2468")
    await phone.get_by_test_id("pin-go").click()
    await expect(phone.get_by_test_id("choice-2")).to_be_visible()
    await fits(phone, "ballot with long options")
    await phone.get_by_test_id("choice-2").click()
    await cast_zoomed(phone, phone)
    await fits(phone, "counted with receipt and tracker")
    await host.close(ballot["id"])
    await expect(phone.get_by_test_id("ended")).to_be_visible()
    await fits(phone, "closed with the result")


async def test_member_page_fits_a_phone_at_200_percent_text(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    await host.ballot(question="Elect the auditor?", options=LONG_OPTIONS, agenda="election")
    await meeting(host, {"question": "관리처분계획 변경안 승인의 건 " * 2,
                         "agenda": "disposition_plan", "secret": True})
    page = await zoomed_phone(browser, contexts, await invite_link(live, host, "M002"))
    await expect(page.get_by_test_id("signin")).to_be_visible()
    await fits(page, "meeting sign-in")
    item = await signed_in_item(page, host, "010-5002-0002", "Elect the auditor?")
    await fits(page, "items list")
    await item.get_by_test_id("choice-1").click()
    await item.get_by_test_id("send-vote").click()
    await cast_zoomed(page, item)
    await expect(item.get_by_test_id("counted-as")).to_be_visible()
    await fits(page, "counted, tracker and how you are counted")
    await wide_enough(page, item.get_by_test_id("counted-as"), "how you are counted")


# a general meeting's QR on the event phone page ---------------------------------------

async def test_member_scanning_the_meeting_screen_is_led_to_the_personal_link(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    room = await host.create_room("Union general meeting", kind="meeting")
    await meeting(host, {"question": "Approve the 2027 budget?", "agenda": "budget"})
    printed = next(p["code"] for p in await roster(host) if p["member_no"] == "M001")
    phone = await zoomed_phone(browser, contexts, f"{live.url}/j/{room['room']['code']}")

    door = phone.get_by_test_id("meeting-door")
    await expect(door.get_by_role("heading")).to_have_text("조합원 총회입니다")
    await expect(door).to_contain_text("문자로 받은 개인 링크를 여세요")
    await expect(door).to_contain_text("open the personal link from your invitation text")
    await expect(phone.get_by_test_id("room-title")).to_have_text("Union general meeting")
    await expect(phone.get_by_text("Approve the 2027 budget?")).to_have_count(0)
    await expect(phone.get_by_test_id("join-error")).to_be_hidden()
    await fits(phone, "meeting room")
    await phone.get_by_test_id("meeting-code-go").click()
    await expect(door.get_by_role("alert")).to_have_text("초대장에 적힌 코드 8자리를 입력해 주세요.")

    await phone.get_by_test_id("meeting-code").fill(f" {printed.lower().replace('-', ' - ')} ")
    async with phone.expect_request(f"{live.url}/m/{printed.replace('-', '')}"):
        await phone.get_by_test_id("meeting-code").press("Enter")
    await expect(phone.get_by_test_id("member-name")).to_have_text("Hello, Kim Young-hee")


async def test_agenda_item_in_an_event_room_is_refused_in_korean(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    await meeting(host, {"question": "Approve the budget?", "rule": "general", "confirm": False})
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    await phone.get_by_role("button", name="한국어로 보기").click()
    await phone.get_by_role("button", name="찬성").click()
    refusal = phone.get_by_test_id("vote-error")
    await expect(refusal).to_contain_text("개인")
    await expect(refusal).to_contain_text("링크")
    await expect(refusal).not_to_contain_text("members")
