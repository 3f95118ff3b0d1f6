"""A consent drive's signed bundle checks out with `live verify`, offline and
trusting nothing; each kind of tampering is caught with a finding that says
what; the verifier's recount of the threshold is the server's, to the owner."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from hypothesis import given, settings, strategies as st

from live import verify
from rooms.consent import Owner, Threshold, progress
from tests.live.drive_steps import Drive, campaign
from tests.support import ROOT, Host, LiveServer

Tamper = Callable[[dict[str, Any]], None]


def run_verify(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "live.cli", "verify", str(path), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
async def drive(live: LiveServer) -> Any:
    made = await campaign(live.url)
    yield made
    await made.aclose()


async def fetched(drive: Drive) -> dict[str, Any]:
    r = await drive.get("/drive/bundle")
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def consent_of(doc: dict[str, Any], drive: Drive, owner_no: str) -> dict[str, Any]:
    sha = drive.acts[owner_no][-1]["sha256"]
    act: dict[str, Any] = next(a for a in doc["bundle"]["acts"] if a["sha256"] == sha)
    return act


def chain_index(doc: dict[str, Any], sha: str) -> int:
    return next(i for i, link in enumerate(doc["bundle"]["chain"])
                if json.loads(link["payload"]).get("sha256") == sha)


async def test_a_drive_bundle_checks_out_with_the_published_key(
        drive: Drive, tmp_path: Path) -> None:
    doc = await fetched(drive)
    bundle = doc["bundle"]
    assert bundle["kind"] == "drive" and len(bundle["owners"]) == 5
    assert len(bundle["acts"]) == 4 and len(bundle["history"]) == 5
    assert [a["sha256"] for a in bundle["history"]] == [
        drive.acts[no][i]["sha256"] for no, i in (("O1", 0), ("O2", 0), ("O3", 0), ("O5", 0),
                                                  ("O5", 1))]
    assert bundle["progress"]["criteria"][0]["have"] == 3  # O5 withdrew
    key = (await drive.http.get("/api/keys")).json()["data"]["ed25519"]
    path = tmp_path / "drive.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    done = run_verify(path, "--key", key)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK drive '한빛구역 조합설립 동의': 5 owners, 3 consents "
                                  "standing, threshold not met"), done.stdout


def flip_choice(drive: Drive) -> Tamper:
    def tamper(doc: dict[str, Any]) -> None:
        consent_of(doc, drive, "O1")["record"]["choice"] = "withdraw"
    return tamper


def remove_act(drive: Drive) -> Tamper:
    def tamper(doc: dict[str, Any]) -> None:
        doc["bundle"]["acts"].remove(consent_of(doc, drive, "O2"))
    return tamper


def change_area(doc: dict[str, Any]) -> None:
    doc["bundle"]["owners"][0]["area_units"] += 10_000


def flip_met(doc: dict[str, Any]) -> None:
    doc["bundle"]["progress"]["met"] = not doc["bundle"]["progress"]["met"]


def drop_entry(drive: Drive) -> Tamper:
    def tamper(doc: dict[str, Any]) -> None:
        del doc["bundle"]["chain"][chain_index(doc, drive.acts["O3"][0]["sha256"])]
    return tamper


async def test_each_tampering_is_caught_with_a_finding_that_says_what(
        drive: Drive, tmp_path: Path) -> None:
    doc = await fetched(drive)
    dropped = chain_index(doc, drive.acts["O3"][0]["sha256"])
    cases: dict[str, tuple[Tamper, list[str]]] = {
        "choice flipped": (flip_choice(drive), [
            "sha256 does not match its record; the record was changed",
            "the Ed25519 signature does not match the record",
            "the chain logs a consent", "the act says withdraw",
            "progress: the owners criterion says have 3 (the recount gives 2)"]),
        "act removed": (remove_act(drive), [
            "is missing from the acts; an act was removed",
            "progress: the owners criterion says have 3 (the recount gives 2)"]),
        "area changed": (change_area, [
            "does not hash to the manifest's roster_sha256", "the manifest says 5 with"]),
        "met flipped": (flip_met, [
            "progress: says met True, the recount from the owners and acts gives False"]),
        "chain entry dropped": (drop_entry(drive), [
            f"chain[{dropped}] (", "parent does not match",
            "its sha256 is in no chain entry; the act was never logged",
            "history[2]: is not the act logged at chain["]),
    }
    for name, (tamper, expected) in cases.items():
        changed = copy.deepcopy(doc)
        tamper(changed)
        path = tmp_path / "drive.json"
        path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        done = run_verify(path)
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        lines = done.stdout.splitlines()
        assert all(line.startswith("FAIL ") for line in lines), (name, done.stdout)
        assert "FAIL signature: the Ed25519 signature does not match the bundle" in lines, name
        for text in expected:
            assert any(text in line for line in lines), (name, text, done.stdout)


async def test_a_drive_bundle_missing_a_field_is_unreadable_not_a_traceback(
        drive: Drive, tmp_path: Path) -> None:
    doc = await fetched(drive)
    for where, spoil in (("bundle.owners[0].area_units", lambda b: b["owners"][0].update(
            area_units="165.3")), ("bundle.acts[0].record", lambda b: b["acts"][0].pop("record")),
            ("bundle.manifest.threshold.owners", lambda b: b["manifest"]["threshold"].update(
                owners=[3, 0]))):
        changed = copy.deepcopy(doc)
        spoil(changed["bundle"])
        path = tmp_path / "drive.json"
        path.write_text(json.dumps(changed))
        done = run_verify(path)
        assert done.returncode == 2 and done.stdout.startswith(f"UNREADABLE {path}: {where}"), \
            (where, done.stdout, done.stderr)


async def test_the_bundle_is_the_organisers_even_when_progress_is_public(
        live: LiveServer) -> None:
    """It ties pseudonyms to land areas, which the land register can name."""
    private, public = await Drive(live.url).start(), await Drive(live.url).start(public=True)
    try:
        for drive in (private, public):
            r = await drive.unkeyed("/drive/bundle")
            assert (r.status_code, r.json()["error"]["code"]) == (403, "not_host"), r.text
            assert (await drive.get("/drive/bundle")).status_code == 200
        async with httpx.AsyncClient(base_url=live.url) as anyone:
            shown = await anyone.get(f"/api/drives/{public.room['id']}/progress")
        assert shown.status_code == 200 and "owners" not in shown.json()["data"]
    finally:
        await private.aclose()
        await public.aclose()


async def test_a_draft_has_no_bundle_and_a_meeting_room_is_not_a_drive(
        live: LiveServer, host: Host) -> None:
    await host.create_room(title="초안", kind="drive")
    r = await host.get("/drive/bundle")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "drive_not_open"), r.text
    await host.create_room(title="총회", kind="event")
    r = await host.get("/drive/bundle")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_a_drive"), r.text


BUILDINGS = ("101동", "102동", "9동", "부대복리시설")
shares = st.one_of(st.none(), st.tuples(st.integers(1, 12), st.integers(1, 12)).filter(
    lambda nd: nd[0] <= nd[1]))


@settings(max_examples=300, deadline=None)
@given(owners=st.lists(st.tuples(st.integers(0, 10**8), st.frozensets(st.sampled_from(BUILDINGS)),
                                 st.booleans()), max_size=14),
       owner_share=shares, area_share=shares, building_share=shares,
       stricts=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       exempt_max=st.integers(0, 3))
def test_the_verifier_recounts_the_threshold_as_the_server_does(
        owners: list[tuple[int, frozenset[str], bool]], owner_share: tuple[int, int] | None,
        area_share: tuple[int, int] | None, building_share: tuple[int, int] | None,
        stricts: tuple[bool, bool, bool], exempt_max: int) -> None:
    chosen = {k: v for k, v in (("owners", owner_share), ("area", area_share),
                                ("per_building", building_share))}
    if all(v is None for v in chosen.values()):
        chosen["owners"] = (1, 2)
    strict = {f"{k}_strict": s and chosen[k] is not None and chosen[k] != (chosen[k][1],) * 2
              for k, s in zip(chosen, stricts)}
    threshold = Threshold("t", "요건", "threshold", building_exempt_max=exempt_max, **strict,
                          **{k: Fraction(*v) if v else None for k, v in chosen.items()})
    roster = [Owner(f"p{i}", "", (f"p{i}",), (), area, buildings)
              for i, (area, buildings, _) in enumerate(owners)]
    consenting = [f"p{i}" for i, (_, _, yes) in enumerate(owners) if yes]
    bundle = {"manifest": {"threshold": threshold.public()},
              "acts": [{"record": {"owner": p, "choice": "consent"}} for p in consenting],
              "progress": progress(threshold, roster, consenting).public()}
    problems: list[str] = []

    verify.check_progress(bundle, {o.id: {"owner": o.id, "area_units": o.area_units,
                                          "buildings": sorted(o.buildings)} for o in roster},
                          problems)

    assert problems == []
