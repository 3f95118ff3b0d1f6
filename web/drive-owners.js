// The owners of a consent drive as the organisers follow them: owner number,
// masked name, representative or co-owner, consent or withdrawal, the last text
// sent, and each personal link to copy; sending the links by SMS or KakaoTalk
// to everyone, to those who have not acted, or to those not reached yet.
import { errorText, t } from "./i18n.js";
import { copyText, h } from "./ui.js";
import { localTime } from "./drive-common.js";

const $ = (id) => document.getElementById(id);

function sentText(sent) {
  if (!sent) return t("dr_sent_none");
  const how = t(`dr_channel_${sent.channel}`);
  return sent.ok ? t("dr_sent_ok", { how, at: localTime(sent.at) })
    : t("dr_sent_failed", { how, at: localTime(sent.at), why: errorText({ code: sent.error }) });
}

function linkCell(row) {
  const input = h("input", { class: "sr-only", readonly: true, value: row.link, tabindex: "-1",
    "aria-hidden": "true" });
  const button = h("button", {
    type: "button", class: "btn secondary", "data-testid": "copy-link",
    "aria-label": t("dr_copy_link_for", { no: row.owner_no }),
    onclick: async () => {
      const copied = await copyText(row.link, input);
      button.textContent = copied ? t("dr_copied") : t("dr_copy_failed");
    },
  }, t("dr_copy_link"));
  return h("td", {}, button, input);
}

export class Owners {
  constructor(ctx) {
    this.ctx = ctx;
    this.rows = [];
    ctx.refreshOwners = () => this.refresh();
    $("send").addEventListener("click", () => this.send());
  }

  async refresh() {
    try {
      this.rows = (await this.ctx.call("GET", "/owners")).rows;
      this.render();
    } catch (error) {
      // the progress refresh says what is wrong; the table keeps its last rows
    }
  }

  render() {
    const rows = this.rows;
    const acted = (choice) => rows.filter((r) => r.representative && r.choice === choice).length;
    $("owners-summary").textContent = rows.length ? t("dr_owners_summary", {
      rows: rows.length, owners: rows.filter((r) => r.representative).length,
      consent: acted("consent"), withdraw: acted("withdraw"),
    }) : t("dr_owners_none");
    $("owners-rows").replaceChildren(...rows.map((row) => h("tr", {
      "data-testid": "owner-row", "data-owner": row.owner_no, "data-choice": row.choice || "",
    },
    h("th", { scope: "row" }, row.owner_no),
    h("td", {}, row.name),
    h("td", {}, row.representative ? t("dr_rep_yes") : t("dr_rep_of", { owner: row.owner })),
    h("td", { "data-testid": "owner-choice" }, t(`dr_choice_${row.choice || "none"}`)),
    h("td", {}, row.phone ? sentText(row.sent) : t("dr_no_phone")),
    linkCell(row))));
  }

  async send() {
    const channel = $("send-channel").value;
    const to = $("send-to").value;
    const label = $("send-to").selectedOptions[0]?.textContent ?? to;
    if (!await this.ctx.confirm(t("dr_send_confirm", { to: label, how: t(`dr_via_${channel}`) }))) {
      return;
    }
    $("send-result").textContent = "";
    await this.ctx.act($("send"), $("send-error"), async () => {
      const done = await this.ctx.call("POST", "/drive/send", { channel, to });
      $("send-result").textContent = t("dr_send_done", { sent: done.sent, failed: done.failed });
      await this.refresh();
    });
  }
}
