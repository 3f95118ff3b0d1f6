// The presenter screen: join QR and code, the current question, live bars, the reveal.
import { adoptRoomLang, errorText, initLang, onLangChange, t } from "./i18n.js";
import { Conn, readFragment } from "./net.js";
import { fetchQuorum, showQuorum } from "./screen-quorum.js";
import {
  connectionBanner, noteServerTime, optionLabels, percentOf, stateLabel, tickCountdowns,
  updateBars,
} from "./ui.js";

const $ = (id) => document.getElementById(id);
const state = { room: null, ballots: new Map(), tallies: new Map(), phones: 0, quorum: null };
const QUORUM_EVERY_MS = 2000;
const fragment = readFragment();

function takeTally(tally) {
  if (!tally) return;
  const seen = state.tallies.get(tally.ballot);
  if (seen && tally.seq < seen.seq) return;
  state.tallies.set(tally.ballot, tally);
}

function upsert(ballot, extra = {}) {
  const old = state.ballots.get(ballot.id);
  if (ballot.state === "open" && old && old.state !== "open") noteServerTime(ballot.opened_at);
  state.ballots.set(ballot.id, { ...old, ...ballot, ...extra });
}

/** The open ballot (latest opened), else the latest closed one. */
function currentBallot() {
  const all = [...state.ballots.values()];
  const open = all.filter((b) => b.state === "open").sort((a, b) => b.opened_at - a.opened_at);
  if (open.length) return open[0];
  const closed = all.filter((b) => b.state === "closed").sort((a, b) => b.closed_at - a.closed_at);
  return closed[0] || null;
}

function showRoom(room, links) {
  state.room = room;
  adoptRoomLang(room.lang);
  $("room-title").textContent = room.title;
  document.title = `${room.title} · LiveVote`;
  const qr = $("qr");
  qr.src = `/api/rooms/${encodeURIComponent(room.id)}/qr.svg`;
  qr.hidden = false;
  qr.alt = `QR: ${links.join_url}`;
  $("join-url").textContent = links.join_url.replace(/^https?:\/\//, "");
  $("join-code").textContent = `${room.code.slice(0, 3)} ${room.code.slice(3)}`;
  $("join-code").dataset.code = room.code;
}

/** The manifest hash published when voting opened: phones show the same digits. */
function showManifest(ballot) {
  const hash = ballot?.manifest_sha256 || "";
  $("manifest").hidden = !hash;
  $("manifest").textContent = hash ? `${t("manifest_label")}: ${hash.slice(0, 16)}` : "";
}

function render() {
  $("phones").textContent = String(state.phones);
  const ballot = currentBallot();
  const badge = $("state");
  const bars = $("bars");
  $("countdown").removeAttribute("data-closes-at");
  $("countdown").textContent = "";
  $("fingerprint").hidden = true;
  $("result-title").hidden = true;
  showManifest(ballot);
  showQuorum($("quorum"), ballot, state.quorum?.ballot === ballot?.id ? state.quorum : null);
  if (!ballot) {
    badge.hidden = true;
    $("question").textContent = state.room ? t("no_ballot") : "";
    bars.replaceChildren();
    delete bars.dataset.labels;
    $("votes").textContent = "0";
    return;
  }
  badge.hidden = false;
  badge.textContent = stateLabel(ballot.state);
  badge.dataset.state = ballot.state;
  $("question").textContent = ballot.question;
  const tally = state.tallies.get(ballot.id);
  const labels = optionLabels(ballot);
  const record = ballot.state === "closed" ? ballot.result?.record : null;
  if (record) {
    $("result-title").hidden = false;
    updateBars(bars, labels, record.counts, percentOf(record.counts),
      { testids: true, winners: true });
    $("votes").textContent = String(record.voters);
    $("fingerprint").hidden = false;
    $("fingerprint").textContent = `${t("fingerprint")}: ${ballot.result.sha256.slice(0, 16)}…`;
    return;
  }
  const counts = tally?.counts ?? labels.map(() => 0);
  updateBars(bars, labels, counts, tally?.percent ?? percentOf(counts),
    { testids: true, winners: ballot.state === "closed" });
  $("votes").textContent = String(tally?.voters ?? 0);
  const closesAt = ballot.closes_at || tally?.closes_at || 0;
  if (ballot.state === "open" && closesAt) $("countdown").dataset.closesAt = String(closesAt);
}

/** render() reuses the bar rows, so a tally only moves numbers and widths. */
function onTally(tally) {
  if (typeof tally.phones === "number") state.phones = tally.phones;
  takeTally(tally);
  render();
}

let qrTimer = 0;

/** With the QR gate on, the QR carries a token that rotates: fetch the new one just
 * after it turns (the old one stays valid for a grace period). Without the gate, look
 * again now and then: the host may turn it on. */
async function refreshQr(conn) {
  clearTimeout(qrTimer);
  let delayMs = 30_000;
  try {
    const shown = await conn.call("qr:get", { room: fragment.room, key: fragment.key });
    const url = new URL(shown.svg, location.href);
    const src = url.pathname + url.search; // same origin, whatever base URL the server knows
    const next = new Image();
    next.onload = () => { $("qr").src = src; };
    next.src = src;
    if (shown.rotates_in !== null) delayMs = (shown.rotates_in + 0.5) * 1000;
  } catch {
    delayMs = 5_000;
  }
  qrTimer = setTimeout(() => refreshQr(conn), delayMs);
}

async function watch(conn) {
  const snap = await conn.call("screen:watch", { room: fragment.room, key: fragment.key },
    { early: true });
  $("notice").hidden = true;
  showRoom(snap.room, snap.links);
  for (const ballot of snap.ballots) {
    const { tally, ...rest } = ballot;
    upsert(rest);
    takeTally(tally);
  }
  state.phones = snap.phones;
  render();
  refreshQr(conn);
}

function showNotice(text) {
  $("notice").hidden = false;
  $("notice").textContent = text;
}

function watchFailed(conn, error) {
  showNotice(errorText(error));
  if (error.code === "not_host" || error.code === "room_not_found") return;
  setTimeout(() => {
    if (conn.socket.connected) watch(conn).catch((e) => watchFailed(conn, e));
  }, 2000);
}

/** Meeting items: the gauge moves with attendance, not only with votes, so poll it. */
async function pollQuorum() {
  const ballot = currentBallot();
  if (ballot?.rule && ballot.state === "open" && fragment.key) {
    try {
      state.quorum = await fetchQuorum(fragment.room, fragment.key, ballot.id);
      render();
    } catch {
      // offline for a moment: the banner says so, and the next poll catches up
    }
  }
  setTimeout(pollQuorum, QUORUM_EVERY_MS);
}

function boot() {
  initLang();
  onLangChange(render);
  tickCountdowns();
  $("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  });
  if (!fragment.room || !fragment.key) {
    showNotice(t("need_key"));
    onLangChange(() => showNotice(t("need_key")));
    return;
  }
  const conn = new Conn("/screen", {
    onConnect: watch,
    onStatus: connectionBanner($("conn")),
    onError: (error) => watchFailed(conn, error),
  });
  conn.on("tally", onTally);
  pollQuorum();
  conn.on("room:presence", ({ phones }) => {
    state.phones = phones;
    $("phones").textContent = String(phones);
  });
  conn.on("ballot:update", (ballot) => {
    upsert(ballot);
    render();
  });
  conn.on("ballot:closed", ({ ballot, result }) => {
    upsert(ballot, { result });
    render();
  });
}

boot();
