// The verify page: load a signed result bundle or a consent drive's bundle (from
// this server, an address or a file), check all of it here in the browser as
// live/verify.py does, and let a voter find their own ballot. Nothing the server
// says is taken on trust.
import { initLang, onLangChange, t } from "./i18n.js";
import { h, optionLabels, percentOf, updateBars } from "./ui.js";
import { GROUPS, verifyBundle } from "./verify-checks.js";
import { DRIVE_GROUPS, isDrive, verifyDrive } from "./verify-drive.js";
import { driveOkText, renderDrive } from "./verify-drive-view.js";
import { findView, keptBallot } from "./verify-find.js";
import { parseJSON } from "./verify-json.js";
import { englishText, problemText } from "./verify-problems.js";

const $ = (id) => document.getElementById(id);
const HEAD = /^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$/;
// want: the {room, ballot} (or a drive's {room, key}) the address asked for, when the
// loaded bundle was fetched for it.
const state = { doc: null, source: "", want: null, result: null, runs: 0, typed: false };

function wanted() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const room = params.get("room") || "";
  const ballot = params.get("ballot") || "";
  const key = params.get("key") || ""; // a drive's bundle is the organiser's only
  if (room && ballot) return { room, ballot };
  return room && key ? { room, key } : null;
}

const bundleUrl = ({ room, ballot }) => `/api/rooms/${encodeURIComponent(room)}`
  + (ballot ? `/ballots/${encodeURIComponent(ballot)}/bundle` : "/drive/bundle");

function loadError(text) {
  $("load-error").textContent = text;
}

async function fetchBundle(url, want = null) {
  loadError("");
  $("fetch-button").disabled = true;
  $("fetch-button").textContent = t("verify_loading");
  try {
    const headers = { accept: "application/json" };
    if (want?.key) headers.authorization = `Bearer ${want.key}`;
    const response = await fetch(url, { headers });
    const text = await response.text();
    if (!response.ok) {
      let detail = `HTTP ${response.status}`;
      try {
        detail = JSON.parse(text).error?.message || detail;
      } catch {
        // not our envelope: the status says enough
      }
      throw new Error(detail);
    }
    take(text, new URL(url, location.href).href, want);
  } catch (error) {
    loadError(t("verify_fetch_failed", { detail: error.message }));
  } finally {
    $("fetch-button").disabled = false;
    $("fetch-button").textContent = t("verify_fetch");
  }
}

function take(text, source, want = null) {
  let doc;
  try {
    doc = parseJSON(text);
  } catch (error) {
    loadError(t("verify_not_json", { detail: error.message }));
    return;
  }
  Object.assign(state, { doc, source, want, typed: false });
  $("tracker-input").value = "";
  $("find-result").replaceChildren();
  check();
}

/** The witnesses' heads typed in, and the numbers of lines that are not height:hash. */
function witnessHeads() {
  const heads = [];
  const bad = [];
  $("witnesses").value.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const m = HEAD.exec(line);
    if (m) heads.push([Number(m[1]), m[2].toLowerCase()]);
    else bad.push(i + 1);
  });
  return { heads, bad };
}

async function check() {
  if (!state.doc) return;
  const run = (state.runs += 1);
  if (!globalThis.crypto?.subtle) {
    loadError(t("verify_https"));
    return;
  }
  const { heads, bad } = witnessHeads();
  $("witness-error").textContent = bad.length ? t("witness_bad", { lines: bad.join(", ") }) : "";
  $("verdict-card").hidden = false;
  $("verdict").dataset.state = "checking";
  $("verdict").textContent = t("verify_checking");
  const key = $("public-key").value.trim() || null;
  const drive = isDrive(state.doc);
  const result = await (drive ? verifyDrive : verifyBundle)(state.doc, { key, witnesses: heads });
  if (run !== state.runs) return; // a newer bundle or input took over
  const wrong = wrongTarget(state.doc?.bundle, state.want);
  if (wrong) result.problems.unshift(wrong);
  result.drive = drive;
  result.witnesses = heads.length;
  state.result = result;
  render();
  $("verdict").focus();
  autoFind();
}

/** A genuine bundle, but not the one the address asked for. */
function wrongTarget(bundle, want) {
  if (!want) return null;
  if (want.key) {
    const drive = bundle?.manifest?.drive;
    return drive === want.room ? null : { group: "manifest", key: "wrong_drive",
      vars: { got: String(drive), want: want.room } };
  }
  const record = bundle?.record;
  if (!record || (record.ballot === want.ballot && record.room === want.room)) return null;
  return { group: "record", key: "wrong_ballot",
    vars: { got: String(record.ballot), want: want.ballot } };
}

function verdict(result) {
  const { problems, signatureChecked } = result;
  if (!problems.length && signatureChecked) return "ok";
  return problems.every((p) => p.key === "sig_unsupported") ? "partial" : "fail";
}

function checklistItem(group, result) {
  const mine = result.problems.filter((p) => p.group === group);
  let status = mine.length ? "fail" : "ok";
  let note = mine.length ? t("check_failed", { n: mine.length }) : t("check_ok");
  const unchecked = !result.signatureChecked && mine.every((p) => p.key === "sig_unsupported");
  if (result.problems.some((p) => p.key === "unreadable")) {
    [status, note] = ["skip", t("check_skipped")];
  } else if ((group === "signature" || group === "acts") && unchecked) {
    [status, note] = ["skip", t("check_skipped")];
  } else if (group === "witness" && !result.witnesses) {
    [status, note] = ["skip", t("check_none")];
  }
  const mark = { ok: "✓", fail: "✗", skip: "–" }[status];
  return h("li", { class: `check check-${status}`, "data-group": group, "data-status": status,
    "data-testid": `check-${group}` },
  h("span", { class: "check-icon", "aria-hidden": "true" }, mark),
  h("span", { class: "check-name" }, t(result.drive ? `vd_check_${group}` : `check_${group}`)),
  h("span", { class: "check-note" }, note));
}

