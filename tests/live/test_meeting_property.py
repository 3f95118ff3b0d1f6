"""Random general meetings, run through the public API, against a model of the
law written here from scratch: people owning several holdings and co-owners,
written resolutions (some withdrawn), advance e-votes, paper ballots in the
hall, statutory proxies, walk-outs. The sealed N, D, D in person, A, votes and
outcome must equal the model's, and `live verify` must recount the published
bundle to the same outcome."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from live.verify import verify
from tests.live.test_meeting import Members, phone
from tests.support import MEMBER_GRACE_MS, Host, LiveServer

ACTIONS = ("none", "written", "written_withdrawn", "early", "hall", "hall_paper",
           "proxy_paper", "walk_out", "early_then_paper", "written_then_paper")
AGENDAS = {"general": (10, False, "attending"), "articles": (10, False, "all"),
           "budget": (20, False, "attending"), "contractor": (10, True, "attending"),
           "articles_special": (10, False, "two_thirds_all")}


@dataclass
class Script:
    people: list[int]          # holdings owned by each person (1 or 2)
    co_owned: list[bool]       # per person: their first holding also has a co-owner row
    actions: list[str]         # per person (the representative of their member)
    choices: list[int]         # per person: 0 yes, 1 no, 2 abstain
    agenda: str


scripts = st.integers(3, 7).flatmap(lambda n: st.builds(
    Script, st.lists(st.integers(1, 2), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.sampled_from(ACTIONS), min_size=n, max_size=n),
    st.lists(st.integers(0, 2), min_size=n, max_size=n),
    st.sampled_from(sorted(AGENDAS))))


def roster(script: Script) -> str:
    """Person i is M{i}; a second holding is another row of the same person; a
    co-owner is another person (C{i}, listed after) on the first holding."""
    rows = ["member_no,name,phone,holding"]
    for i, holdings in enumerate(script.people, 1):
        rows += [f"M{i:03d},Person {i},{phone(i)},H{i:03d}"]
        if holdings == 2:
            rows += [f"M{100 + i:03d},Person {i},{phone(i)},H{100 + i:03d}"]
    for i, co in enumerate(script.co_owned, 1):
        if co:
            rows += [f"C{i:03d},Co-owner {i},010-6{i:03d}-{i:04d},H{i:03d}"]
    return "\n".join(rows) + "\n"


def expected(script: Script) -> dict[str, Any]:
    """The law, independently: each person here is one member (a second holding
    and a co-owner join theirs), represented by the person."""
    pct, contractor, rule = AGENDAS[script.agenda]
    n = len(script.people)
    d = di = a = 0
    votes = [0, 0, 0]
    for action, choice in zip(script.actions, script.choices):
        present = action in ("hall", "hall_paper", "proxy_paper", "early_then_paper",
                             "written_then_paper")
        standing = {"written": "written", "early": "early", "hall_paper": "paper",
                    "proxy_paper": "paper", "early_then_paper": "paper",
                    "written_then_paper": "paper"}.get(action)
        absentee = standing in ("written", "early")
        d += present
        di += present and not absentee
        a += present or absentee
        if standing:
            votes[choice] += 1
    quorum = 2 * a > n and 100 * d >= pct * n and (not contractor or 2 * di > n)
    yes = votes[0]
    passes = {"attending": 2 * yes > a, "all": 2 * yes > n,
              "two_thirds_all": 3 * yes >= 2 * n}[rule]
    outcome = "QUORUM_NOT_MET" if not quorum else "PASSED" if passes else "FAILED"
    return {"n": n, "d": d, "d_in_person": di, "a": a, "votes": votes, "outcome": outcome}


async def run(url: str, script: Script) -> tuple[dict[str, Any], dict[str, Any]]:
    host = Host(url)
    await host.create_room()

    async def staff(path: str, body: dict[str, Any]) -> Any:
        r = await host.post(path, body)
        assert r.status_code in (200, 201), (path, body, r.text)
        return r.json()["data"]
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=roster(script),
                             headers={"content-type": "text/csv"})
    assert r.json()["data"]["members"] == len(script.people), r.text
    await staff("/record-date", {"record_date": "2026-11-01"})
    item = (await staff("/ballots", {"kind": "yesno", "question": "Item",
                                     "agenda": script.agenda}))["id"]
    await staff("/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    people = (await host.get("/roster")).json()["data"]["people"]
    members = Members(LiveServerUrl(url), host,  # type: ignore[arg-type]
                      {p["member_no"]: p["invite_url"].split("invite=")[1] for p in people})
    for i, (action, choice) in enumerate(zip(script.actions, script.choices), 1):
        no, ballot = f"M{i:03d}", {"ballot": item, "choices": [choice]}
        if action in ("written", "written_withdrawn", "written_then_paper"):
            await staff("/written", {"member_no": no, **ballot})
        if action == "written_withdrawn":
            await staff("/withdraw", {"member_no": no, "ballot": item})
        if action in ("early", "early_then_paper"):
            await members.verify(i)
            assert (await members.vote(i, item, [choice]))["ok"]
            await members.leave(i)
        if action in ("walk_out", "hall", "hall_paper"):
            await staff("/attendance", {"member_no": no, "mode": "in_person"})
        if action == "walk_out":
            await staff("/attendance", {"member_no": no, "action": "leave"})
        if action == "proxy_paper":
            await staff("/proxies", {"member_no": no, "ground": "abroad", "proxy_name": "P"})
    await asyncio.sleep(MEMBER_GRACE_MS / 1000 + 0.3)  # advance voters' drops are final
    await staff(f"/ballots/{item}/live", {})
    for i, (action, choice) in enumerate(zip(script.actions, script.choices), 1):
        no = f"M{i:03d}"
        if action in ("hall_paper", "early_then_paper", "written_then_paper", "proxy_paper"):
            await staff("/paper", {"member_no": no, "ballot": item, "choices": [choice],
                                   "by": "proxy" if action == "proxy_paper" else "member"})
    record = (await staff(f"/ballots/{item}/close", {}))["record"]["meeting"]
    doc = (await host.get(f"/ballots/{item}/bundle")).json()
    await members.close()
    await host.aclose()
    return record, doc


class LiveServerUrl:
    """What `Members` needs of a server: its URL."""

    def __init__(self, url: str) -> None:
        self.url = url


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(scripts)
def test_random_meetings_match_the_law_and_the_recount(live: LiveServer, script: Script) -> None:
    record, doc = asyncio.run(run(live.url, script))
    got = {k: record[k] for k in ("n", "d", "d_in_person", "a", "votes", "outcome")}

    assert got == expected(script), (script, record["reasons"])
    assert verify(doc) == []
