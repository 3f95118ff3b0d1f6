"""Owners verify their identity with an outside provider (본인확인) by redirect
and callback; a real local HTTP service stands in for the provider."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import itertools
import logging
import re
import unicodedata
from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from aiohttp import web

from live.identity import (HttpIdentityProvider, IdentityFailed, IdentityUnavailable,
                           Verified, identity_provider, normal_birth)
from live.settings import from_env
from tests.support import free_port, stand_in

CLIENT_ID, CLIENT_SECRET = "livevote-zone-3", "provider-secret-7f3a"
RETURN_URL = "https://vote.example/consent/idv/callback"
PERSON = {"name": unicodedata.normalize("NFD", "홍길동"),  # decomposed, as some providers send
          "phone": "010-4821-7730", "birth": "19580317", "ci": "CI-qV8xk2Lw0aPZ-77"}
PLAIN = ("홍길동", unicodedata.normalize("NFD", "홍길동"), "4821", "7730", "19580317",
         "1958-03-17", "CI-qV8xk2Lw0aPZ-77", CLIENT_SECRET)


def hasher(kind: str, value: str) -> str:
    return hmac.new(b"roster-key", f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def e164(raw: str) -> str:
    """Stands in for rooms' phone rules, which the app passes in."""
    digits = re.sub(r"\D", "", raw)
    if not digits.startswith("010"):
        raise ValueError("not a mobile number")
    return "+82" + digits[1:]


class StandInProvider:
    """A PASS/NICE-style provider: /auth verifies the person in the browser and
    sends it back with a one-time code; /result tells the server who it was."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.asked: list[dict[str, str]] = []
        self.result_status = 200
        self.person = dict(PERSON)
        self.cancel = False
        self.serial = itertools.count(1)

    async def auth(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.asked.append(query)
        if query.get("client_id") != CLIENT_ID:
            return web.Response(status=400, text="unknown client")
        n = next(self.serial)
        back = {"state": query["state"]}
        if self.cancel:
            back["error"] = "user_cancelled"
        else:
            back["code"] = f"code-{n}"
            self.codes[back["code"]] = dict(self.person, reference=f"PASS-TX-{n:06d}")
        raise web.HTTPFound(str(httpx.URL(query["return_url"], params=back)))

    async def result(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return web.json_response({"error": "bad client"}, status=401)
        if self.result_status != 200:
            return web.Response(status=self.result_status, text="<html>oops</html>")
        person = self.codes.pop((await request.json()).get("code"), None)
        if person is None:
            return web.json_response({"error": "unknown or used code"}, status=404)
        return web.json_response(person)


@contextlib.asynccontextmanager
async def provider_running() -> AsyncIterator[tuple[StandInProvider, str]]:
    """The stand-in provider and its base URL."""
    stand = StandInProvider()
    async with stand_in({"GET /auth": stand.auth, "/result": stand.result}) as base:
        yield stand, base


def adapter(base: str, secret: str = CLIENT_SECRET, state_secret: bytes = b"state-key",
            now: Any = lambda: 1_790_000_000.0) -> HttpIdentityProvider:
    return HttpIdentityProvider(f"{base}/auth", f"{base}/result", CLIENT_ID, secret,
                                state_secret, hasher=hasher, normalise=e164, now=now,
                                timeout=5)


async def browser_follows(url: str) -> dict[str, str]:
    """The owner's browser at the provider: it is sent back to our callback."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        answer = await browser.get(url)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == RETURN_URL
    return dict(parse_qsl(back.query))


