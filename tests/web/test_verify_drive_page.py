"""Issue 15 in a real Chromium: the verify page checks a consent drive's signed
bundle as `live verify` does (every act's hash and Ed25519 signature, the roster
commitment, the standing acts against the chain, the history, the links) and
recounts the threshold itself in integers; a tampered bundle is caught with the
same findings, word for word, that `live verify` prints."""

from __future__ import annotations

import copy
import json
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from live.verify import Malformed, verify
from rooms.consent import Owner, Threshold, progress
from tests.live.drive_steps import Drive, campaign
from tests.live.test_ledger import sign_as
from tests.live.test_verify_drive import (Tamper, change_area, drop_entry, fetched, flip_choice,
                                          flip_met, remove_act)
from tests.support import LiveServer
from tests.web.test_pages import open_page
from tests.web.test_verify_and_gates import DESK, NO_ED25519, page_answered

pytestmark = pytest.mark.browser

GROUPS = ("signature", "chain", "manifest", "roster", "acts", "standing", "history", "threshold")


@pytest.fixture
async def drive(live: LiveServer) -> Any:
    made = await campaign(live.url)
    yield made
    await made.aclose()


def saved(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


async def auditor(live: LiveServer, browser: Browser, contexts: list[BrowserContext],
                  key: str, fragment: str = "", **options: Any) -> Page:
    page = await open_page(browser, contexts, f"{live.url}/verify{fragment}", **(DESK | options))
    await expect(page.get_by_test_id("public-key")).to_have_value(key)
    return page


async def expect_statuses(page: Page, **statuses: str) -> None:
    for group in GROUPS:
        status = statuses.get(group, "ok")
        await expect(page.get_by_test_id(f"check-{group}")).to_have_attribute(
            "data-status", status)


async def test_a_real_drive_bundle_verifies_on_the_page_with_the_threshold_recounted(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    doc = await fetched(drive)
    key = doc["public_key"]
    assert verify(doc, key=key) == []  # live verify passes it too
    page = await auditor(live, browser, contexts, key)

    await page.get_by_test_id("bundle-file").set_input_files(saved(tmp_path, "drive.json", doc))

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "ok")
    await expect_statuses(page)
    await expect(page.get_by_test_id("check-witness")).to_have_attribute("data-status", "skip")
    await expect(page.get_by_test_id("problem")).to_have_count(0)
    await expect(page.get_by_test_id("verdict-text")).to_contain_text(
        "“한빛구역 조합설립 동의”: 5 owners, 3 consents standing, threshold not met, a chain of "
        f"{len(doc['bundle']['chain'])} entries")
    progress_said = doc["bundle"]["progress"]
    recount = page.get_by_test_id("recount")
    await expect(recount.get_by_test_id("met")).to_have_attribute("data-met", "false")
    await expect(recount.get_by_test_id("missing")).to_have_text(progress_said["missing"]["en"])
    await expect(recount.get_by_test_id("missing")).to_have_text(
        "Needed: 1 more owner, 1 more owner in 102동")
    await expect(recount.get_by_test_id("owners-count")).to_contain_text("3 of 5 owners")
    await expect(recount.get_by_test_id("area-count")).to_contain_text("465.55 m² of 596.05 m²")
    await expect(recount.get_by_test_id("building-row")).to_have_count(3)
    await expect(page.get_by_test_id("drive-agree")).to_have_attribute("data-agrees", "true")
    await expect(page.get_by_test_id("vd-fact-consents")).to_have_text("3 · 465.55 m²")
    await expect(page.get_by_test_id("vd-fact-acts")).to_have_text("5")

    await page.locator("#lang-toggle").click()
    await expect(recount.get_by_test_id("missing")).to_have_text(progress_said["missing"]["ko"])
    await expect(page.get_by_test_id("verdict")).to_contain_text("검증")
    await expect(page.get_by_test_id("check-threshold")).to_contain_text("다시 센 동의요건")


async def test_the_organiser_checks_the_bundle_from_the_dashboard_with_the_key(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext]) -> None:
    page = await open_page(browser, contexts,
                           f"{live.url}/drive#room={drive.room['id']}&key={drive.key}", **DESK)

    await page.get_by_test_id("verify-bundle").click()

    await expect(page).to_have_url(f"{live.url}/verify#room={drive.room['id']}&key={drive.key}")
    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "ok")
    await expect_statuses(page)
    await expect(page.get_by_test_id("bundle-url")).to_have_value(
        f"/api/rooms/{drive.room['id']}/drive/bundle")
    await expect(page.get_by_test_id("recount").get_by_test_id("owners-count")).to_contain_text(
        "3 of 5 owners")
    chain = (await fetched(drive))["bundle"]["chain"]
    await page.get_by_test_id("witnesses").fill(f"2:{chain[2]['hash']}")
    await page.get_by_test_id("verify-again").click()
    await expect(page.get_by_test_id("check-witness")).to_have_attribute("data-status", "ok")
    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "ok")


