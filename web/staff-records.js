// The presenter screen steered from here, and the records one click away: the
// minutes (page, CSV, XLSX, PDF), each closed item's result, signed record and
// verify page, and the video page.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";
import { outcomeText } from "./staff-common.js";

const $ = (id) => document.getElementById(id);

export class Records {
  constructor(ctx) {
    this.ctx = ctx;
    $("screen-welcome").addEventListener("click", (e) => ctx.act(e.currentTarget, null, async () => {
      await ctx.call("POST", "/screen", { view: "welcome" });
      await ctx.refresh();
    }));
    $("screen-auto").addEventListener("click", (e) => ctx.act(e.currentTarget, null, async () => {
      await ctx.call("POST", "/screen", { view: "auto" });
      await ctx.refresh();
    }));
    for (const button of document.querySelectorAll("[data-download]")) {
      button.addEventListener("click", () => this.download(button, button.dataset.download));
    }
  }

  start() {
    $("screen-open").href = this.ctx.link("screen");
    $("minutes-open").href = this.ctx.link("minutes");
    $("video-open").href = this.ctx.link("video");
  }

  async download(button, name, path = `/${name}`) {
    await this.ctx.act(button, $("records-error"), async () => {
      const response = await this.ctx.raw("GET", path);
      const href = URL.createObjectURL(await response.blob());
      const link = h("a", { href, download: `${name.replace(/^(minutes|result)/, `$1-${this.ctx.room}`)}`,
        hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10000);
    });
  }

  render() {
    const screen = this.ctx.info?.screen;
    $("screen-state").textContent = screen ? t("st_screen_now", {
      what: screen.auto ? t("st_screen_auto_text") : screen.view === "welcome" ? t("st_screen_welcome")
        : `${t(screen.view === "quorum" ? "st_show_quorum" : "st_show_item")}: ${
          this.ctx.items.find((b) => b.id === screen.ballot)?.question ?? ""}` }) : "";
    const closed = this.ctx.items.filter((b) => b.state === "closed");
    $("record-items").replaceChildren(...(closed.length ? closed.map((b) => this.itemRecords(b))
      : [h("li", { class: "muted" }, t("st_no_closed"))]));
  }

  itemRecords(item) {
    const room = encodeURIComponent(this.ctx.room);
    const base = `/api/rooms/${room}/ballots/${encodeURIComponent(item.id)}`;
    const sealed = this.ctx.results.get(item.id);
    const file = (fmt) => {
      if (item.visibility !== "never") {
        return h("a", { class: "btn secondary", href: `${base}/result.${fmt}`,
          download: `result-${item.id}.${fmt}` }, fmt.toUpperCase());
      }
      return h("button", { type: "button", class: "btn secondary",
        onclick: (e) => this.download(e.currentTarget, `result-${item.id}.${fmt}`,
          `/ballots/${encodeURIComponent(item.id)}/result.${fmt}`) }, fmt.toUpperCase());
    };
    return h("li", { class: "record-item", "data-item": item.id },
      h("p", {}, h("strong", {}, item.question), sealed ? ` — ${outcomeText(sealed.record)}` : ""),
      h("div", { class: "actions" },
        ...["pdf", "xlsx", "csv", "json"].map(file),
        h("a", { class: "btn secondary", href: `${base}/bundle`, target: "_blank", rel: "noopener",
          "data-testid": "bundle-link" }, t("st_signed_record")),
        h("a", { class: "btn secondary", href: `/verify#room=${room}&ballot=${encodeURIComponent(item.id)}`,
          target: "_blank", rel: "noopener", "data-testid": "verify-link" }, t("st_verify"))));
  }

  failed(error) {
    $("records-error").textContent = errorText(error, { detail: true });
  }
}
