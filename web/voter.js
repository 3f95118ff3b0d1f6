// The phone page: join by code, vote, see "counted" with a receipt, survive reloads.
import { adoptRoomLang, errorText, initLang, onLangChange, t } from "./i18n.js";
import { Conn, newClientKey, sleep } from "./net.js";
import { connectionBanner, noteServerTime, tickCountdowns } from "./ui.js";
import { ballotCard, fillResults } from "./voter-ballot.js";

const DEVICE = "lv.device";
const MAX_TRIES = 5;
// Worth another try with the same client key: the vote may or may not have landed.
const RETRYABLE = new Set(["timeout", "offline", "not_joined", "internal"]);

const $ = (id) => document.getElementById(id);
const state = {
  code: "",
  roomId: "",
  ballots: new Map(),
  tallies: new Map(),
  pending: new Map(), // ballot -> {choices, key, phase: sending | retrying | failed}
  changing: new Set(),
  errors: new Map(),
  selections: new Map(),
};
let conn = null;

function loadDevice() {
  try {
    return localStorage.getItem(DEVICE) || "";
  } catch {
    return "";
  }
}

function saveDevice(device) {
  try {
    localStorage.setItem(DEVICE, device);
  } catch {
    // without storage this tab is still one voter until it reloads
  }
}

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

function showRoom(room) {
  $("join-view").hidden = true;
  $("room-view").hidden = false;
  $("room-title").textContent = room.title;
  document.title = `${room.title} · LiveVote`;
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
  state.code = code;
  state.roomId = "";
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
  if (!state.code && !state.roomId) return;
  const payload = state.roomId ? { room: state.roomId } : { code: state.code };
  const device = loadDevice();
  if (device) payload.device = device;
  const data = await c.call("room:join", payload, { early: true });
  saveDevice(data.device);
  state.roomId = data.room.id;
  state.code = data.room.code;
  adoptRoomLang(data.room.lang);
  state.ballots = new Map(data.ballots.map((b) => [b.id, b]));
  if (location.pathname !== `/j/${data.room.code}`) {
    history.replaceState(null, "", `/j/${data.room.code}`);
  }
  showRoom(data.room);
  renderAll();
  for (const b of data.ballots) if (b.state === "open") refreshTally(b.id, true);
}

function joinFailed(error) {
  if (error.code === "room_not_found" || error.code === "bad_payload") {
    state.code = "";
    state.roomId = "";
    showJoin(error);
    return;
  }
  // A slow or failing server: try the same join again shortly.
  if (!state.roomId) $("join-error").textContent = errorText(error);
  setTimeout(() => {
    if (conn.socket.connected) join(conn).catch(joinFailed);
  }, 2000);
}

// pushes ----------------------------------------------------------------------

