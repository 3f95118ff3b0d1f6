"""The minutes as a file a union keeps (의사록): CSV with a byte-order mark so
spreadsheet programs read Korean, Korean headers and words by default, English
as the alternative (`?lang=en`)."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

from rooms.polls import local_time, sheet_safe

COLUMNS = {
    "ko": ("안건", "안건 내용", "의결 요건", "투표 방식", "조합원 수(N)", "직접 출석(D)",
           "현장 출석", "대리인 출석", "온라인 출석", "현장 출석(시공자 기준)", "서면결의",
           "사전 전자투표", "출석 인정(A)", "득표", "결과", "사유", "개시 시각(ms)",
           "종료 시각(ms)", "기록 SHA-256"),
    "en": ("item", "question", "rule", "ballot", "members (N)", "direct (D)", "in person",
           "by proxy", "online", "in person for contractor rule", "written", "advance e-vote",
           "attending (A)", "votes", "outcome", "reason", "opened_at_ms", "closed_at_ms",
           "record SHA-256"),
}
OUTCOME = {"ko": {"PASSED": "가결", "FAILED": "부결", "QUORUM_NOT_MET": "정족수 미달",
                  "TIE": "동점(결선 필요)"},
           "en": {"PASSED": "PASSED", "FAILED": "FAILED", "QUORUM_NOT_MET": "QUORUM NOT MET",
                  "TIE": "TIE (runoff needed)"}}
PASS_RULE = {"ko": {"attending": "출석 조합원 과반수 찬성", "all": "조합원 과반수 찬성",
                    "two_thirds_all": "조합원 3분의 2 이상 찬성"},
             "en": {"attending": "majority of those attending", "all": "majority of all members",
                    "two_thirds_all": "two thirds of all members"}}


def rule_text(rule: dict[str, Any], lang: str) -> str:
    text = f"{PASS_RULE[lang].get(rule.get('pass_rule', ''), rule.get('pass_rule', ''))}"
    if lang == "ko":
        text += f", 직접 출석 {rule.get('direct_min_pct', 10)}% 이상"
        if rule.get("contractor"):
            text += ", 조합원 과반수 현장 출석"
        if rule.get("overridden"):
            text += f" (정관에 따라 변경: {', '.join(rule['overridden'])})"
    else:
        text += f", direct attendance at least {rule.get('direct_min_pct', 10)}%"
        if rule.get("contractor"):
            text += ", a majority of members in person"
        if rule.get("overridden"):
            text += f" (set by the articles: {', '.join(rule['overridden'])})"
    return text


def reason_ko(item: dict[str, Any]) -> str:
    """The outcome's reason in Korean, from the frozen figures."""
    n, d, di, a = item["n"], item["d"], item["d_in_person"], item["a"]
    rule = item["rule"]
    outcome = item.get("outcome") or item.get("provisional", "")
    if outcome == "QUORUM_NOT_MET":
        parts = []
        if not 2 * a > n:
            parts.append(f"출석 인정 {a}명이 조합원 {n}명의 과반이 아닙니다")
        pct = rule.get("direct_min_pct", 10)
        if not 100 * d >= pct * n:
            parts.append(f"직접 출석 {d}명이 조합원 {n}명의 {pct}%에 못 미칩니다 "
                         f"({-(-pct * n // 100) - d}명 부족)")
        if rule.get("contractor") and not 2 * di > n:
            parts.append(f"현장 출석 {di}명이 조합원 과반이 아닙니다 ({n // 2 + 1 - di}명 부족)")
        return "; ".join(parts)
    votes, options = item["votes"], item["options"]
    if item.get("seats"):
        if outcome == "TIE":
            return "동점: " + ", ".join(options[i] for i in item.get("tied", [])) + " (결선 투표)"
        if outcome == "PASSED":
            return "선출: " + ", ".join(options[i] for i in item.get("elected", []))
        return "기준을 넘은 후보가 없습니다"
    base = {"attending": f"출석 {a}명", "all": f"조합원 {n}명",
            "two_thirds_all": f"조합원 {n}명의 3분의 2"}.get(rule.get("pass_rule", ""), "")
    return f"찬성 {votes[0]}명 / {base} 기준"


class SafeWriter:
    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Any) -> None:
        self._writer.writerow([sheet_safe(v) for v in row])


def _votes(item: dict[str, Any]) -> str:
    return " / ".join(f"{o}: {v}" for o, v in zip(item["options"], item["votes"]))


Table = list[list[Any]]


def item_table(data: dict[str, Any], lang: str, zone: ZoneInfo | None = None) -> Table:
    """Headers, then one row per agenda item; times in milliseconds, or on the
    clock of `zone`."""
    heads = list(COLUMNS[lang])
    if zone is not None:
        heads[-3:-1] = [f"{h.split('(')[0].strip()} ({zone.key})" for h in heads[-3:-1]]
    rows: Table = [heads]
    for n, item in enumerate(data["items"], start=1):
        modes, split = item.get("by_mode", {}), item.get("d_by_mode", {})
        outcome = item.get("outcome")
        shown = OUTCOME[lang].get(outcome, outcome) if outcome else \
            ("진행 중" if lang == "ko" else "OPEN")
        reason = reason_ko(item) if lang == "ko" and outcome else " | ".join(
            item.get("reasons", []))
        times = [item["opened_at"], item["closed_at"]]
        rows.append([
            n, item["question"], rule_text(item["rule"], lang),
            ("비밀" if item["secret"] else "기명") if lang == "ko"
            else ("secret" if item["secret"] else "named"),
            item["n"], item["d"], split.get("in_person", 0), split.get("proxy", 0),
            split.get("online", 0), item["d_in_person"], modes.get("written", 0),
            modes.get("early", 0), item["a"], _votes(item), shown, reason,
            *(times if zone is None else [local_time(t, zone) for t in times]),
            item.get("sha256", "")])
    return rows


