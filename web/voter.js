// The phone page: join by code, pass the room's checks, vote, see "counted" with a
// receipt, and keep all of it across reloads and reconnects.
import { adoptRoomLang, errorText, initLang, onLangChange, t } from "./i18n.js";
import { load, save } from "./keep.js";
import { Conn } from "./net.js";
import { cardOf, connectionBanner, keepingFocus, noteServerTime, tickCountdowns } from "./ui.js";
import { AdmissionDesk } from "./voter-admission.js";
import { ballotCard, fillResults } from "./voter-ballot.js";
import { boardList } from "./voter-kinds.js";
import { votingActions } from "./voter-cast.js";
import { showMeetingDoor } from "./voter-meeting.js";

const DEVICE = "lv.device";

const $ = (id) => document.getElementById(id);
const state = {
  code: "",
  roomId: "",
  qr: new URLSearchParams(location.search).get("t") || "", // a scanned rotating QR token
  ballots: new Map(),
  tallies: new Map(),
  pending: new Map(), // ballot -> {choices, key, phase: sending | retrying | failed}
  changing: new Set(),
  errors: new Map(),
  selections: new Map(),
  confirming: new Map(), // ballot -> choices waiting for "Cast vote"
  asked: new Map(), // Q&A board -> Map of this phone's questions -> their state when asked
  upvoted: new Map(), // Q&A board -> Set of the questions this phone upvoted
};
let conn = null;
const desk = new AdmissionDesk({
  conn: () => conn,
  container: $("gates"),
  // A private room shows its questions only once the checks are passed.
  onLockChange: () => (desk.locked ? renderAll() : refreshList()),
});

function announce(text) {
  $("announce").textContent = "";
  setTimeout(() => { $("announce").textContent = text; }, 50);
}

// joining ---------------------------------------------------------------------

function showJoin(error = null) {
  $("join-view").hidden = false;
  $("room-view").hidden = true;
  $("room-title").textContent = t("app_name");
  $("join-button").disabled = false;
  $("join-button").textContent = t("join_button");
  $("join-error").textContent = error ? errorText(error) : "";
  $("code").setAttribute("aria-invalid", error ? "true" : "false");
  $("code").focus();
}

function onJoinSubmit(event) {
  event.preventDefault();
  const code = $("code").value.replace(/\D/g, "");
  if (code.length !== 6) {
    $("join-error").textContent = t("code_invalid");
    $("code").setAttribute("aria-invalid", "true");
    $("code").focus();
    return;
  }
  startRoom(code);
}

function startRoom(code) {
  Object.assign(state, { code, roomId: "" });
  $("code").value = code;
  $("join-button").disabled = true;
  $("join-button").textContent = t("joining");
  if (!conn) {
    conn = new Conn("/voter", {
      onConnect: join, onStatus: connectionBanner($("conn")), onError: joinFailed,
    });
    listen(conn);
  } else if (conn.socket.connected) {
    join(conn).catch(joinFailed);
  }
}

async function join(c) {
  if (!state.code) return;
  const payload = state.roomId ? { room: state.roomId } : { code: state.code };
  const device = load(DEVICE);
  const kept = desk.kept(state.code);
  if (device) payload.device = device;
  if (kept) payload.pass = kept;
  if (state.qr) payload.qr = state.qr;
  const data = await c.call("room:join", payload, { early: true });
  save(DEVICE, data.device);
  Object.assign(state, { roomId: data.room.id, code: data.room.code, qr: "" });
  // A general meeting: members vote through their personal link, not here.
  state.meeting = data.room.kind === "meeting";
  desk.take(data.room.code, data);
  adoptRoomLang(data.room.lang);
  state.ballots = new Map(data.ballots.map((b) => [b.id, b]));
  // A clean address: a reload re-joins by code, and the used QR token is gone.
  if (location.pathname + location.search !== `/j/${data.room.code}`) {
    history.replaceState(null, "", `/j/${data.room.code}`);
  }
  if (state.meeting) {
    showMeetingDoor(data.room);
    return;
  }
  $("join-view").hidden = true;
  $("room-view").hidden = false;
  $("room-title").textContent = data.room.title;
  document.title = `${data.room.title} · LiveVote`;
  renderAll();
  for (const b of data.ballots) if (b.state === "open") refreshTally(b.id, true);
}

function joinFailed(error) {
  if (error.code === "room_not_found" || error.code === "bad_payload") {
    Object.assign(state, { code: "", roomId: "" });
    showJoin(error);
    return;
  }
  if (error.code.startsWith("qr_") && state.qr) {
    // An old photo of the QR: join anyway and ask for a fresh scan.
    state.qr = "";
    desk.refuseQr(error);
  } else if (!state.roomId) {
    $("join-error").textContent = errorText(error);
  }
  setTimeout(() => {
    if (conn.socket.connected) join(conn).catch(joinFailed);
  }, desk.errors.has("qr") ? 0 : 2000);
}

// pushes ----------------------------------------------------------------------

