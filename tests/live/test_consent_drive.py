"""A consent drive through the public API: owners imported by head and area,
consents and withdrawals signed after an identity check, the last act
counting, the form and roster fixed once open, the deadline by the server's
clock, time stamps from a real RFC 3161 authority and identities from a
stand-in provider."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from live.tsa import verify_token
from rooms.polls import canonical
from tests.live.test_identity import (CLIENT_ID, CLIENT_SECRET, PERSON, provider_running)
from tests.live.test_tsa import openssl_tsa
from tests.support import Host, LiveServer, eventually

OWNERS = ("소유자번호,성명,휴대폰,생년월일,지번,면적,동\n"
          "O1,김영희,010-5001-0001,1960-01-02,100-1,100.5,\n"
          "O2,이철수,010-5002-0002,1955-03-03,100-2,100.25,\n"
          "O3,박미라,010-5003-0003,,100-3,99.25,\n"
          "O3B,최공유,010-5004-0004,,100-3,99.25,\n"      # co-owner of 100-3
          "O4,정넷째,010-5005-0005,,100-4,0.0001,\n"
          "O5,홍길동,010-4821-7730,1958-03-17,100-5,50,\n"
          "O6,,010-5006-0006,,100-6,10,\n")                # no name: a row error
FORM = {"title": "조합설립 동의서", "body": "본인은 한빛구역 재개발 조합설립에 동의합니다.\n(전문)",
        "attachments": [{"name": "정관(안).pdf", "sha256": "ab" * 32}]}


async def new_drive(host: Host, **setup: Any) -> dict[str, Any]:
    await host.create_room(title="한빛구역 조합설립 동의", kind="drive")
    r = await host.http.post(f"/api/rooms/{host.room['id']}/owners", content=OWNERS.encode(),
                             headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    body = {"proposal": "union", "threshold": "redevelopment_union", "form": FORM,
            "deadline": int(time.time() * 1000) + 3_600_000} | setup
    assert (await host.post("/drive", body)).status_code == 200
    opened = await host.post("/drive/open")
    assert opened.status_code == 200, opened.text
    return dict(r.json()["data"])


async def link(host: Host, owner_no: str) -> str:
    rows = (await host.get("/owners")).json()["data"]["rows"]
    return next(r["link"] for r in rows if r["owner_no"] == owner_no).split("invite=", 1)[1]


async def otp_session(owner: httpx.AsyncClient, host: Host, invite: str, phone: str) -> str:
    sent = await owner.post("/api/consent/otp", json={"invite": invite, "phone": phone})
    assert sent.status_code == 200, sent.text
    text = (await host.get("/outbox")).json()["data"][0]["text"]
    code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    verified = await owner.post("/api/consent/verify",
                                json={"invite": invite, "phone": phone, "otp": code})
    assert verified.status_code == 200, verified.text
    return str(verified.json()["data"]["session"])


async def sign(owner: httpx.AsyncClient, session: str, choice: str = "consent",
               form_sha256: str | None = None) -> httpx.Response:
    if form_sha256 is None:
        form_sha256 = _form_sha256()
    return await owner.post("/api/consent/sign", json={
        "session": session, "choice": choice, "form_sha256": form_sha256})


def _form_sha256() -> str:
    import hashlib
    return hashlib.sha256(canonical(FORM)).hexdigest()


async def progress(host: Host) -> dict[str, Any]:
    return dict((await host.get("/drive/progress")).json()["data"])


async def test_owners_are_counted_by_head_and_a_consent_is_signed_and_counted(
        live: LiveServer, host: Host) -> None:
    report = await new_drive(host)
    assert (report["owners"], report["rows"]) == (5, 6)
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(8, "missing_name")]
    assert report["grouped"][0]["owner_nos"] == ["O3", "O3B"]
    rows = (await host.get("/owners")).json()["data"]["rows"]
    assert {r["name"] for r in rows} >= {"김*희", "이*수"}
    assert "김영희" not in str(rows)

    async with httpx.AsyncClient(base_url=live.url) as owner:
        invite = await link(host, "O1")
        page = (await owner.post("/api/consent/open", json={"invite": invite})).json()["data"]
        assert page["drive"]["form"] == FORM and page["methods"] == ["otp"]
        assert page["drive"]["form_sha256"] == _form_sha256()
        session = await otp_session(owner, host, invite, "010-5001-0001")
        act = (await sign(owner, session)).json()["data"]

    record = act["record"]
    assert (record["choice"], record["form_sha256"]) == ("consent", _form_sha256())
    assert record["attachments"] == ["ab" * 32]
    assert record["verification"]["method"] == "otp"
    key = (await host.http.get("/api/keys")).json()["data"]["ed25519"]
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
        base64.b64decode(act["signature"]["signature"]), canonical(record))
    assert act["receipt"] == act["sha256"][:16]
    now = await progress(host)
    owners = next(c for c in now["criteria"] if c["kind"] == "owners")
    assert (owners["have"], owners["total"], owners["needed"]) == (1, 5, 3)
    assert now["missing"]["ko"].startswith("토지등소유자 3명 더")


async def test_the_last_act_counts_withdrawal_and_consent_again(live: LiveServer,
                                                                 host: Host) -> None:
    await new_drive(host)
    async with httpx.AsyncClient(base_url=live.url) as owner:
        invite = await link(host, "O2")
        session = await otp_session(owner, host, invite, "010-5002-0002")
        nothing = await sign(owner, session, "withdraw")
        assert nothing.json()["error"]["code"] == "nothing_to_withdraw"
        assert (await sign(owner, session)).status_code == 200
        assert (await progress(host))["consenting"] == 1
        withdrawn = (await sign(owner, session, "withdraw")).json()["data"]
        assert withdrawn["record"]["choice"] == "withdraw"
        after = await progress(host)
        assert (after["consenting"], after["withdrawn"]) == (0, 1)
        assert (await sign(owner, session)).status_code == 200
        mine = (await owner.post("/api/consent/open", json={"invite": invite})).json()["data"]
        assert mine["mine"]["record"]["choice"] == "consent"
        assert (await progress(host))["consenting"] == 1


async def test_thresholds_are_met_exactly_at_three_quarters_and_half_the_area(
        live: LiveServer, host: Host) -> None:
    await new_drive(host)
    signers = [("O1", "010-5001-0001"), ("O2", "010-5002-0002"), ("O3", "010-5003-0003")]
    async with httpx.AsyncClient(base_url=live.url) as owner:
        for no, phone in signers:
            assert (await sign(owner, await otp_session(
                owner, host, await link(host, no), phone))).status_code == 200
        short = await progress(host)
        assert not short["met"], "3 of 5 owners is less than 3/4"
        assert short["missing"]["en"].startswith("Needed: 1 more owner")
        assert (await sign(owner, await otp_session(
            owner, host, await link(host, "O4"), "010-5005-0005"))).status_code == 200
    done = await progress(host)
    area = next(c for c in done["criteria"] if c["kind"] == "area")
    assert done["met"] and area["met"]  # 4 of 5 ≥ 3/4; 300.0001 of 350.0001 m² ≥ 1/2


async def test_a_co_owner_who_is_not_the_representative_cannot_sign(live: LiveServer,
                                                                    host: Host) -> None:
    await new_drive(host)
    async with httpx.AsyncClient(base_url=live.url) as owner:
        session = await otp_session(owner, host, await link(host, "O3B"), "010-5004-0004")
        refused = await sign(owner, session)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_representative"
    assert (await progress(host))["acts"] == 0


async def test_the_wrong_phone_a_stale_form_and_a_forged_session_are_refused(
        live: LiveServer, host: Host) -> None:
    await new_drive(host)
    async with httpx.AsyncClient(base_url=live.url) as owner:
        invite = await link(host, "O1")
        wrong = await owner.post("/api/consent/otp", json={"invite": invite,
                                                           "phone": "010-9999-0000"})
        assert wrong.json()["error"]["code"] == "phone_mismatch"
        assert (await host.get("/outbox")).json()["data"] == []
        session = await otp_session(owner, host, invite, "010-5001-0001")
        stale = await sign(owner, session, form_sha256="0" * 64)
        assert stale.json()["error"]["code"] == "form_changed"
        forged = await sign(owner, session[:-3] + "AAA")
        assert forged.json()["error"]["code"] == "identity_needed"
        bad = await owner.post("/api/consent/open", json={"invite": invite + "x"})
        assert bad.json()["error"]["code"] == "invite_invalid"
    assert (await progress(host))["acts"] == 0


async def test_once_open_the_form_and_the_roster_do_not_change(live: LiveServer,
                                                               host: Host) -> None:
    await new_drive(host)
    changed = await host.post("/drive", {"proposal": "union", "threshold": "redevelopment_union",
                                         "form": FORM | {"body": "다른 내용"},
                                         "deadline": int(time.time() * 1000) + 3_600_000})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "form_locked"
    again = await host.http.post(f"/api/rooms/{host.room['id']}/owners", content=OWNERS.encode(),
                                 headers={"content-type": "text/csv"})
    assert again.json()["error"]["code"] == "drive_open"
    settings = (await host.get("/drive")).json()["data"]
    assert settings["form"] == FORM and settings["manifest"]["form_sha256"] == _form_sha256()


async def test_after_the_deadline_no_act_is_taken(live: LiveServer, host: Host) -> None:
    await new_drive(host, deadline=int(time.time() * 1000) + 3_000)
    async with httpx.AsyncClient(base_url=live.url) as owner:
        session = await otp_session(owner, host, await link(host, "O1"), "010-5001-0001")

        async def closed() -> bool:
            answer = await sign(owner, session)
            if answer.status_code == 200:
                # Signed before the deadline: withdraw, then try again until refused.
                await sign(owner, session, "withdraw")
                return False
            return answer.json()["error"]["code"] == "drive_closed"
        assert await eventually(closed, timeout=15)


async def test_a_drive_needs_its_kind_and_other_rooms_ids_are_refused(live: LiveServer,
                                                                      host: Host) -> None:
    r = await host.post("/drive", {"form": FORM})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_a_drive"


async def test_consents_are_time_stamped_by_a_real_rfc3161_authority(
        redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    async with openssl_tsa(tmp_path / "tsa") as (url, pki):
        server = LiveServer(tmp_path / "data", redis_url=redis_url, env={"LIVE_TSA_URL": url})
        host = Host(server.url)
        try:
            await new_drive(host)
            async with httpx.AsyncClient(base_url=server.url) as owner:
                session = await otp_session(owner, host, await link(host, "O1"), "010-5001-0001")
                act = (await sign(owner, session)).json()["data"]
            stamp = act["timestamp"]
            import hashlib
            digest = hashlib.sha256(canonical(act["record"])).digest()
            token = verify_token(base64.b64decode(stamp["token"]), digest, pki.ca.read_bytes())
            assert token.serial == stamp["serial"] and (await progress(host))["unstamped"] == 0
        finally:
            await host.aclose()
            server.stop()


async def test_an_owner_verified_by_the_identity_provider_signs(
        redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    async with provider_running() as (stand, base):
        server = LiveServer(tmp_path / "data", redis_url=redis_url, env={
            "LIVE_IDV_AUTH_URL": f"{base}/auth", "LIVE_IDV_RESULT_URL": f"{base}/result",
            "LIVE_IDV_CLIENT_ID": CLIENT_ID, "LIVE_IDV_CLIENT_SECRET": CLIENT_SECRET})
        host = Host(server.url)
        try:
            await new_drive(host)
            invite = await link(host, "O5")  # 홍길동, the stand-in's person
            async with httpx.AsyncClient(base_url=server.url, follow_redirects=False) as owner:
                page = (await owner.post("/api/consent/open", json={"invite": invite})).json()
                assert page["data"]["methods"] == ["provider", "otp"]
                away = await owner.get("/api/consent/idv/start", params={"invite": invite})
                assert away.status_code == 303
                async with httpx.AsyncClient(follow_redirects=False) as browser:
                    back = (await browser.get(away.headers["location"])).headers["location"]
                home = await owner.get(back.replace(server.url, ""))
                assert home.status_code == 303, home.text
                fragment = dict(parse_qsl(urlsplit(home.headers["location"]).fragment))
                act = (await sign(owner, fragment["session"])).json()["data"]
                assert act["record"]["verification"]["method"] == "provider"
                assert act["record"]["verification"]["reference"].startswith("PASS-TX-")
                # The same provider answer for another owner's link is not that owner.
                other = await link(host, "O1")
                away = await owner.get("/api/consent/idv/start", params={"invite": other})
                async with httpx.AsyncClient(follow_redirects=False) as browser:
                    back = (await browser.get(away.headers["location"])).headers["location"]
                mismatch = await owner.get(back.replace(server.url, ""))
                assert mismatch.status_code == 303
                assert mismatch.headers["location"].endswith("&error=identity_mismatch")
                assert "session=" not in mismatch.headers["location"]
                replay = await owner.get(back.replace(server.url, ""))
                assert replay.headers["location"] == "/consent#error=identity_failed"
            assert PERSON["phone"] not in (tmp_path / f"server-{server.port}.log").read_text()
        finally:
            await host.aclose()
            server.stop()
