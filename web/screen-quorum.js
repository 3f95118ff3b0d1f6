// Meeting items on the presenter screen: N, D, A, the rule, a live gauge and, at
// close, the outcome with the inputs frozen into the sealed record.
import { lang } from "./i18n.js";

const WORDS = {
  en: { n: "Members (N)", d: "Direct (D)", a: "Attending (A)", rule: "Rule",
        direct: "needs {x} more direct attendees", attend: "needs {x} more attending",
        met: "Quorum met", PASSED: "PASSED", FAILED: "FAILED",
        QUORUM_NOT_MET: "QUORUM NOT MET", TIE: "TIE: RUNOFF NEEDED", provisional: "so far" },
  ko: { n: "조합원 수 (N)", d: "직접 출석 (D)", a: "출석 (A)", rule: "의결 요건",
        direct: "직접 출석 {x}명 더 필요", attend: "출석 {x}명 더 필요",
        met: "의사정족수 충족", PASSED: "가결", FAILED: "부결",
        QUORUM_NOT_MET: "정족수 미달", TIE: "동점: 결선 필요", provisional: "현재" },
};
const RULES = {
  general: ["General resolution", "일반 의결"], general_20: ["General, 20 % direct", "일반 의결 (직접 20%)"],
  majority_all: ["Majority of all members", "조합원 과반수 찬성"],
  two_thirds_all: ["Two thirds of all members", "조합원 3분의 2 이상 찬성"],
  contractor: ["Contractor selection", "시공자 선정"],
  election: ["Election of officers", "임원 선출"],
  founding: ["Founding meeting, 20% direct", "창립총회 안건 (직접 출석 20%)"],
  budget: ["Budget, 20% direct", "예산 (직접 출석 20%)"],
  project_costs: ["Project costs, 20% direct", "정비사업비 (직접 출석 20%)"],
  implementation_plan: ["Project implementation plan: majority of all members, 20% direct", "사업시행계획: 조합원 과반수 찬성, 직접 출석 20%"],
  disposition_plan: ["Management and disposition plan: majority of all members, 20% direct", "관리처분계획: 조합원 과반수 찬성, 직접 출석 20%"],
  articles: ["Change of the articles: majority of all members", "정관 변경: 조합원 과반수 찬성"],
  articles_special: ["Change of special article clauses: two thirds of all members", "정관 중 특정 조항 변경: 조합원 3분의 2 이상 찬성"],
  cost_increase: ["Project cost rise of 10% or more: two thirds of all members, 20% direct", "정비사업비 10% 이상 증가: 조합원 3분의 2 이상 찬성, 직접 출석 20%"],
};

function say(key, x = "") {
  return (WORDS[lang()] ?? WORDS.en)[key].replace("{x}", String(x));
}

function ruleName(rule) {
  const names = RULES[rule?.name] ?? [rule?.name ?? "", rule?.name ?? ""];
  return lang() === "ko" ? names[1] : names[0];
}

/** Fills `box` for `ballot`; `gauge` is the live /quorum answer, or null after close. */
export function showQuorum(box, ballot, gauge) {
  const frozen = ballot?.result?.record?.meeting;
  const g = frozen ?? gauge;
  box.hidden = !ballot?.rule || !g;
  if (box.hidden) return;
  const outcome = frozen ? frozen.outcome : g.provisional;
  const needs = frozen ? [] : [
    g.needs_direct ? say("direct", g.needs_direct) : "",
    g.needs_attendance ? say("attend", g.needs_attendance) : "",
  ].filter(Boolean);
  box.replaceChildren(...[
    [say("n"), g.n, "quorum-n"], [say("d"), g.d, "quorum-d"], [say("a"), g.a, "quorum-a"],
    [say("rule"), ruleName(ballot.rule), "quorum-rule"],
  ].map(([label, value, id]) => {
    const p = document.createElement("p");
    p.className = "stat";
    p.innerHTML = '<span class="stat-value"></span> <span class="stat-label"></span>';
    p.firstChild.textContent = String(value);
    p.firstChild.dataset.testid = id;
    p.lastChild.textContent = label;
    return p;
  }));
  const line = document.createElement("p");
  line.className = "quorum-gauge";
  line.dataset.testid = "quorum-gauge";
  // A gauge without counts (the projector may not show them yet) has no provisional outcome.
  const sofar = outcome ? ` — ${say("provisional")}: ${say(outcome)}` : "";
  line.textContent = frozen ? say(outcome)
    : `${needs.length ? needs.join(" · ") : say("met")}${sofar}`;
  line.dataset.outcome = outcome ?? "";
  box.append(line);
}

/** Live figures for an open meeting item, read with the host key. */
export async function fetchQuorum(room, key, ballotId) {
  const r = await fetch(`/api/rooms/${encodeURIComponent(room)}/ballots/`
    + `${encodeURIComponent(ballotId)}/quorum`, { headers: { authorization: `Bearer ${key}` } });
  const body = await r.json();
  return body.ok ? body.data : null;
}
