"""The consents of a drive as files for the permit application: a row per
owner whose consent stands, with what the office checks (owner numbers, masked
name, parcels, area, building, time on the venue's clock, form, how identity
was verified, the authority's time stamp, the act's fingerprint), the totals
and the outcome; only for the organiser."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.live.drive_steps import Drive, campaign
from tests.live.test_exports import SEOUL, XLSX, pdf_text, seoul
from tests.live.test_tsa import openssl_tsa
from tests.live.test_verify_drive import run_verify
from tests.support import LiveServer

HEADS = ["순번 no", "소유자번호 owner_no", "성명 name", "지번 parcels", "면적(m²) area_m2",
         "동 buildings", "동의 시각 consented_at (Asia/Seoul)", "동의서 해시 form_sha256",
         "본인확인 verification", "본인확인 참조 verification_reference",
         "타임스탬프 시각 timestamp_gen_time (Asia/Seoul)", "타임스탬프 일련번호 timestamp_serial",
         "서명 해시 act_sha256"]


def stamped_at(act: dict[str, Any]) -> str:
    at = datetime.fromisoformat(act["timestamp"]["gen_time"].replace("Z", "+00:00"))
    return at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S KST")


def expected_row(n: int, owner_nos: str, name: str, parcel: str, area: str, building: str,
                 act: dict[str, Any]) -> list[str]:
    record = act["record"]
    return [str(n), owner_nos, name, parcel, area, building, seoul(record["ts"]),
            record["form_sha256"], "휴대폰 인증번호 / code texted to the roster phone",
            record["verification"]["reference"], stamped_at(act),
            str(act["timestamp"]["serial"]), act["sha256"]]


@pytest.fixture
async def stamped(redis_url: str, tmp_path: Path) -> Any:
    """A drive on a server whose consents a real RFC 3161 authority stamps."""
    async with openssl_tsa(tmp_path / "tsa") as (url, _):
        server = LiveServer(tmp_path / "data", redis_url=redis_url, env={"LIVE_TSA_URL": url})
        try:
            drive = await campaign(server.url)
            yield drive
            await drive.aclose()
        finally:
            server.stop()


async def test_the_csv_lists_each_standing_consent_with_its_evidence_and_the_outcome(
        stamped: Drive) -> None:
    r = await stamped.get("/drive/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    assert 'filename="consents-' in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    acts = {no: stamped.acts[no][-1] for no in ("O1", "O2", "O3")}

    assert rows[0] == HEADS
    assert rows[1:4] == [
        expected_row(1, "O1", "김*희", "100-1", "165.30", "101동", acts["O1"]),
        expected_row(2, "O2", "'=**2", "100-2", "200.25", "101동", acts["O2"]),
        expected_row(3, "O3, O4", "박*라", "100-3", "100.00", "102동", acts["O3"])]
    assert rows[4] == [] and "김영희" not in r.text and "이*수" not in r.text  # O5 withdrew
    facts = dict(row for row in rows[5:] if len(row) == 2)
    settings = (await stamped.get("/drive")).json()["data"]
    assert facts["토지등소유자 Owners"] == "3 / 5명 (60.00 %), 3/4 이상: 미충족 not met"
    assert facts["토지면적 Land area"] == \
        "465.55 m² / 596.05 m² (78.10 %), 1/2 이상: 충족 met"
    assert facts["결과 Outcome"] == "동의요건 미충족 / threshold not met"
    assert facts["부족 Missing"] == ("토지등소유자 1명 더, 102동 소유자 1명 더 필요 / "
                                   "Needed: 1 more owner, 1 more owner in 102동")
    assert (facts["동의 유지 Consents standing"], facts["철회 Withdrawn"]) == ("3", "1")
    assert facts["매니페스트 SHA-256 Manifest SHA-256"] == settings["manifest_sha256"]
    assert facts["만든 시각 Generated (Asia/Seoul)"].endswith(" KST")


async def test_the_workbook_and_the_pdf_say_the_same_in_cells_and_korean_first(
        stamped: Drive) -> None:
    r = await stamped.get("/drive/export.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["동의서 Consents", "요약 Summary"]
    consents = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert consents[0] == HEADS and len(consents) == 4
    assert consents[2][:5] == [2, "O2", "=**2", "100-2", 200.25]
    assert consents[2][12] == stamped.acts["O2"][-1]["sha256"]
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row)
    summary = dict(row for row in book.worksheets[1].iter_rows(values_only=True))
    assert summary["결과 Outcome"] == "동의요건 미충족 / threshold not met"

    r = await stamped.get("/drive/export.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    settings = (await stamped.get("/drive")).json()["data"]
    assert text.index("전자동의 동의서 명부") < text.index("Electronic consents")
    for needle in ("김*희", "=**2", "박*라", "동의요건 미충족", settings["manifest_sha256"],
                   stamped.acts["O3"][-1]["sha256"], "만든 시각"):
        assert needle in text, needle
    assert "이*수" not in text


async def test_a_stamped_bundle_checks_out_and_a_token_for_another_act_is_caught(
        stamped: Drive, tmp_path: Path) -> None:
    doc = (await stamped.get("/drive/bundle")).json()
    acts = doc["bundle"]["acts"]
    assert all(a["timestamp"]["token"] for a in acts)
    path = tmp_path / "drive.json"
    path.write_text(json.dumps(doc))
    assert run_verify(path).returncode == 0
    acts[0]["timestamp"] = acts[1]["timestamp"]
    path.write_text(json.dumps(doc))
    done = run_verify(path)
    assert done.returncode == 1 and "acts[0] (owner" in done.stdout
    assert "its time stamp token is not for this act's digest" in done.stdout
    assert base64.b64decode(acts[1]["timestamp"]["token"])  # still a real token


async def test_exports_are_the_organisers_alone(live: LiveServer) -> None:
    drive = await Drive(live.url).start(public=True)
    try:
        for fmt in ("csv", "xlsx", "pdf"):
            r = await drive.unkeyed(f"/drive/export.{fmt}")
            assert (r.status_code, r.json()["error"]["code"]) == (403, "not_host"), (fmt, r.text)
        r = await drive.get("/drive/export.docx")
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found"), r.text
        r = await drive.get("/drive/export.csv")
        assert r.status_code == 200 and r.content.decode("utf-8-sig").count("\n") > 3
    finally:
        await drive.aclose()
