// What a phone can check for itself: the ballot tracker it recomputes from its own
// random nonce (kept on the phone), the manifest hash it was shown before voting,
// and, once voting closed, the way to the verify page.
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { keepBallot, keptBallot, newNonce, trackerOf } from "./verify-find.js";

export { newNonce };

/** The tracker this phone expects for a vote, or "" where hashing is unavailable (http). */
export async function expectedTracker(ballotId, choices, nonce) {
  try {
    return await trackerOf(ballotId, choices, nonce);
  } catch {
    return "";
  }
}

/** After an ack: keep {ballot, choices, nonce, tracker} and whether the tracker matched. */
export function keepVote(ballot, ack, pending) {
  const check = !pending.expected ? "unavailable"
    : pending.expected === ack.tracker ? "match" : "mismatch";
  keepBallot({
    ballot: ballot.id, room: ballot.room, choices: ack.choices, nonce: pending.nonce,
    tracker: ack.tracker, manifest_sha256: ballot.manifest_sha256 || "", check,
  });
}

const grouped = (hexText) => hexText.match(/.{1,4}/g).join(" ");

/** The tracker after voting: its start in large type, all of it in a details block. */
export function trackerBlock(ballot) {
  const tracker = ballot.my_vote?.tracker;
  if (!tracker) return null;
  const kept = keptBallot(ballot.id);
  const mine = kept?.tracker === tracker ? kept : null;
  const note = {
    match: h("p", { class: "tracker-check ok-line", "data-testid": "tracker-check" },
      `✓ ${t("tracker_match")}`),
    mismatch: h("p", { class: "tracker-check bad-line", role: "alert",
      "data-testid": "tracker-check" }, `✗ ${t("tracker_mismatch")}`),
  }[mine?.check] ?? null;
  return h("div", { class: "tracker-box" },
    h("p", { class: "tracker-line" }, `${t("tracker_label")}: `,
      h("strong", { class: "tracker-short", "data-testid": "tracker-short",
        "data-tracker": tracker }, `${grouped(tracker.slice(0, 16))} …`)),
    note,
    h("details", { class: "tracker" }, h("summary", {}, t("tracker_full")),
      h("code", { "data-testid": "tracker" }, tracker),
      mine ? h("p", { class: "hint" }, t("tracker_kept")) : null));
}

/** The published manifest hash, short, so people can compare it with the screen's. */
export function manifestLine(ballot) {
  if (!ballot.manifest_sha256) return null;
  return h("p", { class: "manifest-line", "data-testid": "manifest" },
    `${t("manifest_label")}: `, h("code", {}, ballot.manifest_sha256.slice(0, 16)));
}

/** Once closed with a published result: check it (and find my ballot) on /verify. */
export function verifyLink(ballot) {
  if (ballot.state !== "closed" || !ballot.result) return null;
  const href = `/verify#room=${encodeURIComponent(ballot.room)}&ballot=`
    + `${encodeURIComponent(ballot.id)}`;
  return h("a", { class: "btn primary verify-link", href, "data-testid": "verify-link" },
    t(ballot.my_vote ? "verify_link_mine" : "verify_link_any"));
}
