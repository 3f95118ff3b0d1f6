"""Exports people open: the result CSV reads in a Korean spreadsheet with times
on the venue's clock, the result and the minutes come as Excel workbooks and
printable PDFs, and each keeps the access rule of the data it holds."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pypdf

from tests.live.test_meeting import NO, YES, staff
from tests.live.test_meeting_rules import small_meeting
from tests.support import Host, LiveServer, call, voter

SEOUL = ZoneInfo("Asia/Seoul")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seoul(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, SEOUL).strftime("%Y-%m-%d %H:%M:%S KST")


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-"), body[:16]
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


def sheet_rows(body: bytes, sheet: int | str = 0) -> list[list[Any]]:
    """A workbook's sheet, by position or by name."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    chosen = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    return [list(row) for row in chosen.iter_rows(values_only=True)]


async def closed_poll(live: LiveServer, host: Host, **spec: Any) -> tuple[str, dict[str, Any]]:
    """A closed poll with votes 2 / 1 / 0 on 냉면 / =1+1 / Kimbap."""
    ballot = await host.ballot(question="점심은 어디서?", options=["냉면", "=1+1", "Kimbap"],
                               **spec)
    await host.open(ballot["id"])
    for i, choice in enumerate([0, 0, 1]):
        phone, _ = await voter(live.url, code=host.room["code"])
        ack = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [choice],
                                              "client_key": f"k{i}"})
        assert ack["ok"], ack
        await phone.disconnect()
    return ballot["id"], await host.close(ballot["id"])


async def passed_item(host: Host) -> tuple[str, dict[str, Any]]:
    """A general agenda item passed by three paper ballots in the hall (of five members)."""
    item = await small_meeting(host, members=5)
    await staff(host, f"/ballots/{item}/live", {})
    for member_no, choice in (("M001", YES), ("M002", YES), ("M003", NO)):
        await staff(host, "/paper", {"member_no": member_no, "ballot": item, "choices": choice})
    return item, (await staff(host, f"/ballots/{item}/close", {}))["data"]


async def test_result_csv_opens_in_korean_excel_with_seoul_times(live: LiveServer,
                                                                  host: Host) -> None:
    ballot, sealed = await closed_poll(live, host)

    r = await host.get(f"/ballots/{ballot}/result.csv")

    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf"), "Excel reads Korean only after a BOM"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["투표 ballot", "질문 question", "번호 option_no", "선택지 option",
                       "표 votes", "비율 percent"]
    assert rows[1:4] == [[ballot, "점심은 어디서?", "0", "냉면", "2", "66.7"],
                         [ballot, "점심은 어디서?", "1", "'=1+1", "1", "33.3"],
                         [ballot, "점심은 어디서?", "2", "Kimbap", "0", "0.0"]]
    facts = {row[0]: row[1] for row in rows[5:]}
    record = sealed["record"]
    assert facts["마감 closed_at (Asia/Seoul)"] == seoul(record["closed_at"])
    assert facts["시작 opened_at (Asia/Seoul)"] == seoul(record["opened_at"])
    assert facts["결과 outcome"] == "최다 득표: 냉면 / most votes: 냉면"
    assert facts["결과 지문 record_sha256"] == sealed["sha256"]


async def test_result_xlsx_holds_the_counts_and_the_outcome(live: LiveServer,
                                                            host: Host) -> None:
    item, sealed = await passed_item(host)

    r = await host.get(f"/ballots/{item}/result.xlsx")

    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == f'attachment; filename="result-{item}.xlsx"'
    rows = sheet_rows(r.content)
    assert rows[0][:2] == ["질문 Question", "Budget"]
    options = [row[:3] for row in rows if isinstance(row[0], int)]
    assert options == [[1, "Yes / 찬성", 2], [2, "No / 반대", 1], [3, "Abstain / 기권", 0]]
    facts = {row[0]: row[1] for row in rows if isinstance(row[0], str)}
    assert facts["결과 Outcome"] == "가결 / PASSED"
    assert facts["결과 지문 Record SHA-256"] == sealed["sha256"]
    assert facts["마감 Closed (Asia/Seoul)"] == seoul(sealed["record"]["closed_at"])


async def test_result_pdf_prints_the_outcome_in_korean_and_english(live: LiveServer,
                                                                   host: Host) -> None:
    item, sealed = await passed_item(host)

    r = await host.get(f"/ballots/{item}/result.pdf")

    assert r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    for words in ("투표 결과", "Ballot result", "Budget", "가결 / PASSED", "의결 요건",
                  "Yes / 찬성", sealed["sha256"], seoul(sealed["record"]["closed_at"])):
        assert words in text, (words, text)


async def test_a_hidden_result_is_exported_only_with_the_host_key(live: LiveServer,
                                                                  host: Host) -> None:
    ballot, _ = await closed_poll(live, host, visibility="never")
    async with httpx.AsyncClient(base_url=live.url) as anonymous:
        for fmt in ("csv", "xlsx", "pdf"):
            refused = await anonymous.get(
                f"/api/rooms/{host.room['id']}/ballots/{ballot}/result.{fmt}")
            assert refused.status_code == 403, fmt
            assert refused.json()["error"]["code"] == "not_host"
            assert (await host.get(f"/ballots/{ballot}/result.{fmt}")).status_code == 200


async def test_an_unknown_export_format_is_not_found(live: LiveServer, host: Host) -> None:
    ballot, _ = await closed_poll(live, host)
    for path in (f"/ballots/{ballot}/result.docx", "/minutes.docx"):
        r = await host.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text


async def test_minutes_come_as_excel_and_pdf_for_staff_only(live: LiveServer,
                                                            host: Host) -> None:
    item, sealed = await passed_item(host)
    async with httpx.AsyncClient(base_url=live.url) as anonymous:
        for fmt in ("csv", "xlsx", "pdf"):
            refused = await anonymous.get(f"/api/rooms/{host.room['id']}/minutes.{fmt}")
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_host"

    workbook = await host.get("/minutes.xlsx")
    printed = await host.get("/minutes.pdf")

    assert workbook.headers["content-type"] == XLSX
    items = sheet_rows(workbook.content)
    assert items[0][:3] == ["안건", "안건 내용", "의결 요건"]
    assert items[1][1] == "Budget" and items[1][14] == "가결"
    assert items[1][16:18] == [seoul(sealed["record"]["opened_at"]),
                               seoul(sealed["record"]["closed_at"])]
    attendance = sheet_rows(workbook.content, sheet=1)
    assert sorted(row[1] for row in attendance[1:]) == ["M001", "M002", "M003"]
    english = sheet_rows((await host.get("/minutes.xlsx?lang=en")).content)
    assert english[1][14] == "PASSED"
    text = pdf_text(printed.content)
    for words in ("총회 의사록", "Minutes of the general meeting", "Budget", "가결 / PASSED",
                  "Member 1", "의장", "Chair", sealed["sha256"]):
        assert words in text, (words, text)
