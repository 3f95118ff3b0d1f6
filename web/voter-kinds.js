// A phone's bodies for the question types beyond choices: a ranking moved with
// buttons, an open-text answer, a Q&A board to ask on and upvote. Typed text
// survives re-renders (drafts), so a push never wipes what is being written.
import { t } from "./i18n.js";
import { boardOf, cellsOf, labelsOf } from "./figures.js";
import { h } from "./ui.js";

const drafts = new Map(); // box -> the text being typed, kept across re-renders

/** After a text was sent: its box starts empty again. */
export function forgetDraft(ballotId) {
  for (const key of [`answer-${ballotId}`, `ask-${ballotId}`]) drafts.delete(key);
}

/** A ranking on a phone: the options in order, each moved with buttons (no dragging). */
export function rankingBody(ballot, ctx, wrap) {
  const order = ctx.selection;
  if (order.size !== ballot.options.length) {
    order.clear();
    ballot.options.forEach((_, i) => order.add(i));
  }
  const list = h("ol", { class: "ranking", "aria-labelledby": `q-${ballot.id}` });
  const status = h("p", { class: "selected", "aria-live": "polite" });
  const labels = labelsOf(ballot);
  const move = (option, by, key) => {
    const now = [...order];
    const from = now.indexOf(option);
    const to = from + by;
    if (to < 0 || to >= now.length) return;
    [now[from], now[to]] = [now[to], now[from]];
    order.clear();
    now.forEach((o) => order.add(o));
    draw();
    status.textContent = t("moved_to", { option: labels[option], n: to + 1 });
    list.querySelector(`[data-key="${key}"]`)?.focus();
  };
  const draw = () => list.replaceChildren(...[...order].map((option, place) => h("li", {
    class: "rank-item", "data-testid": `rank-${place}`, "data-option": option,
  }, h("span", { class: "rank-place", "aria-hidden": "true" }, String(place + 1)),
  h("span", { class: "rank-text" }, labels[option]),
  h("span", { class: "rank-moves" },
    h("button", {
      type: "button", class: "rank-move", "data-key": `up-${option}`, disabled: place === 0,
      "aria-label": t("move_up", { option: labels[option] }),
      onclick: () => move(option, -1, `up-${option}`),
    }, "▲"),
    h("button", {
      type: "button", class: "rank-move", "data-key": `down-${option}`,
      disabled: place === order.size - 1, "aria-label": t("move_down", { option: labels[option] }),
      onclick: () => move(option, 1, `down-${option}`),
    }, "▼")))));
  draw();
  wrap.append(list, status, h("button", {
    type: "button", class: "big primary", "data-key": "submit", "data-testid": "submit-vote",
    onclick: () => ctx.actions.review(ballot, cellsOf([...order])),
  }, t("submit_ranking")));
  return wrap;
}

/** A labelled box for a text with its length limit (the typed text kept in drafts). */
function writeBox(id, { limit, multiline, describedBy, label, onchange }) {
  const left = h("p", { class: "hint", id: `${id}-left`, "aria-live": "polite" });
  const box = h(multiline ? "textarea" : "input", {
    id, class: "answer-input", maxlength: limit, "data-key": id, "data-testid": "answer-input",
    "aria-describedby": `${describedBy} ${id}-left`, autocomplete: "off",
  });
  box.value = drafts.get(id) ?? "";
  const refresh = () => {
    drafts.set(id, box.value);
    left.textContent = t("chars_left", { n: limit - box.value.length });
    onchange(box.value.trim());
  };
  box.addEventListener("input", refresh);
  return { box, nodes: [h("label", { for: id, class: "field-label" }, label), box, left], refresh };
}

function sendButton(key) {
  return h("button", {
    type: "submit", class: "big primary", "data-key": "submit", "data-testid": "submit-answer",
  }, t(key));
}

/** An open-text answer: a labelled box with its length limit, then send. */
export function answerBody(ballot, ctx, wrap) {
  const send = sendButton("send_answer");
  const { box, nodes, refresh } = writeBox(`answer-${ballot.id}`, {
    limit: ballot.text?.max_length ?? 140, multiline: !ballot.text?.cloud,
    describedBy: `hint-${ballot.id}`, label: t("your_answer"),
    onchange: (text) => { send.disabled = !text; },
  });
  refresh();
  wrap.append(h("form", {
    class: "answer-form",
    onsubmit: (event) => {
      event.preventDefault();
      if (box.value.trim()) ctx.actions.answer(ballot.id, box.value.trim());
    },
  }, ...nodes, send));
  return wrap;
}

/** A Q&A board on a phone: ask (with a name if the board takes names), see the
 * approved questions, upvote the others'. */
export function boardBody(ballot, ctx, hintText, sending) {
  const hintId = `hint-${ballot.id}`;
  const wrap = h("div", { class: "voting" });
  const asked = ctx.asked ?? new Map();
  if (ballot.state === "open") {
    const send = sendButton("ask_button");
    const { box, nodes, refresh } = writeBox(`ask-${ballot.id}`, {
      limit: ballot.qa?.max_length ?? 200, multiline: true, describedBy: hintId,
      label: t("your_question"),
      onchange: (text) => { send.disabled = !text || Boolean(ctx.pending); },
    });
    const name = ballot.qa?.named ? h("input", {
      id: `name-${ballot.id}`, class: "answer-input", maxlength: 40, autocomplete: "name",
      "data-key": "name", "data-testid": "ask-name",
    }) : null;
    if (name) name.value = drafts.get(`name-${ballot.id}`) ?? "";
    name?.addEventListener("input", () => drafts.set(`name-${ballot.id}`, name.value));
    refresh();
    wrap.append(h("p", { id: hintId, class: "hint" }, hintText), h("form", {
      class: "answer-form",
      onsubmit: (event) => {
        event.preventDefault();
        if (box.value.trim() && !ctx.pending) {
          ctx.actions.ask(ballot.id, box.value.trim(), name?.value.trim() ?? "");
        }
      },
    }, ...nodes, name ? h("label", { for: name.id, class: "field-label" }, t("ask_name")) : null,
    name, send));
  }
  if (sending) wrap.append(sending);
  const held = [...asked.values()].filter((state) => state === "pending").length;
  if (asked.size) {
    wrap.append(h("p", { class: "sent", role: "status", "data-testid": "asked" },
      t("asked_n", { n: asked.size }), held ? ` ${t("asked_held", { n: held })}` : ""));
  }
  wrap.append(h("div", { class: "board-slot", "data-board": ballot.id },
    boardList(ballot, ctx)));
  return wrap;
}

/** The board's questions with upvote buttons; a tally replaces only this, so a
 * question being typed (an IME composing Hangul) is never rebuilt under the finger. */
export function boardList(ballot, ctx) {
  return boardOf(ctx.tally, ballot.state === "open" ? {
    mine: new Set((ctx.asked ?? new Map()).keys()), upvoted: ctx.upvoted ?? new Set(),
    upvote: (id) => ctx.actions.upvote(ballot.id, id),
  } : null);
}
