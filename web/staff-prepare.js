// Preparing a meeting: roster import, record date, agenda items by type, statutory
// proxies, mailed written resolutions and the advance-voting window.
import { api } from "./net.js";
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { chosen, fillChoices, localTime, ruleText, typedMs } from "./staff-common.js";

const $ = (id) => document.getElementById(id);
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";



export class Prepare {
  constructor(ctx) {
    this.ctx = ctx;
    this.types = {};
    $("roster-import").addEventListener("click", () => this.importRoster());
    $("record-set").addEventListener("click", () => this.setRecordDate());
    $("item-form").addEventListener("submit", (e) => this.addItem(e));
    $("item-agenda").addEventListener("change", () => this.showRule());
    for (const radio of document.querySelectorAll("[name=item-kind]")) {
      radio.addEventListener("change", () => {
        $("item-candidates-field").hidden = !$("item-election").checked;
      });
    }
    $("proxy-form").addEventListener("submit", (e) => this.registerProxy(e));
    $("written-form").addEventListener("submit", (e) => this.enterWritten(e));
    $("written-item").addEventListener("change", () => this.fillChoices());
    $("written-cutoff-set").addEventListener("click", () => this.setCutoff());
    $("early-open").addEventListener("click", () => this.openEarly());
    $("early-close").addEventListener("click", () => this.closeEarly());
  }

  async start() {
    this.types = await api("GET", "/api/agenda-types");
    const select = $("item-agenda");
    select.replaceChildren(...Object.keys(this.types).map((name) =>
      h("option", { value: name }, t(`agenda_${name}`))));
    this.showRule();
  }

  showRule() {
    $("item-rule").textContent = ruleText(this.types[$("item-agenda").value]);
  }

  async importRoster() {
    const file = $("roster-file").files[0];
    const report = $("roster-report");
    if (!file) {
      report.replaceChildren(h("p", { class: "error", role: "alert" }, t("st_pick_file")));
      return;
    }
    const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
    report.replaceChildren();
    await this.ctx.act($("roster-import"), report, async () => {
      const response = await this.ctx.raw("POST", "/roster", file, type);
      this.showReport((await response.json()).data);
      await this.ctx.refresh();
    });
  }

  showReport(data) {
    const rows = [h("p", { class: "fact-line", "data-testid": "roster-summary" },
      t("st_roster_done", { rows: data.imported, members: data.members, errors: data.errors.length }))];
    if (data.errors.length) {
      rows.push(h("h3", {}, t("st_row_errors")), h("ul", { class: "plain-list error-list" },
        ...data.errors.map((e) => h("li", { "data-testid": "roster-error" },
          t("st_row_error", { row: e.row, no: e.member_no || "-", why: t(`roster_${e.code}`) })))));
    }
    if (data.warnings?.length) {
      rows.push(h("h3", {}, t("st_look_alikes")), h("ul", { class: "plain-list warn-list" },
        ...data.warnings.map((w) => h("li", { "data-testid": "roster-warning" },
          t("st_look_alike", { nos: w.member_nos.join(", "), names: w.names.join(" / ") })))));
    }
    if (data.grouped?.length) {
      rows.push(h("details", {}, h("summary", {}, t("st_grouped", { n: data.grouped.length })),
        h("ul", { class: "plain-list" }, ...data.grouped.map((g) => h("li", {},
          t("st_group", { nos: g.member_nos.join(", "), rep: g.representative }))))));
    }
    $("roster-report").replaceChildren(...rows);
  }

  async setRecordDate() {
    const date = $("record-date").value;
    if (!date) return;
    if (!(await this.ctx.confirm(t("st_record_confirm", { date })))) return;
    await this.ctx.act($("record-set"), null, async () => {
      await this.ctx.call("POST", "/record-date", { record_date: date });
      await this.ctx.refresh();
    });
  }

  itemBody() {
    const body = { question: $("item-question").value.trim(), agenda: $("item-agenda").value,
      secret: $("item-secret").checked, confirm: $("item-confirm").checked,
      visibility: "after_close" };
    if ($("item-election").checked) {
      body.options = $("item-candidates").value.split("\n").map((s) => s.trim()).filter(Boolean);
      const seats = Number($("item-seats").value) || 1;
      body.kind = seats > 1 ? "multiple" : "single";
      if (seats > 1) body.max_choices = seats;
    } else {
      body.kind = "yesno";
    }
    const rule = {};
    if ($("ov-direct").value !== "") rule.direct_min_pct = Number($("ov-direct").value);
    if ($("ov-pass").value) rule.pass_rule = $("ov-pass").value;
    if (Object.keys(rule).length) body.rule = rule;
    return body;
  }

