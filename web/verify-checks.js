// The checks of live/verify.py, one for one, in the browser. Each problem is
// {group, key, vars}; verify-problems.js words it as the Python verifier does.
import { canonical, parseJSON, sha256Hex } from "./verify-json.js";
import {
  get, int, intLike, isDict, list, num, pyEq, pyRepr, pySorted, pyStr, pyTruthy, req, text,
} from "./verify-py.js";
import { signatureValid } from "./verify-sig.js";

export const GENESIS = "0".repeat(64);
export const GROUPS = ["signature", "chain", "manifest", "record", "ballots", "counts", "witness"];

export function lastIndex(events, kind) {
  let found = -1;
  events.forEach((e, i) => {
    if (pyEq(get(e, "type"), kind)) found = i;
  });
  return found;
}

export async function checkSignature(doc, bundle, key, add) {
  if (key !== null && !pyEq(get(doc, "public_key"), key)) {
    add("sig_key", { got: pyRepr(get(doc, "public_key")), key: pyRepr(key) });
  }
  const valid = await signatureValid(get(doc, "public_key"), get(doc, "signature"),
    canonical(bundle));
  if (valid === null) add("sig_unsupported");
  else if (!valid) add("sig_bad");
  return valid !== null;
}

/** Link by link; a ballot's chain ends with its result (`last`; null: any event). */
export async function checkChain(value, add, name = "chain", last = "result") {
  const chain = list(value, name);
  const digests = await Promise.all(chain.map(async (link) => [
    await sha256Hex(canonical(req(link, "entry"))),
    await sha256Hex(text(req(link, "payload"), "payload")),
  ]));
  const events = [];
  let parent = GENESIS;
  chain.forEach((link, i) => {
    const entry = link.entry;
    const where = `${name}[${i}] (${pyStr(get(entry, "type"))})`;
    if (!pyEq(get(entry, "height"), i)) {
      add("chain_height", { where, height: pyStr(get(entry, "height")), i });
    }
    if (!pyEq(get(entry, "parent"), parent)) add("chain_parent", { where, name, prev: i - 1 });
    if (!pyEq(digests[i][0], req(link, "hash"))) add("chain_hash", { where });
    if (!pyEq(digests[i][1], get(entry, "payload_hash"))) add("chain_payload", { where });
    const event = parseJSON(link.payload);
    const same = (field) => pyEq(get(event, field), get(entry, field));
    if (!same("type") || !same("ts")) {
      add("chain_event", { where });
    }
    events.push(event);
    parent = link.hash;
  });
  if (name !== "chain" || last === null) return events;
  if (!events.length || !pyEq(get(events.at(-1), "type"), last)) {
    const ended = events.length ? get(events.at(-1), "type") : "nothing";
    add("chain_truncated", { height: events.length - 1, last: pyRepr(ended) });
  }
  return events;
}

async function checkManifest(bundle, events, add) {
  const digest = await sha256Hex(text(req(bundle, "manifest"), "manifest"));
  if (!pyEq(digest, req(bundle, "manifest_sha256"))
      || !pyEq(digest, get(req(bundle, "record"), "manifest_sha256"))) {
    add("manifest_swapped");
  }
  const opened = lastIndex(events, "open");
  if (opened < 0) add("no_open");
  else if (!pyEq(get(events[opened], "manifest"), digest)) add("manifest_open", { i: opened });
}

async function checkRecord(bundle, events, add) {
  const record = req(bundle, "record");
  const digest = await sha256Hex(canonical(record));
  if (!pyEq(digest, req(bundle, "record_sha256"))) add("record_hash");
  const results = events.map((e, i) => (pyEq(get(e, "type"), "result") ? i : -1))
    .filter((i) => i >= 0);
  if (results.length && !pyEq(get(events[results.at(-1)], "sha256"), digest)) {
    add("record_result", { i: results.at(-1) });
  }
  const atClose = Object.hasOwn(record, "chain_at_close") ? record.chain_at_close : {};
  const raw = Object.hasOwn(atClose ?? {}, "height") ? get(atClose, "height") : -1;
  const chain = list(req(bundle, "chain"), "chain");
  const inRange = num(raw, "chain_at_close.height") >= 0 && Number(raw) < chain.length;
  if (!inRange || !pyEq(req(chain[int(raw, "chain_at_close.height")], "hash"),
    get(atClose, "hash")) || !pyEq(get(events[Number(raw)], "type"), "close")) {
    add("record_close", { height: pyStr(raw) });
  }
}

/** Replay the chain: the last ballot of each named voter, and how many secret
 * ballots stand (cast after the last opening, not replacing one, not withdrawn);
 * secret events name no tracker (live/verify.py standing). */
function standing(events, add) {
  const opened = lastIndex(events, "open");
  const closed = lastIndex(events, "close");
  const named = new Map();
  let secret = 0;
  events.forEach((event, i) => {
    const kind = get(event, "type");
    if ((kind !== "cast" && kind !== "withdraw") || i < opened) return;
    if (closed >= 0 && closed < i) {
      add("cast_after_close", { i, kind });
      return;
    }
    const voter = get(event, "voter");
    if (pyTruthy(get(event, "secret")) || !pyTruthy(voter)) {
      const replaced = pyTruthy(get(event, "replaced")) || pyTruthy(get(event, "replaces"));
      secret += kind === "withdraw" ? -1 : replaced ? 0 : 1;
    } else if (kind === "withdraw") named.delete(voter);
    else named.set(voter, [i, req(event, "tracker")]);
  });
  return { named, secret };
}

