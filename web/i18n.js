// Language: the visitor's own choice wins, then the room's `lang`, then the browser.
import { STRINGS } from "./strings.js";

const CHOSEN = "lv.lang";
const listeners = [];
let current = "ko";

function stored() {
  try {
    const value = localStorage.getItem(CHOSEN);
    return value in STRINGS ? value : null;
  } catch {
    return null;
  }
}

function browserLang() {
  const langs = navigator.languages || [navigator.language || ""];
  return langs.some((l) => l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

export function lang() {
  return current;
}

export function t(key, vars = {}) {
  const table = STRINGS[current];
  let text = table[key] ?? STRINGS.en[key] ?? key;
  for (const [name, value] of Object.entries(vars)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

function duration(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  return s >= 120 ? t("n_minutes", { n: Math.ceil(s / 60) }) : t("n_seconds", { n: s });
}

/**
 * Our sentence with the numbers the error carries (`tries_left`, `distance_m`,
 * `wait_s`, ...), from `error_details` under `code` or `code:field`; null unless
 * the error has every number the sentence names.
 */
function detailed(error) {
  const details = error.details || {};
  const table = STRINGS[current].error_details || {};
  const template = table[`${error.code}:${details.field}`] ?? table[error.code];
  if (!template) return null;
  const number = new Intl.NumberFormat(current);
  const vars = {};
  for (const [name, value] of Object.entries(details)) {
    vars[name] = typeof value === "number" ? number.format(value) : value;
  }
  if (typeof details.wait_s === "number") vars.wait = duration(details.wait_s);
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (!names.every((name) => name in vars)) return null;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(vars[name]));
}

/**
 * The message for a LiveError: ours when the code is known, else the server's.
 * Numbers the error carries are said in our words (see `detailed`). With `detail`
 * an English page shows the server's own message (naming the field, the distance
 * or the tries left), and a Korean page ours followed by the server's when no
 * sentence of ours carries its numbers.
 */
export function errorText(error, { detail = false } = {}) {
  const known = STRINGS[current].errors[error?.code];
  if (!known) return error?.message || STRINGS[current].errors.internal;
  if (detail && current === "en" && error.message) return error.message;
  const counted = detailed(error);
  if (counted) return counted;
  if (!detail || !error.message) return known;
  return current === "en" ? error.message : `${known} (${error.message})`;
}

export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

export function setLang(next, remember = false) {
  if (!(next in STRINGS)) return;
  current = next;
  if (remember) {
    try {
      localStorage.setItem(CHOSEN, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }
  document.documentElement.lang = next;
  applyStatic();
  for (const fn of listeners) fn(next);
}

/** Called once a room is known: its language applies unless the visitor chose one. */
export function adoptRoomLang(roomLang) {
  if (!stored() && roomLang && roomLang !== current) setLang(roomLang);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** Start in the visitor's language and wire the toggle button found by `selector`. */
export function initLang(selector = "#lang-toggle") {
  setLang(stored() || browserLang());
  const button = document.querySelector(selector);
  if (!button) return;
  const label = () => {
    button.textContent = t("other_lang");
    button.setAttribute("aria-label", t("lang_toggle_label"));
    button.lang = current === "ko" ? "en" : "ko";
  };
  label();
  onLangChange(label);
  button.addEventListener("click", () => setLang(current === "ko" ? "en" : "ko", true));
}
