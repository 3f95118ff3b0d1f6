// One agenda item as a member sees it: its state, the choices, "counted" with the
// receipt, how the member is counted, and the outcome once it closes.
import { castCheck } from "./cast-check.js";
import { errorText, t } from "./i18n.js";
import { h, optionLabels } from "./ui.js";

const YESNO_CLASSES = ["choice-yes", "choice-no", "choice-abstain"];

/** draft, early (advance voting), live (voted on at the meeting) or closed. */
export function itemPhase(item) {
  if (item.state === "closed") return "closed";
  if (item.state === "draft") return "draft";
  return item.live ? "live" : "early";
}

function chosenText(item, choices) {
  const labels = optionLabels(item);
  return choices.map((i) => labels[i] ?? `#${i + 1}`).join(", ");
}

/**
 * ctx: {pending, changing, error, selection: Set, checking: choices | undefined,
 *       outcome: {status, meeting}, actions: {select(id, i, max), cast(id), confirm(id),
 *       back(id), retry(id), change(id), keep(id)}}
 */
export function itemCard(item, number, ctx) {
  const phase = itemPhase(item);
  const qid = `q-${item.id}`;
  const card = h("article", {
    class: "card ballot agenda-item", "data-ballot": item.id, "data-phase": phase,
    "aria-labelledby": qid, "data-testid": "agenda-item",
  },
  h("div", { class: "item-head" },
    h("p", { class: "item-n" }, t("mtg_item_n", { n: number })),
    h("p", { class: "state-badge", "data-state": phase, "data-testid": "item-state" },
      t(`mtg_state_${phase}`))),
  h("h3", { id: qid, class: "question", "data-testid": "question" }, item.question),
  h("p", { class: "secrecy" }, item.secret ? t("mtg_secret_note") : t("mtg_named_note")));
  card.append(body(item, phase, ctx));
  if (ctx.error) {
    card.append(h("p", { class: "error", role: "alert", "data-testid": "vote-error" },
      errorText(ctx.error)));
  }
  if (phase !== "draft" && item.counted_as) card.append(countedAs(item));
  return card;
}

function body(item, phase, ctx) {
  if (phase === "draft") return h("p", { class: "muted not-open" }, t("mtg_not_open"));
  if (phase === "closed") return closedBody(item, ctx);
  if (ctx.pending) return sendingBody(item, ctx.pending, ctx);
  if (item.my_vote && !ctx.changing) return confirmation(item, ctx);
  if (ctx.checking) return castCheck(item, ctx.checking, ctx.actions);
  return choicesBody(item, ctx);
}

function choicesBody(item, ctx) {
  const max = item.kind === "multiple" ? item.max_choices : 1;
  const hintId = `hint-${item.id}`;
  const current = new Set(ctx.changing ? item.my_vote?.choices ?? [] : []);
  const group = h("div", {
    class: "choices", role: "group", "aria-labelledby": `q-${item.id}`, "aria-describedby": hintId,
  });
  optionLabels(item).forEach((label, i) => {
    const classes = ["choice", item.kind === "yesno" ? YESNO_CLASSES[i] : ""].join(" ");
    group.append(h("button", {
      type: "button", class: classes, "data-key": `opt-${i}`, "data-testid": `choice-${i}`,
      "aria-pressed": String(ctx.selection.has(i)),
      onclick: () => ctx.actions.select(item.id, i, max),
    }, h("span", { class: "choice-text" }, label),
    current.has(i) ? h("span", { class: "choice-note" }, t("current_choice")) : null));
  });
  const wrap = h("div", { class: "voting" },
    h("p", { id: hintId, class: "hint" }, max > 1 ? t("mtg_pick_up_to", { n: max }) : t("mtg_pick")),
    group,
    h("button", {
      type: "button", class: "big primary send-vote", "data-key": "submit",
      "data-testid": "send-vote", disabled: ctx.selection.size === 0,
      onclick: () => ctx.actions.cast(item.id),
    }, t("mtg_send_vote")));
  if (ctx.changing) {
    wrap.append(h("button", {
      type: "button", class: "big secondary", "data-key": "keep",
      onclick: () => ctx.actions.keep(item.id),
    }, t("keep_vote")));
  }
  return wrap;
}

