// A consent drive's signed bundle checked in the browser as live/verify.py
// verify_drive checks it, one check for one and in the same order, trusting
// nothing the server says: the bundle's and each act's Ed25519 signature, each
// act's hash and what it was signed for, the roster commitment, each standing
// act its owner's last in the chain, the history in chain order, the chain's
// links, and the threshold recounted in integers against the bundle's progress.
// Each problem is {group, key, vars}; verify-drive-problems.js words it.
import { checkChain, checkSignature, checkWitness, lastIndex } from "./verify-checks.js";
import { checkDriveShape, Unreadable } from "./verify-drive-shape.js";
import { checkAct, signatures } from "./verify-drive-acts.js";
import { byCodePoint, canonical, sha256Hex } from "./verify-json.js";
import { get, isDict, pyEq, pyRepr, pyStr } from "./verify-py.js";
import { ACTS, m2, recount } from "./verify-recount.js";

export const DRIVE_GROUPS = ["signature", "chain", "manifest", "roster", "acts", "standing",
  "history", "threshold", "witness"];

export const isDrive = (doc) => isDict(doc) && isDict(doc.bundle ?? null)
  && doc.bundle.kind === "drive";

const head = (s, n = 12) => Array.from(pyStr(s)).slice(0, n).join("");

async function checkManifest(bundle, events, add) {
  const digest = await sha256Hex(canonical(bundle.manifest));
  if (digest !== bundle.manifest_sha256) add("drive_manifest_hash");
  const opened = lastIndex(events, "drive_open");
  if (opened < 0) add("drive_no_open");
  else if (!pyEq(get(events[opened], "manifest_sha256"), digest)) {
    add("drive_manifest_open", { i: opened });
  }
}

/** The owners must be the roster the manifest committed to; returns them by pseudonym. */
async function checkCommitment(bundle, add) {
  const { owners, manifest } = bundle;
  const lines = owners.map((o) => `${o.owner}\t${o.area_units}\t${o.buildings.join(",")}`)
    .sort(byCodePoint);
  if (await sha256Hex(lines.join("\n")) !== manifest.roster_sha256) add("roster_hash");
  const area = owners.reduce((sum, o) => sum + BigInt(o.area_units), 0n);
  if (owners.length !== Number(manifest.owners) || area !== BigInt(manifest.area_units)) {
    add("roster_totals", { n: owners.length, area: m2(area), says: pyStr(manifest.owners),
      says_area: m2(manifest.area_units) });
  }
  const roster = new Map();
  for (const owner of owners) {
    if (roster.has(owner.owner)) add("owner_twice", { owner: owner.owner });
    roster.set(owner.owner, owner);
  }
  return roster;
}

/** Each owner's act in `acts` is their last one in the chain, and every owner
 * who acted in the chain has one there. */
function checkStanding(bundle, logged, roster, add) {
  const last = new Map();
  for (const [i, event] of logged) {
    const owner = get(event, "owner");
    if (typeof owner !== "string" || !roster.has(owner)) {
      add("act_off_roster", { i, type: pyStr(get(event, "type")), owner: pyRepr(owner) });
    }
    last.set(pyStr(owner), [i, event]);
  }
  const listed = new Set();
  bundle.acts.forEach((act, n) => {
    const { owner, choice } = act.record;
    const where = `acts[${n}] (owner ${head(owner)}…, ${choice})`;
    if (listed.has(owner)) add("standing_twice", { where });
    listed.add(owner);
    const standing = last.get(owner);
    const ever = logged.some(([, e]) => pyEq(get(e, "sha256"), act.sha256));
    if (!ever) {
      add("never_logged", { where });
    } else if (!standing || !pyEq(get(standing[1], "sha256"), act.sha256)) {
      if (standing) add("not_last_act", { where, i: standing[0] });
      else add("not_last_act_other", { where });
    } else if (!pyEq(get(standing[1], "type"), choice)) {
      add("chain_type", { where, logged: pyStr(get(standing[1], "type")), i: standing[0],
        choice });
    }
  });
  const dropped = [...last].filter(([owner]) => !listed.has(owner));
  dropped.sort((a, b) => a[1][0] - b[1][0]);
  for (const [owner, [i, event]] of dropped) {
    add("act_removed", { i, type: pyStr(get(event, "type")), owner: head(owner),
      sha: head(get(event, "sha256")) });
  }
}

/** Every act ever signed, in the order the chain logs them. */
function checkHistory(history, logged, add) {
  for (let k = 0; k < Math.max(history.length, logged.length); k += 1) {
    if (k >= history.length) add("history_short", { i: logged[k][0] });
    else if (k >= logged.length) add("history_extra", { k });
    else if (!pyEq(history[k].sha256, get(logged[k][1], "sha256"))) {
      add("history_order", { k, i: logged[k][0] });
    } else continue;
    return; // past the first difference the rest is out of step
  }
}

