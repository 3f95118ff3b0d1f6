// What the consent-drive pages share (the owner's page, the organiser's dashboard,
// the public progress): a refusal in a drive's words, the proposal's name, the
// threshold said as a rule, land areas and times.
import { errorText, lang, t } from "./i18n.js";

export { localTime, typedMs } from "./staff-common.js";

/** A refusal in a drive's own words where they differ (`cs_error_CODE`), else as on every page. */
export function driveErrorText(error, options = {}) {
  const key = `cs_error_${error?.code}`;
  const own = t(key);
  return own !== key ? own : errorText(error, options);
}

export const proposalText = (name) => (name ? t(`dr_proposal_${name}`) : "");

/** [3, 4] and strict -> "3/4 초과" / "more than 3/4". */
export function shareText(fraction, strict) {
  return t(strict ? "dr_more_than" : "dr_at_least", { f: `${fraction[0]}/${fraction[1]}` });
}

/** "토지등소유자 3/4 이상 · 토지면적 1/2 이상" for a threshold as the server gives it. */
export function ruleText(threshold) {
  if (!threshold) return "";
  const parts = [];
  if (threshold.owners) {
    parts.push(t("dr_rule_owners", { share: shareText(threshold.owners, threshold.owners_strict) }));
  }
  if (threshold.area) {
    parts.push(t("dr_rule_area", { share: shareText(threshold.area, threshold.area_strict) }));
  }
  if (threshold.per_building) {
    parts.push(t("dr_rule_building", {
      share: shareText(threshold.per_building, threshold.per_building_strict),
      n: threshold.building_exempt_max,
    }));
  }
  return parts.join(" · ");
}

/**
 * Land area in 1/10000 m² as "1,240.00 m²": two decimals, rounded down (what is
 * there) or, with `up`, rounded up (what is still needed is never understated).
 */
export function areaText(units, up = false) {
  const hundredths = up ? Math.ceil(units / 100) : Math.floor(units / 100);
  const whole = Math.floor(hundredths / 100).toLocaleString("en-US");
  return `${whole}.${String(hundredths % 100).padStart(2, "0")} m²`;
}

/** A threshold's label in the page's language. */
export function thresholdLabel(threshold) {
  if (!threshold) return "";
  return lang() === "ko" ? threshold.label_ko : threshold.label_en;
}

/** The fragment's fields: `#invite=..&session=..` or `#room=..&key=..`. */
export function fragmentParams() {
  return new URLSearchParams(location.hash.replace(/^#/, ""));
}
