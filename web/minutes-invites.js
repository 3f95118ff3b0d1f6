// The invitation sheet: one printable card per person on the roster, with a QR code of
// the personal short link (drawn here, no server round trip), the link spelled out and
// the personal code, which an older member can type at /m or read over the phone.
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { qrSvg } from "./minutes-qr.js";

function inviteCard(room, person) {
  // The short link: a smaller QR that scans from paper, and an address that can be typed.
  const link = person.short_url || person.invite_url;
  const qr = qrSvg(link, { label: link });
  qr.setAttribute("class", "invite-qr");
  qr.setAttribute("data-testid", "invite-qr");
  return h("article", { class: "invite-card", "data-testid": "invite-card",
    "data-member": person.member_no },
  h("p", { class: "invite-heading" }, t("inv_heading", { title: room.title })),
  h("h2", { class: "invite-name", "data-testid": "invite-name" },
    t("inv_dear", { name: person.name })),
  h("p", { class: "invite-no" }, `${t("inv_member_no")} `,
    h("strong", { "data-testid": "invite-no" }, person.member_no)),
  h("div", { class: "invite-body" },
    h("figure", { class: "invite-figure" }, qr, h("figcaption", {}, t("inv_scan"))),
    h("div", { class: "invite-text" },
      h("p", {}, t("inv_or_type")),
      h("p", { class: "invite-url", "data-testid": "invite-url", lang: "en" }, link),
      person.code ? h("p", { class: "invite-code" }, `${t("inv_code")} `,
        h("strong", { "data-testid": "invite-code" }, person.code)) : null,
      h("ol", { class: "invite-steps" },
        h("li", {}, t("inv_step1")), h("li", {}, t("inv_step2")), h("li", {}, t("inv_step3"))),
      h("p", { class: "invite-personal" }, t("inv_personal")))));
}

/** room: {title, ...}; people: GET /api/rooms/{room}/roster's `people`. */
export function inviteSheet(room, people) {
  const sheet = h("article", { class: "invites", "data-testid": "invites" },
    h("h1", { class: "no-print" }, `${t("inv_title")} · ${room.title}`),
    h("p", { class: "no-print", "data-testid": "invite-count" },
      t("inv_count", { n: people.length })));
  if (!people.length) {
    sheet.append(h("p", { class: "card" }, t("inv_empty")));
    return sheet;
  }
  sheet.append(h("div", { class: "invite-cards" }, ...people.map((p) => inviteCard(room, p))));
  return sheet;
}