async def test_an_owner_verified_by_the_provider_comes_back_as_hashes_and_a_reference(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with provider_running() as (stand, base):
        idv = adapter(base)
        url = idv.start("consent-session-1", RETURN_URL)
        verified = await idv.finish(await browser_follows(url))

    sent = dict(parse_qsl(urlsplit(url).query))
    assert sent["client_id"] == CLIENT_ID and sent["return_url"] == RETURN_URL
    assert stand.asked[0]["state"] == sent["state"] and "consent-session-1" not in url
    assert verified == Verified(
        session_id="consent-session-1", name_hash=hasher("name", "홍길동"),
        phone_hash=hasher("phone", "+821048217730"), birth_hash=hasher("birth", "1958-03-17"),
        reference="PASS-TX-000001", provider="127.0.0.1", at=1_790_000_000_000,
        ci_hash=hasher("ci", "CI-qV8xk2Lw0aPZ-77"))
    seen = repr(verified) + str(dataclasses.asdict(verified)) + url + caplog.text
    assert not [plain for plain in PLAIN if plain in seen]


async def test_a_tampered_or_replayed_state_is_identity_failed() -> None:
    async with provider_running() as (_, base):
        idv = adapter(base)
        back = await browser_follows(idv.start("session-a", RETURN_URL))
        await idv.finish(back)
        other = await browser_follows(idv.start("session-b", RETURN_URL))
        payload, mac = other["state"].split(".")
        forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(payload + "==")
                                          .replace(b"session-b", b"session-a")).decode()
        foreign = await browser_follows(adapter(base, state_secret=b"other")
                                        .start("session-c", RETURN_URL))
        attempts = {"replayed": back, "forged": other | {"state": f"{forged.rstrip('=')}.{mac}"},
                    "foreign": foreign, "garbage": {"state": "not.a-state", "code": "code-1"},
                    "missing": {"code": "code-1"}, "unicode": {"state": "상태.값", "code": "x"}}
        for what, params in attempts.items():
            with pytest.raises(IdentityFailed) as failed:
                await idv.finish(params)
            assert (failed.value.code, failed.value.status) == ("identity_failed", 403), what
        assert (await idv.finish(other)).session_id == "session-b"  # the real one still works


async def test_an_expired_state_is_identity_failed() -> None:
    clock = [1_790_000_000.0]
    async with provider_running() as (_, base):
        idv = adapter(base, now=lambda: clock[0])
        back = await browser_follows(idv.start("slow", RETURN_URL))
        clock[0] += 601
        with pytest.raises(IdentityFailed, match="too long"):
            await idv.finish(back)


async def test_a_provider_refusal_is_identity_failed() -> None:
    async with provider_running() as (stand, base):
        idv = adapter(base)
        stand.cancel = True
        cancelled = await browser_follows(idv.start("s1", RETURN_URL))
        stand.cancel = False
        unknown_code = await browser_follows(idv.start("s2", RETURN_URL)) | {"code": "made-up"}
        stand.person["birth"] = "19581340"
        bad_birth = await browser_follows(idv.start("s3", RETURN_URL))
        cases = [(cancelled, "did not verify"), (unknown_code, "refused the result code"),
                 (bad_birth, "not usable")]
        for params, reason in cases:
            with pytest.raises(IdentityFailed, match=reason) as failed:
                await idv.finish(params)
            assert not [plain for plain in PLAIN if plain in str(failed.value.as_dict())]


async def test_the_provider_down_is_identity_unavailable() -> None:
    async with provider_running() as (stand, base):
        idv, wrong_secret = adapter(base), adapter(base, secret="stale")
        down = adapter(f"http://127.0.0.1:{free_port()}")
        broken = await browser_follows(idv.start("s1", RETURN_URL))
        refused_client = await browser_follows(wrong_secret.start("s2", RETURN_URL))
        unreachable = dict(parse_qsl(urlsplit(down.start("s3", RETURN_URL)).query),
                           code="code-9")
        stand.result_status = 502
        cases = [(idv, broken), (wrong_secret, refused_client), (down, unreachable)]
        for provider, params in cases:
            with pytest.raises(IdentityUnavailable) as failed:
                await provider.finish(params)
            assert (failed.value.code, failed.value.status) == ("identity_unavailable", 503)


def test_birth_dates_have_one_spelling() -> None:
    assert normal_birth("19580317") == normal_birth("1958-03-17") == "1958-03-17"
    for bad in ("1958317", "19581340", "birthday"):
        with pytest.raises(ValueError):
            normal_birth(bad)


def test_the_operator_sets_a_provider_or_the_otp_fallback_is_used() -> None:
    parts: dict[str, Any] = {"state_secret": b"k", "hasher": hasher, "normalise": e164}
    assert identity_provider(from_env({}), **parts) is None
    env = {"LIVE_IDV_AUTH_URL": "https://idv.example/auth",
           "LIVE_IDV_RESULT_URL": "https://idv.example/result",
           "LIVE_IDV_CLIENT_ID": CLIENT_ID, "LIVE_IDV_CLIENT_SECRET": CLIENT_SECRET}
    provider = identity_provider(from_env(env), **parts)
    assert provider is not None and provider.name == "idv.example"
    assert CLIENT_SECRET not in repr(provider)
    with pytest.raises(ValueError, match="together"):
        from_env({"LIVE_IDV_AUTH_URL": "https://idv.example/auth"})
