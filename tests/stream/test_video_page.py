"""The video page in a real headless Chromium: its fake camera broadcasts
through `live serve`, and a second page receives the frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.support import Host, LiveServer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
        # Media stays on loopback: the server offers 127.0.0.1 only, so the
        # browser must be allowed to pair with it, and must not hide its own
        # addresses behind mDNS names.
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns"]
WAIT_MS = 20_000
FRAMES = "n => Number(document.querySelector('[data-testid=frames]').textContent) > n"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; the browser tests use the system Chromium "
                    "and never download one", pytrace=False)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                            args=ARGS)
        yield launched
        await launched.close()


async def open_page(browser: Browser, url: str, locale: str = "en-US",
                    chosen: str = "") -> Page:
    """A page in a browser set to `locale`; `chosen` is a language the visitor
    picked on an earlier visit (the page starts in Korean otherwise)."""
    context = await browser.new_context(locale=locale, viewport={"width": 1024, "height": 800})
    context.set_default_timeout(WAIT_MS)
    if chosen:
        await context.add_init_script(f"localStorage.setItem('lv.lang', '{chosen}')")
    page = await context.new_page()
    await page.goto(url)
    return page


async def test_fake_camera_broadcast_reaches_a_member_page(
        live: LiveServer, host: Host, browser: Browser) -> None:
    room = host.room["id"]
    member = await open_page(browser, f"{live.url}/static/video.html#room={room}", "ko-KR")
    await expect(member.get_by_test_id("status")).to_have_text(
        "이 총회는 영상이 꺼져 있습니다.")
    studio = await open_page(browser, f"{live.url}/static/video.html#room={room}&key={host.key}",
                             chosen="en")
    await studio.get_by_role("button", name="Turn video on").click()
    await expect(member.get_by_test_id("status")).to_contain_text("자동으로")
    await studio.get_by_role("button", name="Start broadcast (camera and microphone)").click()
    await expect(studio.get_by_test_id("status")).to_have_text("You are on air.")
    await member.wait_for_function(FRAMES, arg=10, timeout=WAIT_MS)
    await expect(member.get_by_test_id("status")).to_have_text("방송을 보고 있습니다.")
    await member.get_by_role("button", name="English").click()
    await expect(member.get_by_test_id("status")).to_have_text("You are watching the meeting.")
    await studio.get_by_role("button", name="End broadcast").click()
    await expect(member.get_by_test_id("status")).to_have_text("The broadcast has ended.")
    for page in (member, studio):
        await page.context.close()


async def test_a_member_page_is_told_why_when_it_cannot_watch(
        live: LiveServer, host: Host, browser: Browser) -> None:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    room = host.room["id"]
    studio = await open_page(browser, f"{live.url}/static/video.html#room={room}&key={host.key}",
                             chosen="en")
    await studio.get_by_role("button", name="Turn video on").click()
    await studio.get_by_role("button", name="Start broadcast (camera and microphone)").click()
    await expect(studio.get_by_test_id("status")).to_have_text("You are on air.")
    member = await open_page(browser, f"{live.url}/static/video.html#room={room}")
    await expect(member.get_by_test_id("error")).to_have_text(
        "먼저 투표 화면에서 총회에 입장해 주세요.")
    await member.get_by_role("button", name="English").click()
    await expect(member.get_by_test_id("error")).to_have_text(
        "Please join the meeting on the voting page first.")
    hint = member.get_by_text("You can vote even if the video does not play.")
    await expect(hint).to_be_visible()
    for page in (member, studio):
        await page.context.close()


async def test_the_bare_video_page_speaks_korean_first(live: LiveServer, browser: Browser) -> None:
    page = await open_page(browser, f"{live.url}/video")
    await expect(page.get_by_test_id("status")).to_have_text(
        "이 페이지는 총회 안내에 있는 ‘총회 영상’ 링크로 열어 주세요.")
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_test_id("status")).to_have_text(
        "Please open this page from the meeting's video link.")
    await page.context.close()


async def test_a_speaker_without_the_link_is_refused_in_korean(
        live: LiveServer, host: Host, browser: Browser) -> None:
    room = host.room["id"]
    studio = await open_page(browser, f"{live.url}/video#room={room}&key={host.key}")
    await studio.get_by_role("button", name="영상 켜기").click()
    stranger = await open_page(browser, f"{live.url}/video#room={room}&speaker=guessed")
    await stranger.get_by_role("button", name="방송 시작 (카메라와 마이크)").click()
    await expect(stranger.get_by_test_id("error")).to_have_text(
        "진행자나 진행자가 정한 발언자만 방송할 수 있습니다.")
    for page in (studio, stranger):
        await page.context.close()
