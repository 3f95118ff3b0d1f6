// The owner's consent page (전자동의), opened from the personal link
// /consent#invite=TOKEN: the drive and the whole form, an identity check (the
// provider comes back with #invite=TOKEN&session=SESSION, or a texted code), an
// explicit read-and-sign step with a confirm, then the receipt to keep. A
// standing consent can be withdrawn, and a withdrawal followed by a new consent.
import { adoptRoomLang, initLang, onLangChange, setLang, t } from "./i18n.js";
import { load } from "./keep.js";
import { api } from "./net.js";
import { actionSection } from "./consent-sign.js";
import { formArticle, receiptCard, whoCard } from "./consent-view.js";
import { driveErrorText, fragmentParams } from "./drive-common.js";

const $ = (id) => document.getElementById(id);
const SESSION_MS = 15 * 60 * 1000 - 30_000; // the server's 15 minutes, less a margin
const sessionKey = (invite) => `lv.consent.session.${invite}`;
// Refusals after which the page reads the drive again before saying why.
const STALE = new Set(["form_changed", "drive_closed", "drive_not_open", "nothing_to_withdraw"]);

const state = {
  invite: "", drive: null, owner: null, methods: [], mine: null, justSigned: false,
  session: "", method: "", intent: "consent", step: "", read: false, withdrawing: false,
  signin: { phone: "", code: "", sentTo: "", busy: "", error: null }, error: null, notice: null,
};

function announce(text) {
  $("announce").textContent = "";
  setTimeout(() => { $("announce").textContent = text; }, 50);
}

function show(view) {
  for (const id of ["loading", "notice", "owner-view"]) $(id).hidden = id !== view;
}

function notice(titleKey, error = null) {
  state.notice = { titleKey, error };
  $("notice-title").textContent = t(titleKey);
  $("notice-text").textContent = error ? driveErrorText(error) : t("cs_no_invite");
  show("notice");
}

// the identity check, kept for this tab -------------------------------------------

function keptSession() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(sessionKey(state.invite)) || "null");
    return kept && kept.until > Date.now() ? kept : null;
  } catch {
    return null;
  }
}

function keepSession(session, method) {
  Object.assign(state, { session, method });
  try {
    sessionStorage.setItem(sessionKey(state.invite),
      JSON.stringify({ session, method, until: Date.now() + SESSION_MS }));
  } catch {
    // without storage the check lasts until the page reloads
  }
}

function dropSession() {
  Object.assign(state, { session: "", method: "" });
  try {
    sessionStorage.removeItem(sessionKey(state.invite));
  } catch {
    // nothing kept
  }
}

// drawing ------------------------------------------------------------------------

function render() {
  const { drive, owner, mine } = state;
  $("drive-title").removeAttribute("data-i18n");
  $("drive-title").textContent = drive.title;
  document.title = `${drive.title} · ${t("cs_page_title")} · LiveVote`;
  $("who").replaceChildren(...whoCard(drive, owner));
  $("standing").replaceChildren(...(mine ? [receiptCard(mine, state.justSigned)] : []));
  $("form").replaceChildren(formArticle(drive, mine?.record.choice === "consent"));
  $("action").replaceChildren(...actionSection(state, actions));
  show("owner-view");
}

function focus(selector) {
  document.querySelector(selector)?.focus();
}

// talking to the server ------------------------------------------------------------

async function open() {
  const data = await api("POST", "/api/consent/open", { invite: state.invite });
  Object.assign(state, { drive: data.drive, owner: data.owner, methods: data.methods,
    mine: data.mine });
  if (data.mine?.record.choice !== "consent") state.withdrawing = false;
  state.intent = state.withdrawing ? "withdraw" : "consent";
  adoptRoomLang(data.drive.lang);
}

/** One step of the identity check by texted code; where it ends, the focus goes next. */
async function checking(busy, work) {
  Object.assign(state.signin, { busy, error: null });
  render();
  try {
    await work();
  } catch (error) {
    state.signin.error = error;
  }
  state.signin.busy = "";
  render();
  if (state.signin.error) focus("[data-testid=identity-error]");
  else if (state.session) {
    announce(t("cs_verified", { how: t("cs_method_otp") }));
    focus(state.intent === "withdraw" ? "[data-testid=sign-check]" : "#read-all");
  } else focus("#otp");
}

