// One ballot in the host console: state, live counts, actions, exports.
import { errorText, t } from "./i18n.js";
import { LiveError } from "./net.js";
import { outcomeOf } from "./outcome.js";
import {
  barsOf, boardOf, isBoard, isRanking, isText, isWritten, placesTable, summaryOf, textFigures,
} from "./figures.js";
import { h, stateLabel, updateBars } from "./ui.js";

const VISIBILITY = {
  live: "vis_live", after_vote: "vis_after_vote", after_close: "vis_after_close",
  never: "vis_never",
};

/**
 * ctx: {tally, error, busy, room, key, actions: {open(id, seconds), countdown(id, seconds),
 *       close(id), reset(id)}, screen?: the card's presenter-screen buttons (host-screen.js)}
 */
export function hostBallotCard(ballot, ctx) {
  const qid = `hq-${ballot.id}`;
  const card = h("article", {
    class: "card host-ballot", "data-ballot": ballot.id, "data-state": ballot.state,
    "aria-labelledby": qid, "aria-busy": ctx.busy ? "true" : null,
  },
  h("div", { class: "host-ballot-head" },
    h("h3", { id: qid, class: "question" }, ballot.question),
    h("span", { class: "state-badge", "data-state": ballot.state, "data-testid": "ballot-state" },
      stateLabel(ballot.state))),
  h("p", { class: "meta" }, meta(ballot)),
  h("div", { class: "bars", hidden: isWritten(ballot) }),
  h("p", { class: "summary", "data-testid": "ballot-summary" }),
  h("div", { class: "figures" }),
  h("p", { class: "voters", "data-testid": "ballot-voters" }),
  ballot.state === "open" && ballot.closes_at
    ? h("p", { class: "countdown", "data-closes-at": ballot.closes_at }) : null,
  actionsFor(ballot, ctx),
  ctx.screen ?? null,
  isWritten(ballot) ? moderation(ballot, ctx) : null,
  ctx.error ? h("p", { class: "error", role: "alert" }, errorText(ctx.error, { detail: true })) : null);
  fillCounts(card, ballot, ctx.tally);
  return card;
}

function meta(ballot) {
  let kind = ballot.kind === "multiple"
    ? `${t("kind_multiple")} (≤ ${ballot.max_choices})` : t(`kind_${ballot.kind}`);
  if (ballot.kind === "rating") kind += ` (${ballot.scale.min}–${ballot.scale.max})`;
  if (isWritten(ballot)) {
    const form = ballot.text ?? ballot.qa;
    kind += ` (≤ ${form.max_length}${form.hold ? `, ${t("text_hold_on")}` : ""})`;
  }
  const parts = [kind, `${t("visibility_label")}: ${t(VISIBILITY[ballot.visibility])}`];
  if (ballot.allow_change) parts.push(t("allow_change_on"));
  if (ballot.confirm) parts.push(t("confirm_on"));
  return parts.join(" · ");
}

/** Bars and the voter count; the final record once closed, else the live tally. */
export function fillCounts(card, ballot, tally) {
  const record = ballot.state === "closed" ? ballot.result?.record : null;
  const figures = record ?? tally ?? {};
  const { labels, counts, percent } = barsOf(ballot, figures, record ? null : tally?.percent);
  const voters = record?.voters ?? tally?.voters ?? 0;
  updateBars(card.querySelector(".bars"), labels, counts, percent,
    { winners: ballot.state === "closed" && !isWritten(ballot) && outcomeOf(ballot, counts).winners });
  card.querySelector(".summary").textContent = summaryOf(ballot, figures);
  const more = card.querySelector(".figures");
  if (isRanking(ballot)) more.replaceChildren(placesTable(ballot, figures.positions));
  if (isText(ballot)) more.replaceChildren(textFigures(ballot, tally));
  if (isBoard(ballot)) more.replaceChildren(boardOf(tally));
  const counted = isText(ballot) ? "answers_n" : isBoard(ballot) ? "askers_n" : "votes_n";
  card.querySelector(".voters").textContent = t(counted, { n: voters });
}

const NEXT = { pending: ["approve", "hide"], approved: ["hide"], hidden: ["approve"] };

/** What the host may do next with an answer, or with a board's question. */
function nextActions(ballot, a) {
  if (!isBoard(ballot) || a.state !== "approved") return NEXT[a.state];
  return ["hide", a.pinned ? "unpin" : "pin", a.answered ? "unanswered" : "answered"];
}

const WAITING_FIRST = { pending: 0, approved: 1, hidden: 2 };

/** Every answer with its state (waiting ones first, then the newest), and the
 * host's approve / hide buttons, in a list that scrolls on its own. */
