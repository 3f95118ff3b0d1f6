"""A whole small general meeting run in Korean from the staff pages alone: the
roster imported from a file, invitations texted, a member signing in through the
short link and voting in advance, the desk checking people in and recording a
paper ballot, three items started and closed on the presenter screen, and the
minutes opened for printing."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support import LiveServer
from tests.web.test_pages import PHONE, open_page

pytestmark = pytest.mark.browser

KOREAN: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "ko-KR"}
TABLET: dict[str, Any] = {"viewport": {"width": 820, "height": 1180}, "locale": "ko-KR",
                          "has_touch": True}
ROSTER = ("조합원번호,성명,휴대폰,소유물건\n"
          "M001,김영희,010-5001-0001,H001\n"
          "M002,이철수,010-5002-0002,H002\n"
          "M003,박미라,010-5003-0003,H003\n"
          "M004,정없음,12345,H004\n")


OVERFLOWING = """(width) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > width + 1)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id} `
    + `${Math.round(el.getBoundingClientRect().right)}px`).slice(0, 12)"""


def fragment(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(page.url.split("#", 1)[1]).items()}


async def outbox(live: LiveServer, room: str, key: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=live.url) as client:
        r = await client.get(f"/api/rooms/{room}/outbox",
                             headers={"authorization": f"Bearer {key}"})
    return list(r.json()["data"])


async def add_item(staff: Page, question: str, agenda: str, candidates: list[str] = ()) -> None:
    await staff.get_by_test_id("item-question").fill(question)
    await staff.get_by_test_id("item-agenda").select_option(agenda)
    if candidates:
        await staff.get_by_test_id("item-election").check()
        await staff.get_by_test_id("item-candidates").fill("\n".join(candidates))
    await staff.get_by_test_id("item-add").click()
    await expect(staff.get_by_test_id("item-list")).to_contain_text(question)


async def confirm(page: Page) -> None:
    await page.get_by_test_id("confirm").click()


def item_card(staff: Page, question: str) -> Any:
    return staff.locator(".day-item").filter(has_text=question)


async def desk(staff: Page, query: str) -> Any:
    await staff.get_by_test_id("desk-search").fill(query)
    await staff.get_by_test_id("desk-find").click()
    return staff.get_by_test_id("desk-row").filter(has_text=query)


async def test_staff_run_a_whole_meeting_from_the_pages_in_korean(
        live: LiveServer, browser: Browser, contexts: list[BrowserContext]) -> None:
    staff = await open_page(browser, contexts, f"{live.url}/staff", **KOREAN)
    await staff.get_by_test_id("new-meeting-title").fill("한빛 재건축 정기총회")
    await staff.get_by_test_id("create-meeting").click()
    await expect(staff.get_by_test_id("roster-import")).to_be_visible()
    room, key = fragment(staff)["room"], fragment(staff)["key"]

    # Prepare: roster from a file, items by agenda type, record date, a proxy, advance voting.
    await staff.get_by_test_id("roster-file").set_input_files(
        {"name": "명부.csv", "mimeType": "text/csv", "buffer": ROSTER.encode()})
    await staff.get_by_test_id("roster-import").click()
    await expect(staff.get_by_test_id("roster-summary")).to_contain_text("조합원 3명")
    await expect(staff.get_by_test_id("roster-error")).to_contain_text("M004")
    await add_item(staff, "2027년 예산 승인", "budget")
    await expect(staff.get_by_test_id("item-list")).to_contain_text("직접 출석 20% 이상")
    await add_item(staff, "시공자 선정", "contractor")
    await add_item(staff, "조합장 선출", "election", ["김후보", "이후보"])
    await staff.get_by_test_id("record-date").fill("2026-11-01")
    await staff.get_by_test_id("record-date-set").click()
    await confirm(staff)
    await expect(staff.get_by_test_id("record-state")).to_contain_text("조합원 3명")
    await staff.get_by_test_id("proxy-member").fill("M003")
    await staff.get_by_test_id("proxy-ground").select_option("abroad")
    await staff.get_by_test_id("proxy-name").fill("박대리")
    await staff.get_by_test_id("proxy-doc").fill("위임장 2026-007")
    await staff.get_by_test_id("proxy-register").click()
    await expect(staff.get_by_test_id("proxy-list")).to_contain_text("위임장 2026-007")
    closes = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 3600))
    await staff.get_by_test_id("early-closes").fill(closes)
    await staff.get_by_test_id("early-open").click()
    await expect(staff.get_by_test_id("early-state")).to_contain_text("사전투표 진행 중")

    # Invite: texts with personal links (this server has no gateway: the outbox).
    await staff.get_by_test_id("tab-invite").click()
    await staff.get_by_test_id("invite-send").click()
    await confirm(staff)
    await expect(staff.get_by_test_id("send-result")).to_contain_text("보냄 3건")
    await expect(staff.get_by_test_id("invite-summary")).to_contain_text("보냄 3명")
    texts = await outbox(live, room, key)
    link = next(re.search(r"(http\S+/m/[2-9A-Z]+)", m["text"]).group(1)  # type: ignore[union-attr]
                for m in texts if m["to"].endswith("0001"))

    # A member opens the short link, signs in with the texted code and votes in advance.
    member = await open_page(browser, contexts, link, **(PHONE | {"locale": "ko-KR"}))
    await member.get_by_label("휴대폰 번호").fill("010-5001-0001")
    await member.get_by_test_id("send-code").click()
    await expect(member.get_by_test_id("code-sent")).to_contain_text("0001")
    code = re.search(r"\b(\d{6})\b", (await outbox(live, room, key))[0]["text"]).group(1)  # type: ignore[union-attr]
    await member.get_by_label("문자로 받은 인증번호 6자리").fill(code)
    await member.get_by_test_id("confirm-code").click()
    budget_item = member.get_by_test_id("agenda-item").filter(has_text="2027년 예산 승인")
    await budget_item.get_by_role("button", name="찬성", exact=True).click()
    await budget_item.get_by_test_id("send-vote").click()
    cast = budget_item.get_by_test_id("confirm-cast")
    await expect(cast).to_be_visible()  # agenda items ask before casting
    await cast.click()
    await expect(budget_item.get_by_test_id("confirmation")).to_be_visible()
    await staff.get_by_test_id("tab-invite").click()
    await expect(staff.get_by_test_id("invite-summary")).to_contain_text("접속 1명")

    # Meeting day: the desk checks two people in, the presenter screen is steered.
    await staff.get_by_test_id("tab-day").click()
    await (await desk(staff, "M002")).get_by_test_id("desk-arrive").click()
    await expect((await desk(staff, "M002")).get_by_test_id("desk-here")).to_contain_text("현장 출석 중")
    await (await desk(staff, "박미라")).get_by_test_id("desk-proxy").click()
    await expect(staff.get_by_test_id("attendance-counts")).to_contain_text("대리인 출석 1")
    screen = await open_page(browser, contexts,
                             f"{live.url}/screen#room={room}&key={key}", **KOREAN)

    outcomes = {}
    for question in ("2027년 예산 승인", "시공자 선정", "조합장 선출"):
        card = item_card(staff, question)
        await card.get_by_test_id("item-live").click()
        await expect(card.get_by_test_id("item-phase")).to_have_text("총회 투표 중")
        await expect(card.get_by_test_id("quorum-line")).to_contain_text("직접 출석 3")  # online, in person, proxy
        await card.get_by_test_id("item-screen").click()
        await expect(screen.get_by_text(question)).to_be_visible()
        if question == "2027년 예산 승인":  # a paper ballot in the hall
            row = await desk(staff, "M002")
            await row.get_by_test_id("paper-choice").select_option(label="찬성")
            await row.get_by_test_id("paper-save").click()
            await expect(staff.get_by_test_id("status")).to_contain_text("종이 투표를 기록")
        await card.get_by_test_id("item-close").click()
        await confirm(staff)
        await expect(card.get_by_test_id("item-outcome")).to_be_visible()
        outcomes[question] = await card.get_by_test_id("item-outcome").inner_text()
        await expect(screen.get_by_test_id("outcome")).to_have_text(outcomes[question])
    assert outcomes["2027년 예산 승인"] == "가결"  # yes 2 of A 3, D 3 of N 3

    # Records: the minutes one click away, ready to print.
    await staff.get_by_test_id("tab-records").click()
    await expect(staff.get_by_test_id("record-items")).to_contain_text("조합장 선출")
    async with staff.context.expect_page() as opened:
        await staff.get_by_test_id("minutes-open").click()
    minutes = await opened.value
    for question, outcome in outcomes.items():
        await expect(minutes.locator("main")).to_contain_text(question)
        await expect(minutes.locator("main")).to_contain_text(outcome)
    await minutes.emulate_media(media="print")
    await expect(minutes.get_by_test_id("print")).to_be_hidden()
    assert len(await minutes.pdf()) > 1000  # Chromium prints it


async def test_the_desk_fits_a_tablet_at_200_percent_text(
        live: LiveServer, browser: Browser, contexts: list[BrowserContext]) -> None:
    async with httpx.AsyncClient(base_url=live.url) as client:
        made = (await client.post("/api/rooms", json={"title": "접수대 시험", "kind": "meeting"}))
        room, key = made.json()["data"]["room"]["id"], made.json()["data"]["host_key"]
        client.headers["authorization"] = f"Bearer {key}"
        base = f"/api/rooms/{room}"
        await client.post(f"{base}/roster", content=ROSTER.encode(),
                          headers={"content-type": "text/csv"})
        await client.post(f"{base}/record-date", json={"record_date": "2026-11-01"})
        item = (await client.post(f"{base}/ballots", json={
            "question": "아주 긴 안건 제목: " + "정비사업비 예산 변경 및 집행 승인의 건 " * 4,
            "kind": "yesno", "agenda": "project_costs"})).json()["data"]
        await client.post(f"{base}/ballots/{item['id']}/live")
    page = await open_page(browser, contexts, "about:blank", **TABLET)
    await page.add_init_script("document.addEventListener('DOMContentLoaded', () => "
                               "{ document.documentElement.style.fontSize = '200%'; });")
    await page.goto(f"{live.url}/staff#room={room}&key={key}")
    for tab in ("prepare", "invite", "day", "records"):
        await page.get_by_test_id(f"tab-{tab}").click()
        if tab == "day":
            await expect(page.get_by_test_id("quorum-line")).to_contain_text("직접 출석 1명 더 필요")
            row = await desk(page, "이철수")
            await expect(row.get_by_test_id("paper-save")).to_be_visible()
            box = await row.get_by_test_id("desk-arrive").bounding_box()
            assert box and box["height"] >= 44, "touch targets stay large"
        scroll, inner = await page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner == TABLET["viewport"]["width"], \
            f"{tab}: scrolls sideways ({scroll}): {await page.evaluate(OVERFLOWING, inner)}"
