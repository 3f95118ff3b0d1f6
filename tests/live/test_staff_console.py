"""What the meeting staff console calls: an Excel roster, invitations and
reminders by text with a personal short link, the check-in desk and the
attendance board, and closing advance voting."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import httpx
import socketio
from aiohttp import web
from openpyxl import Workbook

from tests.support import Host, LiveServer, call, stand_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


KOREAN_SHEET = [
    ["조합원번호", "성명", "휴대폰", "소유물건"],
    ["A1", "김하나", 1055550101, "101-1"],   # typed as a number: Excel dropped the 0
    ["A2", "이두리", "010-5555-0102", "101-2"],
    ["A3", "박세나", "010-5555-0103", "101-3"],
    ["A4", "박세나", "010-5555-0103", "101-4"],   # the same person twice: one member
    ["A5", "최다섯", "010-5555-0105", "101-5"],
    ["A6", "최다삿", "010-5555-0105", "101-6"],   # one phone, another name: flagged
    ["A7", "정일곱", "12345", "101-7"],           # not a mobile number: a row error
]


async def import_sheet(host: Host, rows: list[list[Any]] = KOREAN_SHEET) -> dict[str, Any]:
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=workbook(rows),
                             headers={"content-type": XLSX})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def test_staff_import_an_excel_roster_with_korean_headers(host: Host) -> None:
    report = await import_sheet(host)

    assert report["imported"] == 6 and report["members"] == 5
    assert [(e["row"], e["member_no"], e["code"]) for e in report["errors"]] == \
        [(8, "A7", "bad_phone")]
    assert [w["member_nos"] for w in report["warnings"]] == [["A5", "A6"]]
    assert report["warnings"][0]["code"] == "same_phone_other_name"
    people = {p["member_no"]: p for p in (await host.get("/roster")).json()["data"]["people"]}
    assert people["A1"]["phone_masked"].endswith("0101")
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", people["A1"]["code"])
    assert all("phone_sealed" not in p and "phone_hash" not in p for p in people.values())


async def test_a_file_that_is_not_a_workbook_is_refused_plainly(host: Host) -> None:
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=b"PK\x03\x04junk",
                             headers={"content-type": XLSX})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_payload"
    assert "xlsx" in r.json()["error"]["message"]


async def test_invitations_reach_each_person_and_reminders_only_those_not_signed_in(
        live: LiveServer, host: Host) -> None:
    await import_sheet(host)
    sent = (await host.post("/invites", {"channel": "sms", "to": "all"})).json()["data"]
    assert (sent["sent"], sent["failed"]) == (6, 0)
    outbox = (await host.get("/outbox")).json()["data"]
    texts = {m["to"][-4:]: m["text"] for m in outbox}
    assert len(outbox) == 6 and set(texts) == {"0101", "0102", "0103", "0105"}
    board = {p["member_no"]: p for p in (await host.get("/invites")).json()["data"]["people"]}
    link = re.search(r"(http\S+/m/[2-9A-Z]+)", texts["0102"]).group(1)  # type: ignore[union-attr]
    assert board["A2"]["code"].replace("-", "") == link.rsplit("/", 1)[1]
    assert board["A2"]["sent"]["ok"] and board["A2"]["signed_in_at"] == 0

    # The member follows the short link, then verifies their phone.
    async with httpx.AsyncClient(base_url=live.url) as web_client:
        hop = await web_client.get(link.replace(live.url, ""))
    assert hop.status_code == 303 and hop.headers["location"].startswith("/meeting#invite=")
    invite = hop.headers["location"].split("invite=", 1)[1]
    phone = socketio.AsyncClient(reconnection=False)
    await phone.connect(live.url, namespaces=["/meeting"], transports=["websocket"])
    try:
        assert (await call(phone, "member:otp", {"invite": invite, "phone": "010-5555-0102"},
                           "/meeting"))["ok"]
        code = re.search(r"\b(\d{6})\b", (await host.get("/outbox")).json()["data"][0]["text"])
        ok = await call(phone, "member:verify", {"invite": invite, "phone": "010-5555-0102",
                                                 "otp": code.group(1)}, "/meeting")  # type: ignore[union-attr]
        assert ok["ok"], ok
        listed = (await host.get("/invites")).json()["data"]
        assert listed["signed_in"] == 1
        reminded = (await host.post("/invites", {"channel": "sms", "to": "not_signed_in"}))
        assert reminded.json()["data"]["sent"] == 5
        newest = (await host.get("/outbox")).json()["data"][:5]
        assert all("미접속" in m["text"] for m in newest)
        assert all(not m["to"].endswith("0102") for m in newest)
    finally:
        await phone.disconnect()


async def test_a_wrong_personal_code_gets_a_korean_page_and_no_link(live: LiveServer,
                                                                      host: Host) -> None:
    await import_sheet(host)
    async with httpx.AsyncClient(base_url=live.url) as web_client:
        wrong = await web_client.get("/m/ABCD2345")
        typed = await web_client.get("/m/go", params={"code": "abcd 2345"})
        form = await web_client.get("/m")
    assert wrong.status_code == 404 and "코드가 맞지 않습니다" in wrong.text
    assert "not valid" in wrong.text and "location" not in wrong.headers
    assert typed.status_code == 404
    assert form.status_code == 200 and 'name="code"' in form.text


async def test_a_typed_code_with_dashes_and_lower_case_opens_the_meeting(live: LiveServer,
                                                                          host: Host) -> None:
    await import_sheet(host)
    code = next(p["code"] for p in (await host.get("/roster")).json()["data"]["people"]
                if p["member_no"] == "A3")
    async with httpx.AsyncClient(base_url=live.url) as web_client:
        hop = await web_client.get("/m/go", params={"code": code.lower().replace("-", " - ")})
    assert hop.status_code == 303 and "invite=" in hop.headers["location"]


async def test_kakao_invitations_go_through_their_own_gateway(redis_url: str, redis_client: Any,
                                                               tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    async def gateway(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        return web.json_response({}, status=500 if body["to"].endswith("0103") else 200)

    async with stand_in({"/kakao": gateway}) as gateway_url:
        server = LiveServer(tmp_path / "data", redis_url=redis_url, env={
            "LIVE_SMS_WEBHOOK": f"{gateway_url}/sms", "LIVE_KAKAO_WEBHOOK": f"{gateway_url}/kakao"})
        host = Host(server.url)
        try:
            await host.create_room(title="재개발 총회")
            await import_sheet(host)
            sent = (await host.post("/invites", {"channel": "kakao"})).json()["data"]
            assert (sent["sent"], sent["failed"]) == (4, 2)  # two rows share 010-5555-0103
            assert {b["channel"] for b in received} == {"kakao"}
            assert any(b["to"] == "+821055550101" for b in received)  # the lost 0 restored
            board = {p["member_no"]: p["sent"] for p in
                     (await host.get("/invites")).json()["data"]["people"]}
            assert board["A3"] == board["A3"] | {"ok": False, "error": "sms_unavailable"}
            again = (await host.post("/invites", {"channel": "kakao", "to": "not_sent"}))
            assert again.json()["data"]["sent"] + again.json()["data"]["failed"] == 2
            log = (tmp_path / f"server-{server.port}.log").read_text()
            assert "5555" not in log
        finally:
            await host.aclose()
            server.stop()


async def test_an_unknown_member_in_a_send_list_is_refused(host: Host) -> None:
    await import_sheet(host)
    r = await host.post("/invites", {"to": ["A1", "Z9"]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "member_not_found"
    r = await host.post("/invites", {"to": "everybody"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_payload"


async def test_the_desk_finds_people_and_the_board_shows_who_is_here(host: Host) -> None:
    await import_sheet(host)
    by_name = (await host.http.get(f"/api/rooms/{host.room['id']}/desk", params={"q": "세나"}))
    assert [p["member_no"] for p in by_name.json()["data"]["people"]] == ["A3", "A4"]
    by_phone = (await host.http.get(f"/api/rooms/{host.room['id']}/desk", params={"q": "0102"}))
    assert [p["member_no"] for p in by_phone.json()["data"]["people"]] == ["A2"]
    empty = await host.http.get(f"/api/rooms/{host.room['id']}/desk", params={"q": " "})
    assert empty.status_code == 400

    assert (await host.post("/proxies", {"member_no": "A5", "ground": "abroad",
                                         "proxy_name": "최대리", "document": "위임장 #7"})
            ).status_code == 200
    for body in ({"member_no": "A1"}, {"member_no": "A5", "mode": "proxy"}):
        assert (await host.post("/attendance", body)).status_code == 200
    board = (await host.get("/attendance")).json()["data"]
    assert board["counts"] == {"in_person": 1, "proxy": 1, "online": 0}
    assert board["here"]["proxy"][0]["proxy_name"] == "최대리"
    assert board["proxies"][0]["document"] == "위임장 #7"
    found = (await host.http.get(f"/api/rooms/{host.room['id']}/desk", params={"q": "A1"}))
    assert found.json()["data"]["people"][0]["here"] == "in_person"
    await host.post("/attendance", {"member_no": "A1", "action": "leave"})
    assert (await host.get("/attendance")).json()["data"]["counts"]["in_person"] == 0


async def test_closing_advance_voting_refuses_later_advance_votes(live: LiveServer,
                                                                  host: Host) -> None:
    await import_sheet(host)
    assert (await host.post("/record-date", {"record_date": "2026-12-01"})).status_code == 200
    item = await host.ballot(kind="yesno", question="예산 승인", agenda="general")
    opened = await host.post("/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    assert item["id"] in opened.json()["data"]["opened"]
    phone = await signed_in(live, host, "A2", "010-5555-0102")
    try:
        early = await call(phone, "member:vote", {"ballot": item["id"], "choices": [0],
                                                  "client_key": "k1", "nonce": "a" * 16},
                           "/meeting")
        assert early["ok"] and early["data"]["status"] == "new", early
        closed = await host.post("/early/close")
        assert closed.status_code == 200
        late = await call(phone, "member:vote", {"ballot": item["id"], "choices": [1],
                                                 "client_key": "k2", "nonce": "b" * 16},
                          "/meeting")
        assert late["error"]["code"] == "early_closed"
        again = await host.post("/early/close")
        assert again.status_code == 409 and again.json()["error"]["code"] == "early_closed"
        board = (await host.get("/attendance")).json()["data"]
        assert board["early_closes_at"] == closed.json()["data"]["early_closes_at"]
        assert (await host.tally(item["id"]))["counts"] == [1, 0, 0]
    finally:
        await phone.disconnect()


async def signed_in(live: LiveServer, host: Host, member_no: str,
                    number: str) -> socketio.AsyncClient:
    invite = next(p["invite_url"] for p in (await host.get("/roster")).json()["data"]["people"]
                  if p["member_no"] == member_no).split("invite=", 1)[1]
    phone = socketio.AsyncClient(reconnection=False)
    await phone.connect(live.url, namespaces=["/meeting"], transports=["websocket"])
    assert (await call(phone, "member:otp", {"invite": invite, "phone": number},
                       "/meeting"))["ok"]
    text = (await host.get("/outbox")).json()["data"][0]["text"]
    code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    ok = await call(phone, "member:verify", {"invite": invite, "phone": number, "otp": code},
                    "/meeting")
    assert ok["ok"], ok
    return phone