function compareRow(what, claimed, counted, add) {
  if (claimed === undefined) {
    add(`progress_${what.kind}_missing`, { name: what.name, counted: pyRepr(counted) });
    return;
  }
  const wrong = Object.entries(counted).filter(([k, v]) => !pyEq(get(claimed, k), v));
  if (!wrong.length) return;
  const list = (gives) => wrong.map(([k, v]) => `${k} ${pyRepr(get(claimed, k))} (${gives} `
    + `${pyRepr(v)})`).join(", ");
  add(`progress_${what.kind}_wrong`, { name: what.name, wrong: list("the recount gives"),
    wrong_ko: list("다시 세면") });
}

/** The bundle's progress against the recount; returns the recount. */
function checkProgress(bundle, roster, add) {
  const claimed = bundle.progress;
  const counted = recount(bundle, roster);
  if (!pyEq(get(claimed, "threshold"), bundle.manifest.threshold)) add("progress_threshold");
  for (const name of ["met", "owners"]) {
    if (!pyEq(get(claimed, name), counted[name])) {
      add("progress_field", { name, says: pyRepr(get(claimed, name)),
        counted: pyRepr(counted[name]) });
    }
  }
  const said = new Map(claimed.criteria.map((c) => [get(c, "kind"), c]));
  for (const row of counted.criteria) {
    compareRow({ kind: "criterion", name: row.kind }, said.get(row.kind), row, add);
    said.delete(row.kind);
  }
  const saidBuildings = new Map(claimed.buildings.map((b) => [get(b, "building"), b]));
  for (const [name, row] of counted.buildings) {
    compareRow({ kind: "building", name }, saidBuildings.get(name), row, add);
    saidBuildings.delete(name);
  }
  for (const extra of [...said.keys(), ...saidBuildings.keys()]) {
    add("progress_extra", { extra: pyRepr(extra) });
  }
  return counted;
}

/**
 * Every problem found in a drive bundle `doc` (parsed with parseJSON). `key`: the
 * published public key (base64) or null; `witnesses`: [[height, hash], ...].
 * Returns {problems, signatureChecked, recount}: no problems and checked
 * signatures = verified; `recount` is null when the bundle is unreadable.
 */
export async function verifyDrive(doc, { key = null, witnesses = [] } = {}) {
  const problems = [];
  let group = "bundle";
  const add = (k, vars = {}) => problems.push({ group, key: k, vars });
  const { bundle } = doc;
  try {
    checkDriveShape(bundle);
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    add("unreadable", { detail: error.message });
    return { problems, signatureChecked: false, recount: null };
  }
  let broken = false; // past an error the later checks would only repeat it
  const step = async (name, fn) => {
    group = name;
    if (broken) return undefined;
    try {
      return await fn();
    } catch (error) {
      broken = true;
      add("malformed", { where: name, detail: error.message });
      return undefined;
    }
  };
  const bundleChecked = await step("signature", () => checkSignature(doc, bundle, key, add));
  const events = await step("chain", () => checkChain(bundle.chain, add, "chain", null));
  await step("manifest", () => checkManifest(bundle, events, add));
  const roster = await step("roster", () => checkCommitment(bundle, add));
  const named = [["acts", bundle.acts], ["history", bundle.history ?? []]];
  const acts = named.flatMap(([name, list]) => list.map((act, i) => [`${name}[${i}]`, act]));
  const checked = await step("acts", async () => {
    const found = await signatures(acts.map(([, act]) => act));
    acts.forEach(([where, act], n) => {
      checkAct(bundle, act, where, get(doc, "public_key"), found[n], add);
    });
    return found;
  }) ?? [];
  const logged = (events ?? []).map((e, i) => [i, e]).filter(([, e]) => ACTS.some(
    (a) => pyEq(get(e, "type"), a)));
  await step("standing", () => checkStanding(bundle, logged, roster, add));
  if (Object.hasOwn(bundle, "history")) {
    await step("history", () => checkHistory(bundle.history, logged, add));
  }
  const counted = await step("threshold", () => checkProgress(bundle, roster, add));
  for (const [height, hash] of witnesses) {
    await step("witness", () => checkWitness(bundle.chain, height, hash, add));
  }
  const actsChecked = !broken && checked.every((c) => c.valid !== null);
  return { problems, signatureChecked: Boolean(bundleChecked) && actsChecked,
    recount: counted ?? null };
}
