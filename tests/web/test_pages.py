"""The pages as people use them: a real headless Chromium (the system one, never
a downloaded build) against a real `live serve` and redis-server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    WebSocketRoute,
    expect,
)

from tests.support import Host, LiveServer

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                         "has_touch": True, "locale": "en-US"}
PROJECTOR: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}, "locale": "en-US"}
RECEIPT = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
WAIT_MS = 10_000


async def open_page(browser: Browser, contexts: list[BrowserContext], url: str,
                    **options: Any) -> Page:
    context = await browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    page = await context.new_page()
    await page.goto(url)
    return page


def screen_url(live: LiveServer, host: Host) -> str:
    return f"{live.url}/screen#room={host.room['id']}&key={host.key}"


async def test_voter_vote_shows_on_the_presenter_screen(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="Lunch today?", options=["Bibimbap", "Naengmyeon"])
    await host.open(ballot["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    await expect(screen.get_by_test_id("question")).to_have_text("Lunch today?")
    await expect(screen.get_by_test_id("join-code")).to_have_attribute("data-code",
                                                                       host.room["code"])
    await expect(screen.get_by_test_id("count-1")).to_have_text("0")

    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    await expect(phone.get_by_test_id("room-title")).to_have_text("Test room")
    await phone.get_by_role("button", name="Naengmyeon").click()

    confirmation = phone.get_by_test_id("confirmation")
    await expect(confirmation).to_contain_text("Counted")
    await expect(phone.get_by_test_id("receipt")).to_have_text(RECEIPT)
    await expect(phone.get_by_test_id("my-choice")).to_have_text("Naengmyeon")
    await expect(screen.get_by_test_id("count-1")).to_have_text("1")
    await expect(screen.get_by_test_id("percent-1")).to_have_text("100%")
    await expect(screen.get_by_test_id("count-0")).to_have_text("0")
    await expect(screen.get_by_test_id("votes")).to_have_text("1")
    await expect(screen.get_by_test_id("phones")).to_have_text("1")

    await phone.get_by_role("button", name="한국어로 보기").click()
    await expect(confirmation).to_contain_text("집계되었습니다")
    await expect(phone.locator("html")).to_have_attribute("lang", "ko")

    await host.close(ballot["id"])
    await expect(screen.get_by_test_id("result-title")).to_be_visible()
    await expect(screen.get_by_test_id("state")).to_have_text("Closed")
    await expect(screen.get_by_test_id("count-1")).to_have_text("1")
    await expect(phone.get_by_test_id("ended")).to_have_text("투표가 끝났습니다.")


async def test_voter_keeps_the_vote_across_a_reload(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="Approve the budget?", kind="yesno")
    await host.open(ballot["id"])
    phone = await open_page(browser, contexts, f"{live.url}/", **PHONE)
    await phone.get_by_test_id("code-input").fill(host.room["code"])
    await phone.get_by_test_id("join-button").click()
    await expect(phone).to_have_url(f"{live.url}/j/{host.room['code']}")
    await phone.get_by_role("button", name="Yes").click()
    receipt = phone.get_by_test_id("receipt")
    await expect(receipt).to_have_text(RECEIPT)
    first = await receipt.inner_text()

    await phone.reload()

    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(phone.get_by_test_id("receipt")).to_have_text(first)
    await expect(phone.get_by_test_id("choice-0")).to_have_count(0)
    assert (await host.tally(ballot["id"]))["counts"] == [1, 0, 0]


async def test_voter_picks_several_options_and_changes_the_vote(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="Which days?", options=["Mon", "Tue", "Wed"],
                               kind="multiple", max_choices=2, allow_change=True)
    await host.open(ballot["id"])
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    submit = phone.get_by_test_id("submit-vote")
    await expect(submit).to_be_disabled()
    for day in ("Mon", "Wed", "Tue"):  # the third is refused: at most two
        await phone.get_by_role("button", name=day).click()
    await expect(phone.get_by_role("button", name="Tue")).to_have_attribute("aria-pressed",
                                                                            "false")
    await submit.click()
    await expect(phone.get_by_test_id("my-choice")).to_have_text("Mon, Wed")
    first = await phone.get_by_test_id("receipt").inner_text()

    await phone.get_by_test_id("change-vote").click()
    await phone.get_by_role("button", name="Tue").click()
    await phone.get_by_test_id("submit-vote").click()

    await expect(phone.get_by_test_id("my-choice")).to_have_text("Tue")
    await expect(phone.get_by_test_id("receipt")).not_to_have_text(first)
    assert (await host.tally(ballot["id"]))["counts"] == [0, 1, 0]


async def phone_context(host: Host, browser: Browser, contexts: list[BrowserContext],
                        question: str, options: list[str]
                        ) -> tuple[dict[str, Any], BrowserContext]:
    """An open ballot, and a phone's browser to route its WebSocket in."""
    ballot = await host.ballot(question=question, options=options)
    await host.open(ballot["id"])
    context = await browser.new_context(**PHONE)
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    return ballot, context


