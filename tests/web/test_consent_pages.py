"""Electronic consent drives (전자동의) as people use them: an owner on a Korean
phone verifies through an identity provider (a real local stand-in) or a texted
code, reads the whole form, signs and keeps the receipt, withdraws and consents
again; the organiser prepares and opens a drive from the dashboard and watches
the progress; the public page shows it only when published. A real headless
Chromium (the system one) against a real `live serve` and redis-server."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.live.test_identity import (CLIENT_ID, CLIENT_SECRET, PERSON, StandInProvider,
                                      provider_running)
from tests.support import LiveServer, free_port
from tests.web.test_pages import PHONE, open_page
from tests.web.test_phone_pages import fits, zoomed_phone

pytestmark = pytest.mark.browser

KOREAN_PHONE: dict[str, Any] = PHONE | {"locale": "ko-KR"}
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "ko-KR"}
# The first owner is the person the stand-in provider verifies (홍길동).
ROSTER = ("소유자번호,성명,휴대폰,생년월일,지번,면적\n"
          f"O1,홍길동,{PERSON['phone']},1958-03-17,100-1,165.30\n"
          "O2,이철수,010-5002-0002,1955-03-03,100-2,200.20\n"
          "O3,박미라,010-5003-0003,,100-3,100\n")
BODY = ("본인은 한빛구역 주택재개발정비사업 조합설립에 동의합니다.\n\n"
        "1. 사업의 명칭: 한빛구역 주택재개발정비사업\n"
        "2. 동의는 마감 전까지 철회할 수 있습니다.")
PLAN = b"%PDF-1.4 hanbit zone plan, version 3\n"
HEX16 = re.compile(r"^[0-9a-f]{16}$")


class Organiser:
    """The organiser's side of a drive over the documented JSON API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=10)
        self.room = ""
        self.key = ""

    async def create(self, title: str = "한빛구역 조합설립 동의") -> None:
        r = await self.http.post("/api/rooms", json={"title": title, "kind": "drive"})
        assert r.status_code == 201, r.text
        data = r.json()["data"]
        self.room, self.key = data["room"]["id"], data["host_key"]
        self.http.headers["authorization"] = f"Bearer {self.key}"

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = await self.http.request(method, f"/api/rooms/{self.room}{path}", **kwargs)
        assert r.status_code == 200, r.text
        return r.json()["data"]

    async def prepare(self, roster: str = ROSTER, public: bool = True, title: str = "조합설립 동의서",
                      body: str = BODY, attachment: str = "정비계획(안).pdf") -> None:
        """Owners imported, form and threshold set, opened."""
        await self.create()
        imported = await self.call("POST", "/owners", content=roster.encode(),
                                   headers={"content-type": "text/csv"})
        assert imported["errors"] == [], imported
        await self.call("POST", "/drive", json={
            "proposal": "union", "threshold": "redevelopment_union",
            "form": {"title": title, "body": body, "attachments": [
                {"name": attachment, "sha256": hashlib.sha256(PLAN).hexdigest()}]},
            "deadline": int(time.time() * 1000) + 7 * 86_400_000, "public_progress": public})
        await self.call("POST", "/drive/open")

    async def link(self, base: str, owner_no: str) -> str:
        rows = (await self.call("GET", "/owners"))["rows"]
        token = next(r for r in rows if r["owner_no"] == owner_no)["link"].split("#invite=")[1]
        return f"{base}/consent#invite={token}"

    async def texted_code(self) -> str:
        newest = (await self.call("GET", "/outbox"))[0]
        return re.search(r"인증번호 (\d{6})", newest["text"]).group(1)  # type: ignore[union-attr]

    def dashboard(self, base: str) -> str:
        return f"{base}/drive#room={self.room}&key={self.key}"


@pytest.fixture
async def organiser(live: LiveServer, redis_client: redis.Redis) -> AsyncIterator[Organiser]:
    made = Organiser(live.url)
    yield made
    await made.http.aclose()


