// Meeting day: members' requests to speak (발언 신청) in the order asked, with
// "give the floor" and "decline" for each, and "end turn" for the member
// speaking now. Polled with the console (GET /speak); each action answers the
// queue as it then stands.
import { t } from "./i18n.js";
import { h } from "./ui.js";

const $ = (id) => document.getElementById(id);

export class Speak {
  constructor(ctx) {
    this.ctx = ctx;
    this.queue = null;
    this.shown = "";
  }

  async render() {
    if (this.ctx.tab !== "day") return;
    this.draw(await this.ctx.call("GET", "/speak"));
  }

  /** Redrawn only when something shown changed, so a button is not swapped under a finger. */
  draw(queue) {
    this.queue = queue;
    const shown = JSON.stringify([queue, document.documentElement.lang]);
    if (shown === this.shown) return;
    this.shown = shown;
    const { speaking } = queue;
    const who = (r) => ({ name: r.name, no: r.member_no });
    $("speak-now").replaceChildren(speaking
      ? h("span", {}, t("st_speak_now", who(speaking)), " ",
        this.button("st_speak_end", "speak-end", "danger", "end", speaking.id))
      : t("st_speak_nobody"));
    $("speak-queue").replaceChildren(...(queue.queue.length ? queue.queue.map((r, i) => h("li", {
      "data-request": r.id, "data-testid": "speak-row" },
    h("strong", {}, `${i + 1}. ${r.name}`), ` · ${r.member_no}`,
    this.button("st_speak_grant", "speak-grant", "primary", "grant", r.id, Boolean(speaking)),
    this.button("st_speak_decline", "speak-decline", "secondary", "decline", r.id)))
      : [h("li", { class: "muted" }, t("st_speak_none_waiting"))]));
  }

  button(label, testid, kind, action, request, disabled = false) {
    return h("button", { type: "button", class: `btn ${kind}`, "data-testid": testid, disabled,
      onclick: (event) => this.ctx.act(event.currentTarget, $("speak-error"), async () => {
        const done = await this.ctx.call("POST", `/speak/${action}`, { request });
        this.draw({ speaking: done.speaking, queue: done.queue });
      }) }, t(label));
  }
}
