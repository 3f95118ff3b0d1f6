// The meeting staff console: prepare (roster, record date, items, proxies, written
// resolutions, advance voting), invite, run the day (desk, items, attendance), steer
// the screen and open the records. Opened as /staff#room=ID&key=HOSTKEY; the key stays
// in the fragment and goes out only as this page's Authorization header.
import { adoptRoomLang, applyStatic, errorText, initLang, onLangChange, t } from "./i18n.js";
import { api, Conn, LiveError, readFragment } from "./net.js";
import { noteServerTime, tickCountdowns } from "./ui.js";
import { busy, confirmDialog, createRoom } from "./console-kit.js";
import { Prepare } from "./staff-prepare.js";
import { Invite } from "./staff-invite.js";
import { Day } from "./staff-day.js";
import { Records } from "./staff-records.js";
import { Speak } from "./staff-speak.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
const TABS = ["prepare", "invite", "day", "records"];

/** What every panel shares: the room, its items, the attendance board, and calls. */
export const ctx = {
  room: "", key: "", info: null, items: [], board: null, results: new Map(), tab: "prepare",
  status(text) { $("status").textContent = text; },
  async call(method, path, body = null) {
    return api(method, `/api/rooms/${encodeURIComponent(ctx.room)}${path}`, body, ctx.key);
  },
  /** A file body (roster CSV/XLSX, exports) with the key. */
  async raw(method, path, body, type) {
    let response;
    try {
      response = await fetch(`/api/rooms/${encodeURIComponent(ctx.room)}${path}`, {
        method, body, headers: { authorization: `Bearer ${ctx.key}`,
          ...(type ? { "content-type": type } : {}) },
      });
    } catch {
      throw new LiveError("network", "the server cannot be reached");
    }
    if (!response.ok) {
      const envelope = await response.json().catch(() => null);
      throw LiveError.from(envelope?.error ?? { code: "internal", message: `HTTP ${response.status}` });
    }
    return response;
  },
  confirm: confirmDialog,
  /** Run a staff action: disable its button, show its refusal next to it. */
  act: (button, errorEl, work) => busy(button, errorEl, work, ctx.status),
  refresh: () => refresh(),
  link(page, extra = "") {
    return `${location.origin}/${page}#room=${encodeURIComponent(ctx.room)}`
      + `&key=${encodeURIComponent(ctx.key)}${extra}`;
  },
};

const panels = {};
let conn = null;

/** The room's pushes, as the host console gets them: each live item's quorum
 * gauge the moment attendance moves (`item:quorum`), and items opened or closed
 * elsewhere. The 3-s refresh stays for the rest, and reads an item's gauge
 * only while this socket is down or has not pushed that item's gauge yet. */
function listen() {
  if (conn?.room === ctx.room && conn?.key === ctx.key) return;
  conn?.socket.disconnect();
  conn = new Conn("/host", {
    onConnect: (c) => {
      panels.day.reconnected();
      return c.call("host:watch", { room: ctx.room, key: ctx.key }, { early: true });
    },
  });
  Object.assign(conn, { room: ctx.room, key: ctx.key });
  ctx.pushes = conn;
  conn.on("item:quorum", (gauge) => panels.day.takeGauge(gauge));
  for (const event of ["ballot:update", "ballot:closed"]) {
    conn.on(event, (data) => {  // reset, reopened or closed: read its gauge afresh
      panels.day.pushed.delete(data?.id ?? data?.ballot?.id);
      refresh();
    });
  }
}

async function createMeeting(event) {
  ctx.created = await createRoom(event, "meeting");
}

function showTab(name) {
  ctx.tab = TABS.includes(name) ? name : "prepare";
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    button.setAttribute("aria-selected", String(tab === ctx.tab));
    button.tabIndex = tab === ctx.tab ? 0 : -1;
    $(`panel-${tab}`).hidden = tab !== ctx.tab;
  }
  refresh();
}

function tabKeys(event) {
  const at = TABS.indexOf(ctx.tab);
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  const next = TABS[(at + step + TABS.length) % TABS.length];
  showTab(next);
  $(`tab-${next}`).focus();
}

let refreshing = null;
let again = false;

/** Read the room, its items and who is here; panels redraw what they show. */
async function refresh() {
  if (!ctx.room) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = (async () => {
    try {
      const [info, board] = await Promise.all([ctx.call("GET", ""), ctx.call("GET", "/attendance")]);
      ctx.info = info;
      ctx.items = info.ballots.filter((b) => b.rule);
      ctx.board = board;
      for (const b of ctx.items) if (b.state === "open" && b.opened_at) noteServerTime(b.opened_at);
      await Promise.all(Object.values(panels).map((p) => p.render?.()));
      if ($("status").dataset.loading) {
        $("status").dataset.loading = "";
        ctx.status("");
      }
    } catch (error) {
      ctx.status(errorText(error, { detail: true }));
    }
  })();
  await refreshing;
  refreshing = null;
  if (again) {
    again = false;
    await refresh();
  }
}

async function start() {
  const { room, key } = readFragment();
  if (!room || !key) {
    $("create-view").hidden = false;
    $("console").hidden = true;
    return;
  }
  Object.assign(ctx, { room, key });
  $("create-view").hidden = true;
  $("console").hidden = false;
  $("key-notice").hidden = ctx.created !== key;
  $("key-value").textContent = ctx.created === key ? key : "";
  $("status").dataset.loading = "1";
  ctx.status(t("loading"));
  try {
    const info = await ctx.call("GET", "");
    adoptRoomLang(info.room.lang);
    $("room-title").textContent = info.room.title;
    document.title = `${info.room.title} · ${t("st_title")} · LiveVote`;
  } catch (error) {
    ctx.status(errorText(error, { detail: true }));
    return;
  }
  for (const panel of Object.values(panels)) panel.start?.();
  listen();
  showTab(new URLSearchParams(location.hash.slice(1)).get("tab") || "prepare");
}

function boot() {
  initLang();
  applyStatic();
  tickCountdowns();
  Object.assign(panels, { prepare: new Prepare(ctx), invite: new Invite(ctx),
    day: new Day(ctx), speak: new Speak(ctx), records: new Records(ctx) });
  onLangChange(() => refresh());
  $("create-form").addEventListener("submit", createMeeting);
  $("key-saved").addEventListener("click", () => {
    $("key-notice").hidden = true;
    ctx.created = "";
  });
  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => showTab(tab));
  document.querySelector(".tabs").addEventListener("keydown", tabKeys);
  window.addEventListener("hashchange", start);
  setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_MS);
  start();
}

boot();
