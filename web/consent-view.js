// What the owner reads on the consent page: who they are, the whole consent form
// (its text with line breaks kept, attachments by SHA-256) and the receipt of
// their last act, to keep as a file.
import { t } from "./i18n.js";
import { h, saveBlob } from "./ui.js";
import { localTime, proposalText } from "./drive-common.js";

/** The owner, the proposal and the deadline. */
export function whoCard(drive, owner) {
  const closed = drive.deadline && drive.deadline <= Date.now();
  return [
    h("p", { class: "member-line", "data-testid": "owner-name" },
      t("cs_hello", { name: owner.name })),
    h("p", { class: "owner-no", "data-testid": "owner-no" }, t("cs_owner_no", { no: owner.owner_no })),
    ...(owner.representative ? [] : [h("p", { class: "hint" }, t("cs_co_owner_note"))]),
    h("dl", { class: "drive-facts" },
      h("dt", {}, t("cs_proposal")), h("dd", {}, proposalText(drive.proposal)),
      h("dt", {}, t("cs_deadline")),
      h("dd", { "data-testid": "deadline" }, localTime(drive.deadline),
        closed ? ` (${t("cs_deadline_passed")})` : "")),
  ];
}

/** The whole form: title, full text, attachments with their SHA-256, the form's own hash. */
export function formArticle(drive, folded) {
  const { form } = drive;
  const parts = [
    h("h2", { id: "form-title", class: "form-title", "data-testid": "form-title" }, form.title),
    h("div", { class: "form-body", "data-testid": "form-body", tabindex: "0",
      "aria-labelledby": "form-title" }, form.body),
    form.attachments.length ? attachmentList(form.attachments) : null,
    h("p", { class: "hash-line" }, t("cs_form_sha256"), " ",
      h("code", { class: "hash", "data-testid": "form-sha256" }, drive.form_sha256)),
  ];
  if (!folded) return h("article", { class: "card consent-form", "aria-labelledby": "form-title" }, parts);
  return h("details", { class: "card consent-form" },
    h("summary", {}, t("cs_form_again")), ...parts);
}

function attachmentList(attachments) {
  return h("section", { class: "attachments", "aria-labelledby": "attachments-title" },
    h("h3", { id: "attachments-title" }, t("cs_attachments")),
    h("ul", { class: "plain-list", "data-testid": "attachments" },
      attachments.map((a) => h("li", {},
        h("span", { class: "attachment-name" }, a.name), " ",
        h("span", { class: "hint" }, "SHA-256 "),
        h("code", { class: "hash" }, a.sha256)))),
    h("p", { class: "hint" }, t("cs_attachments_hint")));
}

/** The last act as its receipt: choice, time, receipt code, hashes, signature, time stamp. */
export function receiptCard(act, justNow) {
  const { record } = act;
  const receipt = act.receipt || act.sha256.slice(0, 16);
  const consent = record.choice === "consent";
  const stamped = act.timestamp
    ? t("cs_stamp_yes", { at: localTime(Date.parse(act.timestamp.gen_time)) })
    : t("cs_stamp_no");
  return h("section", {
    class: `card confirm receipt-card ${consent ? "" : "withdrawn"}`, tabindex: "-1",
    "aria-labelledby": "receipt-title", "data-testid": "receipt", "data-choice": record.choice,
  },
  h("h2", { id: "receipt-title", class: "confirm-title" },
    h("span", { class: "check-mark", "aria-hidden": "true" }, consent ? "✓" : "↩"),
    t(consent ? (justNow ? "cs_done_consent" : "cs_mine_consent")
      : (justNow ? "cs_done_withdraw" : "cs_mine_withdraw"))),
  h("dl", { class: "fact-list receipt-facts" },
    h("dt", {}, t("cs_choice")),
    h("dd", { "data-testid": "receipt-choice" }, t(consent ? "cs_choice_consent" : "cs_choice_withdraw")),
    h("dt", {}, t("cs_signed_at")), h("dd", { "data-testid": "receipt-time" }, localTime(record.ts)),
    h("dt", {}, t("cs_receipt_code")),
    h("dd", {}, h("span", { class: "receipt-code", "data-testid": "receipt-code" }, receipt)),
    h("dt", {}, t("cs_act_sha256")),
    h("dd", {}, h("code", { class: "hash", "data-testid": "act-sha256" }, act.sha256)),
    h("dt", {}, t("cs_signature")),
    h("dd", { "data-testid": "receipt-signature" },
      act.signature?.signature ? t("cs_signature_yes", { alg: act.signature.algorithm })
        : t("cs_signature_no")),
    h("dt", {}, t("cs_timestamp")), h("dd", { "data-testid": "receipt-stamp" }, stamped),
    h("dt", {}, t("cs_verified_by")),
    h("dd", {}, t(`cs_method_${record.verification?.method}`))),
  h("p", { class: "keep-note" }, t("cs_keep_hint")),
  h("button", {
    type: "button", class: "big secondary keep-receipt", "data-testid": "keep-receipt",
    onclick: () => saveBlob(new Blob([`${JSON.stringify(act, null, 2)}\n`],
      { type: "application/json" }), `consent-receipt-${receipt}.json`),
  }, t("cs_keep")));
}
