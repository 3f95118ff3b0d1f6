"""Question types people expect at events (issue 19): rating scales, rankings
and open text with moderation and a word cloud, against a real redis-server, a
real `live serve` and real Socket.IO clients."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import itertools
import json
from collections import Counter
from fractions import Fraction
from typing import Any

import socketio

from live.verify import verify
from tests.live.test_exports import sheet_rows
from tests.live.test_ledger import fetch_bundle
from tests.live.test_voting import screen
from tests.support import PASSES, Host, LiveServer, call, eventually, voter

HALL = 500
WORDS = ["사과", "사과!", " 바나나 ", "Banana", "BANANA.", "포도", "사과를", "=1+1"]


def half_up(total: int, n: int) -> float:
    return float(int(Fraction(total, n) * 10 + Fraction(1, 2))) / 10


async def hall_of(live: LiveServer, host: Host, n: int, batch: int = 100
                  ) -> list[socketio.AsyncClient]:
    """n phones joined, `batch` connecting at a time; a phone whose connection
    the loaded machine did not confirm in the client's 1 s tries again, as a
    page does."""
    async def one() -> socketio.AsyncClient:
        for attempt in range(3):
            try:
                return (await voter(live.url, code=host.room["code"]))[0]
            except socketio.exceptions.ConnectionError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
    phones: list[socketio.AsyncClient] = []
    for start in range(0, n, batch):
        phones += await asyncio.gather(*[one() for _ in range(start, min(n, start + batch))])
    return phones


async def burst(phones: list[socketio.AsyncClient], event: str,
                bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    acks = await asyncio.gather(*[send(p, event, b) for p, b in zip(phones, bodies)])
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    return list(acks)


async def send(phone: socketio.AsyncClient, event: str, body: dict[str, Any]) -> Any:
    """An event with the phone's admission pass, as the page sends it."""
    return await call(phone, event, {"pass": PASSES.get(phone), **body})


def latest(pushed: list[dict[str, Any]], ballot_id: str) -> dict[str, Any]:
    return next((t for t in reversed(pushed) if t["ballot"] == ballot_id), {})


async def test_a_hall_of_500_phones_rates_ranks_and_answers_with_exact_counts(
        live: LiveServer, host: Host) -> None:
    rating = await host.ballot(question="오늘 행사는 어땠나요?", kind="rating",
                               scale={"min": 1, "max": 5, "low": "별로", "high": "최고"})
    ranking = await host.ballot(question="Order the talks", kind="ranking",
                                options=["Keynote", "Panel", "Demo", "Q&A"])
    text = await host.ballot(question="한 단어로?", kind="text", max_length=20)
    for b in (rating, ranking, text):
        await host.open(b["id"])
    presenter, pushed, _ = await screen(live, host)
    phones = await hall_of(live, host, HALL)

    points = [1 + (i * i) % 5 for i in range(HALL)]
    orders = [list(p) for p in itertools.permutations(range(4))]
    await burst(phones, "vote:cast", [{"ballot": rating["id"], "choices": [v - 1],
                                       "client_key": f"r{i}"} for i, v in enumerate(points)])
    ranked = await burst(phones, "vote:cast", [
        {"ballot": ranking["id"], "ranking": orders[i % 24], "client_key": f"k{i}"}
        for i in range(HALL)])
    answered = await burst(phones, "answer:send", [
        {"ballot": text["id"], "text": WORDS[i % len(WORDS)], "client_key": f"t{i}"}
        for i in range(HALL)])

    by_point = Counter(points)
    rated = await host.tally(rating["id"])
    assert rated["counts"] == [by_point[v] for v in range(1, 6)] and rated["voters"] == HALL
    assert rated["sum"] == sum(points) and rated["average"] == half_up(sum(points), HALL)
    places = [[sum(1 for i in range(HALL) if orders[i % 24][p] == o) for p in range(4)]
              for o in range(4)]
    tally = await host.tally(ranking["id"])
    assert tally["positions"] == places and tally["voters"] == HALL
    assert tally["borda"] == [sum((3 - p) * n for p, n in enumerate(row)) for row in places]
    assert ranked[0]["data"]["choices"] == [0, 5, 10, 15], "cells: option * n + place"
    words = await host.tally(text["id"])
    assert words["voters"] == HALL and words["moderation"]["approved"] == HALL
    share = Counter(WORDS[i % len(WORDS)] for i in range(HALL))
    assert dict(map(tuple, words["cloud"])) == {  # type: ignore[arg-type]
        "사과": share["사과"] + share["사과!"], "바나나": share[" 바나나 "],
        "Banana": share["Banana"] + share["BANANA."], "포도": share["포도"],
        "사과를": share["사과를"], "=1+1": share["=1+1"]}
    assert len({a["data"]["answer"] for a in answered}) == HALL

    async def screen_caught_up() -> bool:
        return (latest(pushed, rating["id"]).get("sum") == sum(points)
                and latest(pushed, ranking["id"]).get("voters") == HALL
                and latest(pushed, text["id"]).get("voters") == HALL)
    assert await eventually(screen_caught_up, timeout=10)
    pushes = sum(1 for t in pushed if t["ballot"] == text["id"])
    assert pushes < HALL // 5, f"{pushes} pushes: coalesced snapshots, not one per answer"

    sealed = (await host.close(rating["id"]))["record"]
    assert (sealed["sum"], sealed["average"], sealed["scale"]["low"]) == (
        sum(points), half_up(sum(points), HALL), "별로")
    assert (await host.close(ranking["id"]))["record"]["positions"] == places
    record = (await host.close(text["id"]))["record"]
    assert record["answers"] == HALL and record["receipts"] == HALL
    await asyncio.gather(*[phone.disconnect() for phone in phones])
    await presenter.disconnect()