def attendance_table(data: dict[str, Any], lang: str) -> Table:
    """Headers, then who attended the meeting, by how."""
    heads = {"ko": ["출석 명부", "조합원 번호", "성명", "출석 방식", "대리인"],
             "en": ["attendance", "member_no", "name", "how", "proxy"]}[lang]
    how = {"ko": {"in_person": "현장", "proxy": "대리인", "online": "온라인"},
           "en": {"in_person": "in person", "proxy": "by proxy", "online": "online"}}[lang]
    attendance = data.get("attendance", {})
    return [heads] + [["", entry["member_no"], entry["name"], how[mode],
                       entry.get("proxy_name", "")]
                      for mode in ("in_person", "proxy", "online")
                      for entry in attendance.get(mode, [])]


def named_table(data: dict[str, Any], lang: str) -> Table:
    """Headers, then the votes by name on closed named items; empty without any."""
    heads = {"ko": ["기명 투표", "안건", "조합원 번호", "성명", "선택", "방식"],
             "en": ["named votes", "item", "member_no", "name", "choice", "mode"]}[lang]
    rows = [["", n, vote["member_no"], vote["name"],
             ", ".join(item["options"][c] for c in vote["choices"]), vote["mode"]]
            for n, item in enumerate(data["items"], start=1)
            for vote in item.get("named_votes") or []]
    return [heads] + rows if rows else []


def _when(ms: int | None, zone: ZoneInfo | None) -> Any:
    return (ms or "") if zone is None else local_time(ms, zone)


def speaker_table(data: dict[str, Any], lang: str, zone: ZoneInfo | None = None) -> Table:
    """Headers, then who was given the floor, per item in order (item 0: between
    items); empty when nobody spoke. Times in milliseconds, or on `zone`'s clock."""
    unit = "(ms)" if zone is None else f"({zone.key})"
    heads = {"ko": ["발언자", "안건", "조합원 번호", "성명", f"발언 시작 {unit}", f"발언 종료 {unit}"],
             "en": ["speakers", "item", "member_no", "name", f"from {unit}", f"to {unit}"]}[lang]
    turns = [(n, turn) for n, item in enumerate(data["items"], start=1)
             for turn in item.get("speakers") or []]
    turns += [(0, turn) for turn in data.get("speakers_between_items") or []]
    rows = [["", n, turn["member_no"], turn["name"], _when(turn.get("granted_at"), zone),
             _when(turn.get("ended_at"), zone)] for n, turn in turns]
    return [heads] + rows if rows else []


def video_table(data: dict[str, Any], lang: str, zone: ZoneInfo | None = None) -> Table:
    """Headers, then the video access log: one row per member's session (to the
    minute), with the items under way while they watched; empty without any."""
    unit = "(ms)" if zone is None else f"({zone.key})"
    heads = {"ko": ["영상 접속 기록", "조합원 번호", "성명", f"시청 시작 {unit}",
                    f"시청 종료 {unit}", "시청한 안건"],
             "en": ["video access log", "member_no", "name", f"from {unit}", f"to {unit}",
                    "items watched"]}[lang]
    rows = []
    for person in data.get("video_sessions") or []:
        for session in person["sessions"]:
            since, until = session["from"], session["to"]
            items = [str(n) for n, item in enumerate(data["items"], start=1)
                     if any(w["member_no"] == person["member_no"] and
                            since <= w["from"] and (until is None or w["from"] <= until)
                            for w in item.get("watchers") or [])]
            rows.append(["", person["member_no"], person["name"], _when(since, zone),
                         _when(until, zone) if until else ("시청 중" if lang == "ko" else "watching"),
                         ", ".join(items)])
    return [heads] + rows if rows else []


SHEETS = {"ko": ("의사록", "출석 명부", "기명 투표", "발언자", "영상 접속 기록"),
          "en": ("Minutes", "Attendance", "Votes by name", "Speakers", "Video access log")}


def minutes_tables(data: dict[str, Any], lang: str,
                   zone: ZoneInfo | None = None) -> list[tuple[str, Table]]:
    """The minutes' tables in order with their sheet names; empty ones left out."""
    tables = (item_table(data, lang, zone), attendance_table(data, lang),
              named_table(data, lang), speaker_table(data, lang, zone),
              video_table(data, lang, zone))
    return [(title, table) for title, table in zip(SHEETS[lang], tables) if table]


def minutes_csv(data: dict[str, Any], lang: str = "ko") -> str:
    """One row per agenda item; then the attendance list, the votes by name, the
    speakers and the video access log."""
    lang = lang if lang in COLUMNS else "ko"
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeWriter(out)
    for i, (_, table) in enumerate(minutes_tables(data, lang)):
        if i:
            writer.writerow([])
        for row in table:
            writer.writerow(row)
    return out.getvalue()
