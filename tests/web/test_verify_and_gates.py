"""Issues 3 and 5 in a real Chromium: a GPS fence decided on the browser's own
(emulated) geolocation, and the verify page checking a real signed bundle in the
browser, without trusting the server that sent it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from geopy.distance import geodesic
from playwright.async_api import Browser, BrowserContext, Page, expect

from live.verify import canonical, sha256, verify
from tests.live.test_ledger import sign_as
from tests.support import Host, LiveServer, call, voter
from tests.web.test_pages import PHONE, PROJECTOR, open_page, screen_url

pytestmark = pytest.mark.browser

# The same system Chromium and per-test contexts as the other page tests.

VENUE = {"lat": 37.5665, "lon": 126.978, "radius_m": 200}
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
OPTIONS = ["비빔밥", "Naengmyeon", "Kimbap"]


def standing_at(lat: float, lon: float, accuracy: float) -> dict[str, Any]:
    """A browser context whose geolocation reports this fix (Chromium's own emulation)."""
    return {"geolocation": {"latitude": lat, "longitude": lon, "accuracy": accuracy},
            "permissions": ["geolocation"]}


async def test_phone_inside_the_fence_votes_and_one_outside_is_told_how_far(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"fence": VENUE})
    assert r.status_code == 200, r.text
    ballot = await host.ballot(question="Open the new library?", kind="yesno")
    await host.open(ballot["id"])
    join = f"{live.url}/j/{host.room['code']}"

    inside = await open_page(browser, contexts, join, **PHONE, **standing_at(37.5667, 126.9782, 20))
    await expect(inside.get_by_test_id("gates")).to_contain_text("Confirm you are at the venue")
    await expect(inside.get_by_test_id("choice-0")).to_have_count(0)
    await inside.get_by_test_id("locate").click()
    await expect(inside.get_by_test_id("gates")).to_have_count(0)
    await inside.get_by_role("button", name="Yes").click()
    await expect(inside.get_by_test_id("confirmation")).to_contain_text("Counted")

    far = (37.5800, 126.9780)
    metres = geodesic((VENUE["lat"], VENUE["lon"]), far).meters
    outside = await open_page(browser, contexts, join, **PHONE, **standing_at(*far, 25))
    await outside.get_by_test_id("locate").click()
    refusal = outside.get_by_test_id("gate-error-fence")
    await expect(refusal).to_contain_text(f"you are about {metres:,.0f} m from the venue")
    await expect(refusal).to_contain_text("voting is open within 200 m")
    await expect(outside.get_by_text("Open the new library?")).to_have_count(0)  # private
    await expect(outside.get_by_test_id("choice-0")).to_have_count(0)
    assert (await host.tally(ballot["id"]))["counts"] == [1, 0, 0]


async def bundle_of(host: Host, ballot_id: str) -> dict[str, Any]:
    r = await host.http.get(f"/api/rooms/{host.room['id']}/ballots/{ballot_id}/bundle")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def others_vote(live: LiveServer, host: Host, ballot_id: str, choices: list[int]) -> None:
    for i, choice in enumerate(choices):
        phone, _ = await voter(live.url, code=host.room["code"])
        ack = await call(phone, "vote:cast", {"ballot": ballot_id, "choices": [choice],
                                              "client_key": f"k{i}"})
        assert ack["ok"], ack
        await phone.disconnect()


async def expect_verified(page: Page) -> None:
    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "ok")
    await expect(page.get_by_test_id("verdict")).to_contain_text("Verified")
    for group in ("signature", "chain", "manifest", "record", "ballots", "counts"):
        await expect(page.get_by_test_id(f"check-{group}")).to_have_attribute("data-status", "ok")
    await expect(page.get_by_test_id("problem")).to_have_count(0)


