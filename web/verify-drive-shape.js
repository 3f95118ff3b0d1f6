// Whether a consent drive's bundle has every field the checks read, of the type
// they read it as (live/verify.py check_drive_shape): the first that does not
// is named with live/verify.py's own words, which `live verify` prints as
// UNREADABLE.
import { PyFloat, parseJSON } from "./verify-json.js";
import { isDict } from "./verify-py.js";
import { CRITERIA } from "./verify-recount.js";

/** A bundle this page cannot check at all; the message says where. */
export class Unreadable extends Error {}

const need = (ok, where, what) => {
  if (!ok) throw new Unreadable(`${where} ${what}`);
};

const isInt = (v) => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v)
  && !(v instanceof PyFloat));

const TYPES = {
  dict: isDict,
  str: (v) => typeof v === "string",
  list: Array.isArray,
  int: isInt,
};

/** Python's isinstance(d.get(name), kind) for each field (bool is no int here). */
function fields(value, where, wanted) {
  need(isDict(value), where, "is not an object");
  for (const [name, kind] of wanted) {
    const present = Object.hasOwn(value, name) ? value[name] : null;
    need(TYPES[kind](present), `${where}.${name}`, `is missing or not a ${kind}`);
  }
}

function jsonObject(text, where) {
  need(typeof text === "string", where, "is not text");
  let value;
  try {
    value = parseJSON(text);
  } catch {
    throw new Unreadable(`${where} is not JSON`);
  }
  need(isDict(value), where, "is not a JSON object");
}

function checkThreshold(threshold) {
  for (const key of CRITERIA) {
    const share = Object.hasOwn(threshold, key) ? threshold[key] : null;
    need(share === null || (Array.isArray(share) && share.length === 2
      && share.every((n) => isInt(n) && n > 0)), `bundle.manifest.threshold.${key}`,
    "is not [numerator, denominator] or null");
  }
  const exempt = Object.hasOwn(threshold, "building_exempt_max")
    ? threshold.building_exempt_max : 5;
  need(isInt(exempt), "bundle.manifest.threshold.building_exempt_max", "is not a whole number");
}

function checkActs(bundle) {
  const history = Object.hasOwn(bundle, "history") ? bundle.history : [];
  need(Array.isArray(history), "bundle.history", "is not a list");
  for (const [name, acts] of [["acts", bundle.acts], ["history", history]]) {
    acts.forEach((act, i) => {
      const where = `bundle.${name}[${i}]`;
      fields(act, where, [["record", "dict"], ["sha256", "str"], ["signature", "dict"]]);
      fields(act.record, `${where}.record`, [["owner", "str"], ["choice", "str"], ["ts", "int"]]);
      if (Object.hasOwn(act, "timestamp") && act.timestamp !== null) {
        fields(act.timestamp, `${where}.timestamp`, [["token", "str"]]);
      }
    });
  }
}

function checkLinks(bundle) {
  bundle.chain.forEach((link, i) => {
    need(isDict(link) && isDict(link.entry ?? null) && typeof link.hash === "string",
      `bundle.chain[${i}]`, "is not a chain link {entry, hash, payload}");
    jsonObject(Object.hasOwn(link, "payload") ? link.payload : null,
      `bundle.chain[${i}].payload`);
  });
}

/** Throws Unreadable naming the first field that is missing or of another type. */
export function checkDriveShape(bundle) {
  fields(bundle, "bundle", [["manifest", "dict"], ["manifest_sha256", "str"], ["owners", "list"],
    ["acts", "list"], ["chain", "list"], ["progress", "dict"]]);
  fields(bundle.manifest, "bundle.manifest", [["drive", "str"], ["form_sha256", "str"],
    ["roster_sha256", "str"], ["threshold", "dict"], ["attachments", "list"],
    ["deadline", "int"], ["opened_at", "int"], ["owners", "int"], ["area_units", "int"]]);
  checkThreshold(bundle.manifest.threshold);
  bundle.owners.forEach((owner, i) => {
    fields(owner, `bundle.owners[${i}]`, [["owner", "str"], ["area_units", "int"],
      ["buildings", "list"]]);
    need(owner.buildings.every((b) => typeof b === "string"), `bundle.owners[${i}].buildings`,
      "is not a list of names");
  });
  checkActs(bundle);
  checkLinks(bundle);
  fields(bundle.progress, "bundle.progress", [["criteria", "list"], ["buildings", "list"]]);
  for (const name of ["criteria", "buildings"]) {
    bundle.progress[name].forEach((row, i) => {
      need(isDict(row), `bundle.progress.${name}[${i}]`, "is not an object");
    });
  }
}