async function checkBallots(bundle, events, add) {
  const { named, secret } = standing(events, add);
  const manifest = parseJSON(text(req(bundle, "manifest"), "manifest"));
  const ballots = list(req(bundle, "ballots"), "ballots");
  const trackers = await Promise.all(ballots.map((ballot) => {
    const choices = pySorted(list(req(ballot, "choices"), "choices"));
    return sha256Hex(canonical({ ballot: req(manifest, "ballot"), choices,
      nonce: req(ballot, "nonce") }));
  }));
  const seen = new Set();
  let publishedSecret = 0;
  ballots.forEach((ballot, n) => {
    const tracker = text(req(ballot, "tracker"), "tracker");
    const where = `ballots[${n}] (tracker ${tracker.slice(0, 12)}…)`;
    if (trackers[n] !== tracker) add("tracker_bad", { where });
    const voter = req(ballot, "voter");
    if (voter === null) {
      publishedSecret += 1;
      return;
    }
    if (seen.has(voter)) add("voter_twice", { where, voter: pyStr(voter) });
    seen.add(voter);
    const cast = named.get(voter);
    if (cast === undefined) add("not_cast", { where });
    else if (cast[1] !== tracker) add("not_last", { where, i: cast[0] });
  });
  if (publishedSecret !== secret) add("secret_count", { published: publishedSecret, secret });
  const order = ballots.map((b) => b.tracker);
  const sorted = [...order].sort();
  if (order.some((t, i) => t !== sorted[i]) || new Set(order).size !== order.length) {
    add("tracker_order");
  }
  const missing = [...named].filter(([v]) => !seen.has(v)).map(([, it]) => it);
  missing.sort((a, b) => a[0] - b[0]);
  for (const [i, tracker] of missing) {
    add("dropped", { i, tracker: pyStr(tracker).slice(0, 12) });
  }
}

/** An agenda item's manifest commits to its roster: every withdrawal, and every
 * named ballot, names one of its members (live/verify.py check_roster). */
function checkRoster(bundle, events, add) {
  const manifest = parseJSON(text(req(bundle, "manifest"), "manifest"));
  if (!isDict(manifest) || !("roster" in manifest)) return;
  const roster = new Set(list(manifest.roster, "roster"));
  events.forEach((event, i) => {
    const kind = get(event, "type");
    if (pyEq(kind, "withdraw") && !roster.has(get(event, "member"))) {
      add("withdraw_off_roster", { i, member: pyRepr(get(event, "member")) });
    } else if (pyEq(kind, "cast") && pyTruthy(get(event, "voter"))
               && !roster.has(get(event, "voter"))) {
      add("cast_off_roster", { i, member: pyRepr(get(event, "voter")) });
    }
  });
}

function plurality(counts) {
  const top = counts.length && Math.max(...counts) > 0 ? Math.max(...counts) : null;
  const winners = counts.flatMap((c, i) => (top !== null && c === top ? [i] : []));
  return { rule: "plurality", winners, tie: winners.length > 1 };
}

function checkCounts(bundle, add) {
  const manifest = parseJSON(text(req(bundle, "manifest"), "manifest"));
  // open answers and Q&A questions: no choices to recount (as live/verify.py)
  if (["text", "qa"].includes(manifest.kind)) return;
  const record = req(bundle, "record");
  const ballots = list(req(bundle, "ballots"), "ballots");
  const n = list(req(manifest, "options"), "options").length;
  // a ranking counts each (option, place) cell: option * n + place
  const counts = new Array(manifest.kind === "ranking" ? n * n : n).fill(0);
  const most = req(manifest, "max_choices");
  ballots.forEach((ballot, n) => {
    const raw = req(ballot, "choices");
    const choices = list(raw, "choices");
    const valid = choices.length >= 1 && choices.length <= most && choices.every(intLike)
      && new Set(choices.map(Number)).size === choices.length
      && choices.every((c) => c >= 0 && c < counts.length);
    if (!valid) {
      add("choices_invalid", { n, choices: pyStr(raw) });
      return;
    }
    for (const c of choices) counts[Number(c)] += 1;
  });
  if (!pyEq(req(record, "counts"), counts)) {
    add("counts", { claimed: pyStr(record.counts), counts: pyRepr(counts) });
  }
  if (!pyEq(req(record, "voters"), ballots.length)) {
    add("voters", { voters: pyStr(record.voters), ballots: ballots.length });
  }
  if (Object.hasOwn(record, "meeting")) {
    checkMeeting(record.meeting, counts, add);
    return;
  }
  const expected = plurality(counts);
  if (!pyEq(req(bundle, "outcome"), expected)) {
    add("outcome", { says: pyStr(bundle.outcome), expected: pyRepr(expected) });
  }
}

