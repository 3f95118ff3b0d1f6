// The organiser's consent-drive dashboard (전자동의 관리): /drive creates a drive and
// shows its key once; /drive#room=ID&key=KEY imports the owners, sets the form and
// the threshold, opens the drive, follows its progress every few seconds, sends
// the personal links and lists the owners. The key stays in the fragment and goes
// out only as this page's Authorization header.
import { adoptRoomLang, applyStatic, errorText, initLang, onLangChange, t } from "./i18n.js";
import { api, LiveError } from "./net.js";
import { progressView } from "./drive-bars.js";
import { Setup } from "./drive-setup.js";
import { Owners } from "./drive-owners.js";
import { fragmentParams, localTime } from "./drive-common.js";
import { copyText, saveBlob } from "./ui.js";
import { busy, confirmDialog, createRoom } from "./console-kit.js";

const $ = (id) => document.getElementById(id);
const PROGRESS_MS = 2500;
const OWNERS_MS = 15_000;

/** What the sections share: the drive, its settings, and calls with the key. */
const ctx = {
  room: "", key: "", created: "", settings: null,
  status(text) { $("status").textContent = text; },
  call(method, path, body = null, type = "") {
    return api(method, `/api/rooms/${encodeURIComponent(ctx.room)}${path}`, body, ctx.key, type);
  },
  confirm: confirmDialog,
  /** One organiser action: its button busy, its refusal shown next to it. */
  act: (button, errorEl, work) => busy(button, errorEl, work, ctx.status),
  refresh: () => refresh(),
};

const setup = new Setup(ctx);
const owners = new Owners(ctx);
let shownProgress = "";

function showProgress(settings) {
  const { progress } = settings;
  const open = settings.state === "open";
  $("drive-state").dataset.state = open ? "open" : "draft";
  $("drive-state").textContent = t(open ? "dr_state_open" : "dr_state_draft");
  $("drive-deadline").textContent = settings.deadline
    ? t("dr_deadline_line", { at: localTime(settings.deadline) }) : "";
  $("progress-empty").hidden = Boolean(progress);
  const signature = JSON.stringify([progress, document.documentElement.lang]);
  if (signature !== shownProgress) {
    shownProgress = signature;
    $("progress-view").replaceChildren(...(progress ? [progressView(progress)] : []));
    $("progress-counts").textContent = progress ? t("dr_counts", {
      acts: progress.acts, consenting: progress.consenting, withdrawn: progress.withdrawn,
      unstamped: progress.unstamped, owners: progress.owners,
    }) : "";
  }
  const published = open && settings.public_progress;
  $("public-link").hidden = !published;
  if (published) {
    $("public-url").value = settings.links.public;
    $("public-open").href = settings.links.public;
  }
}

let refreshing = false;

async function refresh() {
  if (!ctx.room || refreshing) return;
  refreshing = true;
  try {
    const settings = await ctx.call("GET", "/drive");
    ctx.settings = settings;
    showProgress(settings);
    setup.render(settings);
    $("prepare").style.order = settings.state === "open" ? "10" : "";
  } catch (error) {
    ctx.status(errorText(error, { detail: true }));
  } finally {
    refreshing = false;
  }
}

/** An export or the evidence bundle, fetched with the key and saved as its file. */
async function download(button) {
  const path = button.dataset.download;
  await ctx.act(button, $("records-error"), async () => {
    let response;
    try {
      response = await fetch(`/api/rooms/${encodeURIComponent(ctx.room)}${path}`,
        { headers: { authorization: `Bearer ${ctx.key}` } });
    } catch {
      throw new LiveError("network", "the server cannot be reached");
    }
    if (!response.ok) {
      const envelope = await response.json().catch(() => null);
      throw LiveError.from(envelope?.error ?? { message: `HTTP ${response.status}` });
    }
    const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
    saveBlob(await response.blob(), named?.[1] || path.split("/").pop());
  });
}

async function createDrive(event) {
  ctx.created = await createRoom(event, "drive");
}

async function start() {
  const fragment = fragmentParams();
  const room = fragment.get("room") || "";
  const key = fragment.get("key") || "";
  $("create-view").hidden = Boolean(room && key);
  $("console").hidden = !(room && key);
  if (!room || !key) return;
  Object.assign(ctx, { room, key });
  $("verify-bundle").href = `/verify#${new URLSearchParams({ room, key })}`;
  $("key-notice").hidden = ctx.created !== key;
  $("key-value").textContent = ctx.created === key ? key : "";
  ctx.status(t("loading"));
  try {
    const info = await ctx.call("GET", "");
    adoptRoomLang(info.room.lang);
    $("room-title").textContent = info.room.title;
    document.title = `${info.room.title} · ${t("dr_title")} · LiveVote`;
    ctx.status("");
  } catch (error) {
    ctx.status(errorText(error, { detail: true }));
    return;
  }
  await refresh();
  await owners.refresh();
}

function boot() {
  initLang();
  applyStatic();
  onLangChange(() => {
    shownProgress = "";
    setup.relabel();
    refresh();
    owners.render();
  });
  $("create-form").addEventListener("submit", createDrive);
  $("key-saved").addEventListener("click", () => {
    $("key-notice").hidden = true;
    ctx.created = "";
  });
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button));
  }
  $("public-copy").addEventListener("click", () => copyText($("public-url").value, $("public-url")));
  window.addEventListener("hashchange", start);
  setInterval(() => { if (!document.hidden) refresh(); }, PROGRESS_MS);
  setInterval(() => { if (!document.hidden && ctx.room) owners.refresh(); }, OWNERS_MS);
  start();
}

boot();
