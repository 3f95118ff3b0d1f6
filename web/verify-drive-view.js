// What the verify page shows of a consent drive's bundle once checked: the
// verdict's sentence, and the threshold as this browser recounted it (met or
// not, what is missing, owners, land area and each building) beside what the
// bundle's own progress says, with the drive's facts.
import { ruleText, localTime } from "./drive-common.js";
import { progressView } from "./drive-bars.js";
import { lang, t } from "./i18n.js";
import { h } from "./ui.js";
import { buildingRows, formatArea, missing } from "./verify-recount.js";

const $ = (id) => document.getElementById(id);
const number = (n) => new Intl.NumberFormat(lang()).format(Number(n));

/** Consents and withdrawals standing in the bundle's acts. */
function standing(bundle, choice) {
  return bundle.acts.filter((a) => a.record?.choice === choice).length;
}

/** The verdict's sentence when every check passed. */
export function driveOkText(doc, result) {
  const { bundle } = doc;
  const counted = result.recount;
  return t("vd_ok_text", { title: bundle.manifest.title ?? "", owners: number(counted.owners),
    consents: number(counted.consenting), met: t(counted.met ? "vd_met" : "vd_not_met"),
    chain: number(bundle.chain.length), key: doc.public_key });
}

/** The recount as drive-bars.js draws a progress answer (numbers, buildings in order). */
function asProgress(counted) {
  const plain = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k,
    typeof v === "bigint" ? Number(v) : v]));
  return { met: counted.met, missing: missing(counted),
    criteria: counted.criteria.map((c) => ({ ...plain(c), fraction: c.fraction.map(Number) })),
    buildings: buildingRows(counted).map(plain) };
}

/** What the bundle's own progress says, and whether it is the recount (no threshold finding). */
function agreement(doc, result, verified) {
  const said = doc.bundle.progress.met;
  const words = t(said === true ? "vd_met" : said === false ? "vd_not_met" : "vd_unknown");
  const agrees = !result.problems.some((p) => p.group === "threshold");
  return [h("p", { class: `fact-outcome ${agrees ? "ok-line" : "bad-line"}`,
    "data-testid": "drive-agree", "data-agrees": String(agrees) },
  `${agrees ? "✓" : "✗"} ${t(agrees ? "vd_agree" : "vd_disagree", { said: words })}`),
  verified ? null : h("p", { class: "bad-line" }, `⚠ ${t("vd_unverified")}`)];
}

function facts(doc, counted) {
  const { bundle } = doc;
  const { manifest } = bundle;
  const head = bundle.chain.at(-1)?.hash ?? "";
  const rows = [
    ["vd_fact_owners", number(counted.owners)],
    ["vd_fact_area", formatArea(counted.area[1])],
    ["vd_fact_consents", `${number(counted.consenting)} · ${formatArea(counted.area[0])}`],
    ["vd_fact_withdrawn", number(standing(bundle, "withdraw"))],
    ["vd_fact_acts", Array.isArray(bundle.history) ? number(bundle.history.length) : ""],
    ["vd_fact_deadline", localTime(Number(manifest.deadline))],
    ["fact_chain", number(bundle.chain.length)],
    ["fact_head", head ? `${bundle.chain.length - 1}:${head}` : ""],
    ["fact_manifest", bundle.manifest_sha256], ["vd_fact_roster", manifest.roster_sha256],
    ["vd_fact_form", manifest.form_sha256], ["fact_key", doc.public_key],
  ];
  return rows.flatMap(([k, v]) => [h("dt", {}, t(k)),
    h("dd", { "data-testid": k.replaceAll("_", "-") }, h("code", {}, String(v ?? "")))]);
}

/** Fill the drive card from a checked bundle, or hide it (nothing to recount). */
export function renderDrive(doc, result, verified) {
  const card = $("drive-card");
  const counted = result?.recount;
  card.hidden = !counted;
  if (!counted) return;
  const { manifest } = doc.bundle;
  $("drive-name").textContent = manifest.title ?? manifest.drive;
  let rule = "";
  try {
    rule = ruleText(manifest.threshold);
  } catch {
    // a threshold the page cannot word: the recount below still says it
  }
  $("drive-rule").textContent = rule;
  $("drive-recount").replaceChildren(progressView(asProgress(counted)));
  $("drive-agree").replaceChildren(...agreement(doc, result, verified).filter(Boolean));
  $("drive-facts").replaceChildren(...facts(doc, counted));
}
