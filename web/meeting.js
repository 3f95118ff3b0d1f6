// The union member's page: open the personal invite, prove the phone with a texted
// code, then vote on each agenda item (in advance or at the meeting), see "counted"
// with a receipt, how the member is counted, and each item's outcome once it closes.
import { adoptRoomLang, errorText, initLang, lang, onLangChange, setLang, t } from "./i18n.js";
import { load, save } from "./keep.js";
import { api, Conn } from "./net.js";
import { cardOf, connectionBanner, keepingFocus } from "./ui.js";
import { itemCard } from "./meeting-item.js";
import { signinCard } from "./meeting-signin.js";
import { memberVoting, secretRecord } from "./meeting-vote.js";
import { SpeakPanel } from "./meeting-speak.js";

// Ballot pushes go to the /voter, /screen and /host namespaces only, so the page asks
// again; the speaking queue is pushed here too (speak:queue) and asked with the rest.
const POLL_MS = 3000;
const LAST_INVITE = "lv.mtg.last";
const tokenKey = (invite) => `lv.mtg.token.${invite}`;

const $ = (id) => document.getElementById(id);
const state = {
  invite: "", token: "", room: null, member: null, memberNo: "", signature: "", notice: null,
  adjourned: null, // when the chair closed the meeting (폐회)
  signin: { phone: "", code: "", sentTo: "", busy: "", error: null },
  items: new Map(), order: [], outcomes: new Map(), fetching: new Set(),
  pending: new Map(), changing: new Set(), errors: new Map(), selections: new Map(),
  confirming: new Map(), // item -> choices waiting for "Cast vote"
};
let conn = null;

function announce(text) {
  $("announce").textContent = "";
  setTimeout(() => { $("announce").textContent = text; }, 50);
}

const speak = new SpeakPanel({
  el: $("speak"), conn: () => conn, room: () => state.room?.id, token: () => state.token,
  memberNo: () => state.memberNo, announce,
});

async function askQueue(early = false) {
  try {
    speak.take(await conn.call("speak:queue", {}, { early }));
  } catch {
    // the push or the next tick brings it
  }
}

function show(view) {
  for (const id of ["loading", "notice", "signin", "agenda-view"]) $(id).hidden = id !== view;
}

/** A page-wide message; `error` (a LiveError) replaces the text under the title. */
function notice(titleKey, error = null) {
  state.notice = { titleKey, error };
  $("notice-title").textContent = t(titleKey);
  $("notice-text").textContent = error ? errorText(error) : t("mtg_no_invite");
  show("notice");
}

function takeRoom(room) {
  state.room = room;
  adoptRoomLang(room.lang);
  $("room-title").removeAttribute("data-i18n"); // the union's own title, in any language
  $("room-title").textContent = room.title;
  document.title = `${room.title} · LiveVote`;
}

// signing in ------------------------------------------------------------------

async function connect(c) {
  if (state.invite && !state.member) {
    const opened = await c.call("member:open", { invite: state.invite }, { early: true });
    state.member = opened.member;
    takeRoom(opened.room);
  }
  if (state.token) {
    try {
      enter(await c.call("member:resume", { token: state.token }, { early: true }));
      return;
    } catch (error) {
      if (!["member_token_invalid", "member_not_found"].includes(error.code)) throw error;
      forgetToken();
    }
  }
  if (state.member) renderSignin();
  else notice("mtg_no_invite_title");
}

function connectFailed(error) {
  if (["invite_invalid", "member_not_found"].includes(error.code)) {
    notice("mtg_no_invite_title", error);
    return;
  }
  if (!state.memberNo && !state.member) notice("mtg_page_title", error);
  setTimeout(() => {
    if (conn.socket.connected) connect(conn).catch(connectFailed);
  }, 3000);
}

function forgetToken() {
  state.token = "";
  save(tokenKey(state.invite), "");
}

function renderSignin() {
  show("signin");
  $("signin").replaceChildren(signinCard({ ...state.signin, member: state.member, actions: {
    sendCode, verify, typed: (name, value) => { state.signin[name] = value; },
  } }));
}

async function signinStep(busy, work) {
  Object.assign(state.signin, { busy, error: null });
  renderSignin();
  try {
    await work();
  } catch (error) {
    state.signin.error = error;
  }
  state.signin.busy = "";
  if (!state.memberNo) {
    renderSignin();
    $("signin").querySelector(state.signin.error ? "[role=alert]" : "#otp")?.focus();
  }
}

function sendCode(phone) {
  state.signin.phone = phone;
  if (!phone) {
    state.signin.error = { code: "", message: t("mtg_phone_needed") };
    renderSignin();
    return;
  }
  signinStep("otp", async () => {
    try {
      const sent = await conn.call("member:otp", { invite: state.invite, phone });
      Object.assign(state.signin, { sentTo: sent.sent_to, code: "", maybeSent: false });
    } catch (error) {
      // No answer in time, or "a code was just sent": a code may well be on its
      // way (a busy server still sends it), so the member can type it.
      if (["timeout", "rate_limited"].includes(error.code) && !state.signin.sentTo) {
        Object.assign(state.signin, { sentTo: state.member.phone, maybeSent: true });
      }
      throw error;
    }
  });
}

function verify(code) {
  state.signin.code = code;
  if (code.length !== 6) {
    state.signin.error = { code: "", message: t("mtg_code_needed") };
    renderSignin();
    return;
  }
  signinStep("verify", async () => {
    const data = await conn.call("member:verify", {
      invite: state.invite, phone: state.signin.phone, otp: code,
    });
    state.token = data.token;
    save(tokenKey(state.invite), data.token);
    enter(data);
  });
}

