// Preparing a consent drive: the owners roster from a file, the proposal, the
// threshold (a preset with its rule shown, or custom shares), the consent form
// with attachments by SHA-256 (computed in this browser), the deadline and
// whether progress is public; then opening it, after which none of it changes.
import { LiveError } from "./net.js";
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { proposalText, ruleText, thresholdLabel, typedMs } from "./drive-common.js";

const $ = (id) => document.getElementById(id);
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PROPOSALS = ["promotion_committee", "union", "trust", "zone_plan", "custom"];
const KINDS = ["owners", "area", "per_building"];

/** Epoch ms as a datetime-local value in the browser's zone ("2026-12-02T14:00"). */
function localInput(ms) {
  if (!ms) return "";
  const at = new Date(ms);
  at.setMinutes(at.getMinutes() - at.getTimezoneOffset());
  return at.toISOString().slice(0, 16);
}

/** "3/4" -> [3, 4]; "" -> null; anything else is refused here, before the server. */
function typedShare(kind) {
  const text = $(`share-${kind}`).value.trim();
  if (!text) return null;
  const match = /^(\d{1,6})\s*\/\s*(\d{1,6})$/.exec(text);
  if (!match) throw new LiveError("", t("dr_bad_share", { kind: t(`dr_kind_${kind}`) }));
  return [Number(match[1]), Number(match[2])];
}