async def test_voter_sees_their_tracker_and_finds_it_counted_on_the_verify_page(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="점심은 어디서?", options=OPTIONS)
    await host.open(ballot["id"])
    screen = await open_page(browser, contexts, screen_url(live, host), **PROJECTOR)
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}", **PHONE)
    await expect(phone.get_by_test_id("manifest")).to_contain_text("Manifest")
    await phone.get_by_role("button", name="Naengmyeon").click()

    await expect(phone.get_by_test_id("confirmation")).to_contain_text("Counted")
    await expect(phone.get_by_test_id("tracker-check")).to_contain_text("same tracker")
    tracker = await phone.get_by_test_id("tracker").text_content() or ""
    kept = json.loads(await phone.evaluate(f"localStorage.getItem('lv.ballot.{ballot['id']}')"))
    assert re.fullmatch(r"[0-9a-f]{32}", kept["nonce"]), "the page sends its own nonce"
    assert tracker == kept["tracker"] == sha256(canonical(
        {"ballot": ballot["id"], "choices": [1], "nonce": kept["nonce"]}))
    await phone.get_by_test_id("operator-note").locator("summary").click()
    await expect(phone.get_by_test_id("operator-note")).to_contain_text("which phone cast")
    await others_vote(live, host, ballot["id"], [0, 2, 2])
    await host.close(ballot["id"])
    manifest = (await bundle_of(host, ballot["id"]))["bundle"]["manifest_sha256"]
    await expect(phone.get_by_test_id("manifest")).to_contain_text(manifest[:16])
    await expect(screen.get_by_test_id("manifest")).to_contain_text(manifest[:16])

    await phone.get_by_test_id("verify-link").click()

    await expect(phone).to_have_url(
        f"{live.url}/verify#room={host.room['id']}&ballot={ballot['id']}")
    await expect_verified(phone)
    await expect(phone.get_by_test_id("verdict-text")).to_contain_text("4 counted ballots")
    await expect(phone.get_by_test_id("tracker-input")).to_have_value(tracker)
    await expect(phone.get_by_test_id("find-verdict")).to_contain_text("Found")
    await expect(phone.get_by_test_id("find-choice")).to_have_text("Naengmyeon")
    await expect(phone.get_by_test_id("find-phone")).to_contain_text("same tracker")


