// One ballot as a phone shows it: choices, sending, the "counted" receipt, results.
import { castCheck } from "./cast-check.js";
import { errorText, t } from "./i18n.js";
import {
  barsOf, chosenLabels, isBoard, isRanking, isText, labelsOf, summaryOf, textFigures,
} from "./figures.js";
import { h, updateBars } from "./ui.js";
import { answerBody, boardBody, rankingBody } from "./voter-kinds.js";
import { manifestLine, trackerBlock, verifyLink } from "./voter-trust.js";

const YESNO_CLASSES = ["choice-yes", "choice-no", "choice-abstain"];

/**
 * ctx: {tally, pending, changing, error, selection: Set, locked, checking: choices | undefined,
 *       actions: {review(ballot, choices), confirm(id), back(id), retry(id), change(id),
 *       keep(id)}}
 */
export function ballotCard(ballot, ctx) {
  const qid = `q-${ballot.id}`;
  const card = h("article", {
    class: "card ballot", "data-ballot": ballot.id, "data-state": ballot.state,
    "aria-labelledby": qid,
  });
  card.append(h("h2", { id: qid, class: "question", "data-testid": "question" },
    ballot.question));
  if (ballot.state === "open" && ballot.closes_at) {
    card.append(h("p", { class: "countdown", "data-closes-at": ballot.closes_at }));
  }
  card.append(body(ballot, ctx));
  if (ctx.error) {
    card.append(h("p", { class: "error", role: "alert", "data-testid": "vote-error" },
      errorText(ctx.error)));
  }
  card.append(h("section", { class: "results", hidden: true, "aria-live": "off" }));
  fillResults(card, ballot, ctx.tally);
  const manifest = manifestLine(ballot);
  if (manifest) card.append(manifest);
  return card;
}

function body(ballot, ctx) {
  if (ballot.state === "closed") return closedBody(ballot);
  if (isBoard(ballot)) {
    return boardBody(ballot, ctx, hint(ballot), ctx.pending ? sendingBody(ballot, ctx) : null);
  }
  if (ctx.pending) return sendingBody(ballot, ctx);
  if (ballot.my_vote && !ctx.changing) return confirmation(ballot, ctx);
  if (ctx.locked) return h("p", { class: "locked", "data-testid": "locked" }, t("locked_note"));
  if (ctx.checking) return castCheck(ballot, ctx.checking, ctx.actions);
  return choicesBody(ballot, ctx);
}


function chosenText(ballot, pending) {
  return isText(ballot) || isBoard(ballot) ? pending.text ?? ""
    : chosenLabels(ballot, pending.choices);
}

function hint(ballot) {
  if (ballot.kind === "multiple") return t("choose_up_to", { n: ballot.max_choices });
  if (ballot.kind === "rating") return t(ballot.confirm ? "choose_rating_confirm" : "choose_rating");
  if (isRanking(ballot)) return t("choose_ranking");
  if (isText(ballot)) {
    return t(ballot.text?.cloud ? "write_word" : "write_answer", { n: ballot.text?.max_length });
  }
  if (isBoard(ballot)) return t("ask_hint", { n: ballot.qa?.max_length });
  const key = ballot.kind === "yesno" ? "choose_yesno" : "choose_one";
  return t(ballot.confirm ? `${key}_confirm` : key);
}

function choicesBody(ballot, ctx) {
  const hintId = `hint-${ballot.id}`;
  const wrap = h("div", { class: "voting" }, h("p", { id: hintId, class: "hint" }, hint(ballot)));
  if (isRanking(ballot)) return rankingBody(ballot, ctx, wrap);
  if (isText(ballot)) return answerBody(ballot, ctx, wrap);
  const current = new Set(ctx.changing ? ballot.my_vote?.choices ?? [] : []);
  const group = h("div", {
    class: "choices", role: "group", "aria-labelledby": `q-${ballot.id}`,
    "aria-describedby": hintId,
  });
  const labels = labelsOf(ballot);
  const multiple = ballot.kind === "multiple";
  if (ballot.kind === "rating") group.classList.add("rating-points");
  const status = multiple ? h("p", { class: "selected", "aria-live": "polite" }) : null;
  const submit = multiple
    ? h("button", {
      type: "button", class: "big primary", "data-key": "submit", "data-testid": "submit-vote",
      onclick: () => ctx.actions.review(ballot, [...ctx.selection].sort((a, b) => a - b)),
    }, t("submit_vote"))
    : null;
  const refresh = () => {
    if (!multiple) return;
    status.textContent = t("selected_count", { n: ctx.selection.size, max: ballot.max_choices });
    submit.disabled = ctx.selection.size === 0;
    for (const button of group.children) {
      button.setAttribute("aria-pressed", String(ctx.selection.has(Number(button.dataset.index))));
    }
  };
  labels.forEach((label, i) => {
    const classes = ["choice", ballot.kind === "yesno" ? YESNO_CLASSES[i] : ""].join(" ");
    const button = h("button", {
      type: "button", class: classes, "data-key": `opt-${i}`, "data-index": i,
      "data-testid": `choice-${i}`,
    }, h("span", { class: "choice-text" }, label),
    current.has(i) ? h("span", { class: "choice-note" }, t("current_choice")) : null);
    button.addEventListener("click", () => {
      if (!multiple) return ctx.actions.review(ballot, [i]);
      if (ctx.selection.has(i)) ctx.selection.delete(i);
      else if (ctx.selection.size < ballot.max_choices) ctx.selection.add(i);
      else {
        status.textContent = t("max_reached", { n: ballot.max_choices });
        return undefined;
      }
      return refresh();
    });
    group.append(button);
  });
  wrap.append(group);
  if (multiple) {
    wrap.append(status, submit);
    refresh();
  }
  if (ctx.changing) {
    wrap.append(h("button", {
      type: "button", class: "big secondary", "data-key": "keep",
      onclick: () => ctx.actions.keep(ballot.id),
    }, t("keep_vote")));
  }
  return wrap;
}