function listen(c) {
  // The host changed a check: the pass ended; pass the checks again.
  c.on("gates:changed", () => desk.readmit());
  c.on("ballot:update", (ballot) => {
    if (ballot.room !== state.roomId) return;
    const old = state.ballots.get(ballot.id);
    const merged = { ...ballot, my_vote: old?.my_vote ?? null, result: old?.result ?? null };
    if (old && old.resets !== ballot.resets) {
      merged.my_vote = null;
      for (const map of [state.tallies, state.pending, state.errors, state.selections,
        state.confirming]) {
        map.delete(ballot.id);
      }
      state.changing.delete(ballot.id);
    }
    if (ballot.state === "open" && old?.state !== "open") noteServerTime(ballot.opened_at);
    state.ballots.set(ballot.id, merged);
    renderAll();
  });
  c.on("ballot:closed", ({ ballot, result }) => {
    if (ballot.room !== state.roomId) return;
    const old = state.ballots.get(ballot.id);
    state.ballots.set(ballot.id, { ...ballot, my_vote: old?.my_vote ?? null, result });
    state.changing.delete(ballot.id);
    renderAll();
    announce(`${ballot.question}: ${t("voting_ended")}`);
  });
  c.on("tally", takeTally);
}

function takeTally(tally) {
  const seen = state.tallies.get(tally?.ballot);
  if (!tally || !state.ballots.has(tally.ballot) || (seen && tally.seq < seen.seq)) return;
  state.tallies.set(tally.ballot, tally);
  const card = cardOf(tally.ballot);
  const ballot = state.ballots.get(tally.ballot);
  const board = card?.querySelector("[data-board]");
  // A Q&A board's questions (with their upvote buttons) are part of its body.
  if (board) keepingFocus(() => board.replaceChildren(boardList(ballot, ctxFor(ballot))));
  else if (card) fillResults(card, ballot, tally);
}

async function refreshTally(ballotId, early = false) {
  try {
    takeTally(await conn.call("tally:get", { ballot: ballotId }, { early }));
  } catch {
    // bars are a bonus; the next push brings them
  }
}

async function refreshList() {
  try {
    const ballots = await conn.call("ballot:list", {});
    state.ballots = new Map(ballots.map((b) => [b.id, b]));
    renderAll();
    for (const b of ballots) if (b.state === "open") refreshTally(b.id);
  } catch {
    // keep what we show; a reconnect re-joins and refreshes
  }
}

// rendering -------------------------------------------------------------------

const actions = votingActions(state, {
  conn: () => conn,
  renderCard,
  focus: (id, selector) => cardOf(id)?.querySelector(selector)?.focus(),
  announce,
  refreshList,
  refreshTally,
  pass: () => desk.pass,
  readmit: () => desk.readmit(),
});

function visibleBallots() {
  const all = [...state.ballots.values()];
  const open = all.filter((b) => b.state === "open").sort((a, b) => b.opened_at - a.opened_at);
  const closed = all.filter((b) => b.state === "closed").sort((a, b) => b.closed_at - a.closed_at);
  return closed.length ? [...open, closed[0]] : open;
}

function cardFor(ballot) {
  return ballotCard(ballot, ctxFor(ballot));
}

function ctxFor(ballot) {
  if (!state.selections.has(ballot.id)) state.selections.set(ballot.id, new Set());
  return {
    tally: state.tallies.get(ballot.id),
    pending: state.pending.get(ballot.id),
    changing: state.changing.has(ballot.id),
    error: state.errors.get(ballot.id),
    selection: state.selections.get(ballot.id),
    checking: ballot.state === "open" ? state.confirming.get(ballot.id) : undefined,
    asked: state.asked.get(ballot.id),
    upvoted: state.upvoted.get(ballot.id),
    locked: desk.locked,
    actions,
  };
}

function renderAll() {
  if (!state.roomId || state.meeting) return;
  desk.render();
  const shown = visibleBallots();
  keepingFocus(() => $("ballots").replaceChildren(...shown.map(cardFor)));
  // Locked (a private room before its checks): the checks card says what to do.
  $("waiting").hidden = desk.locked || shown.some((b) => b.state === "open");
  $("trust-secret").hidden = !shown.some((b) => b.secret);
  $("trust-named").hidden = shown.length > 0 && shown.every((b) => b.secret);
}

function renderCard(ballotId) {
  const old = cardOf(ballotId);
  const ballot = state.ballots.get(ballotId);
  if (!old || !ballot) return renderAll();
  return keepingFocus(() => old.replaceWith(cardFor(ballot)));
}

function boot() {
  initLang();
  onLangChange(() => (state.roomId ? renderAll() : null));
  tickCountdowns();
  $("join-form").addEventListener("submit", onJoinSubmit);
  $("code").addEventListener("input", () => {
    $("code").value = $("code").value.replace(/\D/g, "").slice(0, 6);
  });
  const match = location.pathname.match(/^\/j\/([^/]+)\/?$/);
  const code = match ? decodeURIComponent(match[1]).replace(/\D/g, "") : "";
  if (code.length === 6) {
    startRoom(code);
  } else {
    showJoin();
    $("code").value = code;
  }
}

boot();