  async addItem(event) {
    event.preventDefault();
    await this.ctx.act(event.submitter, $("item-error"), async () => {
      await this.ctx.call("POST", "/ballots", this.itemBody());
      $("item-form").reset();
      $("item-candidates-field").hidden = true;
      this.showRule();
      this.ctx.status(t("st_item_added"));
      await this.ctx.refresh();
    });
  }

  async registerProxy(event) {
    event.preventDefault();
    await this.ctx.act(event.submitter, $("proxy-error"), async () => {
      await this.ctx.call("POST", "/proxies", { member_no: $("proxy-member").value.trim(),
        ground: $("proxy-ground").value, proxy_name: $("proxy-name").value.trim(),
        document: $("proxy-doc").value.trim() });
      $("proxy-form").reset();
      await this.ctx.refresh();
    });
  }

  async enterWritten(event) {
    event.preventDefault();
    await this.ctx.act(event.submitter, $("written-error"), async () => {
      await this.ctx.call("POST", "/written", { member_no: $("written-member").value.trim(),
        ballot: $("written-item").value, choices: chosen($("written-choice")) });
      $("written-member").value = "";
      this.ctx.status(t("st_written_done"));
    });
  }

  async setCutoff() {
    await this.ctx.act($("written-cutoff-set"), $("written-error"), async () => {
      await this.ctx.call("POST", "/written-cutoff", { closes_at: typedMs($("written-cutoff").value) });
      await this.ctx.refresh();
    });
  }

  async openEarly() {
    const closes = typedMs($("early-closes").value);
    await this.ctx.act($("early-open"), null, async () => {
      await this.ctx.call("POST", "/early", { closes_at: closes });
      await this.ctx.refresh();
    });
  }

  async closeEarly() {
    if (!(await this.ctx.confirm(t("st_early_close_confirm")))) return;
    await this.ctx.act($("early-close"), null, async () => {
      await this.ctx.call("POST", "/early/close", {});
      await this.ctx.refresh();
    });
  }

  fillChoices() {
    const item = this.ctx.items.find((b) => b.id === $("written-item").value);
    const shown = `${item?.id}`;
    if ($("written-choice").dataset.item === shown) return;  // keep what staff picked
    $("written-choice").dataset.item = shown;
    fillChoices($("written-choice"), item);
  }

  render() {
    const { board, items } = this.ctx;
    $("record-state").textContent = board.record_date
      ? t("st_record_state", { date: board.record_date, n: board.n }) : t("st_record_none");
    $("record-set").disabled = Boolean(board.record_date);
    $("item-list").replaceChildren(...items.map((b) => h("li", { "data-item": b.id },
      h("strong", {}, b.question), " — ", t(`agenda_${b.rule.agenda || b.rule.name}`),
      b.secret ? ` · ${t("st_secret")}` : "", h("br"), h("span", { class: "hint" }, ruleText(b.rule)))));
    const open = items.filter((b) => b.state !== "closed");
    const picked = $("written-item").value;
    $("written-item").replaceChildren(...open.map((b) => h("option", { value: b.id }, b.question)));
    if (open.some((b) => b.id === picked)) $("written-item").value = picked;
    this.fillChoices();
    $("proxy-list").replaceChildren(...board.proxies.map((p) => h("li", { "data-testid": "proxy-row" },
      t("st_proxy_row", { member: p.member, name: p.name, ground: t(`ground_${p.ground}`),
        doc: p.document || t("st_none") }))));
    const now = Date.now();
    $("early-state").textContent = board.early_closes_at > now
      ? t("st_early_until", { at: localTime(board.early_closes_at) })
      : board.early_closes_at ? t("st_early_closed", { at: localTime(board.early_closes_at) })
        : t("st_early_none");
    $("early-close").disabled = !(board.early_closes_at > now);
    $("written-state").textContent = board.written_closes_at
      ? t("st_written_until", { at: localTime(board.written_closes_at) }) : t("st_written_open");
  }
}