function moderation(ballot, ctx) {
  const answers = [...(ctx.answers ?? [])].sort((a, b) =>
    WAITING_FIRST[a.state] - WAITING_FIRST[b.state] || b.at - a.at);
  return h("details", { class: "moderation", open: true },
    h("summary", {}, t("moderation_title"), ` (${answers.length})`),
    answers.length ? h("ul", { class: "moderation-list", "data-testid": "moderation" },
      answers.map((a) => h("li", { class: "moderation-item", "data-state": a.state,
        "data-testid": `answer-${a.id}` },
      h("span", { class: "answer-text" }, a.text),
      isBoard(ballot) ? h("span", { class: "answer-who" },
        `${a.name || t("q_anonymous")} · ▲ ${a.up}${a.pinned ? " · 📌" : ""}`
        + `${a.answered ? ` · ✓ ${t("q_answered")}` : ""}`) : null,
      h("span", { class: "state-badge", "data-state": a.state }, t(`answer_${a.state}`)),
      ...nextActions(ballot, a).map((action) => h("button", {
        type: "button", class: `btn ${action === "hide" ? "danger" : "secondary"}`,
        "data-key": `${action}-${a.id}`, "data-testid": `${action}-${a.id}`,
        "aria-label": `${t(`moderate_${action}`)}: ${a.text}`, disabled: Boolean(ctx.busy),
        onclick: () => ctx.actions.moderate(ballot.id, a.id, action),
      }, t(`moderate_${action}`))))))
      : h("p", { class: "muted" }, t("no_answers_yet")));
}

function secondsField(ballot, labelKey) {
  const id = `secs-${ballot.id}`;
  return h("div", { class: "field inline" },
    h("label", { for: id }, t(labelKey)),
    h("input", {
      id, type: "number", min: "0", max: "86400", step: "1", inputmode: "numeric",
      class: "seconds", "data-testid": "seconds",
    }));
}

function readSeconds(card) {
  const raw = card.querySelector(".seconds")?.value.trim() ?? "";
  return raw === "" ? 0 : Math.max(0, Math.floor(Number(raw)) || 0);
}

function button(key, onclick, { testid, kind = "secondary", disabled = false } = {}) {
  return h("button", {
    type: "button", class: `btn ${kind}`, "data-testid": testid, "data-key": testid,
    disabled, onclick,
  }, t(key));
}

function actionsFor(ballot, ctx) {
  const id = ballot.id;
  const wrap = h("div", { class: "actions" });
  const busy = Boolean(ctx.busy);
  const seconds = () => readSeconds(wrap.closest(".host-ballot"));
  if (ballot.rule && ballot.state !== "closed") {
    // An agenda item is opened for advance voting or voted on at the meeting, and
    // those are told apart in the meeting console, not here.
    wrap.append(h("a", { class: "btn primary", "data-testid": "item-in-staff",
      href: `/staff#room=${encodeURIComponent(ctx.room)}&key=${encodeURIComponent(ctx.key)}&tab=day` },
    t("st_run_in_console")));
    return wrap;
  }
  if (ballot.state === "draft") {
    wrap.append(secondsField(ballot, "countdown_optional"),
      button("open", () => ctx.actions.open(id, seconds()),
        { testid: "open", kind: "primary", disabled: busy }));
  } else if (ballot.state === "open") {
    wrap.append(secondsField(ballot, "countdown_label"),
      button("set_countdown", () => ctx.actions.countdown(id, seconds()),
        { testid: "set-countdown", disabled: busy }),
      button("close", () => ctx.actions.close(id),
        { testid: "close", kind: "primary", disabled: busy }),
      button("reset", () => ctx.actions.reset(id),
        { testid: "reset", kind: "danger", disabled: busy }));
  } else {
    wrap.append(...exports(ballot, ctx));
    if (ballot.result?.sha256) {
      wrap.append(h("p", { class: "fingerprint" },
        `${t("fingerprint")}: `, h("code", {}, ballot.result.sha256)));
    }
  }
  return wrap;
}

function exports(ballot, ctx) {
  const base = `/api/rooms/${encodeURIComponent(ctx.room)}/ballots/${encodeURIComponent(ballot.id)}`;
  const formats = [["json", "export_json"], ["csv", "export_csv"], ["xlsx", "export_xlsx"],
    ["pdf", "export_pdf"]];
  return formats.map(([fmt, label]) => {
    const url = `${base}/result.${fmt}`;
    const filename = `result-${ballot.id}.${fmt}`;
    if (ballot.visibility !== "never") {
      return h("a", { class: "btn secondary", href: url, download: filename,
        "data-testid": `export-${fmt}` }, t(label));
    }
    // Hidden results need the host key, which a plain link cannot carry.
    return h("button", {
      type: "button", class: "btn secondary", "data-testid": `export-${fmt}`,
      onclick: () => download(url, filename, ctx.key).catch((e) => ctx.actions.failed(ballot.id, e)),
    }, t(label));
  });
}

async function download(url, filename, key) {
  let response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  } catch {
    throw new LiveError("network", "the server cannot be reached");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw LiveError.from(body?.error ?? { message: `HTTP ${response.status}` });
  }
  const href = URL.createObjectURL(await response.blob());
  const link = h("a", { href, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/** The console's confirm dialog; resolves {reason} on confirm, null on cancel. */
export function confirmDialog(text, withReason) {
  const $ = (id) => document.getElementById(id);
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  $("reason-field").hidden = !withReason;
  $("reason-input").value = "";
  $("reason-input").placeholder = t("reason_default");
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? { reason: $("reason-input").value.trim() } : null);
    }, { once: true });
  });
}
