"""General-meeting pages as members and staff use them: a real headless Chromium (the
system one, never a downloaded build) against a real `live serve` and redis-server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import qrcode
import qrcode.util
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    WebSocketRoute,
    expect,
)

from tests.support import Host, LiveServer, eventually
from tests.web.test_pages import PHONE, RECEIPT, WAIT_MS, open_page

pytestmark = pytest.mark.browser

LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
ROSTER = [("M001", "Kim Young-hee", "010-5001-0001", "H001"),
          ("M002", "Lee Chul-su", "010-5002-0002", "H002"),
          ("M003", "Park Mi-ra", "010-5003-0003", "H003"),
          ("C001", "Kim Dong-hyun", "010-6001-0001", "H001")]  # co-owner of H001


async def staff(host: Host, path: str, body: dict[str, Any] | None = None) -> Any:
    r = await host.post(path, body)
    assert r.status_code in (200, 201), r.text
    return r.json()["data"]


async def meeting(host: Host, *items: dict[str, Any], early: bool = True) -> list[str]:
    """The roster imported, agenda items added, the record date set, advance voting open."""
    csv = "member_no,name,phone,holding,weight\n" + "".join(
        f"{no},{name},{phone},{holding},\n" for no, name, phone, holding in ROSTER)
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=csv,
                             headers={"content-type": "text/csv"})
    assert r.json()["data"]["errors"] == [], r.text
    ids = [(await host.ballot(kind="yesno", allow_change=True, **item))["id"] for item in items]
    assert (await staff(host, "/record-date", {"record_date": "2026-11-01"}))["n"] == 3
    if early:
        await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    return ids


async def roster(host: Host) -> list[dict[str, Any]]:
    return list((await host.get("/roster")).json()["data"]["people"])


async def invite_link(live: LiveServer, host: Host, member_no: str) -> str:
    person = next(p for p in await roster(host) if p["member_no"] == member_no)
    return f"{live.url}/meeting#invite={person['invite_url'].split('#invite=', 1)[1]}"


async def texted_code(host: Host) -> str:
    newest = (await host.get("/outbox")).json()["data"][0]
    return re.search(r"\b(\d{6})\b", newest["text"]).group(1)  # type: ignore[union-attr]


async def sign_in(page: Page, host: Host, phone: str) -> None:
    await page.get_by_label("Your mobile number").fill(phone)
    await page.get_by_test_id("send-code").click()
    await expect(page.get_by_test_id("code-sent")).to_contain_text(phone[-4:])
    await page.get_by_label("The 6-digit code from the text message").fill(await texted_code(host))
    await page.get_by_test_id("confirm-code").click()
    await expect(page.get_by_test_id("member-bar")).to_be_visible()


def agenda_item(page: Page, question: str) -> Locator:
    return page.get_by_test_id("agenda-item").filter(has_text=question)


async def vote(item: Locator, choice: str) -> None:
    await item.get_by_role("button", name=choice, exact=True).click()
    await item.get_by_test_id("send-vote").click()
    await item.get_by_test_id("confirm-cast").click()  # agenda items ask before casting
    await expect(item.get_by_test_id("confirmation")).to_contain_text("Counted")


async def test_member_verifies_with_the_texted_code_and_votes_in_advance(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget, = await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"})
    page = await open_page(browser, contexts, await invite_link(live, host, "M001"), **PHONE)
    await expect(page.get_by_test_id("member-name")).to_have_text("Hello, Kim Young-hee")
    await expect(page.get_by_test_id("member-no")).to_have_text("Member number M001")
    await expect(page.get_by_test_id("room-title")).to_have_text("Test room")

    await page.get_by_label("Your mobile number").fill("010-9999-0000")
    await page.get_by_test_id("send-code").click()
    await expect(page.get_by_test_id("signin-error")).to_contain_text(
        "not the number the union has for you")
    assert (await host.get("/outbox")).json()["data"] == [], "no code for a stranger's number"
    await sign_in(page, host, "010-5001-0001")

    item = agenda_item(page, "Approve the 2027 budget?")
    await expect(item.get_by_test_id("item-state")).to_have_text("Advance voting")
    await expect(item.get_by_test_id("send-vote")).to_be_disabled()
    await vote(item, "Yes")
    await expect(item.get_by_test_id("receipt")).to_have_text(RECEIPT)
    await expect(item.get_by_test_id("my-choice")).to_have_text("Yes")
    await expect(item.get_by_test_id("my-mode")).to_contain_text("advance electronic vote")
    await expect(item.get_by_test_id("counted-as")).to_contain_text(
        "Your advance vote counts as attendance.")
    gauge = (await host.get(f"/ballots/{budget}/quorum")).json()["data"]
    assert (gauge["votes"], gauge["by_mode"], gauge["a"]) == ([1, 0, 0], {"early": 1}, 1)

    await page.get_by_role("button", name="한국어로 보기").click()
    await expect(item.get_by_test_id("counted-as")).to_contain_text("사전투표가 출석으로 인정됩니다.")
    await expect(item.get_by_test_id("item-state")).to_have_text("사전투표 중")
    await expect(page.get_by_test_id("room-title")).to_have_text("Test room")


async def test_member_is_still_signed_in_after_a_reload_and_sees_the_vote(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    contractor, = await meeting(host, {"question": "Select the contractor?",
                                       "rule": "contractor", "secret": True})
    page = await open_page(browser, contexts, await invite_link(live, host, "M002"), **PHONE)
    await sign_in(page, host, "010-5002-0002")
    item = agenda_item(page, "Select the contractor?")
    await expect(item).to_contain_text("the union can see that you voted, not what you chose")
    await vote(item, "No")
    first = await item.get_by_test_id("receipt").inner_text()

    await page.reload()

    await expect(page.get_by_test_id("member-line")).to_have_text(
        "Lee Chul-su · member number M002")
    await expect(page.get_by_test_id("signin")).to_be_hidden()
    await expect(item.get_by_test_id("receipt")).to_have_text(first)
    await expect(item.get_by_test_id("my-choice")).to_have_text("No")
    await item.get_by_test_id("change-vote").click()
    await vote(item, "Yes")  # a secret ballot: the page sends the receipt it replaces
    await expect(item.get_by_test_id("receipt")).not_to_have_text(first)
    await expect(item.get_by_test_id("my-choice")).to_have_text("Yes")
    tally = await host.tally(contractor)
    assert (tally["counts"], tally["voters"]) == ([1, 0, 0], 1)


async def test_member_secret_vote_whose_answer_was_lost_is_confirmed_after_a_reload(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    contractor, = await meeting(host, {"question": "Select the contractor?",
                                       "rule": "contractor", "secret": True})
    context = await browser.new_context(**PHONE)
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    lost: list[str] = []

    async def lose_the_first_vote_answer(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        asked: list[str] = []

        def from_page(message: str | bytes) -> None:
            # Socket.IO text frames: 42/meeting,<ack id>["member:vote",{...}]
            found = re.match(r'42/meeting,(\d+)\["member:vote",', message) \
                if isinstance(message, str) else None
            if found:
                asked.append(found.group(1))
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if isinstance(message, str) and asked and not lost \
                    and message.startswith(f"43/meeting,{asked[0]}["):
                lost.append(message)  # the vote reached Redis; its answer never arrives
                return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    await context.route_web_socket(re.compile(r".*/socket\.io/.*"), lose_the_first_vote_answer)
    page = await context.new_page()
    await page.goto(await invite_link(live, host, "M003"))
    await sign_in(page, host, "010-5003-0003")
    item = agenda_item(page, "Select the contractor?")
    await item.get_by_role("button", name="No", exact=True).click()
    await item.get_by_test_id("send-vote").click()
    await item.get_by_test_id("confirm-cast").click()
    await expect(item.get_by_test_id("sending")).to_be_visible()
    assert await eventually(lambda: _held(lost)), "the answer to the vote is held back"
    assert (await host.tally(contractor))["voters"] == 1, "an answer means a counted vote"

    await page.reload()  # the page sends the same vote again, same key: nothing new counts

    await expect(item.get_by_test_id("my-choice")).to_have_text("No")
    await expect(item.get_by_test_id("receipt")).to_have_text(RECEIPT)
    await item.get_by_test_id("change-vote").click()
    await vote(item, "Abstain")  # replacing needs the {choices, nonce} the device kept
    tally = await host.tally(contractor)
    assert (tally["counts"], tally["voters"]) == ([0, 0, 1], 1)


async def _held(lost: list[str]) -> bool:
    return bool(lost)


async def close_with_outcome(host: Host, ballot: str) -> dict[str, Any]:
    """M002 votes yes in writing, M003 arrives in the hall, the item goes live and closes."""
    await staff(host, "/written", {"member_no": "M002", "ballot": ballot, "choices": [0]})
    await staff(host, "/attendance", {"member_no": "M003", "mode": "in_person"})
    await staff(host, f"/ballots/{ballot}/live")
    return dict(await staff(host, f"/ballots/{ballot}/close"))


async def test_member_sees_the_outcome_once_the_item_closes(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget, = await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"})
    page = await open_page(browser, contexts, await invite_link(live, host, "M001"), **PHONE)
    await sign_in(page, host, "010-5001-0001")
    item = agenda_item(page, "Approve the 2027 budget?")
    await vote(item, "Yes")

    sealed = await close_with_outcome(host, budget)

    assert sealed["record"]["meeting"]["outcome"] == "PASSED"
    await expect(item.get_by_test_id("item-state")).to_have_text("Closed")
    await expect(item.get_by_test_id("outcome-word")).to_have_text("Passed")
    await expect(item.get_by_test_id("outcome-votes")).to_have_text(
        "Yes: 2 · No: 0 · Abstain: 0")
    await expect(item.get_by_test_id("outcome")).to_contain_text("Attending: 3 of 3 members")
    await expect(item.get_by_test_id("receipt")).to_have_text(RECEIPT)
    await expect(item.get_by_test_id("counted-as")).to_contain_text(
        "You are counted as attending online.")
    await page.get_by_role("button", name="한국어로 보기").click()
    await expect(item.get_by_test_id("outcome-word")).to_have_text("가결")


async def test_staff_minutes_show_the_closed_item_with_the_numbers_of_the_record(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget, _ = await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"},
                                 {"question": "Adopt the disposition plan?",
                                  "rule": "majority_all", "secret": True})
    await staff(host, "/written", {"member_no": "M001", "ballot": budget, "choices": [0]})
    await close_with_outcome(host, budget)
    minutes = (await host.get("/minutes")).json()["data"]
    record = next(i for i in minutes["items"] if i["ballot"] == budget)
    url = f"{live.url}/minutes#room={host.room['id']}&key={host.key}"
    page = await open_page(browser, contexts, url, **LAPTOP, accept_downloads=True)

    section = page.get_by_test_id("minutes-item").filter(has_text="Approve the 2027 budget?")
    await expect(section.get_by_test_id("m-outcome")).to_have_text("Passed (PASSED)")
    for testid, key in (("m-n", "n"), ("m-d", "d"), ("m-d-in-person", "d_in_person"),
                        ("m-a", "a")):
        await expect(section.get_by_test_id(testid)).to_have_text(str(record[key]))
    assert (record["n"], record["d"], record["d_in_person"], record["a"]) == (3, 1, 1, 3)
    for i, votes in enumerate(record["votes"]):
        await expect(section.get_by_test_id(f"m-votes-{i}")).to_have_text(str(votes))
    await expect(section.get_by_test_id("m-written")).to_have_text("2")
    await expect(section.get_by_test_id("m-sha256")).to_have_text(record["sha256"])
    await expect(section.get_by_test_id("m-rule")).to_contain_text("General resolution")
    await expect(section.get_by_test_id("m-d-in_person")).to_have_text(
        str(record["d_by_mode"]["in_person"]))
    await expect(page.get_by_test_id("m-signatures")).to_contain_text("Chair")
    open_item = page.get_by_test_id("minutes-item").filter(has_text="Adopt the disposition plan?")
    await expect(open_item.get_by_test_id("m-outcome")).to_contain_text("Open; provisional")
    await expect(open_item.get_by_test_id("m-closed")).to_have_text("not closed yet")

    async with page.expect_download() as started:
        await page.get_by_test_id("download-csv").click()
    download = await started.value
    assert download.suggested_filename == f"minutes-{host.room['id']}.csv"
    saved = Path(await download.path()).read_bytes()
    assert saved.startswith(b"\xef\xbb\xbf"), "spreadsheets set to Korean need the BOM"
    assert saved.startswith(b"\xef\xbb\xbf"), "one BOM, for spreadsheet programs"
    assert saved.decode("utf-8-sig") == (await host.get("/minutes.csv")).text.lstrip("\ufeff")
    await expect(page.get_by_test_id("status")).to_have_text("CSV downloaded.")

    await page.emulate_media(media="print")
    await expect(page.get_by_test_id("download-csv")).to_be_hidden()
    await expect(section.get_by_test_id("m-sha256")).to_be_visible()
    await page.emulate_media(media="screen")
    await page.get_by_role("button", name="한국어로 보기").click()
    await expect(section.get_by_test_id("m-outcome")).to_have_text("가결 (PASSED)")


def drawn_modules(path: str) -> set[tuple[int, int]]:
    """Dark modules of an invite QR as the page drew them (quiet zone of 4 removed)."""
    return {(int(x) - 4, int(y) - 4) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path)}


def reference_modules(url: str, version: int, mask: int) -> set[tuple[int, int]]:
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         mask_pattern=mask, border=0)
    code.add_data(qrcode.util.QRData(url.encode(), mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=False)
    return {(x, y) for y, row in enumerate(code.modules) for x, dark in enumerate(row) if dark}


async def test_invitation_sheet_lists_every_member_with_a_scannable_link(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"}, early=False)
    people = await roster(host)
    url = f"{live.url}/minutes#room={host.room['id']}&key={host.key}&view=invites"
    page = await open_page(browser, contexts, url, **LAPTOP)

    cards = page.get_by_test_id("invite-card")
    await expect(cards).to_have_count(len(ROSTER))
    await expect(page.get_by_test_id("invite-count")).to_have_text("4 invitations")
    for person in people:
        card = cards.filter(has=page.get_by_test_id("invite-no").get_by_text(
            person["member_no"], exact=True))
        await expect(card.get_by_test_id("invite-name")).to_have_text(f"Dear {person['name']}")
        await expect(card.get_by_test_id("invite-url")).to_have_text(person["short_url"])
        await expect(card.get_by_test_id("invite-code")).to_have_text(person["code"])
        qr = card.get_by_test_id("invite-qr")
        version = int(await qr.get_attribute("data-version") or 0)
        mask = int(await qr.get_attribute("data-mask") or -1)
        path = await qr.locator("path").get_attribute("d") or ""
        assert drawn_modules(path) == reference_modules(person["short_url"], version, mask), \
            f"the QR of {person['member_no']} does not encode its personal short link"

    await page.get_by_test_id("switch-view").click()
    await expect(page.get_by_test_id("minutes-item")).to_have_count(1)
