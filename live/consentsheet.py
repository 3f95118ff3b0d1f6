"""The consents of a drive as files for the permit application: one row per
owner whose consent stands (owner numbers, masked name, parcels, area, buildings,
when they consented on the venue's clock, the form they signed, how they proved
who they were, the RFC 3161 time stamp, the act's fingerprint), then the totals
and whether the threshold is met, with what is missing. CSV with a byte-order
mark, an Excel workbook (text cells, never formulas) and a printable PDF,
Korean first with English beside it."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, Paragraph, Spacer, TableStyle

from live import printout, workbook
from live.minutes import SafeWriter
from rooms.consent import UNITS_PER_M2, Criterion, Owner, format_area
from rooms.consent.evidence import Snapshot
from rooms.consent.progress import percent
from rooms.polls import local_time

Fact = tuple[str, str, Any]
PROPOSALS = {"promotion_committee": ("추진위원회 구성", "Forming the promotion committee"),
             "union": ("조합설립", "Establishing the union"),
             "trust": ("신탁업자 지정", "Designating a trust company"),
             "zone_plan": ("정비계획 입안 제안", "Proposing the zone plan"),
             "custom": ("기타", "Other")}
METHODS = {"otp": ("휴대폰 인증번호", "code texted to the roster phone"),
           "provider": ("본인확인기관", "identity provider")}
PDF_HEADS = [("순번", "No."), ("소유자번호", "Owner no."), ("성명", "Name"), ("지번", "Parcels"),
             ("면적", "Area"), ("동", "Building"), ("동의 시각", "Consented"),
             ("본인확인", "Verified by")]
CRITERIA = {"owners": ("토지등소유자", "Owners"), "area": ("토지면적", "Land area"),
            "per_building": ("동별 요건", "Buildings")}


def heads(zone: ZoneInfo) -> list[tuple[str, str]]:
    return [("순번", "no"), ("소유자번호", "owner_no"), ("성명", "name"), ("지번", "parcels"),
            ("면적(m²)", "area_m2"), ("동", "buildings"),
            ("동의 시각", f"consented_at ({zone.key})"), ("동의서 해시", "form_sha256"),
            ("본인확인", "verification"), ("본인확인 참조", "verification_reference"),
            ("타임스탬프 시각", f"timestamp_gen_time ({zone.key})"),
            ("타임스탬프 일련번호", "timestamp_serial"), ("서명 해시", "act_sha256")]


def row(n: int, owner: Owner, act: dict[str, Any], zone: ZoneInfo) -> list[Any]:
    record, stamp = act["record"], act.get("timestamp") or {}
    method = record["verification"]["method"]
    return [n, ", ".join(owner.owner_nos), owner.name, ", ".join(owner.parcels),
            Decimal(owner.area_units) / UNITS_PER_M2, ", ".join(sorted(owner.buildings)),
            local_time(record["ts"], zone), record["form_sha256"],
            " / ".join(METHODS.get(method, (method, method))),
            record["verification"]["reference"], stamp_time(stamp.get("gen_time"), zone),
            str(stamp.get("serial", "")), act["sha256"]]


def stamp_time(gen_time: str | None, zone: ZoneInfo) -> str:
    """The authority's time (ISO 8601, UTC) on the venue's clock."""
    if not gen_time:
        return ""
    at = datetime.fromisoformat(gen_time.replace("Z", "+00:00"))
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def facts(snap: Snapshot, zone: ZoneInfo, now_ms: int) -> list[Fact]:
    m, made = snap.manifest, snap.progress
    threshold = made.threshold
    ko, en = PROPOSALS.get(m["proposal"], (m["proposal"], m["proposal"]))
    said = [("제목", "Title", m["title"]), ("안건", "Proposal", f"{ko} / {en}"),
            ("동의요건", "Threshold", f"{threshold.label_ko} / {threshold.label_en}")]
    said += [(*CRITERIA[c.kind], criterion_text(c)) for c in made.criteria]
    said += [
        ("결과", "Outcome", "동의요건 충족 / threshold met" if made.met
         else "동의요건 미충족 / threshold not met"),
        ("부족", "Missing", f"{made.missing_text('ko')} / {made.missing_text('en')}"),
        ("동의 유지", "Consents standing", len(snap.standing("consent"))),
        ("철회", "Withdrawn", len(snap.standing("withdraw"))),
        ("마감", f"Deadline ({zone.key})", local_time(m["deadline"], zone)),
        ("동의서 SHA-256", "Form SHA-256", m["form_sha256"]),
        ("명부 SHA-256", "Roster SHA-256", m["roster_sha256"]),
        ("매니페스트 SHA-256", "Manifest SHA-256", snap.manifest_sha256),
        ("만든 시각", f"Generated ({zone.key})", local_time(now_ms, zone))]
    return said


def criterion_text(c: Criterion) -> str:
    share = f"{c.fraction.numerator}/{c.fraction.denominator} {'초과' if c.strict else '이상'}"
    met = "충족 met" if c.met else "미충족 not met"
    if c.kind == "area":
        have = f"{format_area(c.have)} / {format_area(c.total)}"
    elif c.kind == "owners":
        have = f"{c.have:,} / {c.total:,}명"
    else:
        have = f"{c.have:,} / {c.total:,}개 동 buildings"
    return f"{have} ({percent(c.have, c.total)} %), {share}: {met}"


def consent_csv(snap: Snapshot, zone: ZoneInfo, now_ms: int) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeWriter(out)
    writer.writerow([f"{ko} {en}" for ko, en in heads(zone)])
    for n, (owner, act) in enumerate(snap.standing(), start=1):
        cells = row(n, owner, act, zone)
        cells[4] = format_area(owner.area_units, unit=False).replace(",", "")
        writer.writerow(cells)
    writer.writerow([])
    for ko, en, value in facts(snap, zone, now_ms):
        writer.writerow([f"{ko} {en}", value])
    return out.getvalue()


def consent_xlsx(snap: Snapshot, zone: ZoneInfo, now_ms: int) -> bytes:
    table = [[f"{ko} {en}" for ko, en in heads(zone)]]
    table += [row(n, o, a, zone) for n, (o, a) in enumerate(snap.standing(), start=1)]
    summary = [["항목 Item", "값 Value"]] + [[f"{ko} {en}", v]
                                            for ko, en, v in facts(snap, zone, now_ms)]
    return workbook.tables_xlsx([("동의서 Consents", table), ("요약 Summary", summary)])


def consent_pdf(snap: Snapshot, zone: ZoneInfo, now_ms: int) -> bytes:
    """The facts first, then the owners: a line of who and when, and under it
    the fingerprints in Courier."""
    rows: list[list[Any]] = []
    for n, (owner, act) in enumerate(snap.standing(), start=1):
        cells = [str(v) for v in row(n, owner, act, zone)]
        rows.append([cells[0], cells[1], cells[2], cells[3], format_area(owner.area_units),
                     cells[5], cells[6], cells[8]])
        more = f" · 본인확인 참조 reference {cells[9]}" + (
            f" · 타임스탬프 time stamp {cells[10]}, 일련번호 serial {cells[11]}" if cells[10] else "")
        rows.append([Paragraph(f"서명 지문 act SHA-256 <font name='Courier'>{cells[12]}</font>"
                               f"{escape(more)}", printout.SMALL)] + [""] * 7)
    table = printout.grid(PDF_HEADS, rows, [0.06, 0.11, 0.09, 0.13, 0.13, 0.11, 0.19, 0.18])
    table.setStyle(TableStyle([("SPAN", (0, r), (-1, r)) for r in range(2, len(rows) + 1, 2)]))
    story: list[Flowable] = [
        printout.bilingual("전자동의 동의서 명부", "Electronic consents for the permit "
                                                  "application", printout.TITLE),
        printout.text(snap.manifest["title"], printout.HEADING),
        printout.facts_table(facts(snap, zone, now_ms)), Spacer(1, 5),
        printout.bilingual("동의한 토지등소유자", "Owners whose consent stands",
                           printout.HEADING), table]
    return printout.render(f"전자동의 동의서 명부 Consents: {snap.manifest['title']}", story)


def make(snap: Snapshot, fmt: str, zone: ZoneInfo, now_ms: int) -> str | bytes:
    if fmt == "csv":
        return consent_csv(snap, zone, now_ms)
    return (consent_xlsx if fmt == "xlsx" else consent_pdf)(snap, zone, now_ms)
