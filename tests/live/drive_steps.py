"""A consent drive with buildings run through the documented HTTP API, as the
organiser and the owners do it (the steps of tests/live/test_consent_drive.py):
roster, settings, open, then owners prove who they are with the code texted
to their roster phone and sign."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.live.test_consent_drive import link, otp_session, sign
from tests.support import Host

ROSTER = ("소유자번호,성명,휴대폰,생년월일,지번,면적,동,부대시설\n"
          "O1,김영희,010-5001-0001,1960-01-02,100-1,165.3,101동,\n"
          "O2,=1+2,010-5002-0002,19550303,100-2,200.25,101동,\n"
          "O3,박미라,010-5003-0003,,100-3,100,102동,\n"
          "O4,최공유,010-5004-0004,,100-3,100,102동,\n"
          "O5,이철수,010-5005-0005,,100-5,80.5,102동,\n"
          "O6,한상가,010-5006-0006,,100-6,50,,1\n")
# 3/4 of owners, 1/2 of the area, more than half in each building of two or more
THRESHOLD = {"name": "test_drive", "label_ko": "시험 요건", "label_en": "Test threshold",
             "owners": [3, 4], "area": [1, 2], "per_building": [1, 2],
             "per_building_strict": True, "building_exempt_max": 1}
FORM = {"title": "조합설립 동의서", "body": "본인은 조합 설립에 동의합니다.",
        "attachments": [{"name": "정관(안).pdf", "sha256": "ab" * 32}]}


class Drive(Host):
    """The organiser's side, and the owners' acts as they were answered."""

    acts: dict[str, list[dict[str, Any]]]  # owner_no -> the owner's acts, in order
    sessions: dict[str, str]

    async def start(self, public: bool = False) -> Drive:
        await self.create_room(title="한빛구역 조합설립 동의", lang="ko", kind="drive")
        self.acts, self.sessions = {}, {}
        r = await self.http.post(f"/api/rooms/{self.room['id']}/owners",
                                 content=ROSTER.encode(), headers={"content-type": "text/csv"})
        assert r.status_code == 200 and not r.json()["data"]["errors"], r.text
        r = await self.post("/drive", {"proposal": "union", "threshold": THRESHOLD, "form": FORM,
                                       "deadline": int(time.time() * 1000) + 86_400_000,
                                       "public_progress": public})
        assert r.status_code == 200, r.text
        assert (await self.post("/drive/open")).status_code == 200
        return self

    async def act(self, owner_no: str, choice: str = "consent") -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=str(self.http.base_url)) as owner:
            if owner_no not in self.sessions:
                self.sessions[owner_no] = await otp_session(
                    owner, self, await link(self, owner_no),
                    f"010-500{owner_no[1:]}-000{owner_no[1:]}")
            form = (await self.get("/drive")).json()["data"]["form_sha256"]
            r = await sign(owner, self.sessions[owner_no], choice, form)
        assert r.status_code == 200, r.text
        act: dict[str, Any] = r.json()["data"]
        self.acts.setdefault(owner_no, []).append(act)
        return act

    async def unkeyed(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=str(self.http.base_url)) as anyone:
            return await anyone.get(f"/api/rooms/{self.room['id']}{path}")


async def campaign(url: str, public: bool = False) -> Drive:
    """Three owners consent (one of them for co-owners); a fourth consents and
    then withdraws; the amenity building's owner does nothing."""
    drive = await Drive(url).start(public)
    for owner_no in ("O1", "O2", "O3", "O5"):
        await drive.act(owner_no)
    await drive.act("O5", "withdraw")
    return drive