@pytest.fixture
async def idv_live(tmp_path: Path, redis_url: str, redis_client: redis.Redis
                   ) -> AsyncIterator[tuple[LiveServer, StandInProvider]]:
    """A server whose owners verify through a stand-in identity provider; its own
    address is set so that the provider sends the browser back to the same origin."""
    async with provider_running() as (stand, provider):
        port = free_port()
        server = LiveServer(tmp_path / "data", redis_url=redis_url, port=port, env={
            "LIVE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LIVE_IDV_AUTH_URL": f"{provider}/auth", "LIVE_IDV_RESULT_URL": f"{provider}/result",
            "LIVE_IDV_CLIENT_ID": CLIENT_ID, "LIVE_IDV_CLIENT_SECRET": CLIENT_SECRET})
        try:
            yield server, stand
        finally:
            server.stop()


async def verify_by_code(phone: Page, organiser: Organiser, number: str) -> None:
    await phone.get_by_label("휴대폰 번호").fill(number)
    await phone.get_by_test_id("send-code").click()
    await expect(phone.get_by_test_id("code-sent")).to_contain_text(number[-4:])
    await phone.get_by_label("문자로 받은 인증번호 6자리").fill(await organiser.texted_code())
    await phone.get_by_test_id("confirm-code").click()
    await expect(phone.get_by_test_id("verified")).to_contain_text("본인확인을 마쳤습니다")


async def read_and_sign(phone: Page) -> None:
    await phone.get_by_label("동의서 전문을 읽었습니다").check()
    await phone.get_by_role("button", name="동의합니다 (서명)").click()
    check = phone.get_by_test_id("sign-check")
    await expect(check).to_be_focused()
    await expect(check.get_by_test_id("check-choice")).to_have_text("동의")
    await check.get_by_role("button", name="서명하기").click()
    await expect(phone.get_by_test_id("receipt")).to_have_attribute("data-choice", "consent")


async def test_owner_consents_on_a_korean_phone_through_the_identity_provider(
        idv_live: tuple[LiveServer, StandInProvider], browser: Browser,
        contexts: list[BrowserContext]) -> None:
    server, stand = idv_live
    organiser = Organiser(server.url)
    try:
        await organiser.prepare()
        board = await open_page(browser, contexts, organiser.dashboard(server.url), **DESK)
        await expect(board.get_by_test_id("owners-percent")).to_have_text("0.00%")
        await expect(board.get_by_test_id("missing")).to_have_text(
            "토지등소유자 3명 더, 토지면적 232.75 m² 더 필요")

        phone = await open_page(browser, contexts, await organiser.link(server.url, "O1"),
                                **KOREAN_PHONE)
        await expect(phone.get_by_test_id("drive-title")).to_have_text("한빛구역 조합설립 동의")
        await expect(phone.get_by_test_id("owner-name")).to_have_text("홍*동 님")
        await expect(phone.get_by_test_id("owner-no")).to_have_text("소유자 번호 O1")
        await expect(phone.get_by_test_id("form-title")).to_have_text("조합설립 동의서")
        assert await phone.get_by_test_id("form-body").inner_text() == BODY
        await expect(phone.get_by_test_id("attachments")).to_contain_text(
            hashlib.sha256(PLAN).hexdigest())
        await expect(phone.get_by_test_id("deadline")).not_to_be_empty()

        await phone.get_by_role("link", name="휴대폰 본인확인").click()
        await expect(phone.get_by_test_id("verified")).to_contain_text("휴대폰 본인확인")
        assert "session=" not in phone.url, "the session stays out of the address"
        assert stand.asked and stand.asked[0]["client_id"] == CLIENT_ID
        await expect(phone.get_by_label("동의서 전문을 읽었습니다")).to_be_focused()

        await phone.get_by_role("button", name="동의합니다 (서명)").click()
        await expect(phone.get_by_test_id("sign-error")).to_contain_text("전문을 읽고")
        await read_and_sign(phone)

        act = await phone_act(organiser)
        await expect(phone.get_by_test_id("receipt-choice")).to_have_text("동의")
        await expect(phone.get_by_test_id("receipt-code")).to_have_text(HEX16)
        await expect(phone.get_by_test_id("receipt-code")).to_have_text(act["sha256"][:16])
        await expect(phone.get_by_test_id("act-sha256")).to_have_text(act["sha256"])
        await expect(phone.get_by_test_id("receipt-signature")).to_contain_text("있음")
        await expect(phone.get_by_test_id("receipt-stamp")).to_have_text("없음")
        async with phone.expect_download() as saving:
            await phone.get_by_role("button", name=re.compile("이 영수증을 보관하세요")).click()
        saved = Path(await (await saving.value).path()).read_text(encoding="utf-8")
        assert act["sha256"] in saved and '"signature"' in saved

        await expect(board.get_by_test_id("owners-percent")).to_have_text("33.33%")
        await expect(board.get_by_test_id("missing")).to_have_text(
            "토지등소유자 2명 더, 토지면적 67.45 m² 더 필요")

        await phone.reload()
        await expect(phone.get_by_test_id("receipt")).to_contain_text("동의하셨습니다")
        await phone.get_by_role("button", name="동의 철회").click()
        await expect(phone.get_by_test_id("sign-check")).to_be_focused()  # no new check in 15 min
    finally:
        await organiser.http.aclose()