function sendingBody(item, pending, ctx) {
  const wrap = h("div", { class: "sending", role: "status", "data-testid": "sending" });
  const chosen = h("p", { class: "chosen" },
    `${t("your_choice")}: ${chosenText(item, pending.choices)}`);
  if (pending.phase === "failed") {
    wrap.append(h("p", { class: "warning" }, t("not_confirmed")), chosen,
      h("button", {
        type: "button", class: "big primary", "data-key": "retry", "data-testid": "send-again",
        onclick: () => ctx.actions.retry(item.id),
      }, t("send_again")));
    return wrap;
  }
  wrap.setAttribute("aria-busy", "true");
  wrap.append(h("span", { class: "spinner", "aria-hidden": "true" }),
    h("p", {}, pending.phase === "retrying" ? t("retrying") : t("sending")), chosen);
  return wrap;
}

function receiptLines(item) {
  const vote = item.my_vote;
  const choice = vote.choices.length
    ? h("strong", { "data-testid": "my-choice" }, chosenText(item, vote.choices))
    : h("span", { class: "muted", "data-testid": "my-choice" }, t("mtg_secret_choice_unknown"));
  return [
    h("p", { class: "chosen" }, `${t("your_choice")}: `, choice),
    vote.mode ? h("p", { class: "chosen", "data-testid": "my-mode" },
      `${t("mtg_how_voted")}: ${t(`mtg_mode_${vote.mode}`)}`) : null,
    h("p", { class: "receipt" }, `${t("receipt")}: `,
      h("strong", { class: "receipt-code", "data-testid": "receipt" }, vote.receipt)),
    // The tracker lets the member find this ballot among the published ones later.
    vote.tracker ? h("details", { class: "tracker" }, h("summary", {}, t("tracker")),
      h("code", { "data-testid": "tracker" }, vote.tracker),
      vote.checked ? h("p", { class: "tracker-checked" }, `✓ ${t("mtg_tracker_checked")}`) : null)
      : null,
  ];
}

function confirmation(item, ctx) {
  const panel = h("div", {
    class: "confirm", "data-testid": "confirmation", tabindex: "-1", "data-key": "confirm",
  }, h("p", { class: "confirm-title" },
    h("span", { class: "check-mark", "aria-hidden": "true" }, "✓"), " ", t("mtg_counted")),
  ...receiptLines(item));
  if (item.allow_change && item.state === "open") {
    panel.append(h("button", {
      type: "button", class: "big secondary", "data-key": "change", "data-testid": "change-vote",
      onclick: () => ctx.actions.change(item.id),
    }, t("change_vote")));
  }
  return panel;
}

function closedBody(item, ctx) {
  const wrap = h("div", { class: "closed" },
    h("p", { class: "ended", "data-testid": "ended" }, t("mtg_voting_ended")));
  wrap.append(outcomePanel(item, ctx.outcome));
  if (item.my_vote) wrap.append(...receiptLines(item));
  return wrap;
}

function outcomePanel(item, outcome) {
  if (!outcome || outcome.status === "loading") {
    return h("p", { class: "muted", "data-testid": "outcome-loading" }, t("mtg_outcome_loading"));
  }
  if (outcome.status === "hidden") {
    return h("p", { class: "muted", "data-testid": "outcome" }, t("mtg_outcome_hidden"));
  }
  const m = outcome.meeting;
  const labels = optionLabels(item);
  return h("div", { class: "outcome", "data-outcome": m.outcome, "data-testid": "outcome" },
    h("p", { class: "outcome-title" }, `${t("mtg_outcome")}: `,
      h("strong", { "data-testid": "outcome-word" }, t(`outcome_${m.outcome}`))),
    h("p", { class: "outcome-votes", "data-testid": "outcome-votes" },
      m.votes.map((n, i) => t("mtg_votes_line", { label: labels[i] ?? `#${i + 1}`, n }))
        .join(" · ")),
    h("p", { class: "outcome-attendance" }, t("mtg_attendance_line", { a: m.a, n: m.n })));
}

function countedAs(item) {
  return h("p", { class: "counted-as", "data-counted": item.counted_as, "data-testid": "counted-as" },
    h("span", { class: "counted-label" }, `${t("mtg_how_counted")}: `),
    t(`mtg_counted_as_${item.counted_as}`));
}
