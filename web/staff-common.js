// What the staff console's panels share: times typed and shown, rule and outcome
// wording, an item's phase, and choice pickers for written and paper ballots.
import { t } from "./i18n.js";
import { h, optionLabels } from "./ui.js";

/** "2026-12-02T14:00" typed in a datetime-local field, as epoch ms (the browser's zone). */
export const typedMs = (value) => (value ? new Date(value).getTime() : 0);
export const localTime = (ms) => (ms ? new Date(ms).toLocaleString(t("locale")) : "");

export function ruleText(rule) {
  if (!rule) return "";
  const parts = [t("rule_direct_min", { pct: rule.direct_min_pct }),
    t(`rule_pass_${rule.pass_rule}`)];
  if (rule.contractor) parts.push(t("rule_contractor"));
  if (rule.overridden?.length) parts.push(t("rule_overridden", { fields: rule.overridden.join(", ") }));
  return parts.join(" · ");
}

export function itemPhase(item, board) {
  if (item.state === "closed") return "closed";
  if (board?.live?.[item.id]) return "live";
  return item.state === "open" ? "early" : "draft";
}

export function outcomeText(record) {
  const meeting = record?.meeting;
  if (!meeting) return "";
  return t(`outcome_${meeting.outcome}`);
}

/** A ballot's options in a select: one choice, or up to `max_choices` for multi-seat items. */
export function fillChoices(select, item) {
  const labels = item ? optionLabels(item) : [];
  select.multiple = item?.kind === "multiple";
  select.size = select.multiple ? Math.min(labels.length, 6) : 0;
  select.replaceChildren(...labels.map((label, i) => h("option", { value: String(i) }, label)));
}

export const chosen = (select) => [...select.selectedOptions].map((o) => Number(o.value));
