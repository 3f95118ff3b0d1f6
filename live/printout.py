"""Printable PDFs (reportlab): a ballot's result and the minutes of a general
meeting (의사록), Korean first with English beside it.

Text is set in reportlab's built-in CID font for Korean (HYGothic-Medium): the
PDF names the font and the reader supplies its glyphs (every PDF reader with
Asian font support, which the common ones have), so no font file ships with
LiveVote. Hashes are set in Courier."""

from __future__ import annotations

import io
from typing import Any, Sequence
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from live.minutes import (OUTCOME, attendance_table, named_table, reason_ko, rule_text,
                          speaker_table, video_table)
from rooms.polls import local_time

FONT = "HYGothic-Medium"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

Fact = tuple[str, str, Any]  # Korean label, English label, value
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=17, leading=23, spaceAfter=4 * mm,
                       wordWrap="CJK")
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=12.5, leading=17,
                         spaceBefore=5 * mm, spaceAfter=2 * mm, wordWrap="CJK")
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11.5,
                       textColor=colors.HexColor("#444444"))
HASH = ParagraphStyle("hash", fontName="Courier", fontSize=8, leading=10, wordWrap="CJK")
GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT, SMALL.fontSize, SMALL.leading),
    ("TEXTCOLOR", (0, 1), (-1, -1), SMALL.textColor),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
FACTS = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT, 9.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
])
WIDTH = A4[0] - 36 * mm
PADDING = 12  # a cell's left and right padding (6 points each, reportlab's default)


def text(value: Any, style: ParagraphStyle = BODY) -> Paragraph:
    """Any value as a paragraph; names and questions are text, never markup."""
    return Paragraph(escape("" if value is None else str(value)), style)


def bilingual(ko: str, en: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(f"{escape(ko)} <font size='{style.fontSize * 0.8:.1f}' "
                     f"color='#555555'>{escape(en)}</font>", style)


def grid(heads: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]],
         widths: Sequence[float]) -> Table:
    """A table with bilingual headers repeated on every page it runs over."""
    columns = [w * WIDTH for w in widths]
    body: list[list[Any]] = [[bilingual(ko, en, SMALL) for ko, en in heads]]
    body += [[cell(v, room) for v, room in zip(row, columns)] for row in rows]
    table = Table(body, colWidths=columns, repeatRows=1)
    table.setStyle(GRID)
    return table


def cell(value: Any, room: float) -> Any:
    """A grid cell: text that fits on one line as it is (the table draws it), else
    a paragraph that wraps. A paragraph costs about 0.5 ms to parse, wrap and
    draw, and the minutes of a 5,000-member meeting have some 15,000 cells."""
    if isinstance(value, str) and "\n" not in value \
            and pdfmetrics.stringWidth(value, FONT, SMALL.fontSize) <= room - PADDING:
        return value
    return text(value, SMALL) if isinstance(value, str) else value


def facts_table(facts: Sequence[Fact]) -> Table:
    rows = [[bilingual(ko, en, SMALL),
             text(value, HASH if "SHA-256" in en else BODY)] for ko, en, value in facts]
    table = Table(rows, colWidths=[0.32 * WIDTH, 0.68 * WIDTH])
    table.setStyle(FACTS)
    return table


def render(title: str, story: list[Flowable]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, author="LiveVote",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"{doc.page}")
    canvas.restoreState()


def result_pdf(question: str, options: Sequence[tuple[int, str, int, str]],
               facts: Sequence[Fact]) -> bytes:
    """The question, the counts per option, then the outcome, rule, times and
    the fingerprint a reader can recompute."""
    story: list[Flowable] = [
        bilingual("투표 결과", "Ballot result", TITLE),
        text(question, HEADING),
        grid([("번호", "No."), ("선택지", "Option"), ("표", "Votes"), ("비율", "%")],
             [[str(n + 1), option, str(votes), f"{percent}%"]
              for n, option, votes, percent in options], [0.1, 0.6, 0.15, 0.15]),
        Spacer(1, 5 * mm),
        facts_table(facts),
    ]
    return render(f"투표 결과 Ballot result: {question}", story)


