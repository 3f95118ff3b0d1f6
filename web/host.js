// The host console: create a room, then ballots; open, time, close, reset, export.
import { adoptRoomLang, errorText, initLang, lang, onLangChange, t } from "./i18n.js";
import { api, Conn, readFragment } from "./net.js";
import { connectionBanner, copyText, noteServerTime, tickCountdowns } from "./ui.js";
import { confirmDialog, fillCounts, hostBallotCard } from "./host-ballots.js";
import { GatesPanel } from "./host-gates.js";
import { roomScreenControls, screenControls } from "./host-screen.js";

const $ = (id) => document.getElementById(id);
const state = {
  room: "", key: "", ballots: new Map(), tallies: new Map(), errors: new Map(), busy: new Set(),
  screen: null, // what the room's presenter screens show (screen:show)
  answers: new Map(), // open-text question -> its answers with their states (answers:list)
};
let conn = null;
let gates = null;
let createdKey = ""; // shown once, right after this page created the room

function status(text) {
  $("host-status").textContent = text;
}

// room ------------------------------------------------------------------------

async function createRoom(event) {
  event.preventDefault();
  const title = $("new-room-title").value.trim();
  const submit = event.submitter || $("create-form").querySelector("button");
  $("create-error").textContent = "";
  submit.disabled = true;
  try {
    const body = { title, lang: $("new-room-lang").value };
    if (!$("operator-field").hidden) body.operator_token = $("operator-token").value;
    const data = await api("POST", "/api/rooms", body);
    createdKey = data.host_key;
    // The fragment holds the key: bookmarkable, and never sent to the server.
    location.hash = `room=${encodeURIComponent(data.room.id)}&key=${encodeURIComponent(data.host_key)}`;
  } catch (error) {
    $("create-error").textContent = errorText(error, { detail: true });
    if (error.code === "operator_required") {  // this server lets only its operator create
      $("operator-field").hidden = false;
      $("operator-token").focus();
    }
  } finally {
    submit.disabled = false;
  }
}

function start() {
  const { room, key } = readFragment();
  if (!room || !key) {
    $("create-view").hidden = false;
    $("console").hidden = true;
    $("new-room-title").focus();
    return;
  }
  if (conn && state.room === room && state.key === key) return;
  if (conn) conn.socket.disconnect();
  gates?.stop();
  Object.assign(state, { room, key });
  for (const map of [state.ballots, state.tallies, state.errors, state.busy, state.answers]) {
    map.clear();
  }
  $("create-view").hidden = true;
  $("console").hidden = false;
  $("key-notice").hidden = createdKey !== key;
  $("key-value").textContent = createdKey === key ? key : "";
  conn = new Conn("/host", {
    onConnect: watch, onStatus: connectionBanner($("conn")), onError: watchFailed,
  });
  listen(conn);
}

function hostCall(event, body = {}) {
  return conn.call(event, { room: state.room, key: state.key, ...body });
}

async function watch(c) {
  const snap = await c.call("host:watch", { room: state.room, key: state.key }, { early: true });
  status("");
  adoptRoomLang(snap.room.lang);
  $("room-title").textContent = snap.room.title;
  document.title = `${snap.room.title} · LiveVote`;
  $("host-code").textContent = snap.room.code;
  $("voter-link").value = snap.links.join_url;
  const screen = `${location.origin}/screen#room=${encodeURIComponent(state.room)}&key=${encodeURIComponent(state.key)}`;
  $("screen-link").value = screen;
  $("screen-open").href = screen;
  $("host-phones").textContent = String(snap.phones);
  $("staff-link").hidden = snap.room.kind !== "meeting";
  $("staff-link").href = `/staff#room=${encodeURIComponent(state.room)}&key=${encodeURIComponent(state.key)}`;
  state.screen = snap.screen;
  for (const ballot of snap.ballots) {
    const { tally, ...rest } = ballot;
    upsert(rest);
    takeTally(tally);
    if (["text", "qa"].includes(rest.kind) && rest.state !== "draft") loadAnswers(rest.id);
  }
  renderAll();
  gates.load();
}

function watchFailed(error) {
  status(errorText(error, { detail: true }));
  if (error.code === "not_host" || error.code === "room_not_found") return;
  setTimeout(() => {
    if (conn?.socket.connected) watch(conn).catch(watchFailed);
  }, 2000);
}

// state -----------------------------------------------------------------------

