"""Every refusal the server can send is worded on the pages in Korean and in
English, and listed in docs/protocol.md; a refusal carrying a number (tries
left, metres, seconds) says it in the page's language."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from playwright.async_api import Browser, BrowserContext, expect

import live
import rooms
import stream
from rooms.errors import LiveVoteError
from tests.support import Host, LiveServer
from tests.web.test_pages import PHONE, open_page

ROOT = Path(__file__).resolve().parents[2]
PACKAGES: tuple[ModuleType, ...] = (rooms, live, stream)
# Client-side codes the pages make themselves (no server answer to word).
PAGE_CODES = {"timeout", "offline", "network", "location_denied", "location_unavailable"}


def error_classes() -> list[type[LiveVoteError]]:
    for package in PACKAGES:  # every module, so every subclass is defined
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: list[type[LiveVoteError]] = []
    todo = [LiveVoteError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def server_codes() -> set[str]:
    """Class codes, plus the literal codes given to the errors whose first
    argument is the code (`GateError("pin_wrong", ...)`) and to hand-built
    envelopes (`"error": {"code": ...}`)."""
    classes = error_classes()
    codes = {cls.code for cls in classes}
    coded = [cls.__name__ for cls in classes
             if list(inspect.signature(cls.__init__).parameters)[1:2] == ["code"]]
    literal = re.compile(rf'\b(?:{"|".join(coded)})\(\s*"(\w+)"')
    envelope = re.compile(r'"error":\s*\{\s*"code":\s*"(\w+)"')
    for package in PACKAGES:
        for path in Path(package.__path__[0]).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(literal.findall(text)) | set(envelope.findall(text))
    return codes


def page_errors() -> dict[str, dict[str, str]]:
    """The pages' error tables, as the browser gets them (web/strings.js)."""
    script = ("import(process.argv[1]).then(m => process.stdout.write(JSON.stringify("
              "{ko: m.STRINGS.ko.errors, en: m.STRINGS.en.errors})))")
    done = subprocess.run(["node", "-e", script, (ROOT / "web" / "strings.js").as_uri()],
                          capture_output=True, text=True, timeout=60, check=True)
    tables: dict[str, dict[str, str]] = json.loads(done.stdout)
    return tables


def documented_codes() -> set[str]:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {code for cell in rows for code in re.findall(r"`(\w+)`", cell)}


def test_the_scan_finds_codes_of_every_kind() -> None:
    codes = server_codes()
    # a class code, a GateError / MeetingError literal, a transport class, an envelope
    assert {"already_voted", "pin_wrong", "staff_code_wrong", "roster_frozen",
            "sms_unavailable", "payload_too_large", "video_off", "method_not_allowed",
            "bad_request", "body_too_large", "internal"} <= codes


def test_every_error_code_has_korean_and_english_words() -> None:
    tables = page_errors()
    for lang in ("ko", "en"):
        missing = sorted(code for code in server_codes() | PAGE_CODES
                         if not str(tables[lang].get(code, "")).strip())
        assert not missing, f"no {lang} text in web/strings-*.js errors for {missing}"
    english_in_korean = sorted(code for code, text in tables["ko"].items()
                               if not re.search("[가-힣]", text))
    assert not english_in_korean, english_in_korean


def test_every_error_code_is_in_the_protocol_table() -> None:
    missing = sorted(server_codes() - documented_codes())
    assert not missing, f"docs/protocol.md 'Error codes' lacks {missing}"


@pytest.mark.browser
async def test_korean_phone_is_told_how_many_pin_tries_are_left(
        live: LiveServer, host: Host, browser: Browser, contexts: list[BrowserContext]) -> None:
    await host.create_room(title="조합 총회", lang="ko")
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    phone = await open_page(browser, contexts, f"{live.url}/j/{host.room['code']}",
                            **(PHONE | {"locale": "ko-KR"}))

    await phone.get_by_test_id("pin").fill("1111")
    await phone.get_by_test_id("pin-go").click()

    refusal = phone.get_by_test_id("gate-error-pin")
    await expect(refusal).to_have_text("PIN이 맞지 않습니다. 4번 더 시도할 수 있습니다.")
    await phone.get_by_test_id("pin").fill("1112")
    await phone.get_by_test_id("pin-go").click()
    await expect(refusal).to_have_text("PIN이 맞지 않습니다. 3번 더 시도할 수 있습니다.")
