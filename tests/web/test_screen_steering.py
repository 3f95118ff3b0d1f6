"""The presenter screen as the host steers it: which ballot, item or welcome it
shows, counts only as each ballot's visibility allows, the outcome large, and a
long ballot fitted to the projector."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.live.test_meeting_rules import small_meeting
from tests.support import Host, LiveServer
from tests.web.test_meeting_pages import LAPTOP, invite_link, meeting, sign_in, staff
from tests.web.test_pages import PHONE, PROJECTOR, WAIT_MS, open_page, screen_url
from tests.web.test_verify_and_gates import others_vote

pytestmark = pytest.mark.browser


def console_url(live: LiveServer, host: Host) -> str:
    return f"{live.url}/host#room={host.room['id']}&key={host.key}"


async def vote(live: LiveServer, host: Host, ballot: str, *choices: int) -> None:
    """One phone per choice, each voting once over the voters' socket."""
    await others_vote(live, host, ballot, list(choices))


async def korean(page: Page) -> None:
    await page.get_by_role("button", name="한국어로 보기").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ko")


async def test_host_steers_the_screen_between_two_items_and_the_welcome_view(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    budget = await small_meeting(host)
    plan = (await host.ballot(kind="yesno", question="Plan", rule="majority_all"))["id"]
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    await staff(host, f"/ballots/{budget}/live", {})
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    console = await open_page(browser, contexts, console_url(live, host), **LAPTOP)
    await expect(screen.get_by_test_id("question")).to_have_text("Budget")  # the live item

    await console.locator(f'[data-ballot="{plan}"]').get_by_test_id("show-on-screen").click()
    await expect(screen.get_by_test_id("question")).to_have_text("Plan")
    await expect(console.get_by_test_id("screen-now")).to_have_text("On screen now: Plan")
    await console.locator(f'[data-ballot="{budget}"]').get_by_test_id("show-quorum").click()
    await expect(screen.get_by_test_id("stage")).to_have_attribute("data-view", "quorum")
    await expect(screen.get_by_test_id("question")).to_have_text("Budget")
    await expect(screen.get_by_test_id("quorum-n")).to_have_text("4")
    await expect(screen.get_by_test_id("bars")).to_be_hidden()

    await console.get_by_test_id("show-welcome").click()
    await expect(screen.get_by_test_id("stage")).to_have_attribute("data-view", "welcome")
    await expect(screen.get_by_test_id("welcome-title")).to_have_text("Test room")
    await expect(screen.get_by_test_id("qr")).to_be_visible()
    await expect(screen.get_by_test_id("question")).to_be_hidden()
    await screen.reload()
    await expect(screen.get_by_test_id("stage")).to_have_attribute("data-view", "welcome")
    await expect(screen.get_by_test_id("join-code")).to_be_in_viewport(ratio=1)

    await console.get_by_test_id("screen-auto").click()
    await expect(screen.get_by_test_id("question")).to_have_text("Budget")
    await expect(screen.get_by_test_id("stage")).to_have_attribute("data-view", "ballot")


async def test_an_after_close_ballot_shows_no_counts_on_the_screen_until_it_closes(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = (await host.ballot(question="Secret-ish?", visibility="after_close"))["id"]
    await host.open(ballot)
    context = await browser.new_context(**PROJECTOR)
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    screen = await context.new_page()
    frames: list[str] = []
    screen.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    await screen.goto(screen_url(live, host))
    await expect(screen.get_by_test_id("question")).to_have_text("Secret-ish?")

    await vote(live, host, ballot, 1, 1)

    await expect(screen.get_by_test_id("votes")).to_have_text("2")
    await expect(screen.get_by_test_id("counts-note")).to_have_text(
        "Results are shown when voting closes.")
    await expect(screen.get_by_test_id("label-1")).to_have_text("Green")
    await expect(screen.get_by_test_id("count-1")).to_be_hidden()
    assert any('"tally"' in f for f in frames), "the screen heard the tally move"
    assert not [f for f in frames if '"counts"' in f], "no counts reached the screen"

    await host.close(ballot)
    await expect(screen.get_by_test_id("count-1")).to_have_text("2")
    await expect(screen.get_by_test_id("counts-note")).to_be_hidden()
    await expect(screen.get_by_test_id("result-title")).to_be_visible()


async def test_host_reveals_a_result_the_screen_would_never_show(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = (await host.ballot(question="Board budget?", visibility="never"))["id"]
    await host.open(ballot)
    await vote(live, host, ballot, 0)
    await host.close(ballot)
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    console = await open_page(browser, contexts, console_url(live, host), **LAPTOP)
    await expect(screen.get_by_test_id("state")).to_have_text("Closed")
    await expect(screen.get_by_test_id("counts-note")).to_have_text(
        "The result of this vote is not published.")
    await expect(screen.get_by_test_id("count-0")).to_be_hidden()

    await console.locator(f'[data-ballot="{ballot}"]').get_by_test_id("reveal-results").click()

    await expect(screen.get_by_test_id("count-0")).to_have_text("1")
    await expect(screen.get_by_test_id("bar-0")).to_have_class("bar-row winner")
    await expect(console.get_by_test_id("screen-now")).to_have_text(
        "On screen now: Board budget? (results revealed)")


async def test_an_item_closed_without_quorum_shows_it_large_and_no_winner(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    item = await small_meeting(host)
    await staff(host, f"/ballots/{item}/live", {})
    await staff(host, "/paper", {"member_no": "M001", "ballot": item, "choices": [0]})
    sealed = await staff(host, f"/ballots/{item}/close", {})
    assert sealed["record"]["meeting"]["outcome"] == "QUORUM_NOT_MET"
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)

    outcome = screen.get_by_test_id("outcome")
    await expect(outcome).to_have_text("QUORUM NOT MET")
    await expect(screen.get_by_test_id("count-0")).to_have_text("1")
    await expect(screen.locator(".bar-row.winner")).to_have_count(0)
    await korean(screen)
    await expect(outcome).to_have_text("정족수 미달")
    sizes = await screen.evaluate("""() => ['outcome', 'question'].map((id) =>
        parseFloat(getComputedStyle(document.getElementById(id)).fontSize))""")
    assert sizes[0] >= 1.5 * sizes[1] and sizes[0] >= 60, sizes


async def test_a_tie_reads_as_a_tie_with_no_winner(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = (await host.ballot(question="Lunch?", options=["Rice", "Noodles", "Soup"]))["id"]
    await host.open(ballot)
    await vote(live, host, ballot, 0, 1)
    await host.close(ballot)
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)

    await expect(screen.get_by_test_id("outcome")).to_have_text("TIE")
    await expect(screen.get_by_test_id("count-1")).to_have_text("1")
    await expect(screen.locator(".bar-row.winner")).to_have_count(0)
    await korean(screen)
    await expect(screen.get_by_test_id("outcome")).to_have_text("동수")


LONG = ("Shall the union approve the revised management and disposition plan, including the "
        "reallocation of the community facilities, the new contribution schedule for members "
        "who own more than one holding, and the timetable for relocation")


async def test_a_long_ballot_of_ten_options_fits_the_projector_with_its_countdown(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    options = [f"Option {i}: {LONG[:90 + 3 * i]}" for i in range(10)]
    ballot = (await host.ballot(question=LONG + "?", options=options))["id"]
    await host.open(ballot, countdown=600)
    await vote(live, host, ballot, 3, 9)
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)

    await expect(screen.get_by_test_id("count-9")).to_have_text("1")
    await expect(screen.get_by_test_id("countdown")).to_contain_text("Closes in")
    for testid in ("countdown", "question", "label-0", "label-9", "count-9", "join-code"):
        await expect(screen.get_by_test_id(testid)).to_be_in_viewport(ratio=1)
    fits: dict[str, Any] = await screen.evaluate("""() => {
        const page = document.scrollingElement, board = document.getElementById('board');
        return {page: page.scrollHeight <= innerHeight && page.scrollWidth <= innerWidth,
                board: board.scrollHeight <= board.clientHeight + 1
                       && board.scrollWidth <= board.clientWidth + 1,
                bottom: Math.max(...[...board.children].map(
                  (el) => el.getBoundingClientRect().bottom))};
    }""")
    assert fits["page"] and fits["board"] and fits["bottom"] <= 1080, fits


async def test_the_phones_counter_counts_a_signed_in_member(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    await meeting(host, {"question": "Approve the 2027 budget?", "rule": "general"})
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    console = await open_page(browser, contexts, console_url(live, host), **LAPTOP)
    await expect(screen.get_by_test_id("phones")).to_have_text("0")

    member = await open_page(browser, contexts, await invite_link(live, host, "M002"), **PHONE)
    await sign_in(member, host, "010-5002-0002")

    await expect(screen.get_by_test_id("phones")).to_have_text("1")
    await expect(console.get_by_test_id("phones")).to_have_text("1")
