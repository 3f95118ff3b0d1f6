// The member's identity check: the invite names the member, a texted code proves the phone.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";

/** "+821*****5678" -> "5678": the last digits are what people recognise. */
export function lastDigits(masked) {
  const match = String(masked || "").match(/(\d{4})\D*$/);
  return match ? match[1] : "";
}

/** The server's messages for these name a number or a field the member needs. */
const DETAILED = new Set(["rate_limited", "bad_payload"]);

/**
 * ctx: {member: {name, member_no, phone}, phone, code, sentTo, busy: "" | "otp" | "verify",
 *       error: LiveError | null, actions: {sendCode(phone), verify(code), typed(field, value)}}
 */
export function signinCard(ctx) {
  const { member } = ctx;
  const card = h("div", { class: "card signin", "data-testid": "signin" },
    h("h2", { class: "hello", "data-testid": "member-name" },
      t("mtg_hello", { name: member.name })),
    h("p", { class: "member-no", "data-testid": "member-no" },
      t("mtg_member_no", { no: member.member_no })),
    h("p", { class: "intro" }, t("mtg_check_intro")));
  const last = lastDigits(member.phone);
  if (last) card.append(h("p", { class: "hint" }, t("mtg_phone_on_roster", { last })));
  card.append(phoneForm(ctx));
  if (ctx.sentTo) {
    card.append(h("p", { class: "sent", role: "status", "data-testid": "code-sent" },
      t(ctx.maybeSent ? "mtg_code_maybe_sent" : "mtg_code_sent", { last: lastDigits(ctx.sentTo) })),
    codeForm(ctx));
  }
  if (ctx.error) {
    card.append(h("p", {
      class: "error", role: "alert", tabindex: "-1", "data-testid": "signin-error",
    }, errorText(ctx.error, { detail: DETAILED.has(ctx.error.code) })));
  }
  return card;
}

function field(id, label, hint, attrs, ctx, name) {
  const input = h("input", { id, name, class: "gate-input", "data-testid": id, ...attrs });
  input.value = ctx[name] || "";
  input.addEventListener("input", () => ctx.actions.typed(name, input.value));
  return [h("label", { for: id, class: "field-label" }, label),
    hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null, input];
}

function submitButton(id, busy, label, busyLabel, secondary = false) {
  return h("button", {
    type: "submit", class: `big ${secondary ? "secondary" : "primary"}`, "data-testid": id,
    disabled: busy, "aria-busy": busy ? "true" : null,
  }, busy ? busyLabel : label);
}

export function phoneForm(ctx) {
  const busy = ctx.busy === "otp";
  const form = h("form", { class: "gate-form", novalidate: true },
    ...field("phone", t("mtg_phone_label"), t("mtg_phone_hint"), {
      type: "tel", inputmode: "tel", autocomplete: "tel", "aria-describedby": "phone-hint",
    }, ctx, "phone"),
    submitButton("send-code", busy, ctx.sentTo ? t("mtg_send_new_code") : t("mtg_send_code"),
      t("mtg_sending_code"), Boolean(ctx.sentTo)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.actions.sendCode(form.querySelector("input").value.trim());
  });
  return form;
}

export function codeForm(ctx) {
  const busy = ctx.busy === "verify";
  const form = h("form", { class: "gate-form", novalidate: true },
    ...field("otp", t("mtg_code_label"), "", {
      inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6",
    }, ctx, "code"),
    submitButton("confirm-code", busy, t("mtg_confirm_code"), t("mtg_checking")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.actions.verify(form.querySelector("input").value.replace(/\D/g, ""));
  });
  return form;
}