function upsert(ballot, extra = {}) {
  const old = state.ballots.get(ballot.id);
  if (old && old.resets !== ballot.resets) state.tallies.delete(ballot.id);
  state.ballots.set(ballot.id, { ...old, ...ballot, ...extra });
}

function takeTally(tally) {
  if (!tally) return false;
  const seen = state.tallies.get(tally.ballot);
  if (seen && tally.seq < seen.seq) return false;
  state.tallies.set(tally.ballot, tally);
  return true;
}

function listen(c) {
  c.on("tally", (tally) => {
    if (typeof tally.phones === "number") $("host-phones").textContent = String(tally.phones);
    const ballot = state.ballots.get(tally.ballot);
    const card = document.querySelector(`[data-ballot="${tally.ballot}"]`);
    if (takeTally(tally) && ballot && card) fillCounts(card, ballot, tally);
    if (["text", "qa"].includes(ballot?.kind)) loadAnswers(ballot.id);
  });
  c.on("room:presence", ({ phones }) => {
    $("host-phones").textContent = String(phones);
  });
  c.on("ballot:update", (ballot) => {
    const isNew = !state.ballots.has(ballot.id);
    upsert(ballot);
    if (isNew) renderAll();
    else renderCard(ballot.id);
  });
  c.on("ballot:closed", ({ ballot, result }) => {
    upsert(ballot, { result });
    renderCard(ballot.id);
  });
  c.on("screen:show", ({ screen }) => onScreen(screen));
}

/** The screens show something else: the room's panel and each card's buttons follow. */
function onScreen(directive) {
  state.screen = directive;
  renderScreenPanel();
  for (const id of state.ballots.keys()) renderCard(id);
}

function renderScreenPanel() {
  $("screen-panel").replaceChildren(roomScreenControls({
    call: hostCall, directive: state.screen, ballots: state.ballots, onShown: onScreen,
    onError: (error) => status(errorText(error, { detail: true })),
  }));
}

// open-text moderation ------------------------------------------------------------

const loading = new Map(); // ballot -> true while answers:list is in flight, "again" if pushed meanwhile

/** The answers of an open-text question, at most one request at a time per question. */
async function loadAnswers(id) {
  if (loading.get(id)) {
    loading.set(id, "again");
    return;
  }
  loading.set(id, true);
  try {
    state.answers.set(id, (await hostCall("answers:list", { ballot: id })).answers);
    renderCard(id);
  } catch (error) {
    state.errors.set(id, error);
  } finally {
    const again = loading.get(id) === "again";
    loading.delete(id);
    if (again) loadAnswers(id);
  }
}

// actions ---------------------------------------------------------------------

async function run(id, work) {
  state.busy.add(id);
  state.errors.delete(id);
  renderCard(id);
  try {
    await work();
  } catch (error) {
    state.errors.set(id, error);
  } finally {
    state.busy.delete(id);
    renderCard(id);
  }
}

const actions = {
  open: (id, seconds) => run(id, async () => {
    const ballot = await hostCall("ballot:open", { ballot: id, countdown: seconds });
    noteServerTime(ballot.opened_at);
    upsert(ballot);
  }),
  countdown: (id, seconds) => run(id, async () => {
    upsert(await hostCall("ballot:countdown", { ballot: id, seconds }));
  }),
  close: async (id) => {
    if (!(await confirmDialog(t("confirm_close"), false))) return;
    await run(id, async () => {
      const sealed = await hostCall("ballot:close", { ballot: id });
      upsert({ ...state.ballots.get(id), state: "closed", closed_at: sealed.record.closed_at },
        { result: sealed });
    });
  },
  reset: async (id) => {
    const answer = await confirmDialog(t("reset_warning"), true);
    if (!answer) return;
    await run(id, async () => {
      const body = answer.reason ? { ballot: id, reason: answer.reason } : { ballot: id };
      const done = await hostCall("ballot:reset", body);
      upsert(done.ballot);
      status(t("votes_discarded", { n: done.votes_discarded }));
    });
  },
  moderate: (id, answer, action) => run(id, async () => {
    await hostCall("answer:moderate", { ballot: id, answer, action });
    await loadAnswers(id);
  }),
  failed: (id, error) => {
    state.errors.set(id, error);
    renderCard(id);
  },
};

