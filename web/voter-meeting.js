// A general meeting's screen QR (or join code) opened on the event phone page.
// Members vote through their personal link, so instead of the room the page says
// so, Korean first, and takes the personal code printed on the invitation: `/m/CODE`
// leads to the member's own meeting page.
import { lang, onLangChange, setLang, t } from "./i18n.js";
import { load } from "./keep.js";

const $ = (id) => document.getElementById(id);
let wired = false;

/** "abcd-2345 " -> "ABCD2345": as printed, without the spaces and dashes people type. */
export function shortCode(typed) {
  return typed.toUpperCase().replace(/[\s\-\u2010-\u2014]/g, "");
}

function otherLangLine() {
  $("meeting-door-other").lang = lang() === "ko" ? "en" : "ko";
}

function onSubmit(event) {
  event.preventDefault();
  const code = shortCode($("meeting-code").value);
  if (!code) {
    $("meeting-code-error").textContent = t("meeting_code_needed");
    $("meeting-code").setAttribute("aria-invalid", "true");
    $("meeting-code").focus();
    return;
  }
  location.assign(`/m/${encodeURIComponent(code)}`);
}

/** Show the members' meeting note in place of the room. */
export function showMeetingDoor(room) {
  if (!load("lv.lang")) setLang("ko"); // Korean first, unless the visitor chose English
  if (!wired) {
    wired = true;
    $("meeting-code-form").addEventListener("submit", onSubmit);
    onLangChange(otherLangLine);
  }
  otherLangLine();
  const first = $("meeting-view").hidden; // a reconnect leaves the focus where it is
  $("join-view").hidden = true;
  $("room-view").hidden = true;
  $("meeting-view").hidden = false;
  $("room-title").textContent = room.title;
  document.title = `${room.title} · LiveVote`;
  if (first) $("meeting-door-title").focus();
}
