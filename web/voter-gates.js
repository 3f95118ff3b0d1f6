// The room's entry checks on a phone: QR scan (or staff code), location, PIN, phone.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";

// Refusals whose server message carries a number the voter needs (distance, tries left).
const DETAILED = new Set(["outside_fence", "location_imprecise", "pin_wrong", "rate_limited",
  "bad_payload"]);

export function gateError(error) {
  return errorText(error, { detail: DETAILED.has(error.code) });
}

/**
 * admission: {gates: {required, fence_radius_m}, passed, needs, pass}
 * ctx: {errors: Map gate -> LiveError, busy: gate or "", otpSentTo,
 *       actions: {admit(gate, proofs), sendOtp(phone), locate()}}
 */
export function gateCard(admission, ctx) {
  const card = h("section", { class: "card gates", "aria-labelledby": "gates-title",
    "data-testid": "gates" },
  h("h2", { id: "gates-title" }, t("gates_title")),
  h("p", { class: "hint" }, t("gates_intro")));
  for (const gate of admission.gates.required) {
    const done = admission.passed.includes(gate) && !admission.needs.includes(gate);
    const section = h("div", { class: `gate${done ? " gate-done" : ""}`, "data-gate": gate });
    section.append(h("h3", {}, t(`gate_${gate}_title`),
      done ? h("span", { class: "gate-ok" }, ` ✓ ${t("gate_done")}`) : null));
    if (!done) section.append(...GATES[gate](admission, ctx));
    const error = ctx.errors.get(gate);
    if (error) {
      section.append(h("p", { class: "error", role: "alert", "data-testid": `gate-error-${gate}` },
        gateError(error)));
    }
    card.append(section);
  }
  return card;
}

function busyButton(ctx, gate, key, label) {
  const busy = ctx.busy === gate;
  return h("button", { type: "submit", class: "big primary", "data-key": key,
    "data-testid": key, disabled: busy, "aria-busy": busy ? "true" : null }, label);
}

/** A one-field form; Enter submits. */
function oneField(ctx, gate, { id, label, attrs, button, submit }) {
  const input = h("input", { id, ...attrs, "data-key": id, "data-testid": id });
  const form = h("form", { class: "gate-form", novalidate: true },
    h("label", { for: id }, label), input, busyButton(ctx, gate, `${id}-go`, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(input.value.trim());
  });
  return form;
}

const digits = { inputmode: "numeric", autocomplete: "off", class: "gate-input" };

const GATES = {
  qr: (admission, ctx) => [
    h("p", {}, t("gate_qr_text")),
    oneField(ctx, "qr", {
      id: "staff-code", label: t("staff_code_label"), attrs: digits, button: t("check_button"),
      submit: (code) => ctx.actions.admit("qr", { staff_code: code }),
    }),
  ],
  fence: (admission, ctx) => {
    const busy = ctx.busy === "fence";
    return [
      h("p", {}, t("gate_fence_text", { r: Math.round(admission.gates.fence_radius_m ?? 0) })),
      h("button", { type: "button", class: "big primary", "data-key": "locate",
        "data-testid": "locate", disabled: busy, onclick: () => ctx.actions.locate() },
      busy ? t("locating") : t("share_location")),
    ];
  },
  pin: (admission, ctx) => [
    oneField(ctx, "pin", {
      id: "pin", label: t("pin_label"), attrs: { ...digits, maxlength: "8" },
      button: t("check_button"), submit: (pin) => ctx.actions.admit("pin", { pin }),
    }),
  ],
  phone: (admission, ctx) => {
    const parts = [h("p", {}, t("gate_phone_text"))];
    const number = oneField(ctx, "phone", {
      id: "phone-number", label: t("phone_label"),
      attrs: { type: "tel", inputmode: "tel", autocomplete: "tel", class: "gate-input" },
      button: t("send_code"), submit: (phone) => ctx.actions.sendOtp(phone),
    });
    if (ctx.phone) number.querySelector("input").value = ctx.phone;
    parts.push(number);
    if (ctx.otpSentTo) {
      parts.push(h("p", { class: "sent", role: "status" }, t("code_sent", { to: ctx.otpSentTo })),
        oneField(ctx, "phone", {
          id: "otp", label: t("otp_label"),
          attrs: { ...digits, autocomplete: "one-time-code", maxlength: "6" },
          button: t("check_button"),
          submit: (otp) => ctx.actions.admit("phone", { phone: ctx.phone, otp }),
        }));
    }
    return parts;
  },
};
