"""One precedence rule for a member's ballot on an item, everywhere: in the hall
(a phone or a paper ballot, or a statutory proxy) over verified online over an
advance e-vote over a mailed written resolution. A lower one never replaces a
higher one; a higher one replaces a lower one even when the item does not allow
changes; a proxy's ballot never replaces the member's own."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.live.test_meeting import NO, YES, Members, staff
from tests.live.test_meeting_rules import invites, small_meeting
from tests.support import MEMBER_GRACE_MS, Host, LiveServer


async def item(host: Host, agenda: str = "general") -> str:
    """A yes/no item that does not allow changes, on a 5-member roster."""
    await small_meeting(host, members=5)
    return str((await host.ballot(kind="yesno", question="Budget", agenda=agenda))["id"])


async def code_of(host: Host, path: str, body: dict[str, Any]) -> str:
    r = await host.post(path, body)
    data = r.json()
    return "ok" if data["ok"] else str(data["error"]["code"])


async def test_a_paper_ballot_in_the_hall_outranks_a_written_one_and_not_the_reverse(
        live: LiveServer, host: Host) -> None:
    budget = await item(host)
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    written = await code_of(host, "/written", {"member_no": "M001", "ballot": budget,
                                               "choices": NO})
    early_paper = await code_of(host, "/paper", {"member_no": "M001", "ballot": budget,
                                                 "choices": YES})
    await staff(host, f"/ballots/{budget}/live", {})
    paper = await host.post("/paper", {"member_no": "M001", "ballot": budget, "choices": YES})
    late_slip = await code_of(host, "/written", {"member_no": "M001", "ballot": budget,
                                                 "choices": NO})
    record = (await staff(host, f"/ballots/{budget}/close", {}))["data"]["record"]["meeting"]

    assert (written, early_paper) == ("ok", "item_not_live")
    assert paper.json()["data"]["status"] == "changed", paper.text
    assert late_slip == "outranked"
    assert record["votes"][:2] == [1, 0] and record["by_mode"] == {"paper": 1}
    assert (record["d"], record["d_in_person"], record["a"]) == (1, 1, 1)


async def test_an_advance_voter_votes_again_in_the_hall_where_changes_are_off(
        live: LiveServer, host: Host) -> None:
    budget = await item(host)
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    members = Members(live, host, await invites(host))
    await members.verify(1)
    early = await members.vote(1, budget, NO)
    again_early = await members.vote(1, budget, YES, client_key="second-early")
    await staff(host, f"/ballots/{budget}/live", {})
    await staff(host, "/attendance", {"member_no": "M001", "mode": "in_person"})
    in_hall = await members.vote(1, budget, YES, client_key="in-hall")
    slip = await code_of(host, "/written", {"member_no": "M001", "ballot": budget,
                                            "choices": NO})
    record = (await staff(host, f"/ballots/{budget}/close", {}))["data"]["record"]["meeting"]

    assert early["data"]["status"] == "new"
    assert again_early["error"]["code"] == "already_voted", "same rank: the item's setting"
    assert in_hall["data"]["status"] == "changed", in_hall
    assert slip == "outranked"
    assert record["votes"][:2] == [1, 0] and record["by_mode"] == {"live": 1}
    await members.close()


async def test_a_proxys_ballot_never_replaces_the_members_own(live: LiveServer,
                                                              host: Host) -> None:
    budget = await item(host)
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    members = Members(live, host, await invites(host))
    for member_no in ("M001", "M002"):
        await staff(host, "/proxies", {"member_no": member_no, "ground": "adult_family",
                                       "proxy_name": "Child"})
    await members.verify(1)
    assert (await members.vote(1, budget, NO))["ok"]  # M001 voted in advance
    await members.leave(1)
    await staff(host, f"/ballots/{budget}/live", {})
    over_own = await code_of(host, "/paper", {"member_no": "M001", "ballot": budget,
                                              "choices": YES, "by": "proxy"})
    proxy_paper = await code_of(host, "/paper", {"member_no": "M002", "ballot": budget,
                                                 "choices": YES, "by": "proxy"})
    await members.verify(2)  # the principal comes online and votes: the proxy's ends
    own = await members.vote(2, budget, NO, client_key="own")
    record = (await staff(host, f"/ballots/{budget}/close", {}))["data"]["record"]["meeting"]

    assert (over_own, proxy_paper) == ("principal_voted", "ok")
    assert own["data"]["status"] == "changed", own
    assert record["votes"][:2] == [0, 2], record
    # The refused proxy ballot checked nobody in: M001 counts by the advance vote only.
    assert (record["d"], record["a"]) == (1, 2), record
    await members.close()


async def test_written_resolutions_stop_at_their_cut_off(live: LiveServer, host: Host) -> None:
    budget = await item(host)
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    before = await code_of(host, "/written", {"member_no": "M001", "ballot": budget,
                                              "choices": YES})
    r = await host.post("/written-cutoff", {"closes_at": int(time.time() * 1000) - 1000})
    after = await code_of(host, "/written", {"member_no": "M002", "ballot": budget,
                                             "choices": YES})

    assert r.status_code == 200 and (before, after) == ("ok", "written_closed")


async def test_paper_ballots_in_the_hall_count_in_person_for_a_contractor(
        live: LiveServer, host: Host) -> None:
    contractor = await item(host, agenda="contractor")
    await staff(host, f"/ballots/{contractor}/live", {})
    for i in (1, 2, 3):
        await staff(host, "/paper", {"member_no": f"M00{i}", "ballot": contractor,
                                     "choices": YES})
    record = (await staff(host, f"/ballots/{contractor}/close", {}))["data"]["record"]["meeting"]

    # 3 of 5 in the hall on paper: 2 x 3 > 5, so the in-person rule is met.
    assert (record["d_in_person"], record["a"], record["outcome"]) == (3, 3, "PASSED"), record


async def test_how_you_are_counted_tells_the_truth(live: LiveServer, host: Host) -> None:
    budget = await item(host, agenda="contractor")
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    members = Members(live, host, await invites(host))
    for i in (1, 2):
        await members.verify(i)
        assert (await members.vote(i, budget, YES))["ok"]
        await members.leave(i)  # voted from home days before
    await staff(host, "/withdraw", {"member_no": "M002", "ballot": budget})  # and never came
    await asyncio.sleep(MEMBER_GRACE_MS / 1000 + 0.3)  # the drops are final
    await staff(host, f"/ballots/{budget}/live", {})
    await staff(host, "/attendance", {"member_no": "M001", "mode": "in_person"})
    await staff(host, f"/ballots/{budget}/close", {})

    seen = {}
    for i in (1, 2):
        status = (await members.resume(i))["data"]
        seen[i] = next(x for x in status["items"] if x["id"] == budget)["counted_as"]

    # M001 came to the hall but did not vote again: the advance vote stands, which
    # is not in-person attendance for a contractor; M002 withdrew and stayed away.
    assert seen == {1: "present_early_stands", 2: "not_counted"}
    await members.close()


async def test_a_copied_secret_receipt_cannot_take_another_members_place(
        live: LiveServer, host: Host) -> None:
    await small_meeting(host, members=5)
    item = str((await host.ballot(kind="yesno", question="Secret", agenda="general",
                                  secret=True))["id"])
    await staff(host, f"/ballots/{item}/live", {})
    members = Members(live, host, await invites(host))
    for i in (1, 2):
        await members.verify(i)
    first = await members.vote(1, item, YES, nonce="ab" * 8)
    copied = await members.vote(2, item, YES, nonce="ab" * 8)  # the same tracker
    own = await members.vote(2, item, YES, nonce="cd" * 8, client_key="own")

    assert first["ok"] and copied["error"]["code"] == "bad_payload", copied
    assert own["data"]["status"] == "new"
    assert (await host.tally(item))["counts"][:1] == [2]
    await members.close()


def test_minutes_csv_never_hands_a_spreadsheet_a_formula() -> None:
    from live.minutes import minutes_csv
    item = {"question": "=HYPERLINK(\"http://x\",\"y\")", "options": ["+1", "-2", "@3"],
            "votes": [1, 0, 0], "rule": {"pass_rule": "attending", "direct_min_pct": 10},
            "secret": False, "n": 1, "d": 1, "d_in_person": 1, "a": 1, "outcome": "PASSED",
            "opened_at": 0, "closed_at": 0, "named_votes": [
                {"member_no": "1", "name": "=cmd|' /C calc'!A0", "choices": [0],
                 "mode": "paper"}]}
    text = minutes_csv({"items": [item], "attendance": {}})
    rows = list(__import__("csv").reader(text.lstrip("\ufeff").splitlines()))
    cells = [c for row in rows for c in row]
    assert not any(c[:1] in "=+-@" and c for c in cells), [c for c in cells if c[:1] in "=+-@"]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'=cmd|' /C calc'!A0" in cells
