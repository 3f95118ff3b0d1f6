// Small DOM helpers shared by the pages: elements, result bars, countdowns.
import { t } from "./i18n.js";

/** h("button", {class: "big", onclick: fn, "data-testid": "x"}, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name in el && !name.includes("-") && typeof value !== "string") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Percentages of all choices, one decimal, as the server's tally computes them. */
export function percentOf(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total ? Math.round((1000 * c) / total) / 10 : 0));
}

function formatPercent(p) {
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/**
 * Horizontal bars in `container`, reusing rows so widths animate.
 * Rows carry data-testid count-i / percent-i when `testids` is set.
 * `winners`: true marks every option with the top count, a list marks those options.
 */
export function updateBars(container, labels, counts, percent = percentOf(counts),
  { testids = false, winners = false } = {}) {
  const signature = JSON.stringify(labels);
  if (container.dataset.labels !== signature) {
    container.replaceChildren(...labels.map((label, i) => barRow(label, i, testids)));
    container.dataset.labels = signature;
    container.classList.add("bars");
    container.setAttribute("role", "list");
  }
  const top = Math.max(0, ...counts);
  const chosen = Array.isArray(winners) ? new Set(winners) : null;
  const rows = container.children;
  labels.forEach((_, i) => {
    const row = rows[i];
    const count = counts[i] ?? 0;
    const pct = percent[i] ?? 0;
    row.querySelector(".bar-fill").style.width = `${Math.min(100, pct)}%`;
    row.querySelector(".bar-count").textContent = String(count);
    row.querySelector(".bar-percent").textContent = formatPercent(pct);
    row.classList.toggle("winner", chosen ? chosen.has(i) : winners && top > 0 && count === top);
    row.setAttribute("aria-label", `${labels[i]}: ${count} (${formatPercent(pct)})`);
  });
}

function barRow(label, i, testids) {
  const id = (name) => (testids ? `${name}-${i}` : null);
  return h("div", { class: "bar-row", role: "listitem", "data-testid": id("bar") },
    h("div", { class: "bar-label", "data-testid": id("label") }, label),
    h("div", { class: "bar-track", "aria-hidden": "true" }, h("div", { class: "bar-fill" })),
    h("div", { class: "bar-numbers" },
      h("span", { class: "bar-count", "data-testid": id("count") }, "0"),
      h("span", { class: "bar-percent", "data-testid": id("percent") }, "0%")));
}

// Server time: pages may feed fresh server timestamps (a ballot that just opened);
// without any, the device clock is used.
let offsetMs = 0;

export function noteServerTime(serverMs) {
  if (serverMs > 0) offsetMs = serverMs - Date.now();
}

export function serverNow() {
  return Date.now() + offsetMs;
}

export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

/** "Closes in 0:42" for a ballot, or "" when no countdown runs. */
export function countdownText(closesAt) {
  if (!closesAt) return "";
  const left = closesAt - serverNow();
  return left > 0 ? t("closes_in", { t: formatDuration(left) }) : t("closing");
}

/** Every second, refresh elements that carry data-closes-at. */
export function tickCountdowns(root = document) {
  const tick = () => {
    for (const el of root.querySelectorAll("[data-closes-at]")) {
      el.textContent = countdownText(Number(el.dataset.closesAt));
    }
  };
  tick();
  return setInterval(tick, 250);
}

/** Show the connection state in a banner (hidden while online). */
export function connectionBanner(el) {
  return (status) => {
    el.hidden = status === "online";
    el.dataset.status = status;
    el.textContent = status === "connecting" ? t("connecting") : t("offline");
  };
}

/** Copy text; falls back to selecting an input when the Clipboard API is missing (plain http). */
export async function copyText(text, input = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!input) return false;
    input.select();
    return document.execCommand("copy");
  }
}

export function stateLabel(state) {
  return t(`state_${state}`);
}

/** Option labels as shown; yes/no/abstain ballots speak the page's language. */
export function optionLabels(ballot) {
  if (ballot.kind === "yesno") return ["opt_yes", "opt_no", "opt_abstain"].map((k) => t(k));
  return ballot.options;
}

/** The card of a ballot (or agenda item) on the page. */
export const cardOf = (id) => document.querySelector(`[data-ballot="${id}"]`);

/** Replace nodes without losing the keyboard focus of the control under the finger. */
export function keepingFocus(replace) {
  const active = document.activeElement;
  const key = active?.dataset?.key;
  const ballot = active?.closest?.("[data-ballot]")?.dataset.ballot;
  const result = replace();
  if (key) (ballot ? cardOf(ballot) : document)?.querySelector(`[data-key="${key}"]`)?.focus();
  return result;
}

/** Save `blob` as a file named `name` (a download the browser asks about or keeps). */
export function saveBlob(blob, name) {
  const href = URL.createObjectURL(blob);
  const link = h("a", { href, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