async def test_a_server_that_answers_with_another_drives_bundle_is_caught(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext]) -> None:
    other = await Drive(live.url).start()
    try:
        substitute = await fetched(other)  # genuine, signed, but not ours
    finally:
        await other.aclose()

    page = await page_answered(browser, contexts, f"**/rooms/{drive.room['id']}/drive/bundle",
                               substitute,
                               f"{live.url}/verify#room={drive.room['id']}&key={drive.key}")

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
    await expect(page.get_by_test_id("problem")).to_have_text([
        f"manifest: this bundle is for drive {other.room['id']}, not the requested drive "
        f"{drive.room['id']}"])


async def test_each_tampering_is_caught_on_the_page_as_live_verify_catches_it(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    doc = await fetched(drive)
    key = doc["public_key"]
    cases: dict[str, tuple[Tamper, dict[str, str], str]] = {
        "choice flipped": (flip_choice(drive), {"acts": "fail", "standing": "fail",
                                                "threshold": "fail"},
                           "sha256 does not match its record; the record was changed"),
        "area changed": (change_area, {"roster": "fail", "threshold": "fail"},
                         "does not hash to the manifest's roster_sha256"),
        "act removed": (remove_act(drive), {"standing": "fail", "threshold": "fail"},
                        "is missing from the acts; an act was removed"),
        "chain entry dropped": (drop_entry(drive), {"chain": "fail", "standing": "fail",
                                                    "history": "fail"},
                                "parent does not match"),
        "met flipped": (flip_met, {"threshold": "fail"},
                        "progress: says met True, the recount from the owners and acts gives "
                        "False"),
    }  # the last one is read in Korean too
    page = await auditor(live, browser, contexts, key)
    for n, (name, (tamper, failing, clear)) in enumerate(cases.items()):
        changed = copy.deepcopy(doc)
        tamper(changed)
        expected = verify(changed, key=key)
        assert any(clear in line for line in expected), (name, expected)

        await page.get_by_test_id("bundle-file").set_input_files(
            saved(tmp_path, f"drive-{n}.json", changed))

        await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
        await expect(page.get_by_test_id("problem")).to_have_text(expected)
        await expect_statuses(page, signature="fail", **failing)
        await expect(page.get_by_test_id("drive-agree")).to_have_attribute(
            "data-agrees", str("threshold" not in failing).lower())
    await page.locator("#lang-toggle").click()
    recount = page.locator("[data-testid=problem][data-group=threshold]")
    await expect(recount).to_contain_text(
        "progress: met이(가) True로 적혀 있지만 소유자와 동의 기록으로 다시 세면 False입니다")
    await expect(recount).to_contain_text(
        "FAIL progress: says met True, the recount from the owners and acts gives False")


async def test_a_bundle_resigned_by_the_operator_still_fails_the_recount(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    """An operator holds the signing key: the signature checks, the arithmetic does not."""
    doc = await fetched(drive)
    changed = copy.deepcopy(doc)
    flip_met(changed)
    for row in changed["bundle"]["progress"]["criteria"]:
        row.update(needed=0, met=True)
    forged = sign_as(live.data_dir, changed["bundle"])
    page = await auditor(live, browser, contexts, doc["public_key"])

    await page.get_by_test_id("bundle-file").set_input_files(saved(tmp_path, "forged.json", forged))

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
    await expect_statuses(page, threshold="fail")
    await expect(page.get_by_test_id("problem")).to_have_text(verify(forged, key=doc["public_key"]))
    await expect(page.get_by_test_id("recount").get_by_test_id("met")).to_have_attribute(
        "data-met", "false")


async def test_an_unreadable_drive_bundle_is_named_where_as_live_verify_names_it(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    doc = await fetched(drive)
    changed = copy.deepcopy(doc)
    changed["bundle"]["owners"][0]["area_units"] = "165.3"
    with pytest.raises(Malformed) as caught:
        verify(changed)
    page = await auditor(live, browser, contexts, doc["public_key"])

    await page.get_by_test_id("bundle-file").set_input_files(saved(tmp_path, "bad.json", changed))

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
    await expect(page.get_by_test_id("problem")).to_have_text([str(caught.value)])
    await expect(page.get_by_test_id("drive-card")).to_be_hidden()
    await expect_statuses(page, **{group: "skip" for group in GROUPS})


async def test_a_browser_without_ed25519_says_the_signatures_are_unchecked(
        live: LiveServer, drive: Drive, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    doc = await fetched(drive)
    context = await browser.new_context(**DESK)
    contexts.append(context)
    await context.add_init_script(NO_ED25519)
    page = await context.new_page()
    await page.goto(f"{live.url}/verify")

    await page.get_by_test_id("bundle-file").set_input_files(saved(tmp_path, "drive.json", doc))

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "partial")
    await expect(page.get_by_test_id("verdict-text")).to_contain_text(
        "cannot check Ed25519 signatures (the bundle's and each owner's)")
    await expect_statuses(page, signature="skip", acts="skip")


def random_case(rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """A threshold, owners (areas past 2**53 units too) and who consents."""
    threshold: dict[str, Any] = {"name": "t", "label_ko": "요건", "label_en": "threshold",
                                 "building_exempt_max": rng.randint(0, 3)}
    for kind in ("owners", "area", "per_building"):
        d = rng.randint(1, 12)
        share = Fraction(rng.randint(1, d), d)
        threshold[kind] = [share.numerator, share.denominator] if rng.random() < 0.8 else None
        threshold[f"{kind}_strict"] = rng.random() < 0.5 and threshold[kind] not in (None, [1, 1])
    if not any(threshold[kind] for kind in ("owners", "area", "per_building")):
        threshold["owners"] = [1, 2]
    buildings = ("101동", "9동", "10동", "부대복리시설")
    owners: list[dict[str, Any]] = [
        {"owner": f"p{i}", "area_units": rng.choice([rng.randint(0, 10**8),
                                                     rng.randint(2**53, 10**17)]),
         "buildings": sorted(rng.sample(buildings, rng.randint(0, 2)))}
        for i in range(rng.randint(0, 12))]
    consenting = [str(o["owner"]) for o in owners if rng.random() < 0.6]
    return Threshold.from_dict(threshold).public(), owners, consenting


async def test_the_page_recounts_every_threshold_as_the_server_does(
        live: LiveServer, browser: Browser, contexts: list[BrowserContext]) -> None:
    rng = random.Random(15)
    cases = [random_case(rng) for _ in range(300)]
    page = await open_page(browser, contexts, f"{live.url}/verify", **DESK)

    counted = await page.evaluate(
        """async (text) => {
            const { parseJSON } = await import("/static/verify-json.js");
            const r = await import("/static/verify-recount.js");
            const plain = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) =>
              [k, typeof v === "bigint" ? String(v) : v]));
            return parseJSON(text).map(([threshold, owners, consenting]) => {
              const acts = consenting.map((owner) => ({ record: { owner, choice: "consent" } }));
              const roster = new Map(owners.map((o) => [o.owner, o]));
              const c = r.recount({ manifest: { threshold }, acts }, roster);
              return { met: c.met, owners: c.owners, missing: r.missing(c),
                criteria: c.criteria.map(plain), buildings: r.buildingRows(c).map(plain) };
            });
        }""", json.dumps(cases, ensure_ascii=False))

    assert len(counted) == len(cases)
    for (threshold, owners, consenting), page_says in zip(cases, counted):
        roster = [Owner(o["owner"], "", (o["owner"],), (), o["area_units"],
                        frozenset(o["buildings"])) for o in owners]
        server = progress(Threshold.from_dict(threshold), roster, consenting).public()
        number = ("have", "total", "needed", "owners", "consenting")
        want = [{k: str(v) if k in number else v for k, v in row.items()
                 if not k.endswith("_text")} for row in server["criteria"]]
        assert page_says["criteria"] == want, (threshold, owners, consenting)
        assert page_says["buildings"] == [{k: str(v) if k in number else v
                                           for k, v in row.items()}
                                          for row in server["buildings"]]
        assert (page_says["met"], page_says["owners"], page_says["missing"]) == (
            server["met"], server["owners"], server["missing"])