function problemItem(problem) {
  const local = problemText(problem);
  const english = englishText(problem);
  return h("li", { class: "problem", "data-group": problem.group, "data-testid": "problem" },
    h("span", { class: "problem-text" }, local),
    local === english ? null : h("code", { class: "problem-cli", lang: "en" },
      `${problem.key === "unreadable" ? "UNREADABLE" : "FAIL"} ${english}`));
}

function render() {
  const { result, doc } = state;
  if (!result) return;
  const outcome = verdict(result);
  const bundle = doc?.bundle ?? {};
  const title = $("verdict");
  title.dataset.state = outcome;
  const mark = { ok: "✓", partial: "⚠", fail: "✗" }[outcome];
  title.textContent = `${mark} ${t(`verify_${outcome}`)}`;
  let text = t(`${result.drive ? "vd" : "verify"}_${outcome}_text`, { n: result.problems.length });
  if (outcome === "ok") {
    text = result.drive ? driveOkText(doc, result) : t("verify_ok_text", {
      question: bundle.record?.question ?? "", ballots: bundle.ballots?.length ?? 0,
      chain: bundle.chain?.length ?? 0, key: doc.public_key });
  }
  $("verdict-text").textContent = text;
  $("verdict-source").textContent = t("verify_source", { source: state.source });
  const groups = result.drive ? DRIVE_GROUPS : GROUPS;
  $("checklist").replaceChildren(...groups.map((g) => checklistItem(g, result)));
  $("problems").replaceChildren(...result.problems.map(problemItem));
  $("problems-box").hidden = !result.problems.length;
  $("find-card").hidden = !Array.isArray(bundle.ballots);
  renderDrive(doc, result.drive ? result : null, outcome === "ok");
  if (result.drive) $("facts-card").hidden = true;
  else renderFacts(doc, bundle);
}

function outcomeText(record, outcome, labels) {
  const m = record.meeting;
  if (m) {
    return `${t(`item_${m.outcome}`)} · ${t("meeting_inputs",
      { n: m.n, d: m.d, di: m.d_in_person, a: m.a })}`;
  }
  const names = (outcome?.winners ?? []).map((i) => labels[i] ?? `#${i + 1}`).join(", ");
  if (!names) return t("result_none");
  return t(outcome.tie ? "result_tie" : "result_winner", { list: names });
}

function renderFacts(doc, bundle) {
  const record = bundle.record;
  const card = $("facts-card");
  try {
    const labels = optionLabels(record);
    $("fact-question").textContent = record.question;
    const counts = record.counts.map(Number);
    updateBars($("fact-bars"), labels, counts, percentOf(counts), { winners: true });
    $("fact-outcome").textContent = outcomeText(record, bundle.outcome, labels);
    const head = bundle.chain.at(-1)?.hash ?? "";
    const facts = [
      ["fact_ballots", String(bundle.ballots.length)],
      ["fact_chain", String(bundle.chain.length)],
      ["fact_closed", record.closed_at ? new Date(Number(record.closed_at)).toLocaleString() : ""],
      ["fact_head", head ? `${bundle.chain.length - 1}:${head}` : ""],
      ["fact_manifest", bundle.manifest_sha256], ["fact_record", bundle.record_sha256],
      ["fact_key", doc.public_key],
    ];
    $("fact-list").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, t(k)),
      h("dd", { "data-testid": k.replace("_", "-") }, h("code", {}, String(v ?? "")))]));
    card.hidden = false;
  } catch {
    card.hidden = true; // a malformed bundle: the problems above say where
  }
}

async function find(typed) {
  const { doc, result } = state;
  if (!doc?.bundle || !result) return;
  const record = doc.bundle.record ?? {};
  let labels = [];
  try {
    labels = optionLabels(record);
  } catch {
    // a malformed record: choices are shown as numbers
  }
  const view = await findView(doc.bundle, typed, {
    labels, verified: verdict(result) === "ok", kept: keptBallot(String(record.ballot)),
  });
  $("find-result").replaceChildren(view);
}

/** A voter who came from their phone: their kept tracker is looked up at once. */
function autoFind() {
  if (state.result?.drive) return;
  const kept = keptBallot(String(state.doc?.bundle?.record?.ballot));
  if (!state.typed && kept?.tracker && !$("tracker-input").value) {
    $("tracker-input").value = kept.tracker;
  }
  if ($("tracker-input").value.trim()) find($("tracker-input").value);
}

async function prefillKey() {
  try {
    const response = await fetch("/api/keys", { headers: { accept: "application/json" } });
    const key = (await response.json()).data?.ed25519;
    if (key && !$("public-key").value) $("public-key").value = key;
  } catch {
    // no key from here: the auditor types the published one
  }
}

async function boot() {
  initLang();
  onLangChange(() => {
    render();
    if ($("find-result").childElementCount) find($("tracker-input").value);
  });
  $("fetch-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const url = $("bundle-url").value.trim();
    const asked = wanted();
    if (url) fetchBundle(url, asked && url === bundleUrl(asked) ? asked : null);
  });
  $("bundle-file").addEventListener("change", async () => {
    const file = $("bundle-file").files[0];
    if (file) take(await file.text(), file.name);
  });
  $("inputs-form").addEventListener("submit", (event) => {
    event.preventDefault();
    check();
  });
  $("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.typed = true;
    find($("tracker-input").value);
  });
  const asked = wanted();
  await prefillKey();
  if (asked) {
    $("bundle-url").value = bundleUrl(asked);
    fetchBundle(bundleUrl(asked), asked);
  }
}

boot();
