"""Open answers and Q&A boards against what a review found: text a phone sends
cannot break the exports or slip past the blocked words, and moderation after
close leaves the signed record as it was (real `live serve`, real clients)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from live.verify import verify
from tests.live.test_exports import sheet_rows
from tests.live.test_ledger import fetch_bundle
from tests.live.test_question_types import send
from tests.support import Host, LiveServer, voter


async def test_no_phone_can_break_the_files_or_slip_past_the_checks(
        live: LiveServer, host: Host) -> None:
    text = await host.ballot(kind="text", question="One word?")
    board = await host.ballot(kind="qa", question="Questions?")
    refused = await host.post("/ballots", {"kind": "qa", "question": "Q?",
                                           "visibility": "after_vote"})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "visibility"
    for ballot in (text, board):
        await host.open(ballot["id"])
    phone, joined = await voter(live.url, code=host.room["code"])
    try:
        given = await send(phone, "answer:send", {"ballot": text["id"], "client_key": "a",
                                                  "text": "a\x01b\x1b[31m"})
        assert given["ok"], given
        again, back = await voter(live.url, code=host.room["code"], device=joined["device"])
        await again.disconnect()
        mine = next(b for b in back["ballots"] if b["id"] == text["id"])["my_vote"]
        assert (mine["answer"], mine["text"]) == (given["data"]["answer"], "ab[31m"), \
            "after a refresh the phone shows its own answer"
        blank = await send(phone, "question:ask", {"ballot": board["id"], "client_key": "q",
                                                   "text": "\u200b\u3164"})
        assert blank["error"]["code"] == "bad_payload" and blank["error"]["field"] == "text"
        rude = await send(phone, "question:ask", {"ballot": board["id"], "client_key": "r",
                                                  "text": "ㅅㅂ 왜요"})
        assert rude["error"]["code"] == "answer_blocked"
        voted = await send(phone, "vote:cast", {"ballot": board["id"], "choices": [0],
                                                "client_key": "v"})
        assert voted["error"]["code"] == "bad_payload"
    finally:
        await phone.disconnect()
    await host.close(text["id"])
    book = await host.get(f"/ballots/{text['id']}/result.xlsx")
    assert book.status_code == 200, book.text
    assert any("ab[31m" in str(cell) for row in sheet_rows(book.content) for cell in row)


async def test_moderation_after_close_keeps_the_signed_chain_and_goes_to_the_rooms_ledger(
        live: LiveServer, host: Host, redis_client: Any) -> None:
    text = await host.ballot(kind="text", question="A word?")
    await host.open(text["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    try:
        given = await send(phone, "answer:send", {"ballot": text["id"], "client_key": "a",
                                                  "text": "hello"})
    finally:
        await phone.disconnect()
    await host.close(text["id"])
    doc = await fetch_bundle(host, text["id"])
    head = (await host.get(f"/ballots/{text['id']}/head")).json()["data"]
    hidden = await host.post(f"/ballots/{text['id']}/moderate",
                             {"answer": given["data"]["answer"], "action": "hide"})
    assert hidden.status_code == 200, hidden.text
    after = (await host.get(f"/ballots/{text['id']}/head")).json()["data"]
    assert after == head, "the sealed ballot's chain (and what witnesses saw) stays as signed"
    assert verify(doc, witnesses=[(head["height"], head["hash"])]) == []
    events = [json.loads(e) for e in redis_client.lrange(f"mtg:{{r:{host.room['id']}}}:log",
                                                         0, -1)]
    assert [(e["type"], e["ballot"], e["field"], e["value"]) for e in events] == [
        ("moderate", text["id"], "state", "hidden")]
    assert hashlib.sha256(b"hello").hexdigest() not in json.dumps(doc), "keyed, not guessable"
