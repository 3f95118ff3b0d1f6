// The owner's act on the consent page: prove who they are (the identity provider
// by redirect, or a code texted to the roster phone), tick "I have read the whole
// form", sign, and confirm before anything is sent. A standing consent can be
// withdrawn the same way, and a withdrawal followed by a new consent.
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { codeForm, lastDigits, phoneForm } from "./meeting-signin.js";
import { driveErrorText } from "./drive-common.js";

/** The server's messages for these name a number or a field the owner needs. */
const DETAILED = new Set(["rate_limited", "bad_payload"]);

function alert(error, testid) {
  if (!error) return null;
  return h("p", { class: "error", role: "alert", tabindex: "-1", "data-testid": testid },
    error.code ? driveErrorText(error, { detail: DETAILED.has(error.code) }) : error.message);
}

/**
 * state: {invite, drive, mine, methods, session, method, intent, step, read, withdrawing,
 *         signin: {phone, code, sentTo, busy, error}, error}
 * actions: {sendCode, verify, typed, setRead, review, confirm, back, startWithdraw}
 */
export function actionSection(state, actions) {
  const { drive } = state;
  if (drive.state !== "open") return [lockedCard("cs_not_open")];
  if (drive.deadline <= Date.now()) return [lockedCard("cs_closed")];
  const consenting = state.mine?.record.choice === "consent";
  if (consenting && !state.withdrawing) return [withdrawOffer(actions)];
  const withdraw = state.intent === "withdraw";
  const card = h("div", { class: "card sign-card", "data-testid": "sign-card" },
    h("h2", { id: "action-title" }, t(withdraw ? "cs_withdraw_title"
      : state.mine ? "cs_consent_again_title" : "cs_sign_title")));
  card.append(state.session ? verifiedLine(state) : identityStep(state, actions));
  if (state.session) card.append(withdraw || state.step ? signCheck(state, actions) : readStep(state, actions));
  const error = alert(state.error, "sign-error");
  if (error) card.append(error);
  return [card];
}

function lockedCard(key) {
  return h("p", { class: "card locked", "data-testid": "drive-locked" }, t(key));
}

function withdrawOffer(actions) {
  return h("div", { class: "card sign-card" },
    h("h2", { id: "action-title" }, t("cs_withdraw_title")),
    h("p", {}, t("cs_withdraw_hint")),
    h("button", {
      type: "button", class: "big secondary", "data-testid": "withdraw-start",
      onclick: () => actions.startWithdraw(),
    }, t("cs_withdraw")));
}

function verifiedLine(state) {
  return h("p", { class: "sent verified", "data-testid": "verified" },
    "✓ ", t("cs_verified", { how: t(`cs_method_${state.method || "otp"}`) }));
}

function identityStep(state, actions) {
  const { methods, signin } = state;
  const step = h("section", { class: "identity", "aria-labelledby": "identity-title",
    "data-testid": "identity" },
  h("h3", { id: "identity-title", class: "step-title" }, t("cs_step_identity")),
  h("p", {}, t("cs_identity_intro")));
  if (methods.includes("provider")) {
    step.append(h("a", {
      class: "big primary idv-start", "data-testid": "idv-start",
      href: `/api/consent/idv/start?invite=${encodeURIComponent(state.invite)}`,
    }, t("cs_idv")), h("p", { class: "hint" }, t("cs_idv_hint")));
  }
  if (methods.includes("otp")) {
    if (methods.includes("provider")) step.append(h("p", { class: "or-line" }, t("cs_or_otp")));
    const ctx = { ...signin, actions };
    step.append(phoneForm(ctx));
    if (signin.sentTo) {
      step.append(h("p", { class: "sent", role: "status", "data-testid": "code-sent" },
        t("mtg_code_sent", { last: lastDigits(signin.sentTo) })), codeForm(ctx));
    }
  }
  if (!methods.length) step.append(h("p", { class: "locked" }, t("cs_no_method")));
  const error = alert(signin.error, "identity-error");
  if (error) step.append(error);
  return step;
}

function readStep(state, actions) {
  const box = h("input", {
    id: "read-all", type: "checkbox", checked: state.read, "data-testid": "read-all",
    onchange: (event) => actions.setRead(event.target.checked),
  });
  return h("section", { class: "read-step", "aria-labelledby": "read-title" },
    h("h3", { id: "read-title", class: "step-title" }, t("cs_step_sign")),
    h("div", { class: "field check read-check" }, box,
      h("label", { for: "read-all" }, t("cs_read_all"))),
    h("button", {
      type: "button", class: "big primary", "data-testid": "sign",
      onclick: () => actions.review(),
    }, t("cs_sign")));
}

/** The step before sending: the choice in large type, then sign or go back. */
function signCheck(state, actions) {
  const withdraw = state.intent === "withdraw";
  const busy = state.step === "sending";
  return h("section", {
    class: "cast-check sign-check", role: "dialog", "aria-modal": "false", tabindex: "-1",
    "aria-labelledby": "check-title", "aria-describedby": "check-choice",
    "data-testid": "sign-check",
    onkeydown: (event) => {
      if (event.key === "Escape" && !busy) actions.back();
    },
  },
  h("h3", { id: "check-title", class: "cast-check-title" },
    t(withdraw ? "cs_check_withdraw" : "cs_check_consent")),
  h("p", { class: "cast-check-label" }, t("cs_choice")),
  h("p", { id: "check-choice", class: "cast-check-list", "data-testid": "check-choice" },
    t(withdraw ? "cs_choice_withdraw" : "cs_choice_consent")),
  h("p", { class: "hint" }, t("cs_check_form", { title: state.drive.form.title })),
  h("p", { class: "hint" }, t(withdraw ? "cs_check_withdraw_note" : "cs_check_consent_note")),
  h("button", {
    type: "button", class: "big primary", "data-testid": "confirm-sign", disabled: busy,
    "aria-busy": busy ? "true" : null, onclick: () => actions.confirm(),
  }, busy ? t("cs_sending") : t(withdraw ? "cs_confirm_withdraw" : "cs_confirm_consent")),
  h("button", {
    type: "button", class: "big secondary", "data-testid": "back", disabled: busy,
    onclick: () => actions.back(),
  }, t(withdraw ? "cs_keep_consent" : "cs_back")));
}