/** (elected, tied) of an election, as live/verify.py elect(): most votes win, each
 * past the rule's threshold; more candidates tied for the last seats than seats
 * left are all tied and none elected. */
export function elect(counts, seats, qualifies) {
  const elected = [];
  const levels = [...new Set(counts.filter(qualifies))].sort((x, y) => y - x);
  for (const level of levels) {
    const group = counts.flatMap((v, i) => (v === level ? [i] : []));
    if (elected.length >= seats) break;
    if (group.length > seats - elected.length) return { elected, tied: group };
    elected.push(...group);
  }
  return { elected, tied: [] };
}

/** The rule of a general meeting item, re-applied to the frozen inputs:
 * {outcome, elected, tied}. */
export function meetingDecision(m, counts) {
  const [n, d, di, a] = ["n", "d", "d_in_person", "a"].map((k) => num(req(m, k), k));
  const rule = req(m, "rule");
  const quorum = 2 * a > n && 100 * d >= num(req(rule, "direct_min_pct"), "direct_min_pct") * n
    && (!pyTruthy(req(rule, "contractor")) || 2 * di > n);
  const passes = (yes) => {
    if (req(rule, "pass_rule") === "all") return 2 * yes > n;
    if (rule.pass_rule === "two_thirds_all") return 3 * yes >= 2 * n;
    return 2 * yes > a;
  };
  const none = { elected: [], tied: [] };
  if (!quorum) return { outcome: "QUORUM_NOT_MET", ...none };
  const seats = req(m, "seats");
  if (pyTruthy(seats)) {
    const { elected, tied } = elect(counts, int(seats, "seats"), passes);
    const outcome = tied.length ? "TIE" : elected.length ? "PASSED" : "FAILED";
    return { outcome, elected, tied };
  }
  return { outcome: passes(counts[0]) ? "PASSED" : "FAILED", ...none };
}

export function meetingOutcome(m, counts) {
  return meetingDecision(m, counts).outcome;
}

function checkMeeting(m, counts, add) {
  const [n, d, di, a] = ["n", "d", "d_in_person", "a"].map((k) => num(req(m, k), k));
  req(m, "rule");
  if (!pyEq(req(m, "votes"), counts)) {
    add("meeting_votes", { votes: pyStr(m.votes), counts: pyRepr(counts) });
  }
  if (!(di <= d && d <= a && a <= n)) {
    add("meeting_attendance", { di: pyStr(m.d_in_person), d: pyStr(m.d), a: pyStr(m.a),
      n: pyStr(m.n) });
  }
  const { outcome, elected, tied } = meetingDecision(m, counts);
  if (!pyEq(req(m, "outcome"), outcome)) {
    add("meeting_outcome", { says: pyStr(m.outcome), outcome });
  }
  if (!pyEq(get(m, "elected") ?? [], elected) || !pyEq(get(m, "tied") ?? [], tied)) {
    add("meeting_elected", { elected: pyStr(get(m, "elected")), tied: pyStr(get(m, "tied")),
      want_elected: pyRepr(elected), want_tied: pyRepr(tied) });
  }
}

export function checkWitness(chain, height, head, add) {
  if (height >= chain.length) {
    add("witness_short", { height, len: chain.length });
    return;
  }
  const have = pyStr(req(chain[height], "hash"));
  if (have !== head) {
    add("witness_fork", { height, have: have.slice(0, 16), saved: head.slice(0, 16) });
  }
}

/**
 * Every problem found in a signed bundle `doc` (parsed with parseJSON). `key`: the
 * published public key (base64) or null; `witnesses`: [[height, hash], ...].
 * Returns {problems, signatureChecked}; no problems and a checked signature = verified.
 */
export async function verifyBundle(doc, { key = null, witnesses = [] } = {}) {
  const problems = [];
  let group = "bundle";
  const add = (k, vars = {}) => problems.push({ group, key: k, vars });
  if (!isDict(doc) || !isDict(doc.bundle)) {
    add("not_bundle");
    return { problems, signatureChecked: false };
  }
  const { bundle } = doc;
  // Python stops at the first malformed part; this page names it and checks the rest.
  const step = async (name, fn) => {
    group = name;
    try {
      return await fn();
    } catch (error) {
      add("malformed", { where: name, detail: error.message });
      return undefined;
    }
  };
  const signatureChecked = await step("signature", () => checkSignature(doc, bundle, key, add));
  const events = await step("chain", () => checkChain(bundle.chain, add));
  await step("room_chain", () => checkChain(bundle.room_chain ?? [], add, "room_chain"));
  if (events) {
    await step("manifest", () => checkManifest(bundle, events, add));
    await step("record", () => checkRecord(bundle, events, add));
    await step("ballots", () => checkBallots(bundle, events, add));
    await step("ballots", () => checkRoster(bundle, events, add));
  }
  await step("counts", () => checkCounts(bundle, add));
  for (const [height, head] of witnesses) {
    await step("witness", () => checkWitness(list(bundle.chain, "chain"), height, head, add));
  }
  return { problems, signatureChecked: Boolean(signatureChecked) };
}
