"""The table at the top of a result file, by question type: a row per option
(choices and ratings), per option with its Borda score and places (rankings),
or per answer with its moderation state (open text). Headers are Korean with
the English beside them, as in every export."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rooms.polls.model import Kind

Table = tuple[list[str], list[list[Any]]]
OPTION_HEADER = ["번호 option_no", "선택지 option", "표 votes", "비율 percent"]


def local_time(ms: int | None, zone: ZoneInfo) -> str:
    """Milliseconds since the epoch as the venue's wall clock: 2026-12-02 14:05:09 KST."""
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def option_rows(record: dict[str, Any]) -> list[tuple[int, str, int, str]]:
    """(number, option, votes, percent of all choices) per option; a ranking's
    (number, option, Borda points, percent of all points); none for open text."""
    if record["kind"] in (Kind.TEXT.value, Kind.QA.value):
        return []
    counts = record["borda"] if record["kind"] == Kind.RANKING.value else record["counts"]
    total = sum(counts)
    return [(i, option, count, f"{100 * count / total:.1f}" if total else "0.0")
            for i, (option, count) in enumerate(zip(record["options"], counts))]


def result_table(record: dict[str, Any], given: list[dict[str, Any]], zone: ZoneInfo) -> Table:
    """(headers, rows) of the result's table; `given`: an open-text question's
    answers as the reader may see them."""
    kind = record["kind"]
    if kind == Kind.RANKING.value:
        n = len(record["options"])
        header = ["번호 option_no", "선택지 option", "보르다 borda"] + [
            f"{p + 1}위 place_{p + 1}" for p in range(n)]
        return header, [[i, option, points, *record["positions"][i]] for i, (option, points)
                        in enumerate(zip(record["options"], record["borda"]))]
    if kind == Kind.TEXT.value:
        header = ["번호 answer_no", "답변 answer", "상태 state", f"시각 at ({zone.key})"]
        return header, [[i + 1, a["text"], a["state"], local_time(a["at"], zone)]
                        for i, a in enumerate(given)]
    if kind == Kind.QA.value:
        header = ["번호 question_no", "질문 question", "이름 name", "추천 upvotes", "상태 state",
                  "고정 pinned", "답변함 answered", f"시각 at ({zone.key})"]
        return header, [[i + 1, q["text"], q["name"], q["up"], q["state"], q["pinned"],
                         q["answered"], local_time(q["at"], zone)] for i, q in enumerate(given)]
    return OPTION_HEADER, [list(row) for row in option_rows(record)]


def type_facts(record: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Facts below the table that only some types have."""
    if record["kind"] == Kind.RATING.value:
        scale = record["scale"]
        return [("척도", "Scale", f"{scale['min']} ({scale['low']}) – {scale['max']} "
                                 f"({scale['high']})"),
                ("합계", "Sum", record["sum"]),
                ("평균 (소수 첫째 자리, 반올림)", "Average (one decimal, half up)",
                 "" if record["average"] is None else f"{record['average']:.1f}")]
    if record["kind"] == Kind.RANKING.value:
        n = len(record["options"])
        return [("보르다 점수", "Borda rule", f"1위 {n - 1}점 … {n}위 0점 / first place "
                                           f"{n - 1} points … last 0")]
    if record["kind"] == Kind.TEXT.value:
        return [("답변 수", "Answers", record["answers"]),
                ("답변 해시", "Answers SHA-256", record["answers_sha256"])]
    if record["kind"] == Kind.QA.value:
        return [("질문 수", "Questions", record["answers"]),
                ("추천 수", "Upvotes", record["upvotes"]),
                ("질문 해시", "Questions SHA-256", record["answers_sha256"])]
    return []