async def test_auditor_page_catches_a_changed_count_and_finds_a_pasted_tracker(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    ballot = await host.ballot(question="Which colour?", options=OPTIONS)
    await host.open(ballot["id"])
    await others_vote(live, host, ballot["id"], [0, 1, 2, 2])
    await host.close(ballot["id"])
    doc = await bundle_of(host, ballot["id"])
    honest = tmp_path / "bundle.json"
    honest.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    tampered = copy.deepcopy(doc)
    tampered["bundle"]["record"]["counts"][0] += 1
    changed = tmp_path / "bundle-changed.json"
    changed.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    auditor = await open_page(browser, contexts, f"{live.url}/verify", **DESK)
    await expect(auditor.get_by_test_id("public-key")).to_have_value(doc["public_key"])

    await auditor.get_by_test_id("bundle-file").set_input_files(changed)

    await expect(auditor.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
    expected = verify(tampered, key=doc["public_key"])
    assert "record: counts are [2, 1, 2] but the published ballots add up to [1, 1, 2]" in expected
    await expect(auditor.get_by_test_id("problem")).to_have_text(expected)
    await expect(auditor.get_by_test_id("check-counts")).to_have_attribute("data-status", "fail")
    await expect(auditor.get_by_test_id("check-signature")).to_have_attribute("data-status", "fail")

    forged = tmp_path / "bundle-resigned.json"  # an operator who holds the signing key
    forged.write_text(json.dumps(sign_as(live.data_dir, tampered["bundle"])), encoding="utf-8")
    await auditor.get_by_test_id("bundle-file").set_input_files(forged)
    await expect(auditor.get_by_test_id("check-signature")).to_have_attribute("data-status", "ok")
    await expect(auditor.get_by_test_id("problem")).to_have_text(verify(json.loads(
        forged.read_text())))
    await expect(auditor.get_by_test_id("check-counts")).to_have_attribute("data-status", "fail")

    await auditor.get_by_test_id("bundle-file").set_input_files(honest)
    await expect_verified(auditor)
    mine = doc["bundle"]["ballots"][2]
    await auditor.get_by_test_id("tracker-input").fill(mine["tracker"])
    await auditor.get_by_test_id("find-button").click()
    await expect(auditor.get_by_test_id("find-choice")).to_have_text(OPTIONS[mine["choices"][0]])
    await auditor.get_by_test_id("tracker-input").fill("ab" * 32)
    await auditor.get_by_test_id("find-button").click()
    await expect(auditor.get_by_test_id("find-verdict")).to_contain_text("Not found")


async def test_witness_heads_typed_in_are_compared_with_the_chain(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext],
        tmp_path: Path) -> None:
    ballot = await host.ballot(question="Which colour?", options=OPTIONS)
    await host.open(ballot["id"])
    await others_vote(live, host, ballot["id"], [1, 1])
    await host.close(ballot["id"])
    chain = (await bundle_of(host, ballot["id"]))["bundle"]["chain"]
    auditor = await open_page(
        browser, contexts, f"{live.url}/verify#room={host.room['id']}&ballot={ballot['id']}",
        **DESK)
    await expect_verified(auditor)
    await expect(auditor.get_by_test_id("check-witness")).to_have_attribute("data-status", "skip")

    await auditor.get_by_test_id("witnesses").fill(f"2:{chain[2]['hash']}\n3:{'ab' * 32}\nnope")
    await auditor.get_by_test_id("verify-again").click()

    await expect(auditor.get_by_test_id("witness-error")).to_contain_text("Line 3")
    await expect(auditor.get_by_test_id("problem")).to_have_text([(
        f"witness: at height 3 the chain has {chain[3]['hash'][:16]}…, the witness saved "
        f"{'ab' * 8}…; this chain forks from the witnessed history")])
    await auditor.locator("#lang-toggle").click()
    await expect(auditor.get_by_test_id("problem")).to_contain_text("갈라졌습니다")
    await expect(auditor.get_by_test_id("problem")).to_contain_text("FAIL witness: at height 3")


async def page_answered(browser: Browser, contexts: list[BrowserContext], pattern: str,
                        body: dict[str, Any], url: str) -> Page:
    """The page at `url`, where a request matching `pattern` is answered with `body`."""
    context = await browser.new_context(**DESK)
    contexts.append(context)
    text = json.dumps(body)
    await context.route(pattern, lambda route: route.fulfill(body=text,
                                                             content_type="application/json"))
    page = await context.new_page()
    await page.goto(url)
    return page


async def test_a_server_that_answers_with_another_ballots_bundle_is_caught(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    asked, other = [await host.ballot(question=q, options=OPTIONS) for q in ("Asked?", "Other?")]
    for ballot in (asked, other):
        await host.open(ballot["id"])
        await others_vote(live, host, ballot["id"], [1])
        await host.close(ballot["id"])
    substitute = await bundle_of(host, other["id"])  # genuine, signed, but not ours

    page = await page_answered(browser, contexts, f"**/ballots/{asked['id']}/bundle", substitute,
                               f"{live.url}/verify#room={host.room['id']}&ballot={asked['id']}")

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "fail")
    await expect(page.get_by_test_id("problem")).to_have_text([
        f"record: this bundle is for ballot {other['id']}, not the requested ballot {asked['id']}"])


NO_ED25519 = """
const importKey = crypto.subtle.importKey.bind(crypto.subtle);
crypto.subtle.importKey = (format, data, algorithm, ...rest) =>
  (algorithm?.name ?? algorithm) === "Ed25519"
    ? Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"))
    : importKey(format, data, algorithm, ...rest);
"""


async def test_a_browser_without_ed25519_says_so_instead_of_passing(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    ballot = await host.ballot(question="Which colour?", options=OPTIONS)
    await host.open(ballot["id"])
    await others_vote(live, host, ballot["id"], [2])
    await host.close(ballot["id"])
    context = await browser.new_context(**DESK)
    contexts.append(context)
    await context.add_init_script(NO_ED25519)  # as in a browser that lacks it
    page = await context.new_page()

    await page.goto(f"{live.url}/verify#room={host.room['id']}&ballot={ballot['id']}")

    await expect(page.get_by_test_id("verdict")).to_have_attribute("data-state", "partial")
    await expect(page.get_by_test_id("verdict")).to_have_text("⚠ Not fully verified")
    await expect(page.get_by_test_id("verdict-text")).to_contain_text(
        "this browser cannot check the Ed25519 signature")
    await expect(page.get_by_test_id("check-signature")).to_have_attribute("data-status", "skip")
    await expect(page.get_by_test_id("check-counts")).to_have_attribute("data-status", "ok")


TRICKY: list[Any] = [
    {"b": 1, "a": [True, False, None, 0, -7, 10**20, -(2**63)], "한글": "줄\n\t\"\\/ \u2028\x01\x7f",
     "\ue000": "private use sorts before astral", "😀": "astral", "A": {}, "": []},
    [1.0, -0.0, 1.5, 1e16, 1e15, 1e-5, 0.0001, 123456789.125, 2.5e-300, 1e300],
    "Ünïcödé ✓ 🎉 \U0001f600",
]


async def test_the_page_writes_canonical_json_exactly_as_python(
        live: LiveServer, browser: Browser, contexts: list[BrowserContext]) -> None:
    page = await open_page(browser, contexts, f"{live.url}/verify", **DESK)
    for value in TRICKY:
        text, digest = await page.evaluate(
            """async (json) => {
                const m = await import("/static/verify-json.js");
                const text = m.canonicalText(m.parseJSON(json));
                return [text, await m.sha256Hex(text)];
            }""", json.dumps(value))
        assert text == canonical(value).decode()
        assert digest == sha256(canonical(value))