async def phone_act(organiser: Organiser) -> dict[str, Any]:
    """The act the server stored, as the owner's page showed it, read by a second way."""
    rows = (await organiser.call("GET", "/owners"))["rows"]
    assert next(r for r in rows if r["owner_no"] == "O1")["choice"] == "consent"
    token = next(r for r in rows if r["owner_no"] == "O1")["link"].split("#invite=")[1]
    r = await organiser.http.post("/api/consent/open", json={"invite": token})
    return dict(r.json()["data"]["mine"])


async def test_owner_consents_withdraws_and_consents_again_with_a_texted_code(
        live: LiveServer, organiser: Organiser, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    await organiser.prepare()
    public = await open_page(browser, contexts,
                             f"{live.url}/drive-progress#drive={organiser.room}", **DESK)
    await expect(public.get_by_test_id("drive-title")).to_have_text("한빛구역 조합설립 동의")
    await expect(public.get_by_test_id("owners-percent")).to_have_text("0.00%")
    phone = await open_page(browser, contexts, await organiser.link(live.url, "O2"),
                            **KOREAN_PHONE)
    await expect(phone.get_by_role("link", name="휴대폰 본인확인")).to_have_count(0)

    await verify_by_code(phone, organiser, "010-5002-0002")
    await read_and_sign(phone)
    await expect(public.get_by_test_id("owners-percent")).to_have_text("33.33%")
    await expect(public.get_by_test_id("missing")).to_have_text(
        "토지등소유자 2명 더, 토지면적 32.55 m² 더 필요")

    await phone.get_by_role("button", name="동의 철회").click()
    check = phone.get_by_test_id("sign-check")
    await expect(check).to_contain_text("동의를 철회할까요?")
    await check.get_by_role("button", name="철회하기").click()
    await expect(phone.get_by_test_id("receipt")).to_have_attribute("data-choice", "withdraw")
    await expect(phone.get_by_test_id("receipt")).to_contain_text("동의 철회가 접수되었습니다")
    await expect(public.get_by_test_id("owners-percent")).to_have_text("0.00%")

    await expect(phone.get_by_role("heading", name="다시 동의하기")).to_be_visible()
    await read_and_sign(phone)
    await expect(public.get_by_test_id("owners-percent")).to_have_text("33.33%")
    choices = {r["owner_no"]: r["choice"] for r in (await organiser.call("GET", "/owners"))["rows"]}
    assert choices == {"O1": None, "O2": "consent", "O3": None}
    progress = await organiser.call("GET", "/drive/progress")
    assert (progress["acts"], progress["consenting"], progress["withdrawn"]) == (1, 1, 0)


async def test_organiser_prepares_and_opens_a_drive_from_the_dashboard(
        live: LiveServer, redis_client: redis.Redis, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    board = await open_page(browser, contexts, f"{live.url}/drive", **DESK)
    await board.get_by_test_id("new-drive-title").fill("새빛구역 추진위원회 동의")
    await board.get_by_test_id("create-drive").click()
    await expect(board.get_by_test_id("host-key")).not_to_be_empty()
    fragment = dict(part.split("=", 1) for part in board.url.split("#", 1)[1].split("&"))
    organiser = Organiser(live.url)
    organiser.room, organiser.key = fragment["room"], fragment["key"]
    organiser.http.headers["authorization"] = f"Bearer {organiser.key}"
    await expect(board.get_by_test_id("host-key")).to_have_text(organiser.key)

    roster = ("소유자번호,성명,휴대폰,생년월일,지번,면적,동\n"
              "A1,김영희,010-5001-0001,1960-01-02,200-1,150.00,\n"
              "A2,이철수,010-5002-0002,,200-2,250.50,\n"
              "A3,박미라,010-5003-0003,,200-3,99.50,\n"
              "A4,최공유,010-5004-0004,,200-3,99.50,\n"
              "A5,정오류,010-5005-0005,,200-5,넓음,\n")
    await board.get_by_test_id("owners-file").set_input_files(
        files=[{"name": "owners.csv", "mimeType": "text/csv", "buffer": roster.encode()}])
    await board.get_by_test_id("owners-import").click()
    report = board.get_by_test_id("owners-report")
    await expect(report).to_contain_text("소유자 3명")
    await expect(board.get_by_test_id("owners-error")).to_contain_text("A5")
    await expect(board.get_by_test_id("owners-error")).to_contain_text("면적이 올바르지 않습니다")
    await expect(board.get_by_test_id("owners-group")).to_contain_text("A3, A4 → 대표 A3")
    await expect(board.get_by_test_id("owner-row")).to_have_count(4)

    await board.get_by_test_id("proposal").select_option("promotion_committee")
    await board.get_by_test_id("threshold").select_option("redevelopment_union")
    await expect(board.get_by_test_id("threshold-rule")).to_have_text(
        "토지등소유자 3/4 이상 · 토지면적 1/2 이상")
    await board.get_by_test_id("threshold").select_option("custom")
    await board.get_by_test_id("share-owners").fill("2/3")
    await board.get_by_test_id("share-area").fill("1/2")
    await board.get_by_test_id("strict-area").select_option("more_than")
    await expect(board.get_by_test_id("threshold-rule")).to_have_text(
        "토지등소유자 2/3 이상 · 토지면적 1/2 초과")
    await board.get_by_test_id("form-title").fill("추진위원회 구성 동의서")
    await board.get_by_test_id("form-body").fill(BODY)
    await board.get_by_test_id("attachment-file").set_input_files(
        files=[{"name": "운영규정.pdf", "mimeType": "application/pdf", "buffer": PLAN}])
    await expect(board.get_by_test_id("attachment-sha256")).to_have_value(
        hashlib.sha256(PLAN).hexdigest())
    deadline = datetime.now() + timedelta(days=10)
    await board.get_by_test_id("deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    await board.get_by_test_id("public-progress").check()
    await board.get_by_test_id("setup-save").click()
    await expect(board.get_by_test_id("form-hash")).to_contain_text("SHA-256")
    await expect(board.get_by_test_id("owners-percent")).to_have_text("0.00%")

    await board.get_by_test_id("drive-open").click()
    await expect(board.get_by_role("dialog")).to_contain_text("열면 동의서와 요건을 바꿀 수 없습니다")
    await board.get_by_test_id("confirm").click()
    await expect(board.get_by_test_id("drive-state")).to_have_text("동의 받는 중")
    await expect(board.get_by_test_id("manifest")).to_contain_text("SHA-256")
    await expect(board.get_by_test_id("missing")).to_contain_text("토지등소유자 2명 더")
    await expect(board.get_by_test_id("form-title")).to_be_disabled()
    await expect(board.get_by_test_id("public-url")).to_have_value(
        re.compile(rf"/drive-progress#drive={organiser.room}$"))

    settings = await organiser.call("GET", "/drive")
    assert settings["state"] == "open" and settings["proposal"] == "promotion_committee"
    threshold = settings["threshold"]
    assert (threshold["owners"], threshold["owners_strict"]) == ([2, 3], False)
    assert (threshold["area"], threshold["area_strict"]) == ([1, 2], True)
    assert settings["form"] == {"title": "추진위원회 구성 동의서", "body": BODY, "attachments": [
        {"name": "운영규정.pdf", "sha256": hashlib.sha256(PLAN).hexdigest()}]}
    assert settings["public_progress"] is True

    await board.get_by_test_id("send").click()
    await board.get_by_test_id("confirm").click()
    await expect(board.get_by_test_id("send-result")).to_have_text("보냄 3건 · 실패 0건")
    await expect(board.get_by_test_id("owner-row").filter(has_text="A1")).to_contain_text("문자 보냄")
    texts = await organiser.call("GET", "/outbox")
    assert len(texts) == 3 and all("/consent#invite=" in t["text"] for t in texts)
    async with board.expect_download() as saving:
        await board.get_by_test_id("export-csv").click()
    assert (await saving.value).suggested_filename == f"consents-{organiser.room}.csv"
    await organiser.http.aclose()


async def test_public_progress_page_says_plainly_when_it_is_not_published(
        live: LiveServer, organiser: Organiser, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    await organiser.prepare(public=False)
    page = await open_page(browser, contexts,
                           f"{live.url}/drive-progress#drive={organiser.room}", **KOREAN_PHONE)
    await expect(page.get_by_test_id("notice")).to_contain_text(
        "주최 측이 이 동의 받기의 진행 상황을 공개하지 않습니다.")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_test_id("notice")).to_contain_text(
        "The organisers do not publish this drive's progress.")


async def test_owner_page_fits_a_390_px_phone_at_200_percent_text(
        live: LiveServer, organiser: Organiser, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    await organiser.prepare(
        title="재건축정비사업조합설립추진위원회구성및운영규정승인동의서",
        body="가나다라마바사아자차카타파하" * 8 + "\nhttps://example.org/a/very/long/address/0123456789",
        attachment="한빛구역정비계획변경안설명자료최종본_v3_2026-12-01.pdf")
    # An English browser: the page starts in Korean all the same.
    phone = await zoomed_phone(browser, contexts, await organiser.link(live.url, "O3"))
    await expect(phone.get_by_test_id("form-title")).to_be_visible()
    await fits(phone, "the form and the identity step")
    await phone.get_by_label("휴대폰 번호").fill("010-5003-0003")
    await phone.get_by_test_id("send-code").click()
    await expect(phone.get_by_test_id("code-sent")).to_be_visible()
    await fits(phone, "the code sent")
    await phone.get_by_label("문자로 받은 인증번호 6자리").fill(await organiser.texted_code())
    await phone.get_by_test_id("confirm-code").click()
    await expect(phone.get_by_label("동의서 전문을 읽었습니다")).to_be_visible()
    await fits(phone, "the read-and-sign step")
    await phone.get_by_label("동의서 전문을 읽었습니다").check()
    await phone.get_by_role("button", name="동의합니다 (서명)").click()
    await expect(phone.get_by_test_id("sign-check")).to_be_visible()
    await fits(phone, "the confirm step")
    await phone.get_by_role("button", name="서명하기").click()
    await expect(phone.get_by_test_id("receipt")).to_be_visible()
    await fits(phone, "the receipt")
    await phone.get_by_role("button", name="English").click()
    await expect(phone.get_by_role("button", name="Withdraw my consent")).to_be_visible()
    await fits(phone, "the receipt in English")
