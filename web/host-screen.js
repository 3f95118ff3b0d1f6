// Steering the presenter screens from a staff console: per ballot or agenda item
// "show on screen", "reveal results" and (items) "show quorum"; per room the welcome
// QR and the automatic choice. Used by the event host console and the meeting staff
// console alike: give it the console's acked call and the room's current directive.
import { t } from "./i18n.js";
import { h } from "./ui.js";

/**
 * Tell every screen of the room what to show: `body` is
 * {view: "ballot"|"quorum"|"welcome"|"auto", ballot?: id, reveal?: bool}.
 * `call(event, body)` is the console's `/host` call (it adds room and key);
 * resolves to the directive now in force.
 */
export function showOnScreen(call, body) {
  return call("screen:show", body);
}

/** Whether `directive` (from the snapshot's `screen` or a `screen:show` push) shows it. */
export function isShowing(directive, ballotId, view = "ballot") {
  return Boolean(directive && directive.view === view && directive.ballot === ballotId);
}

function button(label, testid, pressed, onclick) {
  return h("button", {
    type: "button", class: `btn secondary screen-button${pressed ? " on-screen" : ""}`,
    "data-testid": testid, "data-key": testid, "aria-pressed": pressed ? "true" : "false",
    onclick,
  }, t(label));
}

function sender(call, onShown, onError) {
  return (body) => () => showOnScreen(call, body).then(onShown, onError);
}

/** Whether the screens keep this ballot's counts hidden unless the host reveals them. */
export function screenHidesCounts(ballot) {
  if (ballot.visibility === "live") return false;
  return ballot.visibility === "never" || ballot.state !== "closed";
}

/**
 * The screen buttons of one ballot or agenda item: "show on screen"; "reveal
 * results" while its visibility keeps the counts off the screen (until close, or
 * for good); "show quorum" for an agenda item. `onShown(directive)` hears the
 * answer, `onError(error)` a refusal. Returns a DOM element.
 */
export function screenControls({ call, ballot, directive, onShown = () => {}, onError = () => {} }) {
  const send = sender(call, onShown, onError);
  const shown = isShowing(directive, ballot.id);
  const wrap = h("div", { class: "screen-controls", role: "group",
    "aria-label": t("screen_controls") },
  button("show_on_screen", "show-on-screen", shown && !directive.reveal,
    send({ view: "ballot", ballot: ballot.id })));
  if (screenHidesCounts(ballot)) {
    wrap.append(button("reveal_results", "reveal-results", shown && directive.reveal,
      send({ view: "ballot", ballot: ballot.id, reveal: true })));
  }
  if (ballot.rule) {
    wrap.append(button("show_quorum", "show-quorum", isShowing(directive, ballot.id, "quorum"),
      send({ view: "quorum", ballot: ballot.id })));
  }
  return wrap;
}

/** "On screen now: …" for a directive, naming the ballot from `ballots` (a Map or list). */
export function describeScreen(directive, ballots = []) {
  if (!directive) return "";
  const byId = new Map(ballots instanceof Map ? ballots : ballots.map((b) => [b.id, b]));
  const question = byId.get(directive.ballot)?.question ?? "";
  let what = t("screen_now_welcome");
  if (directive.view === "quorum") what = t("screen_now_quorum", { q: question });
  else if (directive.view === "ballot") {
    what = directive.reveal ? t("screen_now_revealed", { q: question }) : question;
  }
  return t("screen_now", { what: directive.auto ? t("screen_now_auto", { what }) : what });
}

/**
 * The room's screen panel: what the screens show now, and the "welcome screen"
 * and "automatic" buttons. Same options as screenControls plus `ballots`.
 */
export function roomScreenControls({ call, directive, ballots = [], onShown = () => {},
  onError = () => {} }) {
  const send = sender(call, onShown, onError);
  return h("div", { class: "screen-panel-body" },
    h("h3", { class: "screen-panel-title" }, t("screen_controls")),
    h("p", { class: "screen-now", "data-testid": "screen-now", role: "status" },
      describeScreen(directive, ballots)),
    h("div", { class: "screen-controls", role: "group", "aria-label": t("screen_controls") },
      button("welcome_screen", "show-welcome", directive?.view === "welcome" && !directive.auto,
        send({ view: "welcome" })),
      button("screen_auto", "screen-auto", Boolean(directive?.auto), send({ view: "auto" }))));
}
