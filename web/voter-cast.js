// Casting a vote from a phone: one client key per intended vote, reused on every retry.
import { castChecking } from "./cast-check.js";
import { t } from "./i18n.js";
import { newClientKey, sleep } from "./net.js";
import { expectedTracker, keepVote, newNonce } from "./voter-trust.js";

const MAX_TRIES = 5;
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
  async function cast(ballotId, choices) {
    let pending = state.pending.get(ballotId);
    if (!pending || !sameChoices(pending.choices, choices)) {
      // The page's own nonce: the phone can recompute its tracker and check the server's.
      pending = { choices, key: newClientKey(), phase: "sending", nonce: newNonce() };
    }
    pending.phase = "sending";
    state.pending.set(ballotId, pending);
    state.errors.delete(ballotId);
    hooks.renderCard(ballotId);
    pending.expected ??= await expectedTracker(ballotId, pending.choices, pending.nonce);
    for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
      try {
        const ack = await hooks.conn().call("vote:cast", {
          ballot: ballotId, choices: pending.choices, client_key: pending.key,
          pass: hooks.pass(), nonce: pending.nonce,
        });
        counted(ballotId, ack, pending);
        return;
      } catch (error) {
        if (state.pending.get(ballotId) !== pending) return;
        if (!RETRYABLE.has(error.code)) {
          refused(ballotId, error);
          return;
        }
        pending.phase = "retrying";
        hooks.renderCard(ballotId);
        await sleep(500 * attempt);
      }
    }
    pending.phase = "failed";
    hooks.renderCard(ballotId);
  }

  function counted(ballotId, ack, pending) {
    const ballot = state.ballots.get(ballotId);
    if (!ballot) return;
    ballot.my_vote = { choices: ack.choices, receipt: ack.receipt, tracker: ack.tracker ?? "" };
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
    retry: (id) => cast(id, state.pending.get(id)?.choices ?? []),
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