def minutes_pdf(data: dict[str, Any], zone: ZoneInfo, now_ms: int) -> bytes:
    """The minutes: the meeting's facts, each agenda item, who attended, the
    votes by name, the speakers, the video access log, and the signature blocks
    for the chair and two members."""
    title = str(data.get("room", {}).get("title", ""))
    story: list[Flowable] = [bilingual("총회 의사록", "Minutes of the general meeting", TITLE),
                             text(title, HEADING), facts_table(meeting_facts(data, zone, now_ms))]
    for n, item in enumerate(data["items"], start=1):
        story += item_story(n, item, zone)
    ko, en = attendance_table(data, "ko"), attendance_table(data, "en")
    if len(ko) > 1:
        story += [bilingual("출석 명부", "Attendance", HEADING),
                  grid(list(zip(ko[0][1:], en[0][1:])),
                       [[no, name, f"{how} / {en_row[3]}", proxy]
                        for (_, no, name, how, proxy), en_row in zip(ko[1:], en[1:])],
                       [0.2, 0.3, 0.2, 0.3])]
    ko, en = named_table(data, "ko"), named_table(data, "en")
    if ko:
        story += [bilingual("기명 투표", "Votes by name", HEADING),
                  grid(list(zip(ko[0][1:], en[0][1:])), [[str(row[1]), *row[2:]] for row in ko[1:]],
                       [0.1, 0.2, 0.25, 0.3, 0.15])]
    for ko_title, en_title, table, widths in (
            ("발언자", "Speakers", speaker_table, [0.1, 0.2, 0.24, 0.23, 0.23]),
            ("영상 접속 기록", "Video access log", video_table, [0.15, 0.2, 0.23, 0.23, 0.19])):
        ko, en = table(data, "ko", zone), table(data, "en", zone)
        if ko:
            story += [bilingual(ko_title, en_title, HEADING),
                      grid(list(zip(ko[0][1:], en[0][1:])),
                           [[str(cell) for cell in row[1:]] for row in ko[1:]], widths)]
    story.append(KeepTogether(signatures()))
    return render(f"총회 의사록 Minutes: {title}", story)


def meeting_facts(data: dict[str, Any], zone: ZoneInfo, now_ms: int) -> list[Fact]:
    meta, items = data.get("meta", {}), data["items"]
    attendance = data.get("attendance", {})
    present = {mode: len(attendance.get(mode, [])) for mode in ("in_person", "proxy", "online")}
    return [
        ("기준일", "Record date", meta.get("record_date", "-")),
        ("조합원 수 (N)", "Members (N)", meta.get("n", items[0]["n"] if items else "-")),
        ("안건 수", "Agenda items", len(items)),
        ("출석", "Attendance",
         f"현장 {present['in_person']}, 대리인 {present['proxy']}, 온라인 {present['online']} / "
         f"in person {present['in_person']}, by proxy {present['proxy']}, "
         f"online {present['online']}"),
        ("폐회", f"Closed ({zone.key})",
         local_time(int(meta.get("adjourned_at", 0)), zone) or "-"),
        ("만든 시각", f"Generated ({zone.key})", local_time(now_ms, zone)),
    ]


def item_story(n: int, item: dict[str, Any], zone: ZoneInfo) -> list[Flowable]:
    outcome = item.get("outcome")
    shown = f"{OUTCOME['ko'][outcome]} / {OUTCOME['en'][outcome]}" if outcome else "진행 중 / OPEN"
    split, modes = item.get("d_by_mode", {}), item.get("by_mode", {})
    facts: list[Fact] = [
        ("결과", "Outcome", shown),
        ("사유", "Reason", " / ".join(filter(None, [
            reason_ko(item) if outcome else "", " | ".join(item.get("reasons", []))]))),
        ("의결 요건", "Rule", f"{rule_text(item['rule'], 'ko')} / {rule_text(item['rule'], 'en')}"),
        ("투표 방식", "Ballot", "비밀 / secret" if item["secret"] else "기명 / named"),
        ("조합원 수 (N)", "Members (N)", item["n"]),
        ("직접 출석 (D)", "Direct (D)",
         f"{item['d']} (현장 in person {split.get('in_person', 0)}, 대리인 proxy "
         f"{split.get('proxy', 0)}, 온라인 online {split.get('online', 0)})"),
        ("출석 인정 (A)", "Attending (A)",
         f"{item['a']} (서면결의 written {modes.get('written', 0)}, "
         f"사전 전자투표 advance {modes.get('early', 0)})"),
        ("온라인 시청", "Watching the video",
         f"{len({w['member_no'] for w in item.get('watchers') or []})}명 / members"),
        ("개시", f"Opened ({zone.key})", local_time(item["opened_at"], zone)),
        ("종료", f"Closed ({zone.key})", local_time(item["closed_at"], zone)),
        ("기록 SHA-256", "Record SHA-256", item.get("sha256", "")),
    ]
    votes = [[option, str(count)] for option, count in zip(item["options"], item["votes"])]
    return [Paragraph(f"제{n}호 안건 <font size='10' color='#555555'>Item {n}</font>: "
                      f"{escape(str(item['question']))}", HEADING),
            grid([("선택지", "Option"), ("득표", "Votes")], votes, [0.75, 0.25]),
            Spacer(1, 2 * mm), facts_table(facts)]


def signatures() -> list[Flowable]:
    line = "_" * 24
    rows = [[bilingual(ko, en), text(f"{line} (인)")] for ko, en in (
        ("의장", "Chair"), ("조합원", "Member"), ("조합원", "Member"))]
    table = Table(rows, colWidths=[0.3 * WIDTH, 0.7 * WIDTH], rowHeights=12 * mm)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [Spacer(1, 8 * mm),
            bilingual("위 의사록이 사실과 같음을 확인하고 서명합니다.",
                      "We confirm and sign that these minutes are true.", BODY),
            table]
