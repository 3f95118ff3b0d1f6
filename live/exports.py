"""A ballot's sealed result and a meeting's minutes as files people open: CSV
(with a byte-order mark, for Korean spreadsheets), Excel workbooks and
printable PDFs. Times are on the venue's clock (LIVE_TIMEZONE, Asia/Seoul by
default) and name their zone; the generation time is passed in."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from live import printout, workbook
from live.minutes import minutes_csv, minutes_tables, reason_ko, rule_text
from rooms.errors import NotFound
from rooms.polls import (local_time, option_rows, outcome_words, result_table, to_csv,
                         type_facts)

FORMATS = ("csv", "xlsx", "pdf")
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}
Fact = tuple[str, str, Any]


def check_format(fmt: str, also: tuple[str, ...] = ()) -> None:
    if fmt not in FORMATS + also:
        raise NotFound(f"no export format {fmt!r}; use {', '.join(also + FORMATS)}")


def attachment(body: str | bytes, fmt: str, filename: str) -> Response:
    return Response(body, media_type=MEDIA[fmt], headers={
        "content-disposition": f'attachment; filename="{filename}.{fmt}"'})


def result_facts(stored: dict[str, Any], zone: ZoneInfo, now_ms: int) -> list[Fact]:
    """What the result file says below the counts, each fact labelled in Korean
    and English."""
    record = stored["record"]
    ko, en = outcome_words(record)
    facts: list[Fact] = [("결과", "Outcome", f"{ko} / {en}"),
                         ("투표자 수", "Voters", record["voters"]), *type_facts(record)]
    meeting = record.get("meeting")
    if meeting:
        item = meeting | {"options": record["options"]}
        rule = meeting["rule"]
        facts += [
            ("사유", "Reason", " / ".join([reason_ko(item), *meeting.get("reasons", [])])),
            ("의결 요건", "Rule", f"{rule_text(rule, 'ko')} / {rule_text(rule, 'en')}"),
            ("조합원 수 (N)", "Members (N)", meeting["n"]),
            ("직접 출석 (D)", "Direct attendance (D)", meeting["d"]),
            ("출석 인정 (A)", "Attending (A)", meeting["a"]),
            ("조합원 득표", "Votes by member", " / ".join(
                f"{o}: {v}" for o, v in zip(record["options"], meeting["votes"]))),
        ]
    return facts + [
        ("시작", f"Opened ({zone.key})", local_time(record["opened_at"], zone)),
        ("마감", f"Closed ({zone.key})", local_time(record["closed_at"], zone)),
        ("영수증 해시", "Receipts SHA-256", record["receipts_sha256"]),
        ("결과 지문", "Record SHA-256", stored["sha256"]),
        ("만든 시각", f"Generated ({zone.key})", local_time(now_ms, zone)),
    ]


async def result_file(stored: dict[str, Any], fmt: str, zone: ZoneInfo,
                      now_ms: int, given: list[dict[str, Any]] | None = None) -> Response:
    """The sealed result as `fmt` (one of FORMATS); `given`: an open-text
    question's answers as the reader may see them (the host: every one, with
    its state)."""
    record = stored["record"]
    name = f"result-{record['ballot']}"
    if fmt == "csv":
        return attachment(to_csv(record, zone, given), fmt, name)
    facts = result_facts(stored, zone, now_ms)
    if fmt == "xlsx":
        header, rows = result_table(record, given or [], zone)
        body = await asyncio.to_thread(workbook.result_xlsx, record["question"], header, rows,
                                       facts)
    else:
        body = await asyncio.to_thread(printout.result_pdf, record["question"],
                                       option_rows(record), facts)
    return attachment(body, fmt, name)


async def minutes_file(data: dict[str, Any], fmt: str, lang: str, zone: ZoneInfo,
                       now_ms: int) -> Response:
    """The minutes as `fmt`: CSV and XLSX in `lang` (ko, or en), the PDF in both."""
    lang = lang if lang in ("ko", "en") else "ko"
    name = f"minutes-{data['room']['id']}{'' if lang == 'ko' else '-' + lang}"
    if fmt == "csv":
        return attachment(minutes_csv(data, lang), fmt, name)
    if fmt == "xlsx":
        sheets = minutes_tables(data, lang, zone)
        return attachment(await asyncio.to_thread(workbook.tables_xlsx, sheets), fmt, name)
    body = await asyncio.to_thread(printout.minutes_pdf, data, zone, now_ms)
    return attachment(body, fmt, f"minutes-{data['room']['id']}")
