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

/**
 * The message for a LiveError: ours when the code is known, else the server's.
 * With `detail` the server's own message (English, naming the field, the distance or
 * the tries left) is shown too: instead of ours in English, after ours in Korean.
 */
export function errorText(error, { detail = false } = {}) {
  const known = STRINGS[current].errors[error?.code];
  if (!known) return error?.message || STRINGS[current].errors.internal;
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