async def test_a_ranking_must_place_every_option_once(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(kind="ranking", options=["A", "B", "C"])
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    for bad in ([0, 1], [0, 1, 3]):
        refused = await call(phone, "vote:cast", {"ballot": ballot["id"], "ranking": bad,
                                                  "client_key": "x"})
        assert refused["error"]["code"] == "invalid_option", refused
    cells = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0, 4, 7],
                                            "client_key": "x"})  # places 0, 1, 1: not whole
    assert cells["error"]["code"] == "invalid_option"
    ok = await call(phone, "vote:cast", {"ballot": ballot["id"], "ranking": [2, 0, 1],
                                         "client_key": "y"})
    assert ok["data"]["choices"] == [1, 5, 6]
    assert (await host.tally(ballot["id"]))["borda"] == [1, 0, 2]
    await phone.disconnect()


async def test_a_rating_outside_its_scale_is_refused(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(kind="rating", scale={"min": 0, "max": 10})
    assert ballot["options"] == [str(v) for v in range(11)]
    assert ballot["scale"] == {"min": 0, "max": 10, "low": "", "high": ""}
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    refused = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [11],
                                              "client_key": "a"})
    assert refused["error"]["code"] == "invalid_option"
    two = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [3, 4],
                                          "client_key": "a"})
    assert two["error"]["code"] == "invalid_option"
    await phone.disconnect()


async def test_blocked_words_are_refused_in_korean_and_english(live: LiveServer,
                                                               host: Host) -> None:
    ballot = await host.ballot(kind="text", blocked=["바보"], max_length=30)
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    for said in ("너는 바보야", "씨 발", "F.U.C.K this"):
        refused = await send(phone, "answer:send", {"ballot": ballot["id"], "text": said,
                                                    "client_key": said})
        assert refused["error"]["code"] == "answer_blocked", (said, refused)
    long = await send(phone, "answer:send", {"ballot": ballot["id"], "text": "가" * 31,
                                             "client_key": "long"})
    assert long["error"]["code"] == "bad_payload"
    assert (await send(phone, "answer:send", {"ballot": ballot["id"], "text": "바다",
                                              "client_key": "ok"}))["ok"]
    again = await send(phone, "answer:send", {"ballot": ballot["id"], "text": "산",
                                              "client_key": "second"})
    assert again["error"]["code"] == "already_voted", "one answer per phone"
    await phone.disconnect()


