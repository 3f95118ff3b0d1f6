"""Rating, ranking and open text in the pages (issue 19): phones at 390 px and
200 % text, ranked with buttons alone, and the presenter screen showing the
average, the Borda scores and places, and a moderated word cloud; a real
headless Chromium against a real `live serve`."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.support import Host, LiveServer
from tests.web.test_pages import PHONE, PROJECTOR, open_page, screen_url
from tests.web.test_phone_pages import fits, zoomed_phone
from tests.web.test_verify_and_gates import DESK, expect_verified

pytestmark = pytest.mark.browser


async def test_a_phone_rates_and_ranks_by_keyboard_and_the_screen_shows_both(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    rating = await host.ballot(question="How was the venue?", kind="rating",
                               scale={"min": 1, "max": 5, "low": "poor", "high": "great"})
    await host.open(rating["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    await expect(screen.get_by_test_id("question")).to_have_text("How was the venue?")
    phone = await zoomed_phone(browser, contexts, f"{live.url}/j/{host.room['code']}")
    await phone.get_by_role("button", name="4").click()
    await expect(phone.get_by_test_id("my-choice")).to_have_text("4")
    await expect(screen.get_by_test_id("figure")).to_have_text("Average 4.0 (scale 1–5)")
    await expect(screen.get_by_test_id("label-4")).to_have_text("5 · great")
    await expect(screen.get_by_test_id("count-3")).to_have_text("1")
    await fits(phone, "rated")

    ranking = await host.ballot(question="Order the talks", kind="ranking",
                                options=["Keynote", "Panel", "Demo"])
    await host.open(ranking["id"])
    card = phone.locator(f"[data-ballot='{ranking['id']}']")
    await expect(card.get_by_test_id("rank-0")).to_contain_text("Keynote")
    await card.get_by_role("button", name="Move Demo up").focus()
    await phone.keyboard.press("Enter")  # Demo to 2nd; focus stays on its button
    await phone.keyboard.press("Enter")  # Demo to 1st
    await expect(card.get_by_test_id("rank-0")).to_contain_text("Demo")
    await expect(card.get_by_text("Demo is now number 1.")).to_be_attached()
    await fits(phone, "ranking")
    await card.get_by_test_id("submit-vote").click()
    await expect(card.get_by_test_id("my-choice")).to_have_text(
        "1. Demo, 2. Keynote, 3. Panel")
    assert (await host.tally(ranking["id"]))["borda"] == [1, 0, 2]
    await expect(screen.get_by_test_id("question")).to_have_text("Order the talks")
    await expect(screen.get_by_test_id("count-2")).to_have_text("2")
    await expect(screen.get_by_test_id("places-2")).to_contain_text("Demo")
    await host.close(ranking["id"])  # the screen goes back to the rating, still open
    await expect(card.get_by_test_id("ended")).to_be_visible()
    await expect(card.get_by_test_id("summary")).to_contain_text("Borda")
    auditor = await open_page(browser, contexts, f"{live.url}/verify#room={host.room['id']}"
                              f"&ballot={ranking['id']}", **DESK)
    await expect_verified(auditor)  # the page recounts a ranking's cells as live verify does

    await phone.get_by_role("button", name="한국어로 보기").click()
    await expect(phone.locator(f"[data-ballot='{rating['id']}']").get_by_test_id("summary")) \
        .to_have_text("평균 4.0점 (척도 1–5)")


async def test_open_answers_show_as_text_and_moderation_hides_one_everywhere(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="One word for today?", kind="text", hold=True,
                               max_length=30)
    await host.open(ballot["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    console = await open_page(browser, contexts, f"{live.url}/host#room={host.room['id']}"
                              f"&key={host.key}", viewport={"width": 1280, "height": 900})
    phones = []
    for said in ("<b>bold</b>", "사과", "사과!"):
        phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
        await phone.get_by_test_id("answer-input").fill(said)
        await phone.get_by_test_id("submit-answer").click()
        await expect(phone.get_by_test_id("my-choice")).to_have_text(said)
        phones.append(phone)
    await expect(screen.get_by_test_id("no-answers")).to_be_visible()  # held for approval

    moderation = console.get_by_test_id("moderation")
    await expect(moderation.locator("li")).to_have_count(3)
    for _ in range(3):
        await moderation.get_by_role("button", name="Approve").first.click()
    await expect(moderation.locator("li[data-state='approved']")).to_have_count(3)
    cloud = screen.get_by_test_id("cloud")
    await expect(cloud.locator("li")).to_have_count(2)
    await expect(cloud.locator("li", has_text="사과")).to_have_attribute("data-count", "2")
    # as text (the cloud trims punctuation at an answer's ends)
    await expect(cloud.locator("li", has_text="b>bold</b")).to_have_count(1)
    assert await screen.locator(".cloud b").count() == 0, "user text is never markup"
    await expect(phones[0].get_by_test_id("cloud").locator("li")).to_have_count(2)

    await moderation.get_by_role("button", name="Hide: <b>bold</b>").click()

    await expect(cloud.locator("li")).to_have_count(1)
    await expect(phones[1].get_by_test_id("cloud").locator("li")).to_have_count(1)
    await expect(moderation.locator("li[data-state='hidden']")).to_contain_text("<b>bold</b>")


async def test_a_qa_board_takes_questions_and_upvotes_and_the_screen_ranks_them(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    board = await host.ballot(question="Questions for the panel", kind="qa")
    await host.open(board["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    console = await open_page(browser, contexts, f"{live.url}/host#room={host.room['id']}"
                              f"&key={host.key}", viewport={"width": 1280, "height": 900})
    asker = await zoomed_phone(browser, contexts, f"{live.url}/j/{host.room['code']}")
    await asker.get_by_test_id("answer-input").fill("Why <i>Valkey</i>?")
    await asker.get_by_test_id("ask-name").fill("Sam")
    await asker.get_by_test_id("submit-answer").click()
    await expect(asker.get_by_test_id("asked")).to_have_text("You asked 1.")
    await asker.get_by_test_id("answer-input").fill("When is lunch?")
    await asker.get_by_test_id("submit-answer").click()
    await expect(asker.get_by_test_id("asked")).to_have_text("You asked 2.")
    await fits(asker, "asked")

    other = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    lunch = other.get_by_role("button", name="Upvote: When is lunch? (0)")
    await lunch.focus()
    await other.keyboard.press("Enter")
    await expect(other.get_by_role("button", name="Upvoted: When is lunch? (1)")) \
        .to_have_attribute("aria-pressed", "true")
    questions = screen.get_by_test_id("board").locator("li")
    await expect(questions).to_have_count(2)
    await expect(questions.first).to_contain_text("When is lunch?")
    await expect(questions.nth(1)).to_contain_text("Why <i>Valkey</i>?")  # as text
    await expect(questions.nth(1)).to_contain_text("Sam")
    assert await screen.locator(".board-list i").count() == 0
    await expect(asker.get_by_role("button", name="Upvote: When is lunch? (1)")).to_have_count(0)

    moderation = console.get_by_test_id("moderation")
    await moderation.get_by_role("button", name="Pin: Why <i>Valkey</i>?").click()
    await expect(questions.first).to_contain_text("Why <i>Valkey</i>?")
    await expect(questions.first).to_contain_text("Pinned")
    await moderation.get_by_role("button", name="Hide: When is lunch?").click()
    await expect(questions).to_have_count(1)
    await expect(other.get_by_test_id("board").locator("li")).to_have_count(1)
