"""The video page with LIVE_VIDEO=janus in real headless Chromium: the chair's
fake camera publishes into Janus from the browser, and a member who signed in
on the meeting page watches it through Janus; a page without that sign-in is
refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.stream.conftest import ICE_SERVERS
from tests.stream.janus_server import JanusProcess
from tests.stream.meeting import sign_in, union
from tests.stream.turn_server import TURNSERVER, TurnProcess
from tests.stream.turn_server import missing_message as turn_missing
from tests.stream.test_video_page import FRAMES, WAIT_MS, browser, open_page  # noqa: F401
from tests.support import Host, LiveServer, eventually

pytestmark = pytest.mark.browser


@pytest.fixture
async def chair(janus_live: LiveServer, redis_client: Any) -> AsyncIterator[Host]:
    host = await union(janus_live.url)
    yield host
    await host.aclose()


async def on_air(browser: Browser, live: LiveServer, chair: Host) -> Page:
    studio = await open_page(browser, f"{live.url}/video#room={chair.room['id']}&key={chair.key}",
                             chosen="en")
    await studio.get_by_role("button", name="Turn video on").click()
    await studio.get_by_role("button", name="Start broadcast (camera and microphone)").click()
    await expect(studio.get_by_test_id("status")).to_have_text("You are on air.")
    return studio


async def signed_in_page(browser: Browser, url: str, invite: str, token: str) -> Page:
    """A member's browser that signed in on the meeting page before (its
    localStorage holds the invite and the member token), opening the video."""
    context = await browser.new_context(locale="ko-KR", viewport={"width": 1024, "height": 800})
    context.set_default_timeout(WAIT_MS)
    await context.add_init_script(f"localStorage.setItem('lv.mtg.last', '{invite}');"
                                  f"localStorage.setItem('lv.mtg.token.{invite}', '{token}')")
    page = await context.new_page()
    await page.goto(url)
    return page


async def test_a_member_watches_the_chair_through_janus(
        janus_live: LiveServer, chair: Host, browser: Browser) -> None:  # noqa: F811
    room = chair.room["id"]
    invite, token = await sign_in(janus_live.url, chair, 1)
    member = await signed_in_page(browser, f"{janus_live.url}/video#room={room}", invite, token)
    await expect(member.get_by_test_id("status")).to_have_text("이 총회는 영상이 꺼져 있습니다.")
    studio = await on_air(browser, janus_live, chair)
    await member.wait_for_function(FRAMES, arg=10, timeout=WAIT_MS)
    await expect(member.get_by_test_id("status")).to_have_text("방송을 보고 있습니다.")
    await studio.get_by_role("button", name="End broadcast").click()
    await expect(member.get_by_test_id("status")).to_have_text("방송이 끝났습니다.")
    await studio.get_by_role("button", name="Start broadcast (camera and microphone)").click()
    await expect(studio.get_by_test_id("status")).to_have_text("You are on air.")
    before = int(await member.get_by_test_id("frames").text_content() or 0)
    await member.wait_for_function(FRAMES, arg=before + 10, timeout=WAIT_MS)
    await studio.get_by_role("button", name="Turn video off").click()
    await expect(member.get_by_test_id("status")).to_have_text("이 총회는 영상이 꺼져 있습니다.")
    for page in (member, studio):
        await page.context.close()


async def test_a_page_without_the_member_sign_in_is_refused(
        janus_live: LiveServer, chair: Host, browser: Browser) -> None:  # noqa: F811
    studio = await on_air(browser, janus_live, chair)
    stranger = await open_page(browser, f"{janus_live.url}/video#room={chair.room['id']}")
    await expect(stranger.get_by_test_id("error")).to_have_text(
        "총회 페이지에서 본인 확인을 마친 조합원과 조합 직원만 이 총회 영상을 볼 수 있습니다.")
    await stranger.get_by_role("button", name="English").click()
    await expect(stranger.get_by_test_id("error")).to_have_text(
        "Only members who signed in on the meeting page, and the union's staff, can watch "
        "this meeting's video.")
    await expect(stranger.get_by_test_id("frames")).to_have_text("0")
    for page in (stranger, studio):
        await page.context.close()


# The speaker's voice reached this page: the floor's audio track is live and
# unmuted (Chromium unmutes a remote track once its packets arrive).
HEARD = """() => {
  const floor = document.querySelector('[data-testid=floor-video]');
  const track = floor && floor.srcObject && floor.srcObject.getAudioTracks()[0];
  return Boolean(track && track.readyState === 'live' && !track.muted);
}"""


async def test_the_member_given_the_floor_is_heard_through_janus(
        janus_live: LiveServer, chair: Host, browser: Browser) -> None:  # noqa: F811
    room = chair.room["id"]
    studio = await on_air(browser, janus_live, chair)
    speaker_invite, speaker_token = await sign_in(janus_live.url, chair, 1)
    viewer_invite, viewer_token = await sign_in(janus_live.url, chair, 2)
    viewer = await signed_in_page(browser, f"{janus_live.url}/video#room={room}", viewer_invite,
                                  viewer_token)
    await viewer.wait_for_function(FRAMES, arg=5, timeout=WAIT_MS)
    speaker = await signed_in_page(browser, f"{janus_live.url}/meeting#invite={speaker_invite}",
                                   speaker_invite, speaker_token)
    await speaker.get_by_test_id("speak-ask").click()
    await expect(speaker.get_by_test_id("speak-cancel")).to_be_visible()
    queued = (await chair.get("/speak")).json()["data"]["queue"]
    assert [r["member_no"] for r in queued] == ["M001"]
    assert (await chair.post("/speak/grant", {"request": queued[0]["id"]})).status_code == 200
    await expect(speaker.get_by_test_id("speak-granted")).to_have_text(
        "You may speak now: your microphone is turning on")
    await expect(speaker.get_by_test_id("speak-mic")).to_have_attribute(
        "data-status", re.compile("^(on_air|camera_on|mic_only)$"))
    await viewer.wait_for_function(HEARD, timeout=WAIT_MS)
    before = int(await viewer.get_by_test_id("frames").text_content() or 0)
    await viewer.wait_for_function(FRAMES, arg=before + 5, timeout=WAIT_MS)  # the chair too

    assert (await chair.post("/speak/end", {})).status_code == 200
    await expect(viewer.get_by_test_id("floor-video")).to_have_count(0)
    await expect(speaker.get_by_test_id("speak-ask")).to_be_visible()
    before = int(await viewer.get_by_test_id("frames").text_content() or 0)
    await viewer.wait_for_function(FRAMES, arg=before + 5, timeout=WAIT_MS)
    for page in (viewer, speaker, studio):
        await page.context.close()


async def test_a_member_keeps_watching_across_a_server_restart_without_signing_in_again(
        redis_url: str, janus: JanusProcess, browser: Browser,  # noqa: F811
        tmp_path: Path) -> None:
    """The server restarts (a deploy) while the meeting goes on: the member's
    page reconnects by itself with the member token it kept, Janus goes on
    carrying the picture, and the access log follows the member across it."""
    env = janus.env() | {"LIVE_ICE_SERVERS": ICE_SERVERS}
    server = LiveServer(tmp_path / "data", redis_url=redis_url, env=env)
    try:
        chair = await union(server.url, prefix="R")
        room = chair.room["id"]
        studio = await on_air(browser, server, chair)
        invite, token = await sign_in(server.url, chair, 1, prefix="R")
        member = await signed_in_page(browser, f"{server.url}/video#room={room}", invite, token)
        await member.wait_for_function(FRAMES, arg=5, timeout=WAIT_MS)

        async def sessions() -> list[Any]:
            log = (await chair.get("/minutes")).json()["data"]["video_sessions"]
            return [] if not log else log[0]["sessions"]  # type: ignore[no-any-return]

        async def open_again() -> bool:  # the deploy closed one; the page opened the next
            listed = await sessions()
            return len(listed) == 2 and listed[0]["to"] is not None and listed[1]["to"] is None

        server.stop()  # SIGTERM: a deploy; the page's connection ends
        await expect(member.locator("#conn")).to_be_visible()
        server = LiveServer(tmp_path / "data", redis_url=redis_url, port=server.port, env=env)
        await expect(member.locator("#conn")).to_be_hidden(timeout=WAIT_MS * 3)
        assert await eventually(open_again, timeout=15), await sessions()
        before = int(await member.get_by_test_id("frames").text_content() or 0)
        await member.wait_for_function(FRAMES, arg=before + 10, timeout=WAIT_MS)
        await expect(member.get_by_test_id("status")).to_have_text("방송을 보고 있습니다.")
        assert await member.get_by_test_id("error").text_content() == ""
        for page in (member, studio):
            await page.context.close()
        await chair.aclose()
    finally:
        server.stop()


async def test_with_turn_only_the_picture_goes_through_a_real_coturn(
        redis_url: str, janus: JanusProcess, browser: Browser,  # noqa: F811
        tmp_path: Path) -> None:
    """LIVE_ICE_POLICY=relay: every browser reaches Janus only through the TURN
    server of LIVE_ICE_SERVERS, as members behind a network that blocks UDP to
    the media server would; the chair's picture still reaches the member."""
    if not TURNSERVER.exists():
        pytest.fail(turn_missing(), pytrace=False)
    turn = TurnProcess(tmp_path / "turn")
    server = LiveServer(tmp_path / "data", redis_url=redis_url,
                        env=janus.env() | {"LIVE_ICE_SERVERS": turn.ice_servers(),
                                           "LIVE_ICE_POLICY": "relay"})
    try:
        chair = await union(server.url, prefix="T")
        studio = await on_air(browser, server, chair)
        invite, token = await sign_in(server.url, chair, 1, prefix="T")
        member = await signed_in_page(browser, f"{server.url}/video#room={chair.room['id']}",
                                      invite, token)
        await member.wait_for_function(FRAMES, arg=10, timeout=WAIT_MS * 2)
        assert turn.allocations() >= 2, "the chair's and the member's connections were relayed"
        for page in (member, studio):
            await page.context.close()
        await chair.aclose()
    finally:
        server.stop()
        turn.stop()