// the agenda ------------------------------------------------------------------

function enter(status) {
  state.memberNo = status.member_no;
  if (!state.room) takeRoom(status.room);
  state.signature = "";
  show("agenda-view");
  take(status);
  for (const item of state.items.values()) if (item.secret) actions.resume(item);
  askQueue(true);
}

/** Server status in; the device's own knowledge of secret ballots and checked trackers kept. */
function take(status) {
  state.adjourned = status.adjourned_at || null;
  showAdjourned();
  const signature = JSON.stringify(status.items);
  if (signature === state.signature) return;
  state.signature = signature;
  const items = new Map();
  for (const item of status.items) {
    const old = state.items.get(item.id)?.my_vote;
    const vote = item.my_vote;
    if (vote && old && old.receipt === vote.receipt) {
      Object.assign(vote, { checked: old.checked, tracker: vote.tracker || old.tracker });
    }
    if (vote && item.secret && !vote.choices.length) {
      const { kept } = secretRecord(state.memberNo, item.id);
      if (kept && kept.receipt === vote.receipt) {
        Object.assign(vote, { choices: kept.choices, tracker: vote.tracker || kept.tracker });
      }
    }
    items.set(item.id, item);
  }
  state.items = items;
  state.order = status.items.map((item) => item.id);
  renderAll();
  fetchOutcomes();
}

async function fetchOutcomes() {
  for (const item of state.items.values()) {
    const known = state.outcomes.get(item.id)?.status;
    if (item.state !== "closed" || known === "ready" || known === "hidden") continue;
    if (state.fetching.has(item.id)) continue;
    state.fetching.add(item.id);
    try {
      const sealed = await api("GET", `/api/rooms/${item.room}/ballots/${item.id}/result`);
      state.outcomes.set(item.id, sealed.record.meeting
        ? { status: "ready", meeting: sealed.record.meeting } : { status: "hidden" });
    } catch (error) {
      // not_host: the union keeps this result for staff; anything else: ask again later
      state.outcomes.set(item.id, { status: error.code === "not_host" ? "hidden" : "loading" });
    } finally {
      state.fetching.delete(item.id);
    }
    renderItem(item.id);
  }
}

async function refresh() {
  if (!state.memberNo || !conn?.ready) return;
  try {
    take(await conn.call("member:status", {}));
    fetchOutcomes(); // a result that failed to load is asked for again
    await askQueue();
  } catch {
    // the next tick asks again; a reconnect resumes first
  }
}

const actions = memberVoting(state, {
  conn: () => conn,
  renderItem: (id) => renderItem(id),
  focus: (id, selector) => cardOf(id)?.querySelector(selector)?.focus(),
  announce,
  refresh,
});

function cardFor(item, number) {
  return itemCard(item, number, {
    pending: state.pending.get(item.id),
    changing: state.changing.has(item.id),
    error: state.errors.get(item.id),
    selection: state.selections.get(item.id) ?? new Set(),
    checking: item.state === "open" ? state.confirming.get(item.id) : undefined,
    outcome: state.outcomes.get(item.id),
    actions,
  });
}

function renderAll() {
  if (!state.memberNo) return;
  const name = state.member?.name ?? "";
  const no = state.memberNo;
  $("member-line").textContent = name
    ? t("mtg_signed_in_as", { name, no }) : t("mtg_member_no", { no });
  const cards = state.order.map((id, i) => cardFor(state.items.get(id), i + 1));
  keepingFocus(() => $("items").replaceChildren(...cards));
  $("no-items").hidden = state.order.length > 0;
}

function showAdjourned() {
  // 폐회: the meeting is over; nothing left to ask to speak on
  const at = state.adjourned;
  $("adjourned").hidden = !at;
  $("speak").hidden = Boolean(at);
  if (at) {
    const time = new Date(at).toLocaleTimeString(lang() === "ko" ? "ko-KR" : "en-GB",
      { hour: "2-digit", minute: "2-digit" });
    $("adjourned").textContent = t("mtg_adjourned", { time });
  }
}

function renderItem(id) {
  const old = cardOf(id);
  const item = state.items.get(id);
  if (!old || !item) return renderAll();
  return keepingFocus(() => old.replaceWith(cardFor(item, state.order.indexOf(id) + 1)));
}

function signOut() {
  forgetToken();
  save(LAST_INVITE, "");
  location.reload();
}

function boot() {
  initLang();
  if (!load("lv.lang")) setLang("ko"); // Korean first, unless the member chose English
  onLangChange(() => {
    if (state.memberNo) {
      renderAll();
      speak.render();
      showAdjourned();
    }
    else if (!$("signin").hidden) renderSignin();
    else if (!$("notice").hidden) notice(state.notice.titleKey, state.notice.error);
  });
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  state.invite = fragment.get("invite") || load(LAST_INVITE);
  if (!state.invite) {
    notice("mtg_no_invite_title");
    return;
  }
  save(LAST_INVITE, state.invite);
  if (!fragment.get("invite")) history.replaceState(null, "", `#invite=${state.invite}`);
  state.token = load(tokenKey(state.invite));
  $("sign-out").addEventListener("click", signOut);
  conn = new Conn("/meeting", {
    onConnect: connect, onStatus: connectionBanner($("conn")), onError: connectFailed,
  });
  conn.on("speak:queue", (queue) => { if (state.memberNo) speak.take(queue); });
  conn.on("meeting:adjourned", () => refresh());
  setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  window.addEventListener("hashchange", () => location.reload());
}

boot();
