// The public progress of a consent drive (/drive-progress#drive=ID), when its
// organisers publish it: the proposal, how far it is from its threshold and what
// is still missing, the deadline, and the published manifest's hash. Read again
// every few seconds; owners' names are never part of it.
import { initLang, onLangChange, setLang, t } from "./i18n.js";
import { load } from "./keep.js";
import { api } from "./net.js";
import { progressView } from "./drive-bars.js";
import { driveErrorText, fragmentParams, localTime, proposalText } from "./drive-common.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 3000;
let last = null; // the last answer, or the refusal
let shown = "";

function show(view) {
  for (const id of ["loading", "notice", "view"]) $(id).hidden = id !== view;
}

function render() {
  if (!last) return;
  if (last.error) {
    $("notice-title").textContent = t(last.error.code === "not_public" ? "dp_not_public_title" : "dp_title");
    $("notice-text").textContent = driveErrorText(last.error);
    show("notice");
    return;
  }
  const data = last.data;
  $("drive-title").removeAttribute("data-i18n");
  $("drive-title").textContent = data.title;
  document.title = `${data.title} · ${t("dp_title")} · LiveVote`;
  $("view-title").textContent = proposalText(data.proposal);
  $("deadline").textContent = t("dr_deadline_line", { at: localTime(data.deadline) });
  $("manifest").textContent = data.manifest_sha256;
  $("at").textContent = t("dp_at", { at: localTime(data.at) });
  const signature = JSON.stringify([data.progress, document.documentElement.lang]);
  if (signature !== shown) {
    shown = signature;
    $("progress-view").replaceChildren(progressView(data.progress));
  }
  show("view");
}

async function poll(drive) {
  try {
    last = { data: await api("GET", `/api/drives/${encodeURIComponent(drive)}/progress`) };
  } catch (error) {
    if (!last?.data || error.code === "not_public") last = { error };
  }
  render();
}

function boot() {
  initLang();
  if (!load("lv.lang")) setLang("ko");
  onLangChange(() => {
    shown = "";
    render();
  });
  const drive = fragmentParams().get("drive") || "";
  if (!drive) {
    last = { error: { code: "", message: t("dp_no_drive") } };
    render();
    return;
  }
  poll(drive);
  setInterval(() => { if (!document.hidden) poll(drive); }, POLL_MS);
}

boot();
