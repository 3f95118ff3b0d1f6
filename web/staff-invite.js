// Inviting members: texts with each person's short link, reminders, the board of
// who was sent what and who signed in, and the printable invitation sheet.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";
import { localTime } from "./staff-common.js";

const $ = (id) => document.getElementById(id);

export class Invite {
  constructor(ctx) {
    this.ctx = ctx;
    $("send").addEventListener("click", () => this.send());
    $("tab-invite").addEventListener("click", () => { this.shownTab = ""; });
  }

  start() {
    $("print-invites").href = this.ctx.link("minutes", "&view=invites");
  }

  async send() {
    const to = $("send-to").value;
    const channel = $("send-channel").value;
    const label = $("send-to").selectedOptions[0].textContent;
    if (!(await this.ctx.confirm(t("st_send_confirm", { to: label })))) return;
    await this.ctx.act($("send"), $("send-result"), async () => {
      const body = { channel, to };
      const note = $("send-note").value.trim();
      if (note) body.note = note;
      const done = await this.ctx.call("POST", "/invites", body);
      $("send-result").textContent = t("st_sent_result", { sent: done.sent, failed: done.failed });
      await this.render(true);
    });
  }

  /** The board is read on entering the tab, after sending and every 15 s (not every poll). */
  async render(force = false) {
    if (!force && (this.ctx.tab !== "invite" || (this.shownTab === "invite"
      && Date.now() - this.at < 15000))) {
      this.shownTab = this.ctx.tab;
      return;
    }
    this.shownTab = this.ctx.tab;
    this.at = Date.now();
    const data = await this.ctx.call("GET", "/invites");
    for (const option of $("send-channel").options) {
      option.disabled = !data.channels.includes(option.value);
    }
    const outbox = await this.ctx.call("GET", "/outbox");
    $("outbox-title").closest("section").hidden = !outbox.length;
    $("staff-outbox").replaceChildren(...outbox.slice(0, 50).map((m) => h("li", {},
      h("span", { class: "muted" }, `${localTime(m.at)} → ${m.to} `), m.text)));
    $("invite-summary").textContent = t("st_invite_summary", {
      people: data.people.length, sent: data.sent, signed: data.signed_in });
    $("invite-rows").replaceChildren(...data.people.map((p) => h("tr", { "data-member": p.member_no },
      h("td", {}, p.member_no), h("td", {}, p.name), h("td", { class: "code" }, p.code),
      h("td", {}, sentText(p.sent)),
      h("td", { "data-testid": "signed-in" }, p.signed_in_at ? `✓ ${localTime(p.signed_in_at)}` : "—"))));
  }
}

function sentText(sent) {
  if (!sent) return "—";
  const how = t(`st_channel_${sent.channel}`);
  return sent.ok ? `✓ ${how} ${localTime(sent.at)}`
    : `✗ ${how} (${errorText({ code: sent.error })})`;
}
