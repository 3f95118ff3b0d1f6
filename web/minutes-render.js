// The minutes as a printable document: a summary, then per agenda item the frozen
// inputs (N, D, D in person, A), ballots by mode, votes per option, rule, outcome,
// reasons, times and the hash of the sealed record.
import { lang, t } from "./i18n.js";
import { h } from "./ui.js";

const MODES = ["live", "paper", "early", "written"];
const KNOWN_RULES = new Set(["general", "general_20", "majority_all", "two_thirds_all",
  "contractor", "election", "founding", "budget", "project_costs", "implementation_plan",
  "disposition_plan", "articles", "articles_special", "cost_increase"]);

export function formatTime(ms) {
  if (!ms) return "";
  return new Intl.DateTimeFormat(lang() === "ko" ? "ko-KR" : "en-GB", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hour12: false, timeZoneName: "short",
  }).format(new Date(ms));
}

/** "General resolution: Yes must be more than half of A; direct attendance at least 10% of N" */
export function ruleText(rule) {
  if (!rule) return "";
  const name = KNOWN_RULES.has(rule.name) ? t(`min_rule_${rule.name}`) : t("min_rule_custom");
  const parts = [t(`min_pass_${rule.pass_rule}`)];
  if (rule.direct_min_pct) parts.push(t("min_direct_min", { pct: rule.direct_min_pct }));
  if (rule.contractor) parts.push(t("min_contractor_rule"));
  return `${name}: ${parts.join("; ")}`;
}

/** The decided outcome, or "Open; provisional: ..." while the item is still open. */
function outcomeBadge(item) {
  const closed = Boolean(item.outcome);
  const code = closed ? item.outcome : "OPEN";
  const text = closed
    ? t(`outcome_${code}`)
    : t("min_provisional", { outcome: t(`outcome_${item.provisional}`) });
  return h("span", { class: "outcome-badge", "data-outcome": code, "data-testid": "m-outcome" },
    text, closed ? h("span", { class: "outcome-code" }, ` (${code})`) : null);
}

function row(label, ...value) {
  return h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, ...value));
}

function num(value, testid) {
  return h("span", { class: "num", "data-testid": testid }, String(value ?? 0));
}

function byMode(item) {
  const modes = item.by_mode || {};
  return MODES.flatMap((mode, i) => [
    i ? " · " : "", `${t(`min_mode_${mode}`)} `, num(modes[mode] ?? 0, `m-${mode}`),
  ]);
}

/** D split by how members attended: in person, by proxy, online. */
function directSplit(item) {
  const split = item.d_by_mode || {};
  return ["in_person", "proxy", "online"].flatMap((mode, i) => [
    i ? " · " : "", `${t(`min_how_${mode}`)} `, num(split[mode] ?? 0, `m-d-${mode}`),
  ]);
}

/** Named items, once closed: who voted what, and how. */
function namedVotes(item) {
  if (!item.named_votes?.length) return null;
  return h("table", { class: "minutes-table named-table", "data-testid": "m-named" },
    h("caption", {}, t("min_named_votes")),
    h("thead", {}, h("tr", {}, ...["min_member_no", "min_name", "min_choice", "min_how"]
      .map((key) => h("th", { scope: "col" }, t(key))))),
    h("tbody", {}, ...item.named_votes.map((vote) => h("tr", {},
      h("td", {}, vote.member_no), h("td", {}, vote.name),
      h("td", {}, vote.choices.map((c) => item.options[c]).join(", ")),
      h("td", {}, t(`min_mode_${vote.mode}`))))));
}

/** Who attended the meeting, by how (each member once). */
function attendanceList(attendance) {
  const groups = ["in_person", "proxy", "online"].filter((m) => attendance?.[m]?.length);
  if (!groups.length) return null;
  return h("section", { class: "minutes-attendance", "data-testid": "m-attendance" },
    h("h2", {}, t("min_attendance")),
    ...groups.map((mode) => h("div", { class: "attendance-group" },
      h("h3", {}, `${t(`min_how_${mode}`)} (${attendance[mode].length})`),
      h("ul", {}, ...attendance[mode].map((m) => h("li", {},
        `${m.member_no} ${m.name}`,
        m.proxy_name ? ` (${t("min_proxy_by", { name: m.proxy_name })})` : ""))))));
}

