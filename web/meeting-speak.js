// 발언 신청 on the member's page: a large "Ask to speak" button, the member's
// place in line with "Cancel", who speaks now and who is next for everyone, and,
// when the chair gives the member the floor, "You may speak now" and their
// microphone on air (video-floor.js) until the turn ends.
import { errorText, lang, t } from "./i18n.js";
import { h } from "./ui.js";
import { Floor } from "./video-floor.js";

const ORDINAL = { one: "st", two: "nd", few: "rd", other: "th" };
const nth = (n) => `${n}${ORDINAL[new Intl.PluralRules("en", { type: "ordinal" }).select(n)]}`;
const TROUBLE = new Set(["blocked", "no_mic", "video_off", "failed"]);

export class SpeakPanel {
  /** `ctx`: { el, conn(), room(), token(), memberNo(), announce } */
  constructor(ctx) {
    this.ctx = ctx;
    this.queue = { speaking: null, queue: [] };
    this.busy = false;
    this.error = null;
    this.mic = ""; // the floor's last status
    this.floor = null;
  }

  take(queue) {
    const before = this.mine();
    this.queue = queue;
    const now = this.mine();
    if (now !== before && now === "speaking") this.ctx.announce(t("mtg_speak_granted"));
    this.follow(now === "speaking");
    this.render();
  }

  /** "speaking", a place in line (1, 2, ...), or "" */
  mine() {
    const no = this.ctx.memberNo();
    if (this.queue.speaking?.member_no === no) return "speaking";
    const at = this.queue.queue.findIndex((r) => r.member_no === no);
    return at < 0 ? "" : at + 1;
  }

  follow(speaking) {
    if (speaking && !this.floor?.on) {
      this.floor ||= new Floor({ room: this.ctx.room(), member: this.ctx.token(),
        onStatus: (status) => { this.mic = status; this.render(); } });
      this.floor.start();
    } else if (!speaking && this.floor?.on) {
      this.floor.stop();
    }
  }

  async step(event) {
    this.busy = true;
    this.error = null;
    this.render();
    try {
      const done = await this.ctx.conn().call(event, {});
      this.take({ speaking: done.speaking, queue: done.queue });
    } catch (error) {
      this.error = error;
    }
    this.busy = false;
    this.render();
  }

  render() {
    const { speaking, queue } = this.queue;
    const place = this.mine();
    const who = (r) => ({ name: r.name, no: r.member_no });
    const button = (label, testid, kind, work) => h("button", { type: "button",
      class: `btn ${kind} big-touch`, "data-testid": testid, disabled: this.busy, onclick: work },
    t(label));
    const lines = [
      h("h2", {}, t("mtg_speak_title")),
      h("p", { class: "speak-now", "data-testid": "speak-now" },
        speaking ? t("mtg_speak_now", who(speaking)) : t("mtg_speak_nobody")),
      queue.length ? h("p", { class: "speak-next", "data-testid": "speak-next" },
        t("mtg_speak_next", who(queue[0])), " · ", t("mtg_speak_waiting", { n: queue.length }))
        : null,
    ];
    if (place === "speaking") {
      lines.push(h("p", { class: "speak-granted", role: "alert", "data-testid": "speak-granted" },
        t("mtg_speak_granted")));
      if (this.mic) lines.push(this.micLine());
    } else if (place) {
      lines.push(h("p", { class: "speak-place big-fact", "data-testid": "speak-place" },
        lang() === "en" ? t("mtg_speak_place", { nth: nth(place) }) : t("mtg_speak_place", { n: place })),
      button("mtg_speak_cancel", "speak-cancel", "secondary", () => this.step("speak:cancel")));
    } else {
      if (this.mic === "ended") lines.push(h("p", { class: "hint" }, t("mtg_speak_ended")));
      lines.push(button("mtg_speak_ask", "speak-ask", "primary speak-ask",
        () => this.step("speak:request")));
    }
    if (this.error) lines.push(h("p", { class: "error", role: "alert" }, errorText(this.error)));
    this.ctx.el.replaceChildren(...lines);
  }

  micLine() {
    const trouble = TROUBLE.has(this.mic);
    const line = h("p", { class: trouble ? "error" : "hint", "data-testid": "speak-mic",
      "data-status": this.mic }, t(`mtg_speak_${this.mic}`));
    if (!trouble) return line;
    return h("div", {}, line, h("button", { type: "button", class: "btn secondary",
      "data-testid": "speak-retry", onclick: () => this.follow(this.mine() === "speaking") },
    t("mtg_speak_retry")));
  }
}
