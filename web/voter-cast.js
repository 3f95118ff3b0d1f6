// Casting a vote from a phone: one client key per intended vote, reused on every retry.
import { castChecking } from "./cast-check.js";
import { t } from "./i18n.js";
import { newClientKey, sleep } from "./net.js";
import { forgetDraft } from "./voter-kinds.js";
import { expectedTracker, keepVote, newNonce } from "./voter-trust.js";

const MAX_TRIES = 5;
const MAX_BUSY = 20; // `busy` answers waited out (the server is behind; nothing applied)
// Worth another try with the same key: the vote may or may not have landed.
const RETRYABLE = new Set(["timeout", "offline", "not_joined", "internal", "store_unavailable"]);
// The server knows better than this page: fetch its view of my vote and the ballot.
const RELIST = new Set(["already_voted", "ballot_closed", "ballot_not_open"]);
const READMIT = new Set(["pass_required", "pass_invalid"]);

function sameChoices(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * state: the page state (ballots, pending, changing, errors, selections, confirming);
 * hooks: {conn(), renderCard(id), focus(id, selector), announce(text), refreshList(),
 *         refreshTally(id), pass(), readmit()}
 */
export function votingActions(state, hooks) {
  /** Send `pending` (kept with its client key) until it is acked or refused. */
  async function deliver(ballotId, pending, event, body) {
    pending.phase = "sending";
    state.pending.set(ballotId, pending);
    state.errors.delete(ballotId);
    hooks.renderCard(ballotId);
    let busy = 0;
    for (let attempt = 1; attempt <= MAX_TRIES;) {
      try {
        const ack = await hooks.conn().call(event, {
          ...(await body()), client_key: pending.key, pass: hooks.pass(),
        });
        counted(ballotId, ack, pending);
        return;
      } catch (error) {
        if (state.pending.get(ballotId) !== pending) return;
        if (error.code === "busy" && busy < MAX_BUSY) {
          // Many votes at once: the same vote again after the server's hint, jittered.
          busy += 1;
          pending.phase = "busy";
          hooks.renderCard(ballotId);
          await sleep((error.details?.retry_ms || 500) * (0.5 + Math.random()));
          continue;
        }
        if (!RETRYABLE.has(error.code)) {
          refused(ballotId, error);
          return;
        }
        pending.phase = "retrying";
        hooks.renderCard(ballotId);
        await sleep(500 * attempt);
        attempt += 1;
      }
    }
    pending.phase = "failed";
    hooks.renderCard(ballotId);
  }

  function cast(ballotId, choices) {
    let pending = state.pending.get(ballotId);
    if (!pending || !sameChoices(pending.choices, choices)) {
      // The page's own nonce: the phone can recompute its tracker and check the server's.
      pending = { choices, key: newClientKey(), nonce: newNonce() };
    }
    return deliver(ballotId, pending, "vote:cast", async () => {
      pending.expected ??= await expectedTracker(ballotId, pending.choices, pending.nonce);
      return { ballot: ballotId, choices: pending.choices, nonce: pending.nonce };
    });
  }

  /** An open-text answer (or a Q&A question): one client key per text as typed. */
  function answer(ballotId, text, event = "answer:send", name = "") {
    let pending = state.pending.get(ballotId);
    if (!pending || pending.text !== text) {
      pending = { choices: [], text, name, event, key: newClientKey() };
    }
    return deliver(ballotId, pending, event, async () => ({ ballot: ballotId, text, name }));
  }

  function asked(ballotId, ack) {
    state.pending.delete(ballotId);
    if (!state.asked.has(ballotId)) state.asked.set(ballotId, new Map());
    state.asked.get(ballotId).set(ack.question, ack.state);
    forgetDraft(ballotId);
    hooks.renderCard(ballotId);
    hooks.announce(t(ack.state === "pending" ? "asked_held_announce" : "asked_shown_announce"));
  }

  /** An upvote: once per question (the server counts it once however often it is sent). */
  async function upvote(ballotId, question) {
    if (!state.upvoted.has(ballotId)) state.upvoted.set(ballotId, new Set());
    const mine = state.upvoted.get(ballotId);
    if (mine.has(question)) return;
    mine.add(question);
    state.errors.delete(ballotId);
    hooks.renderCard(ballotId);
    for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
      try {
        await hooks.conn().call("question:upvote", { ballot: ballotId, question, pass: hooks.pass() });
        return;
      } catch (error) {
        if (!RETRYABLE.has(error.code)) {
          if (error.code !== "own_question") mine.delete(question);
          refused(ballotId, error);
          return;
        }
        await sleep(500 * attempt);
      }
    }
    mine.delete(question);
    hooks.renderCard(ballotId);
  }

  function counted(ballotId, ack, pending) {
    const ballot = state.ballots.get(ballotId);
    if (!ballot) return;
    if (ack.question) {
      asked(ballotId, ack);
      return;
    }
    forgetDraft(ballotId);
    ballot.my_vote = ack.answer
      ? { choices: [], receipt: ack.receipt, answer: ack.answer, text: pending.text }
      : { choices: ack.choices, receipt: ack.receipt, tracker: ack.tracker ?? "" };
    if (ack.tracker) keepVote(ballot, ack, pending);
    state.pending.delete(ballotId);
    state.changing.delete(ballotId);
    state.selections.delete(ballotId);
    hooks.renderCard(ballotId);
    hooks.focus(ballotId, "[data-testid=confirmation]");
    hooks.announce(t("counted_announce", { receipt: ack.receipt }));
    hooks.refreshTally(ballotId);
  }

  function refused(ballotId, error) {
    state.pending.delete(ballotId);
    state.errors.set(ballotId, error);
    hooks.renderCard(ballotId);
    if (RELIST.has(error.code)) hooks.refreshList();
    if (READMIT.has(error.code)) hooks.readmit();
  }

  return {
    cast,
    ...castChecking(state, { render: hooks.renderCard, focus: hooks.focus }, cast),
    answer,
    ask: (id, text, name) => answer(id, text, "question:ask", name),
    upvote,
    retry: (id) => {
      const pending = state.pending.get(id);
      return pending?.text ? answer(id, pending.text, pending.event, pending.name)
        : cast(id, pending?.choices ?? []);
    },
    change: (id) => {
      state.changing.add(id);
      state.selections.set(id, new Set());
      state.errors.delete(id);
      hooks.renderCard(id);
      hooks.focus(id, ".choice");
    },
    keep: (id) => {
      state.changing.delete(id);
      hooks.renderCard(id);
    },
  };
}
