// The presenter screen: what the host puts on it (a ballot, an item's quorum gauge or
// the welcome QR), the join QR and code, the countdown, and counts only as allowed.
import { adoptRoomLang, errorText, initLang, lang, onLangChange, t } from "./i18n.js";
import { Conn, readFragment } from "./net.js";
import { fitBoard, renderBoard } from "./screen-board.js";
import { connectionBanner, noteServerTime, optionLabels, tickCountdowns } from "./ui.js";

const $ = (id) => document.getElementById(id);
const state = {
  room: null, ballots: new Map(), tallies: new Map(), phones: 0, quorum: null, screen: null,
};
const QUORUM_EVERY_MS = 10000; // a backstop: the server pushes item:quorum as attendance moves
const FIRST_QUORUM_MS = 500;
const fragment = readFragment();

/** A tally as new as the one held; a snapshot or a directive's may take counts away. */
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

/** A ballot as a snapshot or a directive lists it: with its tally and result. */
function take(entry) {
  const { tally, ...ballot } = entry;
  upsert(ballot);
  takeTally(tally);
}

function showRoom(room, links) {
  state.room = room;
  adoptRoomLang(room.lang);
  $("room-title").textContent = room.title;
  $("welcome-title").textContent = room.title;
  document.title = `${room.title} · LiveVote`;
  const qr = $("qr");
  qr.src = `/api/rooms/${encodeURIComponent(room.id)}/qr.svg`;
  qr.hidden = false;
  qr.alt = `QR: ${links.join_url}`;
  $("join-url").textContent = links.join_url.replace(/^https?:\/\//, "");
  $("join-code").textContent = `${room.code.slice(0, 3)} ${room.code.slice(3)}`;
  $("join-code").dataset.code = room.code;
}

/** The ballot the screen shows, or null (the welcome view, or nothing yet). */
function shownBallot() {
  const id = state.screen?.view === "welcome" ? null : state.screen?.ballot;
  return id ? state.ballots.get(id) ?? null : null;
}

function render() {
  $("phones").textContent = String(state.phones);
  if (!state.screen) return;
  const view = state.screen.view;
  $("stage").dataset.view = view;
  const ballot = shownBallot();
  const quorum = state.quorum?.ballot === ballot?.id ? state.quorum : null;
  const voters = view === "welcome" ? 0 : renderBoard(ballot, {
    tally: ballot && state.tallies.get(ballot.id), directive: state.screen, quorum, view,
  });
  $("votes").textContent = String(voters);
  if (view === "welcome") return;
  fitBoard($("board"), JSON.stringify([view, lang(), ballot?.id, ballot?.state,
    ballot && optionLabels(ballot), Boolean(ballot?.result), $("counts-note").hidden,
    $("quorum").textContent.length]));
}

/** render() reuses the bar rows, so a tally only moves numbers and widths. */
function onTally(tally) {
  if (typeof tally.phones === "number") state.phones = tally.phones;
  takeTally(tally);
  render();
}

/** The host's directive (or the automatic choice), with the ballot it shows. */
function onShow({ screen, ballot }) {
  if (ballot) take(ballot);
  if (screen.ballot !== state.screen?.ballot) state.quorum = null;
  state.screen = screen;
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
  for (const ballot of snap.ballots) take(ballot);
  state.phones = snap.phones;
  state.screen = snap.screen;
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

/** Meeting items: the gauge moves with attendance, not only with votes. The server
 * pushes it (`item:quorum`); asked now and then too, over this socket (its votes
 * come only when the projector may show them), in case a push was missed. */
async function pollQuorum(conn) {
  const ballot = shownBallot();
  if (ballot?.rule && ballot.state === "open" && conn.ready) {
    try {
      state.quorum = await conn.call("item:quorum",
        { room: fragment.room, key: fragment.key, ballot: ballot.id });
      render();
    } catch {
      // offline for a moment: the banner says so, and the next poll catches up
    }
  }
  // Soon while the item on screen has no gauge yet (just shown, or not connected).
  const known = ballot && state.quorum?.ballot === ballot.id;
  setTimeout(() => pollQuorum(conn), known ? QUORUM_EVERY_MS : FIRST_QUORUM_MS);
}

function boot() {
  initLang();
  onLangChange(render);
  tickCountdowns();
  $("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  });
  window.addEventListener("resize", () => fitBoard($("board"), "", true));
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
  conn.on("screen:show", onShow);
  conn.on("item:quorum", (gauge) => {
    if (gauge.ballot !== shownBallot()?.id) return;
    state.quorum = gauge;
    render();
  });
  pollQuorum(conn);
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
