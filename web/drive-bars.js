// A drive's progress as the organisers and the public see it: met or not, what is
// still missing said large, a bar per criterion with the threshold marked on it,
// and for reconstruction each building's majority.
import { lang, t } from "./i18n.js";
import { h } from "./ui.js";
import { areaText, shareText } from "./drive-common.js";

const fraction = (f) => (100 * f[0]) / f[1];

/** A bar filled to `percent` with the threshold marked (styles set in script: the CSP forbids inline ones). */
function meter(percent, mark) {
  const fill = h("div", { class: "meter-fill" });
  const line = h("div", { class: "meter-mark" });
  fill.style.width = `${Math.min(100, percent)}%`;
  line.style.left = `${mark}%`;
  return h("div", { class: "meter", "aria-hidden": "true" }, fill, line);
}

function amounts(c) {
  if (c.kind === "area") {
    return {
      have: areaText(c.have), total: areaText(c.total), needed: areaText(c.needed, true),
    };
  }
  const number = new Intl.NumberFormat(lang());
  return { have: number.format(c.have), total: number.format(c.total),
    needed: number.format(c.needed) };
}

function criterionRow(c) {
  const { have, total, needed } = amounts(c);
  const label = t(`dr_kind_${c.kind}`);
  const rule = shareText(c.fraction, c.strict);
  const count = t(`dr_count_${c.kind}`, { have, total });
  return h("li", { class: "criterion", "data-kind": c.kind, "data-met": String(c.met),
    "data-testid": `criterion-${c.kind}` },
  h("p", { class: "criterion-head" },
    h("span", { class: "criterion-label" }, label),
    h("span", { class: "criterion-percent", "data-testid": `${c.kind}-percent` }, `${c.percent}%`)),
  meter(Number(c.percent), fraction(c.fraction)),
  h("p", { class: "criterion-count", "data-testid": `${c.kind}-count` },
    count, " · ", t("dr_needs", { rule }), " · ",
    h("strong", {}, c.met ? t("dr_met") : t(`dr_short_${c.kind}`, { n: needed }))));
}

function buildingTable(buildings) {
  const rows = buildings.map((b) => h("tr", { "data-testid": "building-row", "data-met": String(b.met) },
    h("th", { scope: "row" }, b.building),
    h("td", { class: "num" }, `${b.consenting} / ${b.owners}`),
    h("td", { class: "num" }, `${b.percent}%`),
    h("td", {}, b.exempt ? t("dr_building_exempt")
      : b.met ? t("dr_met") : t("dr_short_owners", { n: b.needed }))));
  return h("div", { class: "table-wrap", tabindex: "0", "aria-labelledby": "buildings-caption" },
    h("table", { class: "data-table buildings", "data-testid": "buildings" },
      h("caption", { id: "buildings-caption" }, t("dr_buildings")),
      h("thead", {}, h("tr", {},
        ...["dr_col_building", "dr_col_consenting", "dr_col_percent", "dr_col_building_state"]
          .map((key) => h("th", { scope: "col" }, t(key))))),
      h("tbody", {}, rows)));
}

/** The whole view of one progress answer (`GET .../drive/progress` or the public one). */
export function progressView(progress) {
  const missing = progress.missing?.[lang()] ?? progress.missing?.ko ?? "";
  return h("div", { class: "drive-progress", "data-met": String(progress.met) },
    h("p", { class: "met-badge", "data-met": String(progress.met), "data-testid": "met" },
      progress.met ? t("dr_badge_met") : t("dr_badge_not_met")),
    h("p", { class: "missing", "data-testid": "missing" }, missing),
    h("ul", { class: "criteria" }, progress.criteria.map(criterionRow)),
    progress.buildings?.length ? buildingTable(progress.buildings) : null);
}
