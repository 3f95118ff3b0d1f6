// A consent drive's threshold recounted from its bundle alone, as live/verify.py
// recount() does: in integers (BigInt), owners by head, land area in units of
// 1/10000 m², each building with more owners than `building_exempt_max` against
// its share. And what is still missing, worded as the server words it
// (rooms/consent/progress.py missing_text), in Korean and English.
import { byCodePoint } from "./verify-json.js";
import { get, pyTruthy } from "./verify-py.js";

export const ACTS = ["consent", "withdraw"];
export const CRITERIA = ["owners", "area", "per_building"];
const UNITS_PER_M2 = 10_000n;

/** Python's // and % on integers (floor, not truncation). */
export function floorDivMod(a, b) {
  let q = a / b;
  let r = a % b;
  if (r !== 0n && (r < 0n) !== (b < 0n)) {
    q -= 1n;
    r += b;
  }
  return [q, r];
}

const grouped = (n) => {
  const digits = (n < 0n ? -n : n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0n ? `-${digits}` : digits;
};

/** live/verify.py m2(): "1,240.2500 m²". */
export function m2(units) {
  const [whole, rest] = floorDivMod(BigInt(units), UNITS_PER_M2);
  return `${grouped(whole)}.${rest.toString().padStart(4, "0")} m²`;
}

/** rooms/consent/area.py format_area(): "1,240.25 m²", more decimals only when needed. */
export function formatArea(units) {
  const [whole, rest] = floorDivMod(BigInt(units), UNITS_PER_M2);
  const decimals = rest.toString().padStart(4, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${grouped(whole)}.${decimals} m²`;
}

/** The fewest of `total` that reach the share of it (more than it when strict). */
export function atLeast(total, share, strict) {
  const [whole, rest] = floorDivMod(BigInt(share[0]) * total, BigInt(share[1]));
  return strict || rest !== 0n ? whole + 1n : whole;
}

/** have/total in percent with two decimals, rounded down, as text. */
export function percent(have, total) {
  const hundredths = total !== 0n ? floorDivMod(have * 10_000n, total)[0] : 0n;
  const [whole, rest] = floorDivMod(hundredths, 100n);
  return `${whole}.${rest.toString().padStart(2, "0")}`;
}

const max0 = (n) => (n > 0n ? n : 0n);

/** Per building its owners and consents; an owner counts in each building where they own. */
function recountBuildings(threshold, owners, consenting) {
  const share = get(threshold, "per_building");
  const rows = new Map();
  if (share === null) return rows;
  const total = new Map();
  const agreed = new Map();
  for (const owner of owners) {
    for (const name of new Set(owner.buildings)) {
      total.set(name, (total.get(name) ?? 0n) + 1n);
      agreed.set(name, (agreed.get(name) ?? 0n) + (consenting.has(owner.owner) ? 1n : 0n));
    }
  }
  const exemptMax = BigInt(Object.hasOwn(threshold, "building_exempt_max")
    ? threshold.building_exempt_max : 5);
  const strict = pyTruthy(get(threshold, "per_building_strict"));
  for (const [name, n] of total) {
    const exempt = n <= exemptMax;
    const needed = exempt ? 0n : max0(atLeast(n, share, strict) - agreed.get(name));
    rows.set(name, { building: name, owners: n, consenting: agreed.get(name), exempt, needed,
      met: needed === 0n, percent: percent(agreed.get(name), n) });
  }
  return rows;
}

/**
 * The progress again, from the owners (`roster`: pseudonym -> owner, as the
 * commitment check read them) and the standing acts alone:
 * {owners, met, criteria: [...], buildings: Map name -> row, consenting, area:
 * [consenting, total]}; the counts in criteria, buildings and area are BigInt.
 */
export function recount(bundle, roster) {
  const threshold = bundle.manifest.threshold;
  const owners = [...roster.values()];
  const consenting = new Set(bundle.acts.filter((a) => a.record.choice === "consent")
    .map((a) => a.record.owner).filter((o) => roster.has(o)));
  const agreed = owners.filter((o) => consenting.has(o.owner));
  const area = (list) => list.reduce((sum, o) => sum + BigInt(o.area_units), 0n);
  const counts = { owners: [BigInt(agreed.length), BigInt(owners.length)],
    area: [area(agreed), area(owners)] };
  const buildings = recountBuildings(threshold, owners, consenting);
  const criteria = [];
  for (const kind of CRITERIA) {
    const share = get(threshold, kind);
    if (share === null) continue;
    const strict = pyTruthy(get(threshold, `${kind}_strict`));
    let have;
    let total;
    let needed;
    if (kind === "per_building") {
      const counted = [...buildings.values()].filter((b) => !b.exempt);
      needed = BigInt(counted.filter((b) => b.needed !== 0n).length);
      total = BigInt(counted.length);
      have = total - needed;
    } else {
      [have, total] = counts[kind];
      needed = max0(atLeast(total, share, strict) - have);
    }
    criteria.push({ kind, fraction: share, strict, have, total, needed, met: needed === 0n,
      percent: percent(have, total) });
  }
  return { owners: owners.length, met: owners.length > 0 && criteria.every((c) => c.met),
    criteria, buildings, consenting: agreed.length, area: counts.area };
}

/** rooms/consent/progress.py _natural: "9동" before "10동"; digit runs compare as numbers. */
function natural(name) {
  return name.split(/([0-9]+)/).map((part, i) => (i % 2 ? [0, BigInt(part)] : [1, part]));
}

function byNatural(a, b) {
  const [x, y] = [natural(a), natural(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i][0] !== y[i][0]) return x[i][0] - y[i][0];
    if (x[i][1] !== y[i][1]) {
      if (x[i][0] === 0) return x[i][1] < y[i][1] ? -1 : 1;
      return byCodePoint(x[i][1], y[i][1]);
    }
  }
  return x.length - y.length;
}

/** The recount's buildings in the server's order. */
export function buildingRows(counted) {
  return [...counted.buildings.values()].sort((a, b) => byNatural(a.building, b.building));
}

const plural = (n) => (n !== 1n ? "s" : "");

function missingText(counted, ko) {
  if (!counted.owners) return ko ? "명부에 토지등소유자가 없음" : "The roster has no owners";
  if (counted.met) return ko ? "동의요건 충족" : "Every consent threshold is met";
  const parts = counted.criteria.filter((c) => c.kind !== "per_building" && !c.met).map((c) => {
    if (c.kind === "area") {
      const amount = formatArea(c.needed);
      return ko ? `토지면적 ${amount} 더` : `${amount} more land area`;
    }
    return ko ? `토지등소유자 ${grouped(c.needed)}명 더`
      : `${grouped(c.needed)} more owner${plural(c.needed)}`;
  });
  for (const b of buildingRows(counted).filter((row) => !row.met)) {
    parts.push(ko ? `${b.building} 소유자 ${grouped(b.needed)}명 더`
      : `${grouped(b.needed)} more owner${plural(b.needed)} in ${b.building}`);
  }
  return ko ? `${parts.join(", ")} 필요` : `Needed: ${parts.join(", ")}`;
}

/** What is still needed, {ko, en}, as Progress.missing_text says it. */
export function missing(counted) {
  return { ko: missingText(counted, true), en: missingText(counted, false) };
}
