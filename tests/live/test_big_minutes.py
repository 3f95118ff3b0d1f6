"""The minutes of a 5,000-member meeting as Excel and PDF: every row there,
text kept as text, each cell drawn as written (the benchmark times them:
loadtests/meeting_bench.py)."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from live import printout
from live.minutes import minutes_tables
from live.workbook import tables_xlsx

ATTENDING = 1200


def minutes_data() -> dict[str, object]:
    people = [{"member_no": f"M{i}", "name": f"조합원{i:05d}"} for i in range(ATTENDING)]
    people[7]["name"] = "=HYPERLINK(\"x\")"
    people[8]["name"] = "<b>굵게</b> & co"
    item = {"question": "제1호 안건", "options": ["찬성", "반대", "기권"], "votes": [1, 0, 0],
            "rule": {"preset": "general", "direct_min_pct": 10, "contractor": False,
                     "pass_rule": "attending"},
            "secret": False, "n": 5000, "d": ATTENDING, "a": ATTENDING, "d_in_person": 0,
            "outcome": "QUORUM_NOT_MET", "reasons": [], "opened_at": 1795000000000,
            "closed_at": 1795000100000, "sha256": "ab" * 32,
            "named_votes": [{"member_no": "M1", "name": "조합원00001", "choices": [0],
                             "mode": "live"}]}
    return {"room": {"title": "총회"}, "meta": {"record_date": "2026-11-01", "n": "5000"},
            "items": [item], "attendance": {"online": people}}


def test_the_attendance_sheet_has_every_member_and_formulas_stay_text() -> None:
    book = load_workbook(io.BytesIO(tables_xlsx(minutes_tables(minutes_data(), "ko"))))
    sheet = book["출석 명부"]
    assert sheet.max_row == ATTENDING + 1
    formula = sheet.cell(7 + 2, 3)
    assert formula.value == "=HYPERLINK(\"x\")" and formula.data_type == "s"
    assert sheet.cell(1, 1).font.bold and not sheet.cell(2, 1).font.bold


def test_the_attendance_pages_list_every_member_as_written() -> None:
    pdf = printout.minutes_pdf(minutes_data(), ZoneInfo("Asia/Seoul"), 1795000200000)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "M1199" in text and "<b>굵게</b> & co" in text


def test_short_text_is_drawn_as_is_and_long_text_wraps() -> None:
    assert printout.cell("조합원00001", 100) == "조합원00001"
    assert isinstance(printout.cell("조합원" * 40, 100), Paragraph)
    assert isinstance(printout.cell("two\nlines", 100), Paragraph)
    assert printout.cell(3, 100) == 3