async def test_voter_retries_a_lost_answer_with_the_same_key(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot, context = await phone_context(host, browser, contexts, "Coffee?", ["Hot", "Iced"])
    sent: list[dict[str, Any]] = []
    ack_ids: list[str] = []

    async def drop_first_vote_ack(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            # Socket.IO text frames: 42/voter,<ack id>["vote:cast",{...}]
            text = message if isinstance(message, str) else ""
            vote = re.match(r'42/voter,(\d+)\["vote:cast",', text)
            if vote:
                ack_ids.append(vote.group(1))
                sent.append(json.loads(text[text.index("["):])[1])
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if isinstance(message, str) and ack_ids and len(sent) == 1 \
                    and message.startswith(f"43/voter,{ack_ids[0]}["):
                return  # the vote reached Redis; its answer is lost on the way
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    await context.route_web_socket(re.compile(r".*/socket\.io/.*"), drop_first_vote_ack)
    phone = await context.new_page()
    await phone.goto(f"{live.url}/j/{host.room['code']}")
    await phone.get_by_role("button", name="Iced").click()
    await expect(phone.get_by_test_id("sending")).to_be_visible()

    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted",
                                                                       timeout=20_000)
    assert len(sent) == 2 and sent[0]["client_key"] == sent[1]["client_key"]
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [0, 1] and tally["voters"] == 1


async def test_host_console_creates_a_room_and_opens_a_ballot(
        live: LiveServer, browser: Browser, contexts: list[BrowserContext]) -> None:
    console = await open_page(browser, contexts, f"{live.url}/host", **PROJECTOR)
    await console.get_by_test_id("new-room-title").fill("Union meeting")
    await console.get_by_test_id("create-room").click()

    await expect(console.get_by_test_id("host-key")).to_have_text(re.compile(r"^\S{20,}$"))
    key = await console.get_by_test_id("host-key").inner_text()
    await expect(console).to_have_url(re.compile(rf"#room=\w+&key={re.escape(key)}$"))
    room_id = re.search(r"#room=(\w+)", console.url).group(1)  # type: ignore[union-attr]
    await expect(console.get_by_test_id("join-code")).to_have_text(re.compile(r"^\d{6}$"))
    code = await console.get_by_test_id("join-code").inner_text()

    await console.get_by_test_id("ballot-question").fill("Elect the chair?")
    await console.get_by_test_id("ballot-options").fill("Kim\nLee\n\nPark\n")
    await console.get_by_test_id("add-ballot").click()
    card = console.locator("article", has_text="Elect the chair?")
    await expect(card.get_by_test_id("ballot-state")).to_have_text("Draft")
    await card.get_by_test_id("open").click()
    await expect(card.get_by_test_id("ballot-state")).to_have_text("Voting open")
    await expect(card.get_by_test_id("close")).to_be_visible()

    phone = await open_page(browser, contexts, f"{live.url}/j/{code}", **PHONE)
    await expect(phone.get_by_test_id("question")).to_have_text("Elect the chair?")
    await phone.get_by_role("button", name="Park").click()
    await expect(phone.get_by_test_id("confirmation")).to_be_visible()
    await expect(card.get_by_test_id("ballot-voters")).to_contain_text("1")

    async with httpx.AsyncClient(base_url=live.url) as http:
        r = await http.get(f"/api/rooms/{room_id}", headers={"authorization": f"Bearer {key}"})
    snapshot = r.json()["data"]
    assert [(b["question"], b["options"], b["state"], b["tally"]["counts"])
            for b in snapshot["ballots"]] == [("Elect the chair?", ["Kim", "Lee", "Park"],
                                               "open", [0, 0, 1])]


async def test_voter_passes_the_room_pin_then_votes(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    ballot = await host.ballot(question="Adopt the minutes?", kind="yesno")
    await host.open(ballot["id"])
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    await expect(phone.get_by_test_id("gates")).to_contain_text("Room PIN")
    # A private room: not even the question shows before the PIN.
    await expect(phone.get_by_text("Adopt the minutes?")).to_have_count(0)
    await expect(phone.get_by_test_id("choice-0")).to_have_count(0)
    await expect(phone.locator("#waiting")).to_be_hidden()

    await phone.get_by_test_id("pin").fill("1111")
    await phone.get_by_test_id("pin-go").click()
    await expect(phone.get_by_test_id("gate-error-pin")).to_contain_text("tries left")
    await phone.get_by_test_id("pin").fill("2468")
    await phone.get_by_test_id("pin-go").click()

    await expect(phone.get_by_test_id("gates")).to_have_count(0)
    await phone.get_by_role("button", name="No").click()
    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    await phone.reload()  # the kept pass re-admits the phone: no PIN asked again
    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(phone.get_by_test_id("gates")).to_have_count(0)
    assert (await host.tally(ballot["id"]))["counts"] == [0, 1, 0]


async def test_scanning_the_screen_qr_admits_the_phone(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"qr": True})
    assert r.status_code == 200, r.text
    ballot = await host.ballot(question="Start the meeting?", kind="yesno")
    await host.open(ballot["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    qr = screen.get_by_test_id("qr")
    await expect(qr).to_have_attribute("src", re.compile(r"qr\.svg\?t="))
    token = (await qr.get_attribute("src") or "").split("?t=", 1)[1]
    typed = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    await expect(typed.get_by_test_id("gates")).to_contain_text("Scan the QR code")

    scanned = await open_page(browser, contexts,
                              f"{live.url}/j/{host.room['code']}?t={token}", **PHONE)

    await expect(scanned).to_have_url(f"{live.url}/j/{host.room['code']}")
    await scanned.get_by_role("button", name="Yes").click()
    await expect(scanned.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(screen.get_by_test_id("count-0")).to_have_text("1")
    await expect(typed.get_by_test_id("choice-0")).to_have_count(0)


async def test_voter_page_catches_up_after_losing_the_connection(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    first = await host.ballot(question="First question?", kind="yesno")
    await host.open(first["id"])
    context = await browser.new_context(**PHONE)
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    outage = {"on": False}
    sockets: list[WebSocketRoute] = []

    async def websocket(ws: WebSocketRoute) -> None:
        if outage["on"]:
            await ws.close()
            return
        ws.connect_to_server()
        sockets.append(ws)

    async def polling(route: Any) -> None:
        await (route.abort() if outage["on"] else route.continue_())

    await context.route_web_socket(re.compile(r".*/socket\.io/.*"), websocket)
    await context.route(re.compile(r".*/socket\.io/.*transport=polling.*"), polling)
    phone = await context.new_page()
    await phone.goto(f"{live.url}/j/{host.room['code']}")
    await phone.get_by_role("button", name="Yes").click()
    await expect(phone.get_by_test_id("confirmation")).to_be_visible()

    outage["on"] = True
    for ws in sockets:
        await ws.close()
    await expect(phone.locator("#conn")).to_contain_text("Reconnecting")
    await host.close(first["id"])
    second = await host.ballot(question="Second question?", kind="yesno")
    await host.open(second["id"])
    outage["on"] = False

    await expect(phone.locator("#conn")).to_be_hidden(timeout=20_000)
    await expect(phone.get_by_role("heading", name="Second question?")).to_be_visible()
    await expect(phone.get_by_role("heading", name="First question?")).to_be_visible()
    await expect(phone.get_by_test_id("ended")).to_be_visible()


async def test_host_downloads_a_hidden_result_with_the_key(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="Secret matter?", kind="yesno", visibility="never")
    await host.open(ballot["id"])
    await host.close(ballot["id"])
    async with httpx.AsyncClient(base_url=live.url) as anonymous:
        refused = await anonymous.get(
            f"/api/rooms/{host.room['id']}/ballots/{ballot['id']}/result.csv")
    assert refused.status_code == 403
    console = await open_page(browser, contexts,
                              f"{live.url}/host#room={host.room['id']}&key={host.key}",
                              **PROJECTOR, accept_downloads=True)
    card = console.locator("article", has_text="Secret matter?")
    await expect(card.get_by_test_id("ballot-state")).to_have_text("Closed")

    async with console.expect_download() as started:
        await card.get_by_test_id("export-csv").click()
    download = await started.value

    assert download.suggested_filename == f"result-{ballot['id']}.csv"
    text = Path(await download.path()).read_text(encoding="utf-8-sig")
    assert "Secret matter?" in text and "투표자 voters,0" in text
    async with console.expect_download() as started:
        await card.get_by_test_id("export-pdf").click()
    printed = await started.value
    assert printed.suggested_filename == f"result-{ballot['id']}.pdf"
    assert Path(await printed.path()).read_bytes().startswith(b"%PDF-")
    await expect(card.get_by_test_id("export-xlsx")).to_have_text("Result as Excel (XLSX)")


async def test_voter_told_busy_waits_and_sends_the_same_vote_again(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot, context = await phone_context(host, browser, contexts, "Tea?", ["Green", "Black"])
    sent: list[dict[str, Any]] = []

    async def busy_at_first(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            text = message if isinstance(message, str) else ""
            vote = re.match(r'42/voter,(\d+)\["vote:cast",', text)
            if vote:
                sent.append(json.loads(text[text.index("["):])[1])
                if len(sent) == 1:  # the worker is behind: told so, nothing applied
                    busy = {"ok": False, "error": {
                        "code": "busy", "retry_ms": 1500,
                        "message": "many votes are arriving at once; send it again in 1500 ms"}}
                    ws.send(f"43/voter,{vote.group(1)}{json.dumps([busy])}")
                    return
            server.send(message)

        ws.on_message(from_page)
        server.on_message(ws.send)

    await context.route_web_socket(re.compile(r".*/socket\.io/.*"), busy_at_first)
    phone = await context.new_page()
    await phone.goto(f"{live.url}/j/{host.room['code']}")
    await phone.get_by_role("button", name="Black").click()
    await expect(phone.get_by_test_id("sending")).to_contain_text("Many people are voting at once")
    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    assert len(sent) == 2 and sent[0]["client_key"] == sent[1]["client_key"]
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [0, 1] and tally["voters"] == 1
