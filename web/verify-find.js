// "Find my ballot": a tracker among the counted ballots of a bundle, and the copy a
// voter's phone kept ({ballot, choices, nonce, tracker, manifest_sha256}) recomputed.
import { t } from "./i18n.js";
import { load, save } from "./keep.js";
import { h } from "./ui.js";
import { canonical, hex, parseJSON, sha256Hex } from "./verify-json.js";

const keptKey = (ballotId) => `lv.ballot.${ballotId}`;
const HEX = /^[0-9a-f]+$/;
const MIN_PREFIX = 12;

/** A fresh random nonce for one ballot: 32 lowercase hex digits. */
export function newNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The tracker as anyone recomputes it: SHA-256 of canonical {ballot, choices, nonce}. */
export function trackerOf(ballotId, choices, nonce) {
  const sorted = [...choices].sort((a, b) => a - b);
  return sha256Hex(canonical({ ballot: ballotId, choices: sorted, nonce }));
}

/** What this browser kept about its own ballot, or null. */
export function keptBallot(ballotId) {
  try {
    const kept = JSON.parse(load(keptKey(ballotId)) || "null");
    return kept && kept.ballot === ballotId ? kept : null;
  } catch {
    return null;
  }
}

export function keepBallot(record) {
  save(keptKey(record.ballot), JSON.stringify(record));
}

/** {state: "invalid" | "ambiguous" | "counted" | "replaced" | "absent", ...} */
export function findTracker(bundle, typed) {
  const tracker = typed.replace(/[\s-]/g, "").replace(/…$/, "").toLowerCase();
  if (!HEX.test(tracker) || tracker.length < MIN_PREFIX || tracker.length > 64) {
    return { state: "invalid" };
  }
  const ballots = Array.isArray(bundle.ballots) ? bundle.ballots : [];
  const hits = ballots.filter((b) => typeof b?.tracker === "string"
    && b.tracker.startsWith(tracker));
  if (hits.length > 1) return { state: "ambiguous" };
  if (hits.length === 1) {
    return { state: "counted", ballot: hits[0], partial: tracker.length < 64, tracker,
      total: ballots.length };
  }
  const chain = Array.isArray(bundle.chain) ? bundle.chain : [];
  for (let i = chain.length - 1; i >= 0; i -= 1) {
    try {
      const event = parseJSON(chain[i].payload);
      if (event.type === "cast" && String(event.tracker).startsWith(tracker)) {
        return { state: "replaced", i };
      }
    } catch {
      // a malformed link is reported by the checks; keep looking
    }
  }
  return { state: "absent" };
}

/** What the voter's own phone kept, re-checked against the bundle. */
async function phoneLines(bundle, found, kept) {
  const lines = [];
  if (!kept || !found.ballot || !String(kept.tracker).startsWith(found.tracker)) return lines;
  let mine = "";
  try {
    mine = await trackerOf(kept.ballot, kept.choices, kept.nonce);
  } catch {
    return lines;
  }
  lines.push(mine === found.ballot.tracker
    ? h("p", { class: "ok-line", "data-testid": "find-phone" }, `✓ ${t("find_phone_match")}`)
    : h("p", { class: "bad-line", "data-testid": "find-phone" },
      `✗ ${t("find_phone_mismatch", { tracker: `${mine.slice(0, 16)}…` })}`));
  if (kept.manifest_sha256) {
    lines.push(kept.manifest_sha256 === bundle.manifest_sha256
      ? h("p", { class: "ok-line" }, `✓ ${t("find_manifest_match")}`)
      : h("p", { class: "bad-line" },
        `✗ ${t("find_manifest_mismatch", { seen: kept.manifest_sha256.slice(0, 16) })}`));
  }
  return lines;
}

/**
 * The answer to "find my ballot" as page content.
 * ctx: {labels: option labels, verified: bool, kept: the phone's record or null}
 */
export async function findView(bundle, typed, ctx) {
  const found = findTracker(bundle, typed);
  const wrap = h("div", { class: `find-${found.state}`, "data-state": found.state });
  const say = (cls, text) => h("p", { class: cls, "data-testid": "find-verdict" }, text);
  if (found.state === "counted") {
    const choices = found.ballot.choices ?? [];
    wrap.append(say("find-title ok-line", `✓ ${t("find_found", { n: found.total })}`),
      h("p", {}, `${t("find_counted_for")}: `, h("strong", { "data-testid": "find-choice" },
        choices.map((c) => ctx.labels[c] ?? `#${Number(c) + 1}`).join(", "))),
      h("p", { class: "tracker-full" }, h("code", {}, found.ballot.tracker)));
    if (found.partial) wrap.append(h("p", { class: "muted" },
      t("find_partial", { k: found.tracker.length })));
    wrap.append(...await phoneLines(bundle, found, ctx.kept));
    if (!ctx.verified) wrap.append(h("p", { class: "bad-line" }, `⚠ ${t("find_unverified")}`));
  } else if (found.state === "replaced") {
    wrap.append(say("find-title bad-line", `✗ ${t("find_absent")}`),
      h("p", {}, t("find_replaced", { i: found.i })));
  } else {
    wrap.append(say(found.state === "absent" ? "find-title bad-line" : "error",
      found.state === "absent" ? `✗ ${t("find_absent")}` : t(`find_${found.state}`)));
  }
  return wrap;
}