function sendingBody(ballot, ctx) {
  const { pending } = ctx;
  const wrap = h("div", { class: "sending", role: "status", "data-testid": "sending" });
  if (pending.phase === "failed") {
    wrap.append(h("p", { class: "warning" }, t("not_confirmed")),
      h("p", { class: "chosen" }, `${t("your_choice")}: ${chosenText(ballot, pending)}`),
      h("button", {
        type: "button", class: "big primary", "data-key": "retry", "data-testid": "send-again",
        onclick: () => ctx.actions.retry(ballot.id),
      }, t("send_again")));
    return wrap;
  }
  wrap.setAttribute("aria-busy", "true");
  wrap.append(h("span", { class: "spinner", "aria-hidden": "true" }),
    h("p", {}, t({ retrying: "retrying", busy: "busy_wait" }[pending.phase] || "sending")),
    h("p", { class: "chosen" }, `${t("your_choice")}: ${chosenText(ballot, pending)}`));
  return wrap;
}

function receiptLines(ballot) {
  const vote = ballot.my_vote;
  return [
    h("p", { class: "chosen" }, `${t(isText(ballot) ? "your_answer" : "your_choice")}: `,
      h("strong", { "data-testid": "my-choice" }, chosenText(ballot, vote))),
    h("p", { class: "receipt" }, `${t("receipt")}: `,
      h("strong", { class: "receipt-code", "data-testid": "receipt" }, vote.receipt)),
    // The tracker lets anyone check later that this ballot is among the published ones.
    trackerBlock(ballot),
  ];
}

function confirmation(ballot, ctx) {
  const panel = h("div", {
    class: "confirm", "data-testid": "confirmation", tabindex: "-1", "data-key": "confirm",
  }, h("p", { class: "confirm-title" },
    h("span", { class: "check-mark", "aria-hidden": "true" }, "✓"), " ", t("counted")),
  ...receiptLines(ballot));
  if (ballot.allow_change && ballot.state === "open") {
    panel.append(h("button", {
      type: "button", class: "big secondary", "data-key": "change", "data-testid": "change-vote",
      onclick: () => ctx.actions.change(ballot.id),
    }, t("change_vote")));
  }
  return panel;
}

function closedBody(ballot) {
  const wrap = h("div", { class: "closed" },
    h("p", { class: "ended", "data-testid": "ended" }, t("voting_ended")));
  if (ballot.my_vote) wrap.append(...receiptLines(ballot).filter(Boolean));
  const link = verifyLink(ballot);
  if (link) wrap.append(link);
  return wrap;
}

/** Live bars while open (when a tally was allowed through), the final result once closed. */
export function fillResults(card, ballot, tally) {
  const section = card.querySelector(".results");
  if (!section || isBoard(ballot)) return; // a board lists its questions in its body
  let figures = null;
  let title = t("live_results");
  if (ballot.state === "closed") {
    title = t("final_result");
    figures = ballot.result?.record;
    if (!figures) {
      section.hidden = false;
      section.replaceChildren(h("p", { class: "muted" }, t("result_hidden")));
      return;
    }
  } else if (tally && tally.state === "open" && !tally.hidden) {
    figures = tally;
  }
  if (!figures) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  if (isText(ballot)) {
    const shown = figures === tally ? textFigures(ballot, tally)
      : h("p", {}, t("answers_n", { n: figures.answers }));
    section.replaceChildren(h("h3", { class: "results-title" }, title), shown);
    return;
  }
  if (!section.querySelector(".bars")) {
    section.replaceChildren(h("h3", { class: "results-title" }), h("div", { class: "bars" }),
      h("p", { class: "summary", "data-testid": "summary" }), h("p", { class: "voters" }));
  }
  section.querySelector(".results-title").textContent = title;
  const bars = barsOf(ballot, figures, figures === tally ? tally.percent : null);
  updateBars(section.querySelector(".bars"), bars.labels, bars.counts, bars.percent,
    { winners: ballot.state === "closed" });
  section.querySelector(".summary").textContent = summaryOf(ballot, figures);
  section.querySelector(".voters").textContent = t("votes_n", { n: figures.voters });
}
