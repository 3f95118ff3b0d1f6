// Casting a member's vote: one client key and one nonce per intended vote, reused on
// every retry. Secret items keep no link from member to choice on the server, so this
// device keeps {choices, nonce} of its ballot: to show it, and to replace it later.
import { castChecking } from "./cast-check.js";
import { t } from "./i18n.js";
import { load, save } from "./keep.js";
import { newClientKey, sleep } from "./net.js";

const MAX_TRIES = 5;
// Worth another try with the same key: the vote may or may not have landed.
const RETRYABLE = new Set(["timeout", "offline", "not_joined", "internal", "store_unavailable"]);
// Drop the device's in-flight record: the server refused this vote for good.
const FINAL = new Set(["ballot_closed", "item_not_found", "ballot_not_found"]);

/** 16 random bytes as 32 lowercase hex digits (the protocol takes 16-64). */
export function newNonce() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const storeKey = (memberNo, ballotId) => `lv.mtg.secret.${memberNo}.${ballotId}`;

/** {kept: {choices, nonce, receipt, tracker} | null,
 *   pending: {choices, nonce, key, replaces} | null} */
export function secretRecord(memberNo, ballotId) {
  try {
    const value = JSON.parse(load(storeKey(memberNo, ballotId)) || "{}");
    return { kept: value.kept ?? null, pending: value.pending ?? null };
  } catch {
    return { kept: null, pending: null };
  }
}

function keepSecret(memberNo, ballotId, change) {
  const value = { ...secretRecord(memberNo, ballotId), ...change };
  save(storeKey(memberNo, ballotId), value.kept || value.pending ? JSON.stringify(value) : "");
}

/** The tracker as the server computes it: SHA-256 of {"ballot","choices","nonce"}. */
export async function localTracker(ballotId, choices, nonce) {
  if (!crypto.subtle) return ""; // plain http on a LAN address: no Web Crypto
  const sorted = [...choices].sort((a, b) => a - b);
  const text = JSON.stringify({ ballot: ballotId, choices: sorted, nonce });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function sameChoices(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * state: {items, pending, changing, errors, selections, confirming, memberNo};
 * hooks: {conn(), renderItem(id), focus(id, selector), announce(text), refresh()}
 */
export function memberVoting(state, hooks) {
  function replacing(item) {
    if (!item.secret || !item.my_vote) return null;
    const { kept } = secretRecord(state.memberNo, item.id);
    return kept ? { choices: kept.choices, nonce: kept.nonce } : null;
  }

  async function cast(ballotId, choices) {
    const item = state.items.get(ballotId);
    if (!item || !choices.length) return;
    let pending = state.pending.get(ballotId);
    if (!pending || !sameChoices(pending.choices, choices)) {
      pending = { choices, key: newClientKey(), nonce: newNonce(), replaces: replacing(item) };
    }
    await send(item, pending);
  }

  async function send(item, pending) {
    const ballotId = item.id;
    pending.phase = "sending";
    state.pending.set(ballotId, pending);
    state.errors.delete(ballotId);
    const { choices, key, nonce, replaces } = pending;
    if (item.secret) {
      keepSecret(state.memberNo, ballotId, { pending: { choices, key, nonce, replaces } });
    }
    hooks.renderItem(ballotId);
    const payload = { ballot: ballotId, choices, client_key: key, nonce };
    if (replaces) payload.replaces = replaces;
    for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
      try {
        const ack = await hooks.conn().call("member:vote", payload);
        await counted(item, pending, ack);
        return;
      } catch (error) {
        if (state.pending.get(ballotId) !== pending) return;
        if (!RETRYABLE.has(error.code)) {
          refused(item, error);
          return;
        }
        pending.phase = "retrying";
        hooks.renderItem(ballotId);
        await sleep(500 * attempt);
      }
    }
    pending.phase = "failed";
    hooks.renderItem(ballotId);
  }

  async function counted(item, pending, ack) {
    const mine = await localTracker(item.id, pending.choices, pending.nonce);
    const tracker = ack.tracker || mine;
    const current = state.items.get(item.id) ?? item; // a status poll may have replaced it
    current.my_vote = {
      choices: pending.choices, receipt: ack.receipt, tracker,
      mode: current.live ? "live" : "early", checked: Boolean(mine) && mine === tracker,
    };
    if (item.secret) {
      keepSecret(state.memberNo, item.id, {
        kept: { choices: pending.choices, nonce: pending.nonce, receipt: ack.receipt, tracker },
        pending: null,
      });
    }
    state.pending.delete(item.id);
    state.changing.delete(item.id);
    state.selections.delete(item.id);
    hooks.renderItem(item.id);
    hooks.focus(item.id, "[data-testid=confirmation]");
    hooks.announce(t("mtg_counted_announce", { receipt: ack.receipt }));
    hooks.refresh();
  }

  function refused(item, error) {
    state.pending.delete(item.id);
    state.errors.set(item.id, error);
    if (item.secret && FINAL.has(error.code)) keepSecret(state.memberNo, item.id, { pending: null });
    hooks.renderItem(item.id);
    hooks.refresh();
  }

  /** After a reload: a secret vote whose answer never came is sent again, same key and
   * nonce, so the device learns whether it landed and keeps the right receipt. */
  function resume(item) {
    const { pending } = secretRecord(state.memberNo, item.id);
    if (!pending || state.pending.has(item.id)) return;
    if (item.state !== "open") {
      keepSecret(state.memberNo, item.id, { pending: null });
      return;
    }
    send(item, { ...pending });
  }

  const checking = castChecking(state, { render: hooks.renderItem, focus: hooks.focus }, cast);
  return {
    ...checking,
    /** "Send my vote": the selection, confirmed first when the item asks for it. */
    cast: (id) => {
      const item = state.items.get(id);
      const choices = [...(state.selections.get(id) ?? [])].sort((a, b) => a - b);
      if (item && choices.length) checking.review(item, choices);
    },
    resume,
    retry: (id) => {
      const pending = state.pending.get(id);
      const item = state.items.get(id);
      if (pending && item) send(item, pending);
    },
    select: (id, index, max) => {
      const selection = state.selections.get(id) ?? new Set();
      if (max === 1) selection.clear();
      if (selection.has(index)) selection.delete(index);
      else if (selection.size < max) selection.add(index);
      state.selections.set(id, selection);
      hooks.renderItem(id);
      hooks.focus(id, `[data-key="opt-${index}"]`);
    },
    change: (id) => {
      state.changing.add(id);
      state.selections.set(id, new Set());
      state.errors.delete(id);
      hooks.renderItem(id);
      hooks.focus(id, ".choice");
    },
    keep: (id) => {
      state.changing.delete(id);
      hooks.renderItem(id);
    },
  };
}
