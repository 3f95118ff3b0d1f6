// Meeting day: the attendance board, the check-in desk (find, mark present, paper
// ballots, proxies) and each item started and closed at the meeting, with its
// quorum gauge and outcome.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";
import { chosen, fillChoices, itemPhase, outcomeText, ruleText } from "./staff-common.js";

const $ = (id) => document.getElementById(id);
const MODES = ["in_person", "proxy", "online"];



export class Day {
  constructor(ctx) {
    this.ctx = ctx;
    this.quorum = new Map();
    this.pushed = new Set();
    this.found = [];
    this.errors = new Map();
    $("desk-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.find();
    });
    $("adjourn").addEventListener("click", () => this.adjourn());
  }

  /** 폐회: once every item is closed; afterwards the time it closed. */
  showAdjourned() {
    const at = this.ctx.board.adjourned_at;
    $("adjourn").hidden = Boolean(at);
    $("adjourn-state").textContent = at ? t("st_adjourned_at", { time: new Date(at)
      .toLocaleTimeString(document.documentElement.lang === "ko" ? "ko-KR" : "en-GB",
        { hour: "2-digit", minute: "2-digit" }) }) : t("st_adjourn_hint");
  }

  async adjourn() {
    if (!(await this.ctx.confirm(t("st_adjourn_confirm")))) return;
    await this.ctx.act($("adjourn"), $("adjourn-error"), async () => {
      await this.ctx.call("POST", "/adjourn", {});
      await this.ctx.refresh();
    });
  }

  async render() {
    const { board } = this.ctx;
    $("att-counts").replaceChildren(
      h("span", { class: "big-fact" }, t("st_n", { n: board.n ?? "—" })),
      ...MODES.map((mode) => h("span", { class: "big-fact", "data-mode": mode },
        t(`st_here_${mode}`, { n: board.counts[mode] }))));
    $("att-list").replaceChildren(...MODES.map((mode) => h("div", {},
      h("h3", {}, t(`st_here_${mode}`, { n: board.counts[mode] })),
      h("ul", { class: "plain-list" }, ...board.here[mode].map((p) => h("li", {},
        `${p.member_no} ${p.name}${p.proxy_name ? ` (${t("st_by_proxy")}: ${p.proxy_name})` : ""}`))))));
    this.showAdjourned();
    if (this.ctx.tab !== "day") return;
    await this.loadQuorum();
    this.renderItems();
  }

  /** A gauge pushed by the server (`item:quorum`), shown at once; from then on
   * it follows attendance by push while the socket stays up. */
  takeGauge(gauge) {
    this.quorum.set(gauge.ballot, gauge);
    this.pushed.add(gauge.ballot);
    if (this.ctx.tab === "day") this.renderItems();
  }

  /** Pushes may have been missed while the socket was down: read every gauge again. */
  reconnected() {
    this.pushed.clear();
  }

  async loadQuorum() {
    const following = this.ctx.pushes?.ready;
    const live = this.ctx.items.filter((b) => b.state !== "draft"
      && !(following && b.state === "open" && this.pushed.has(b.id)));
    const answers = await Promise.all(live.map((b) =>
      this.ctx.call("GET", `/ballots/${encodeURIComponent(b.id)}/quorum`).catch(() => null)));
    // a gauge pushed while this read was on its way is the newer one
    live.forEach((b, i) => answers[i] && !this.pushed.has(b.id) && this.quorum.set(b.id, answers[i]));
    for (const b of this.ctx.items.filter((x) => x.state === "closed" && !this.ctx.results.has(x.id))) {
      try {
        const sealed = await this.ctx.call("GET", `/ballots/${encodeURIComponent(b.id)}/result`);
        this.ctx.results.set(b.id, sealed);
      } catch { /* shown once sealed */ }
    }
  }

  /** Redrawn only when something shown changed, so a button is not swapped under a finger. */
  renderItems() {
    const shown = JSON.stringify([this.ctx.items.map((b) => [b.id, b.state]), this.ctx.board.live,
      [...this.quorum], [...this.ctx.results.keys()], [...this.errors], document.documentElement.lang]);
    if (shown === this.shown) return;
    this.shown = shown;
    const cards = this.ctx.items.map((item, i) => this.itemCard(item, i + 1));
    $("day-items").replaceChildren(...cards);
  }

  itemCard(item, number) {
    const phase = itemPhase(item, this.ctx.board);
    const gauge = this.quorum.get(item.id);
    const sealed = this.ctx.results.get(item.id);
    const error = this.errors.get(item.id);
    return h("article", { class: "card day-item", "data-item": item.id, "data-phase": phase },
      h("h3", {}, t("mtg_item_n", { n: number }), " ", item.question),
      h("p", { class: "state-badge", "data-testid": "item-phase", "data-state": phase },
        t(`st_phase_${phase}`)),
      h("p", { class: "hint" }, ruleText(item.rule)),
      gauge && phase !== "closed" ? h("p", { class: "quorum-line", "data-testid": "quorum-line" },
        quorumText(gauge)) : null,
      gauge && phase !== "closed" ? h("p", { class: "votes-line", "data-testid": "votes-line" },
        votesText(gauge)) : null,
      phase === "closed" && sealed ? h("p", { class: "outcome-big", "data-testid": "item-outcome",
        "data-outcome": sealed.record.meeting?.outcome }, outcomeText(sealed.record)) : null,
      this.actions(item, phase),
      error ? h("p", { class: "error", role: "alert" }, error) : null);
  }

  actions(item, phase) {
    const wrap = h("div", { class: "actions" });
    const act = (label, testid, kind, work) => h("button", {
      type: "button", class: `btn ${kind}`, "data-testid": testid,
      onclick: async (event) => {
        this.errors.delete(item.id);
        const done = await this.ctx.act(event.currentTarget, null, async () => {
          await work();
          return true;
        });
        if (!done) this.errors.set(item.id, $("status").textContent);
        await this.ctx.refresh();
      },
    }, t(label));
    const path = `/ballots/${encodeURIComponent(item.id)}`;
    if (phase === "draft" || phase === "early") {
      wrap.append(act("st_start_live", "item-live", "primary",
        () => this.ctx.call("POST", `${path}/live`, {})));
    }
    if (phase === "live") {
      wrap.append(act("st_close_item", "item-close", "danger", async () => {
        if (!(await this.ctx.confirm(t("st_close_confirm", { q: item.question })))) return;
        this.ctx.results.set(item.id, await this.ctx.call("POST", `${path}/close`, {}));
      }));
    }
    if (phase !== "draft") {
      wrap.append(act("st_show_item", "item-screen", "secondary",
        () => this.ctx.call("POST", "/screen", { view: "ballot", ballot: item.id })));
      wrap.append(act("st_show_quorum", "item-screen-quorum", "secondary",
        () => this.ctx.call("POST", "/screen", { view: "quorum", ballot: item.id })));
    }
    return wrap;
  }

  async find(quiet = false) {
    const q = $("desk-q").value.trim();
    if (!q) return;
    try {
      this.found = (await this.ctx.call("GET", `/desk?q=${encodeURIComponent(q)}`)).people;
    } catch (error) {
      if (!quiet) this.ctx.status(errorText(error, { detail: true }));
      return;
    }
    $("desk-results").replaceChildren(...(this.found.length ? this.found.map((p) => this.deskRow(p))
      : [h("li", { class: "muted" }, t("st_desk_none"))]));
  }

  deskRow(person) {
    const here = person.here ? t(`st_now_${person.here}`) : t("st_now_absent");
    const row = h("li", { class: "desk-row card", "data-member": person.member_no, "data-testid": "desk-row" },
      h("p", { class: "desk-name" }, h("strong", {}, person.name), ` · ${person.member_no} · ${person.phone}`),
      h("p", { class: "desk-here", "data-testid": "desk-here" }, here,
        person.votes ? "" : ` · ${t("st_not_rep", { rep: person.representative })}`,
        person.proxy ? ` · ${t("st_proxy_registered", { name: person.proxy.name })}` : ""));
    const buttons = h("div", { class: "actions" });
    const mark = (label, testid, body) => h("button", { type: "button", class: "btn primary big-touch",
      "data-testid": testid, onclick: (e) => this.ctx.act(e.currentTarget, null, async () => {
        await this.ctx.call("POST", "/attendance", { member_no: person.member_no, ...body });
        await this.ctx.refresh();
        await this.find(true);
      }) }, t(label));
    buttons.append(mark("st_arrive", "desk-arrive", { action: "arrive", mode: "in_person" }));
    if (person.proxy) buttons.append(mark("st_arrive_proxy", "desk-proxy", { action: "arrive", mode: "proxy" }));
    if (person.here) buttons.append(mark("st_leave", "desk-leave", { action: "leave" }));
    row.append(buttons, this.paperForm(person));
    return row;
  }

  paperForm(person) {
    const live = this.ctx.items.filter((b) => itemPhase(b, this.ctx.board) === "live");
    if (!live.length) return h("p", { class: "hint" }, t("st_paper_none_live"));
    const id = `paper-${person.member_no}`;
    const item = h("select", { id: `${id}-item`, "data-testid": "paper-item" },
      ...live.map((b) => h("option", { value: b.id }, b.question)));
    const choice = h("select", { id: `${id}-choice`, "data-testid": "paper-choice" });
    const fill = () => fillChoices(choice, live.find((x) => x.id === item.value));
    item.addEventListener("change", fill);
    fill();
    const by = h("select", { id: `${id}-by` }, h("option", { value: "member" }, t("st_by_member")),
      ...(person.proxy ? [h("option", { value: "proxy" }, t("st_by_proxy"))] : []));
    const error = h("p", { class: "error", role: "alert" });
    const save = h("button", { type: "submit", class: "btn primary", "data-testid": "paper-save" },
      t("st_paper_save"));
    return h("form", { class: "paper-form", onsubmit: async (event) => {
      event.preventDefault();
      await this.ctx.act(save, error, async () => {
        await this.ctx.call("POST", "/paper", { member_no: person.member_no, ballot: item.value,
          choices: chosen(choice), by: by.value });
        this.ctx.status(t("st_paper_done", { name: person.name }));
        await this.ctx.refresh();
        await this.find(true);
      });
    } },
    h("fieldset", { class: "fieldset" }, h("legend", {}, t("st_paper")),
      h("div", { class: "field-row" },
        h("div", { class: "field" }, h("label", { for: `${id}-item` }, t("st_item")), item),
        h("div", { class: "field" }, h("label", { for: `${id}-choice` }, t("st_choice")), choice),
        h("div", { class: "field" }, h("label", { for: `${id}-by` }, t("st_paper_by")), by)),
      save, error));
  }
}



export function votesText(g) {
  const modes = g.by_mode || {};
  return t("st_q_votes", { early: modes.early || 0, written: modes.written || 0,
    live: (modes.live || 0) + (modes.paper || 0) });
}

export function quorumText(g) {
  const parts = [t("st_q_inputs", { n: g.n, d: g.d, a: g.a })];
  if (g.needs_direct > 0) parts.push(t("st_q_needs_direct", { n: g.needs_direct }));
  if (g.needs_attendance > 0) parts.push(t("st_q_needs_attendance", { n: g.needs_attendance }));
  if (!(g.needs_direct > 0) && !(g.needs_attendance > 0)) parts.push(t("st_q_met"));
  return parts.join(" · ");
}