async function sign(choice) {
  state.step = "sending";
  state.error = null;
  render();
  try {
    const act = await api("POST", "/api/consent/sign", {
      session: state.session, choice, form_sha256: state.drive.form_sha256,
    });
    Object.assign(state, { mine: act, justSigned: true, step: "", read: false,
      withdrawing: false, intent: "consent" });
    render();
    focus("[data-testid=receipt]");
    announce(t(choice === "consent" ? "cs_done_consent" : "cs_done_withdraw"));
  } catch (error) {
    state.step = "";
    state.error = error;
    if (error.code === "identity_needed") dropSession();
    if (STALE.has(error.code)) await open().catch(() => {});
    if (error.code === "form_changed") state.read = false;
    render();
    focus("[data-testid=sign-error]");
  }
}

const actions = {
  typed(name, value) { state.signin[name] = value; },
  sendCode(phone) {
    state.signin.phone = phone;
    if (!phone) {
      state.signin.error = { message: t("mtg_phone_needed") };
      render();
      return;
    }
    checking("otp", async () => {
      const sent = await api("POST", "/api/consent/otp", { invite: state.invite, phone });
      Object.assign(state.signin, { sentTo: sent.sent_to, code: "" });
    });
  },
  verify(code) {
    state.signin.code = code;
    if (code.length !== 6) {
      state.signin.error = { message: t("mtg_code_needed") };
      render();
      return;
    }
    checking("verify", async () => {
      const made = await api("POST", "/api/consent/verify", {
        invite: state.invite, phone: state.signin.phone, otp: code,
      });
      keepSession(made.session, "otp");
      Object.assign(state.signin, { sentTo: "", code: "" });
    });
  },
  setRead(read) {
    state.read = read;
    if (read && state.error?.code === "") state.error = null;
  },
  review() {
    if (!state.read) {
      state.error = { code: "", message: t("cs_read_first") };
      render();
      focus("#read-all");
      return;
    }
    Object.assign(state, { step: "confirm", error: null });
    render();
    focus("[data-testid=sign-check]");
  },
  confirm() {
    sign(state.intent);
  },
  back() {
    if (state.intent === "withdraw") {
      Object.assign(state, { withdrawing: false, intent: "consent", error: null });
      render();
      focus("[data-testid=withdraw-start]");
      return;
    }
    state.step = "";
    render();
    focus("[data-testid=sign]");
  },
  startWithdraw() {
    Object.assign(state, { withdrawing: true, intent: "withdraw", step: "", error: null,
      justSigned: false });
    render();
    focus(state.session ? "[data-testid=sign-check]" : "[data-testid=identity]");
  },
};

async function start() {
  const fragment = fragmentParams();
  state.invite = fragment.get("invite") || "";
  if (!state.invite) {  // back from a failed identity check whose link we cannot know
    const failed = fragment.get("error");
    notice("cs_no_invite_title", failed ? { code: failed } : null);
    return;
  }
  const back = fragment.get("session");
  if (back) keepSession(back, "provider");
  if (back || fragment.get("error")) {
    // The session stays in this tab only, never in a bookmark or a shared address.
    history.replaceState(null, "", `#invite=${state.invite}`);
  }
  if (fragment.get("error")) state.signin.error = { code: fragment.get("error") };
  const kept = back ? null : keptSession();
  if (kept) Object.assign(state, { session: kept.session, method: kept.method });
  try {
    await open();
  } catch (error) {
    notice(error.code === "invite_invalid" ? "cs_no_invite_title" : "cs_page_title", error);
    return;
  }
  render();
  if (back) {
    announce(t("cs_verified", { how: t("cs_method_provider") }));
    focus("#read-all");
  }
}

function boot() {
  initLang();
  if (!load("lv.lang")) setLang("ko"); // Korean first, unless the owner chose English
  onLangChange(() => {
    if (state.drive) render();
    else if (state.notice) notice(state.notice.titleKey, state.notice.error);
  });
  window.addEventListener("hashchange", () => location.reload());
  start();
}

boot();