async function sha256Hex(file) {
  if (!crypto.subtle) throw new LiveError("", t("dr_no_subtle"));
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Setup {
  constructor(ctx) {
    this.ctx = ctx;
    this.presets = {};
    this.filled = false;
    this.attachments = [];
    $("owners-import").addEventListener("click", () => this.importOwners());
    $("setup-form").addEventListener("submit", (event) => this.save(event));
    $("threshold").addEventListener("change", () => this.showRule());
    $("custom").addEventListener("input", () => this.showRule());
    $("attachment-file").addEventListener("change", () => this.hashFiles());
    $("attachment-add").addEventListener("click", () => {
      this.attachments.push({ name: "", sha256: "" });
      this.drawAttachments();
      $("attachments").querySelector("li:last-child input")?.focus();
    });
    $("drive-open").addEventListener("click", () => this.open());
    this.relabel();
  }

  /** Option labels and the custom rows in the page's language, values kept. */
  relabel() {
    const keep = (select, options) => {
      const value = select.value;
      select.replaceChildren(...options.map(([v, label]) => h("option", { value: v }, label)));
      if (options.some(([v]) => v === value)) select.value = value;
    };
    keep($("proposal"), PROPOSALS.map((p) => [p, proposalText(p)]));
    keep($("threshold"), [...Object.entries(this.presets).map(([name, p]) => [name, thresholdLabel(p)]),
      ["custom", t("dr_custom")]]);
    const typed = Object.fromEntries(KINDS.map((k) => [k, [$(`share-${k}`)?.value ?? "",
      $(`strict-${k}`)?.value ?? "at_least"]]));
    $("custom-rows").replaceChildren(...KINDS.map((kind) => h("div", { class: "field-row" },
      h("div", { class: "field" },
        h("label", { for: `share-${kind}` }, t(`dr_share_${kind}`)),
        h("input", { id: `share-${kind}`, inputmode: "numeric", placeholder: "3/4",
          value: typed[kind][0], "data-testid": `share-${kind}` })),
      h("div", { class: "field" },
        h("label", { for: `strict-${kind}` }, t("dr_strictness")),
        h("select", { id: `strict-${kind}`, "data-testid": `strict-${kind}` },
          h("option", { value: "at_least" }, t("dr_at_least", { f: "" }).trim()),
          h("option", { value: "more_than" }, t("dr_more_than", { f: "" }).trim()))))));
    for (const kind of KINDS) $(`strict-${kind}`).value = typed[kind][1];
    this.showRule();
    this.drawAttachments();
  }

  threshold() {
    const name = $("threshold").value;
    if (name !== "custom") return name;
    const custom = { building_exempt_max: Number($("exempt-max").value || 5) };
    for (const kind of KINDS) {
      custom[kind] = typedShare(kind);
      custom[`${kind}_strict`] = $(`strict-${kind}`).value === "more_than";
    }
    return custom;
  }

  showRule() {
    const name = $("threshold").value;
    $("custom").hidden = name !== "custom";
    let rule = "";
    try {
      rule = ruleText(name === "custom" ? this.threshold() : this.presets[name]);
    } catch {
      rule = ""; // a share still being typed
    }
    $("threshold-rule").textContent = rule;
    const preset = this.presets[name];
    $("threshold-note").textContent = preset
      ? t("dr_counsel", { from: preset.effective_from }) : t("dr_custom_note");
  }

  drawAttachments() {
    $("attachments").replaceChildren(...this.attachments.map((a, i) => h("li", { class: "attachment-row" },
      h("div", { class: "field-row" },
        h("div", { class: "field" }, h("label", { for: `att-name-${i}` }, t("dr_attachment_name")),
          h("input", { id: `att-name-${i}`, value: a.name, maxlength: "200",
            oninput: (e) => { a.name = e.target.value; } })),
        h("div", { class: "field" }, h("label", { for: `att-sha-${i}` }, "SHA-256"),
          h("input", { id: `att-sha-${i}`, value: a.sha256, maxlength: "64", class: "hash",
            "data-testid": "attachment-sha256", oninput: (e) => { a.sha256 = e.target.value.trim().toLowerCase(); } }))),
      h("button", { type: "button", class: "btn secondary",
        "aria-label": t("dr_attachment_remove_named", { name: a.name || i + 1 }),
        onclick: () => {
          this.attachments.splice(i, 1);
          this.drawAttachments();
        } }, t("dr_attachment_remove")))));
  }

  async hashFiles() {
    const input = $("attachment-file");
    $("attachment-error").textContent = "";
    try {
      for (const file of input.files) {
        this.attachments.push({ name: file.name, sha256: await sha256Hex(file) });
      }
    } catch (error) {
      $("attachment-error").textContent = error.message;
    }
    input.value = "";
    this.drawAttachments();
  }

  /** Fill the form once from what the server has; later refreshes leave typing alone. */
  fill(settings) {
    this.filled = true;
    if (settings.proposal) $("proposal").value = settings.proposal;
    const threshold = settings.threshold;
    if (threshold && threshold.name in this.presets) $("threshold").value = threshold.name;
    else if (threshold) {
      $("threshold").value = "custom";
      for (const kind of KINDS) {
        $(`share-${kind}`).value = threshold[kind] ? threshold[kind].join("/") : "";
        $(`strict-${kind}`).value = threshold[`${kind}_strict`] ? "more_than" : "at_least";
      }
      $("exempt-max").value = threshold.building_exempt_max;
    }
    if (settings.form) {
      $("form-title").value = settings.form.title;
      $("form-body").value = settings.form.body;
      this.attachments = settings.form.attachments.map((a) => ({ ...a }));
    }
    $("deadline").value = localInput(settings.deadline);
    $("public-progress").checked = settings.public_progress;
    this.showRule();
    this.drawAttachments();
  }

  render(settings) {
    if (!Object.keys(this.presets).length && settings.presets) {
      this.presets = settings.presets;
      this.relabel();
    }
    if (!this.filled) this.fill(settings);
    const open = settings.state === "open";
    $("prepare-locked").hidden = !open;
    $("setup-fields").disabled = open;
    for (const id of ["owners-file", "owners-import", "drive-open"]) $(id).disabled = open;
    $("form-hash").textContent = settings.form_sha256
      ? t("dr_form_hash", { sha: settings.form_sha256 }) : "";
    $("manifest").textContent = settings.manifest_sha256
      ? t("dr_manifest", { sha: settings.manifest_sha256 }) : "";
  }

  async save(event) {
    event.preventDefault();
    const button = event.submitter || $("setup-form").querySelector("[type=submit]");
    await this.ctx.act(button, $("setup-error"), async () => {
      const settings = await this.ctx.call("POST", "/drive", {
        proposal: $("proposal").value,
        threshold: this.threshold(),
        form: { title: $("form-title").value.trim(), body: $("form-body").value,
          attachments: this.attachments.filter((a) => a.name || a.sha256) },
        deadline: typedMs($("deadline").value),
        public_progress: $("public-progress").checked,
      });
      this.ctx.status(t("dr_saved"));
      this.render(settings);
      await this.ctx.refresh();
    });
  }

  async importOwners() {
    const file = $("owners-file").files[0];
    const report = $("owners-report");
    if (!file) {
      report.replaceChildren(h("p", { class: "error", role: "alert" }, t("dr_pick_file")));
      return;
    }
    const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
    report.replaceChildren();
    await this.ctx.act($("owners-import"), report, async () => {
      this.showReport(await this.ctx.call("POST", "/owners", file, type));
      await Promise.all([this.ctx.refresh(), this.ctx.refreshOwners()]);
    });
  }

  showReport(data) {
    const listed = (title, cls, items) => (items.length ? [h("h4", {}, title),
      h("ul", { class: `plain-list ${cls}` }, items)] : []);
    const errors = data.errors.map((e) => h("li", { "data-testid": "owners-error" },
      t("dr_row_error", { row: e.row, no: e.owner_no || "-", why: t(`owners_${e.code}`) })));
    const grouped = data.grouped.map((g) => h("li", { "data-testid": "owners-group" },
      t("dr_group", { nos: g.owner_nos.join(", "), rep: g.owner, persons: g.persons,
        parcels: g.parcels.length, area: g.area })));
    $("owners-report").replaceChildren(
      h("p", { class: "fact-line", "data-testid": "owners-summary-line" }, t("dr_roster_done", {
        rows: data.rows, owners: data.owners, area: data.area, errors: data.errors.length })),
      ...listed(t("dr_row_errors"), "error-list", errors),
      ...listed(t("dr_grouped", { n: data.grouped.length }), "", grouped));
  }

  async open() {
    if (!await this.ctx.confirm(t("dr_open_confirm"))) return;
    await this.ctx.act($("drive-open"), $("open-error"), async () => {
      const opened = await this.ctx.call("POST", "/drive/open");
      this.ctx.status(t("dr_opened", { sha: opened.manifest_sha256.slice(0, 16) }));
      await this.ctx.refresh();
    });
  }
}