/** Where the chair and two members sign the printed minutes. */
function signatures() {
  const line = (role) => h("div", { class: "signature" },
    h("span", { class: "signature-role" }, t(role)),
    h("span", { class: "signature-line", "aria-hidden": "true" }, ""),
    h("span", { class: "signature-seal" }, t("min_sign_seal")));
  return h("section", { class: "minutes-signatures", "data-testid": "m-signatures" },
    h("h2", {}, t("min_signatures")),
    line("min_sign_chair"), line("min_sign_member"), line("min_sign_member"));
}

function votesTable(item) {
  const elected = new Set(item.elected || []);
  return h("table", { class: "minutes-table votes-table" },
    h("caption", {}, t("min_votes")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("min_option")),
      h("th", { scope: "col", class: "num-col" }, t("min_count")))),
    h("tbody", {}, ...item.options.map((option, i) => h("tr", {},
      h("th", { scope: "row" }, option, elected.has(i) ? ` ★ ${t("min_elected")}` : ""),
      h("td", { class: "num-col" }, num(item.votes?.[i], `m-votes-${i}`))))));
}

function itemSection(item, n) {
  const id = `item-${item.ballot}`;
  const facts = h("table", { class: "minutes-table facts-table" },
    h("tbody", {},
      row(t("min_rule"), h("span", { "data-testid": "m-rule" }, ruleText(item.rule))),
      row(t("min_ballot"), item.secret ? t("min_secret") : t("min_named")),
      row(t("min_n"), num(item.n, "m-n")),
      row(t("min_d"), num(item.d, "m-d")),
      row(t("min_d_split"), ...directSplit(item)),
      row(t("min_d_in_person"), num(item.d_in_person, "m-d-in-person")),
      row(t("min_a"), num(item.a, "m-a")),
      row(t("min_by_mode"), ...byMode(item)),
      row(t("min_outcome"), outcomeBadge(item)),
      item.reasons?.length ? row(t("min_reasons"), h("ul", { class: "reasons",
        "data-testid": "m-reasons" }, ...item.reasons.map((r) => h("li", { lang: "en" }, r))))
        : null,
      row(t("min_opened"), h("span", { "data-testid": "m-opened" }, formatTime(item.opened_at))),
      row(t("min_closed"), h("span", { "data-testid": "m-closed" },
        item.closed_at ? formatTime(item.closed_at) : t("min_not_closed"))),
      item.sha256 ? row(t("min_hash"), h("code", { class: "hash", "data-testid": "m-sha256" },
        item.sha256)) : null));
  return h("section", { class: "minutes-item", "aria-labelledby": id, "data-ballot": item.ballot,
    "data-testid": "minutes-item" },
  h("h2", { id }, t("min_item", { n, question: item.question })), facts, votesTable(item),
  namedVotes(item));
}

function summary(items) {
  return h("table", { class: "minutes-table summary-table", "data-testid": "summary" },
    h("caption", {}, t("min_summary")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("min_col_item")),
      h("th", { scope: "col" }, t("min_col_question")),
      h("th", { scope: "col" }, t("min_col_outcome")))),
    h("tbody", {}, ...items.map((item, i) => h("tr", {},
      h("td", { class: "num-col" }, String(i + 1)), h("td", {}, item.question),
      h("td", {}, outcomeBadge(item))))));
}

/** data: GET /api/rooms/{room}/minutes; printedAt: when this copy was made (ms). */
export function minutesDoc(data, { printedAt }) {
  const meta = data.meta || {};
  const doc = h("article", { class: "minutes", "data-testid": "minutes" },
    h("h1", {}, `${t("min_title")} · ${data.room.title}`),
    h("dl", { class: "minutes-facts" },
      h("dt", {}, t("min_record_date")),
      h("dd", { "data-testid": "record-date" }, meta.record_date || t("min_not_set")),
      h("dt", {}, t("min_members")), h("dd", { "data-testid": "members-n" }, meta.n ?? "—"),
      h("dt", {}, t("min_generated")), h("dd", {}, formatTime(printedAt))));
  if (!data.items.length) {
    doc.append(h("p", { class: "muted" }, t("min_no_items")));
    return doc;
  }
  doc.append(summary(data.items), attendanceList(data.attendance) ?? "",
    ...data.items.map((item, i) => itemSection(item, i + 1)), signatures());
  return doc;
}