function listen(c) {
  c.on("ballot:update", (ballot) => {
    if (ballot.room !== state.roomId) return;
    const old = state.ballots.get(ballot.id);
    const merged = { ...ballot, my_vote: old?.my_vote ?? null, result: old?.result ?? null };
    if (old && old.resets !== ballot.resets) {
      merged.my_vote = null;
      for (const map of [state.tallies, state.pending, state.errors, state.selections]) {
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
  c.on("tally", (tally) => {
    const seen = state.tallies.get(tally.ballot);
    if (!state.ballots.has(tally.ballot) || (seen && tally.seq < seen.seq)) return;
    state.tallies.set(tally.ballot, tally);
    const card = document.querySelector(`[data-ballot="${tally.ballot}"]`);
    if (card) fillResults(card, state.ballots.get(tally.ballot), tally);
  });
}

async function refreshTally(ballotId, early = false) {
  try {
    const tally = await conn.call("tally:get", { ballot: ballotId }, { early });
    const seen = state.tallies.get(ballotId);
    if (tally && !(seen && tally.seq < seen.seq)) {
      state.tallies.set(ballotId, tally);
      const card = document.querySelector(`[data-ballot="${ballotId}"]`);
      if (card) fillResults(card, state.ballots.get(ballotId), tally);
    }
  } catch {
    // bars are a bonus; the next push brings them
  }
}

async function refreshList() {
  try {
    const ballots = await conn.call("ballot:list", {});
    state.ballots = new Map(ballots.map((b) => [b.id, b]));
    renderAll();
  } catch {
    // keep what we show; a reconnect re-joins and refreshes
  }
}

// voting ----------------------------------------------------------------------

function sameChoices(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function cast(ballotId, choices) {
  let pending = state.pending.get(ballotId);
  // One intended vote keeps one client key through every retry.
  if (!pending || !sameChoices(pending.choices, choices)) {
    pending = { choices, key: newClientKey(), phase: "sending" };
  }
  pending.phase = "sending";
  state.pending.set(ballotId, pending);
  state.errors.delete(ballotId);
  renderCard(ballotId);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    try {
      const ack = await conn.call("vote:cast",
        { ballot: ballotId, choices: pending.choices, client_key: pending.key });
      counted(ballotId, ack);
      return;
    } catch (error) {
      if (state.pending.get(ballotId) !== pending) return;
      if (!RETRYABLE.has(error.code)) {
        refused(ballotId, error);
        return;
      }
      pending.phase = "retrying";
      renderCard(ballotId);
      await sleep(500 * attempt);
    }
  }
  pending.phase = "failed";
  renderCard(ballotId);
}

function counted(ballotId, ack) {
  const ballot = state.ballots.get(ballotId);
  if (!ballot) return;
  ballot.my_vote = { choices: ack.choices, receipt: ack.receipt };
  state.pending.delete(ballotId);
  state.changing.delete(ballotId);
  state.selections.delete(ballotId);
  renderCard(ballotId);
  document.querySelector(`[data-ballot="${ballotId}"] [data-testid="confirmation"]`)?.focus();
  announce(t("counted_announce", { receipt: ack.receipt }));
  refreshTally(ballotId);
}

function refused(ballotId, error) {
  state.pending.delete(ballotId);
  state.errors.set(ballotId, error);
  renderCard(ballotId);
  // The server knows better than this page: show its view of my vote and the state.
  if (["already_voted", "ballot_closed", "ballot_not_open"].includes(error.code)) {
    refreshList();
  }
}

const actions = {
  cast,
  retry: (id) => cast(id, state.pending.get(id)?.choices ?? []),
  change: (id) => {
    state.changing.add(id);
    state.selections.set(id, new Set());
    state.errors.delete(id);
    renderCard(id);
    document.querySelector(`[data-ballot="${id}"] .choice`)?.focus();
  },
  keep: (id) => {
    state.changing.delete(id);
    renderCard(id);
  },
};

// rendering -------------------------------------------------------------------

function visibleBallots() {
  const all = [...state.ballots.values()];
  const open = all.filter((b) => b.state === "open").sort((a, b) => b.opened_at - a.opened_at);
  const closed = all.filter((b) => b.state === "closed").sort((a, b) => b.closed_at - a.closed_at);
  return closed.length ? [...open, closed[0]] : open;
}

function cardFor(ballot) {
  if (!state.selections.has(ballot.id)) state.selections.set(ballot.id, new Set());
  return ballotCard(ballot, {
    tally: state.tallies.get(ballot.id),
    pending: state.pending.get(ballot.id),
    changing: state.changing.has(ballot.id),
    error: state.errors.get(ballot.id),
    selection: state.selections.get(ballot.id),
    actions,
  });
}

/** Replace nodes without losing the keyboard focus of the button under the finger. */
function keepingFocus(replace) {
  const active = document.activeElement;
  const key = active?.dataset?.key;
  const ballot = active?.closest?.("[data-ballot]")?.dataset.ballot;
  replace();
  if (key && ballot) {
    document.querySelector(`[data-ballot="${ballot}"] [data-key="${key}"]`)?.focus();
  }
}

function renderAll() {
  if (!state.roomId) return;
  const shown = visibleBallots();
  keepingFocus(() => $("ballots").replaceChildren(...shown.map(cardFor)));
  $("waiting").hidden = shown.some((b) => b.state === "open");
}

function renderCard(ballotId) {
  const old = document.querySelector(`[data-ballot="${ballotId}"]`);
  const ballot = state.ballots.get(ballotId);
  if (!old || !ballot) return renderAll();
  return keepingFocus(() => old.replaceWith(cardFor(ballot)));
}

function pathCode() {
  const match = location.pathname.match(/^\/j\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]).replace(/\D/g, "") : "";
}

function boot() {
  initLang();
  onLangChange(() => (state.roomId ? renderAll() : null));
  tickCountdowns();
  $("join-form").addEventListener("submit", onJoinSubmit);
  $("code").addEventListener("input", () => {
    $("code").value = $("code").value.replace(/\D/g, "").slice(0, 6);
  });
  const code = pathCode();
  if (code.length === 6) {
    startRoom(code);
  } else {
    showJoin();
    if (code) $("code").value = code;
  }
}

boot();
