// Staff's printable pages of a general meeting: the minutes (one table per agenda item,
// CSV download) and the invitation sheet (one card per member with a QR of the invite).
// Opened as /minutes#room=ID&key=HOSTKEY[&view=invites]; the key never leaves the fragment
// except as the Authorization header of this page's own requests.
import { adoptRoomLang, errorText, initLang, onLangChange, t } from "./i18n.js";
import { api, LiveError, readFragment } from "./net.js";
import { h } from "./ui.js";
import { inviteSheet } from "./minutes-invites.js";
import { minutesDoc } from "./minutes-render.js";

const $ = (id) => document.getElementById(id);
const state = { room: "", key: "", view: "minutes", minutes: null, roster: null, printed: 0 };

function status(text) {
  $("status").textContent = text;
}

function fragmentView() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  return params.get("view") === "invites" ? "invites" : "minutes";
}

function viewHref(view) {
  const room = encodeURIComponent(state.room);
  const key = encodeURIComponent(state.key);
  return `#room=${room}&key=${key}${view === "invites" ? "&view=invites" : ""}`;
}

function render() {
  if (!state.minutes) return;
  const invites = state.view === "invites";
  $("view-name").textContent = invites ? t("inv_title") : t("min_title");
  document.title = `${$("view-name").textContent} · ${state.minutes.room.title}`;
  $("csv").hidden = invites;
  $("switch-view").href = viewHref(invites ? "minutes" : "invites");
  $("switch-view").textContent = invites ? t("min_back") : t("min_invites");
  const doc = invites
    ? inviteSheet(state.minutes.room, state.roster?.people ?? [])
    : minutesDoc(state.minutes, { printedAt: state.printed });
  $("doc").replaceChildren(doc);
}

async function load() {
  const base = `/api/rooms/${encodeURIComponent(state.room)}`;
  state.minutes = await api("GET", `${base}/minutes`, null, state.key);
  if (state.view === "invites") state.roster = await api("GET", `${base}/roster`, null, state.key);
  const { room } = state.minutes;
  adoptRoomLang(room.lang);
  $("room-title").textContent = room.title;
}

async function start() {
  const { room, key } = readFragment();
  Object.assign(state, { room, key, view: fragmentView(), printed: Date.now() });
  $("doc").replaceChildren();
  if (!room || !key) {
    $("toolbar").hidden = true;
    $("doc").replaceChildren(h("p", { class: "card", role: "alert", "data-testid": "need-key" },
      t("min_need_key")));
    return;
  }
  status(t("min_loading"));
  try {
    await load();
    status("");
    $("toolbar").hidden = false;
    render();
  } catch (error) {
    status("");
    $("doc").replaceChildren(h("p", { class: "error", role: "alert", "data-testid": "load-error" },
      errorText(error, { detail: true })));
  }
}

/** The CSV needs the key in a header, so it is fetched here and handed over as a file. */
async function downloadCsv() {
  const button = $("csv");
  button.disabled = true;
  try {
    let response;
    try {
      response = await fetch(`/api/rooms/${encodeURIComponent(state.room)}/minutes.csv`, {
        headers: { authorization: `Bearer ${state.key}` },
      });
    } catch {
      throw new LiveError("network", "the server cannot be reached");
    }
    if (!response.ok) {
      const envelope = await response.json().catch(() => null);
      throw LiveError.from(envelope?.error);
    }
    const text = await response.text();
    const disposition = response.headers.get("content-disposition") || "";
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] || `minutes-${state.room}.csv`;
    // A byte order mark, so spreadsheet programs set to Korean read the file as UTF-8.
    const url = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }));
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status(t("min_csv_saved"));
  } catch (error) {
    status(errorText(error, { detail: true }));
  } finally {
    button.disabled = false;
  }
}

function boot() {
  initLang();
  onLangChange(() => render());
  $("print").addEventListener("click", () => window.print());
  $("csv").addEventListener("click", downloadCsv);
  window.addEventListener("hashchange", start);
  start();
}

boot();