async function createBallot(event) {
  event.preventDefault();
  const kind = $("b-kind").value;
  const body = {
    question: $("b-question").value.trim(),
    kind,
    visibility: $("b-visibility").value,
    allow_change: $("b-change").checked,
    confirm: $("b-confirm").checked,
  };
  if (["single", "multiple", "ranking"].includes(kind)) {
    body.options = $("b-options").value.split("\n").map((s) => s.trim()).filter(Boolean);
  }
  if (kind === "multiple") body.max_choices = Number($("b-max").value) || 1;
  if (kind === "rating") {
    body.scale = {
      min: Number($("b-scale-min").value), max: Number($("b-scale-max").value) || 5,
      low: $("b-scale-low").value.trim(), high: $("b-scale-high").value.trim(),
    };
  }
  if (kind === "text" || kind === "qa") {
    Object.assign(body, {
      max_length: Number($("b-text-max").value) || 140, hold: $("b-text-hold").checked,
      blocked: $("b-text-blocked").value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean),
    }, kind === "qa" ? { named: $("b-qa-named").checked } : { cloud: $("b-text-cloud").checked });
  }
  const submit = $("ballot-form").querySelector("[type=submit]");
  submit.disabled = true;
  $("ballot-error").textContent = "";
  try {
    const ballot = await hostCall("ballot:create", body);
    upsert(ballot);
    renderAll();
    $("b-question").value = "";
    $("b-options").value = "";
    status(t("ballot_added"));
    $("b-question").focus();
  } catch (error) {
    $("ballot-error").textContent = errorText(error, { detail: true });
  } finally {
    submit.disabled = false;
  }
}

// rendering -------------------------------------------------------------------

function cardFor(ballot) {
  return hostBallotCard(ballot, {
    tally: state.tallies.get(ballot.id),
    answers: state.answers.get(ballot.id),
    error: state.errors.get(ballot.id),
    busy: state.busy.has(ballot.id),
    room: state.room,
    key: state.key,
    actions,
    screen: screenControls({
      call: hostCall, ballot, directive: state.screen, onShown: onScreen,
      onError: (error) => actions.failed(ballot.id, error),
    }),
  });
}

function renderAll() {
  renderScreenPanel();
  const cards = [...state.ballots.values()].map(cardFor);
  $("host-ballots").replaceChildren(...cards);
  $("no-ballots").hidden = cards.length > 0;
}

/** Re-render one card, keeping the seconds typed and the focused button. */
function renderCard(id) {
  const old = document.querySelector(`[data-ballot="${id}"]`);
  const ballot = state.ballots.get(id);
  if (!old || !ballot) return renderAll();
  const seconds = old.querySelector(".seconds")?.value ?? "";
  const focused = old.contains(document.activeElement) ? document.activeElement.dataset.key : "";
  const card = cardFor(ballot);
  const input = card.querySelector(".seconds");
  if (input) input.value = seconds;
  old.replaceWith(card);
  if (focused) card.querySelector(`[data-key="${focused}"]`)?.focus();
  return undefined;
}

function syncKindFields() {
  const kind = $("b-kind").value;
  $("b-options-field").hidden = !["single", "multiple", "ranking"].includes(kind);
  $("b-max-field").hidden = kind !== "multiple";
  $("b-scale-field").hidden = kind !== "rating";
  $("b-text-field").hidden = kind !== "text" && kind !== "qa";
  $("b-text-cloud-field").hidden = kind !== "text";
  $("b-qa-named-field").hidden = kind !== "qa";
  const longest = kind === "qa" ? 300 : 500;
  $("b-text-max").max = String(longest);
  if (Number($("b-text-max").value) > longest) $("b-text-max").value = String(longest);
}

function boot() {
  initLang();
  $("new-room-lang").value = lang();
  onLangChange(() => state.room && renderAll());
  tickCountdowns();
  $("create-form").addEventListener("submit", createRoom);
  $("ballot-form").addEventListener("submit", createBallot);
  $("b-kind").addEventListener("change", syncKindFields);
  syncKindFields();
  gates = new GatesPanel({ call: (event, body) => hostCall(event, body), status });
  $("key-saved").addEventListener("click", () => {
    $("key-notice").hidden = true;
    createdKey = "";
  });
  $("copy-key").addEventListener("click", () => copyText(state.key));
  // Enter in the reason field confirms; the form's first button would cancel.
  $("reason-input").addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    $("confirm-dialog").close("ok");
  });
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const input = $(button.dataset.copy);
      if (await copyText(input.value, input)) status(t("copied"));
    });
  }
  window.addEventListener("hashchange", start);
  start();
}

boot();