async def moderate(host: Host, ballot: str, answer: str, action: str) -> None:
    r = await host.post(f"/ballots/{ballot}/moderate", {"answer": answer, "action": action})
    assert r.status_code == 200, r.text


async def test_moderation_hides_an_answer_everywhere_but_the_hosts_export(
        live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(question="Ideas?", kind="text", hold=True)
    await host.open(ballot["id"])
    presenter, pushed, _ = await screen(live, host)
    phones = await hall_of(live, host, 3)
    seen: dict[str, Any] = {}
    phones[0].on("tally", seen.update, namespace="/voter")
    acks = await burst(phones, "answer:send", [
        {"ballot": ballot["id"], "text": t, "client_key": "k"}
        for t in ("More coffee", "=HYPERLINK(\"x\")", "More coffee")])
    assert {a["data"]["state"] for a in acks} == {"pending"}
    ids = [a["data"]["answer"] for a in acks]

    async def shown(texts: list[str]) -> bool:
        last = latest(pushed, ballot["id"])
        return sorted(a["text"] for a in last.get("answers", [])) == texts and \
            sorted(a["text"] for a in seen.get("answers", [])) == texts
    assert await eventually(lambda: shown([])), "held answers are not shown"
    for answer in ids:
        await moderate(host, ballot["id"], answer, "approve")
    assert await eventually(lambda: shown(["=HYPERLINK(\"x\")", "More coffee", "More coffee"]))
    assert latest(pushed, ballot["id"])["cloud"][0] == ["More coffee", 2]

    await moderate(host, ballot["id"], ids[0], "hide")

    assert await eventually(lambda: shown(["=HYPERLINK(\"x\")", "More coffee"]))
    last = latest(pushed, ballot["id"])
    assert ["More coffee", 1] in last["cloud"] and last["moderation"]["hidden"] == 1
    listed = (await host.get(f"/ballots/{ballot['id']}/answers")).json()["data"]["answers"]
    assert [a["state"] for a in listed if a["id"] == ids[0]] == ["hidden"]
    await host.close(ballot["id"])
    staff = list(csv.reader(io.StringIO(
        (await host.get(f"/ballots/{ballot['id']}/result.csv")).content.decode("utf-8-sig"))))
    assert staff[0][2:] == ["번호 answer_no", "답변 answer", "상태 state", "시각 at (Asia/Seoul)"]
    assert sorted((r[3], r[4]) for r in staff[1:4]) == [
        ("'=HYPERLINK(\"x\")", "approved"), ("More coffee", "approved"),
        ("More coffee", "hidden")]
    public = await host.http.get(f"/api/rooms/{host.room['id']}/ballots/{ballot['id']}/result.csv",
                                 headers={"authorization": ""})
    rows = list(csv.reader(io.StringIO(public.content.decode("utf-8-sig"))))
    assert "hidden" not in {r[4] for r in rows[1:] if len(r) > 4}
    assert sum(1 for r in rows if len(r) > 4 and r[3] == "More coffee") == 1
    await asyncio.gather(presenter.disconnect(), *[p.disconnect() for p in phones])


async def test_rating_and_ranking_export_as_csv_and_xlsx(live: LiveServer, host: Host) -> None:
    rating = await host.ballot(question="Venue?", kind="rating",
                               scale={"min": 1, "max": 5, "low": "poor", "high": "great"})
    ranking = await host.ballot(question="Order", kind="ranking", options=["=A", "B", "C"])
    for b in (rating, ranking):
        await host.open(b["id"])
    phones = await hall_of(live, host, 3)
    await burst(phones, "vote:cast", [{"ballot": rating["id"], "choices": [c],
                                       "client_key": "r"} for c in (4, 4, 1)])
    await burst(phones, "vote:cast", [{"ballot": ranking["id"], "ranking": r,
                                       "client_key": "k"} for r in ([0, 1, 2], [0, 2, 1],
                                                                    [1, 0, 2])])
    for b in (rating, ranking):
        await host.close(b["id"])

    rated = (await host.get(f"/ballots/{rating['id']}/result.csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(rated)))
    assert [r[3:5] for r in rows[1:6]] == [["1", "0"], ["2", "1"], ["3", "0"], ["4", "0"],
                                           ["5", "2"]]
    facts = {r[0]: r[1] for r in rows if len(r) == 2}
    assert facts["합계 Sum"] == "12" and facts["평균 (소수 첫째 자리, 반올림) Average (one decimal, "
                                            "half up)"] == "4.0"
    assert facts["결과 outcome"] == "평균 4.0 (1–5) / average 4.0 (1–5)"
    ranked = (await host.get(f"/ballots/{ranking['id']}/result.csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(ranked)))
    assert rows[0][2:] == ["번호 option_no", "선택지 option", "보르다 borda", "1위 place_1",
                           "2위 place_2", "3위 place_3"]
    assert [r[2:] for r in rows[1:4]] == [["0", "'=A", "5", "2", "1", "0"],
                                          ["1", "B", "3", "1", "1", "1"],
                                          ["2", "C", "1", "0", "1", "2"]]
    book = sheet_rows((await host.get(f"/ballots/{ranking['id']}/result.xlsx")).content)
    assert book[2] == ["번호 option_no", "선택지 option", "보르다 borda", "1위 place_1",
                       "2위 place_2", "3위 place_3"]
    assert book[3] == [1, "=A", 5, 2, 1, 0], "a text cell, never a formula"
    assert ["결과 Outcome", "보르다 1위: =A / Borda winner: =A"] in [r[:2] for r in book]
    book = sheet_rows((await host.get(f"/ballots/{rating['id']}/result.xlsx")).content)
    assert book[3:8] == [[1, "1", 0, 0.0], [2, "2", 1, 33.3], [3, "3", 0, 0.0],
                         [4, "4", 0, 0.0], [5, "5", 2, 66.7]]
    pdf = await host.get(f"/ballots/{ranking['id']}/result.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    await asyncio.gather(*[p.disconnect() for p in phones])


def test_record_digest_covers_every_answer() -> None:
    from rooms.polls.answers import sealed_digest
    given = [{"id": "b", "text": "y"}, {"id": "a", "text": "x"}]
    assert sealed_digest(given) == hashlib.sha256(b"a\tx\nb\ty").hexdigest()


async def test_a_hall_of_500_phones_upvotes_a_qa_board_once_each(live: LiveServer,
                                                                 host: Host) -> None:
    board = await host.ballot(question="Questions for the panel", kind="qa")
    assert board["qa"] == {"max_length": 200, "hold": False, "named": True}
    await host.open(board["id"])
    presenter, pushed, _ = await screen(live, host)
    phones = await hall_of(live, host, HALL)
    asked = await burst(phones[:3], "question:ask", [
        {"ballot": board["id"], "text": t, "name": n, "client_key": "q"}
        for t, n in (("What comes next?", ""), ("예산은 얼마인가요?", "김민지"),
                     ("Why Valkey?", "Sam"))])
    ids = [a["data"]["question"] for a in asked]
    retried = await send(phones[0], "question:ask", {"ballot": board["id"], "client_key": "q",
                                                     "text": "What comes next?"})
    assert (retried["data"]["question"], retried["data"]["status"]) == (ids[0], "repeat")

    def target(i: int) -> int:  # askers upvote the next question, not their own
        return (i + 1) % 3 if i < 3 else i % 3
    bodies = [{"ballot": board["id"], "question": ids[target(i)]} for i in range(HALL)]
    first, again = await asyncio.gather(burst(phones, "question:upvote", bodies),
                                        burst(phones, "question:upvote", bodies))

    want = Counter(target(i) for i in range(HALL))
    statuses = Counter(a["data"]["status"] for a in first + again)
    assert statuses == {"new": HALL, "repeat": HALL}, "one upvote per phone, twice sent"
    tally = await host.tally(board["id"])
    assert {q["id"]: q["up"] for q in tally["questions"]} == {
        ids[k]: n for k, n in want.items()}
    assert [q["up"] for q in tally["questions"]] == sorted(want.values(), reverse=True)
    assert "o" not in tally["questions"][0], "who asked is never shown"
    own = await send(phones[1], "question:upvote", {"ballot": board["id"], "question": ids[1]})
    assert own["error"]["code"] == "own_question"

    await moderate(host, board["id"], ids[2], "pin")
    await moderate(host, board["id"], ids[0], "answered")

    async def screen_order() -> list[str]:
        last = latest(pushed, board["id"])
        return [q["id"] for q in last.get("questions", [])]
    want_order = [ids[2], ids[1], ids[0]]  # pinned, then unanswered by upvotes, then answered
    assert await eventually(lambda: _equal(screen_order(), want_order)), await screen_order()
    await moderate(host, board["id"], ids[1], "hide")
    assert await eventually(lambda: _equal(screen_order(), [ids[2], ids[0]]))
    record = (await host.close(board["id"]))["record"]
    assert (record["answers"], record["upvotes"]) == (3, HALL)
    rows = list(csv.reader(io.StringIO(
        (await host.get(f"/ballots/{board['id']}/result.csv")).content.decode("utf-8-sig"))))
    assert rows[0][2:8] == ["번호 question_no", "질문 question", "이름 name", "추천 upvotes",
                            "상태 state", "고정 pinned"]
    assert sorted((r[3], r[4], r[5], r[6]) for r in rows[1:4]) == sorted([
        ("What comes next?", "", str(want[0]), "approved"),
        ("예산은 얼마인가요?", "김민지", str(want[1]), "hidden"),
        ("Why Valkey?", "Sam", str(want[2]), "approved")])
    await asyncio.gather(presenter.disconnect(), *[phone.disconnect() for phone in phones])


async def _equal(got: Any, want: list[str]) -> bool:
    return bool(await got == want)


async def test_a_phone_asks_at_most_five_questions_on_a_board(live: LiveServer,
                                                              host: Host) -> None:
    board = await host.ballot(question="Ask us", kind="qa", named=False, hold=True)
    await host.open(board["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    for i in range(5):
        ok = await send(phone, "question:ask", {"ballot": board["id"], "text": f"Q{i}",
                                                "name": "Kim", "client_key": f"k{i}"})
        assert ok["data"]["state"] == "pending", ok
    sixth = await send(phone, "question:ask", {"ballot": board["id"], "text": "Q5",
                                               "client_key": "k5"})
    assert sixth["error"]["code"] == "too_many_questions"
    listed = (await host.get(f"/ballots/{board['id']}/answers")).json()["data"]["answers"]
    assert {q["name"] for q in listed} == {""}, "a board without names keeps none"
    held = await send(phone, "question:upvote", {"ballot": board["id"],
                                                 "question": listed[0]["id"]})
    assert held["error"]["code"] == "answer_not_found", "held questions take no upvotes"
    await phone.disconnect()


async def test_signed_bundles_of_every_type_pass_live_verify(live: LiveServer,
                                                             host: Host) -> None:
    made = [await host.ballot(kind="rating", scale={"min": 0, "max": 10}),
            await host.ballot(kind="ranking", options=["A", "B", "C"]),
            await host.ballot(kind="text"), await host.ballot(kind="qa")]
    for b in made:
        await host.open(b["id"])
    phones = await hall_of(live, host, 4)
    rating, ranking, text, board = (b["id"] for b in made)
    await burst(phones, "vote:cast", [{"ballot": rating, "choices": [i * 3],
                                       "client_key": "r"} for i in range(4)])
    await burst(phones, "vote:cast", [{"ballot": ranking, "ranking": r, "client_key": "k"}
                                      for r in ([0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1])])
    await burst(phones, "answer:send", [{"ballot": text, "text": f"t{i}", "client_key": "t"}
                                        for i in range(4)])
    asked = await send(phones[0], "question:ask", {"ballot": board, "text": "Why?",
                                                   "client_key": "q"})
    await burst(phones[1:], "question:upvote", [{"ballot": board,
                                                 "question": asked["data"]["question"]}] * 3)
    for b in made:
        await host.close(b["id"])
        doc = await fetch_bundle(host, b["id"])
        assert verify(doc) == [], (b["kind"], verify(doc))
    await asyncio.gather(*[p.disconnect() for p in phones])

