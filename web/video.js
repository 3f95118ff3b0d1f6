// Meeting video: the host or a chosen speaker broadcasts; members watch and
// listen. Signalling is the /video namespace (docs/protocol.md); media goes
// to the server's relay, or with LIVE_VIDEO=janus to Janus with the token the
// server granted (video-janus.js). Voting never depends on this page working.
import { errorText, initLang, lang, onLangChange, setLang } from "./i18n.js";
import { Conn, LiveError } from "./net.js";
import { load } from "./keep.js";
import { gathered, publishTo, subscribeTo } from "./video-janus.js";
import { TEXT } from "./video-text.js";

const NO_FRAMES_MS = 8000;

const $ = (id) => document.getElementById(id);
const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
const room = hash.get("room") || "";
const key = hash.get("key") || "";
const speakerKey = hash.get("speaker") || "";
const code = hash.get("code") || "";
const viewer = !key && !speakerKey;
// The member token of the meeting page's sign-in (same origin), unless the link carries one.
const member = hash.get("member") || load(`lv.mtg.token.${load("lv.mtg.last")}`);
const auth = key ? { key } : { speaker: speakerKey };
let state = { enabled: false, live: false, mode: "relay", ice_servers: [] };
let pc = null;
let link = null; // janus mode: the Janus session behind `pc`
let floor = []; // janus mode: the other publishers (a member given the floor), each its own link
let watched = ""; // janus mode: the feeds subscribed to, to notice a speaker joining
let camera = null; // the publisher's own camera and microphone
let peer = "";
let audioOnly = false;
let frames = 0;
let status = "connecting";
let removed = false; // the server ended this member's view for good
let shown = null; // the error on screen, worded again when the language changes

const t = (name) => TEXT[lang()][name] || TEXT.en[name] || name;

function say(name) {
  status = name;
  $("status").textContent = t(name);
}

function errorLine(error) {
  if (!(error instanceof LiveError)) return t("failed");
  if (TEXT.en[error.code]) return t(error.code); // this page's own wording
  return errorText(error, { detail: error.code === "bad_sdp" });
}

function fail(error) {
  shown = error;
  $("error").textContent = error ? errorLine(error) : "";
}

function paint() {
  for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  $("enable").textContent = t(state.enabled ? "disable" : "enable");
  $("audio-only").textContent = t(audioOnly ? "with_video" : "audio_only");
  say(status);
  fail(shown);
}

function show(id, on) {
  $(id).hidden = !on;
}

function controls() {
  show("enable", Boolean(key));
  show("publish", !viewer && state.enabled && !pc);
  show("stop", !viewer && Boolean(pc));
  show("speaker", Boolean(key) && state.enabled);
  show("audio-only", viewer && state.live);
  paint();
}

const feedsOf = (held) => [...(held.feeds || [])].sort().join(",");

// LIVE_ICE_SERVERS and LIVE_ICE_POLICY ("relay": through the TURN servers only)
const rtcConfig = () => ({ iceServers: state.ice_servers || [],
  iceTransportPolicy: state.ice_transport_policy || "all" });

async function offer(connection) {
  // One round trip: the offer carries every candidate (the server never trickles).
  await connection.setLocalDescription(await connection.createOffer());
  await gathered(connection);
  return connection.localDescription.sdp;
}

function close() {
  for (const other of floor) other.close();
  floor = [];
  watched = "";
  $("floor").replaceChildren();
  if (link) link.close();
  else if (pc) pc.close();
  link = null;
  pc = null;
  peer = "";
}

function releaseCamera() {
  if (camera) camera.getTracks().forEach((track) => track.stop());
  camera = null;
  $("screen").srcObject = null;
}

function countFrames(video) {
  // Frames actually painted: the honest "video works" signal.
  if (!video.requestVideoFrameCallback) return;
  const tick = () => {
    frames += 1;
    $("frames").textContent = String(frames);
    video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
}

function onFailure(connection) {
  connection.onconnectionstatechange = () => {
    if (connection === pc && connection.connectionState === "failed") {
      say("failed");
      show("retry", true);
    }
  };
}

async function watchRelay(onTrack) {
  const connection = (pc = new RTCPeerConnection(rtcConfig()));
  connection.addTransceiver("audio", { direction: "recvonly" });
  if (!audioOnly) connection.addTransceiver("video", { direction: "recvonly" });
  connection.ontrack = onTrack;
  onFailure(connection);
  const pass = code ? load(`lv.pass.${code}`) : "";
  const answer = await conn.call("video:watch", {
    room, sdp: await offer(connection), device: load("lv.device") || undefined,
    pass: pass || undefined, member: member || undefined,
  });
  peer = answer.peer;
  await connection.setRemoteDescription({ type: "answer", sdp: answer.sdp });
}

async function watchJanus(onTrack) {
  const grant = await conn.call("video:watch", { room, member: member || undefined });
  let mine = null;
  const onEnd = () => { // Janus ended it: ask the server what holds now
    if (!mine || link !== mine) return;
    close();
    conn.call("video:status", { room }).then(onState).catch(fail);
  };
  const [first, ...others] = grant.janus.feeds;
  mine = await subscribeTo({ ...grant.janus, feeds: [first] },
    { config: rtcConfig(), audioOnly, onTrack, onEnd });
  [link, pc] = [mine, mine.pc];
  watched = feedsOf(grant.janus);
  onFailure(pc);
  for (const feed of others) { // a member given the floor speaks beside the chair
    const element = document.createElement("video");
    Object.assign(element, { autoplay: true, playsInline: true, muted: $("screen").muted });
    element.className = "video-frame floor-screen";
    element.dataset.testid = "floor-video";
    const stream = new MediaStream();
    $("floor").append(element);
    floor.push(await subscribeTo({ ...grant.janus, feeds: [feed] }, { config: rtcConfig(),
      audioOnly, onEnd, onTrack: (event) => {
        stream.addTrack(event.track);
        element.srcObject = stream;
        element.play().catch(() => {});
      } }));
  }
}

async function watch() {
  close();
  fail(null);
  const stream = new MediaStream();
  const onTrack = (event) => {
    stream.addTrack(event.track);
    $("screen").srcObject = stream;
    $("screen").play().catch(() => {});
  };
  await (state.mode === "janus" ? watchJanus : watchRelay)(onTrack);
  const connection = pc;
  say(audioOnly ? "audio" : "watching");
  show("sound", $("screen").muted);
  const before = frames;
  setTimeout(() => {
    if (connection === pc && !audioOnly && frames === before) say("no_video");
  }, NO_FRAMES_MS);
}

async function openCamera() {
  try {
    return [await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 360 } }), ""];
  } catch {
    return [await navigator.mediaDevices.getUserMedia({ audio: true }), "mic_only"];
  }
}

async function publishRelay(media) {
  const connection = (pc = new RTCPeerConnection(rtcConfig()));
  for (const track of media.getTracks()) {
    connection.addTransceiver(track, { direction: "sendonly", streams: [media] });
  }
  const answer = await conn.call("video:publish", { room, sdp: await offer(connection), ...auth });
  peer = answer.peer;
  await connection.setRemoteDescription({ type: "answer", sdp: answer.sdp });
}

async function publishJanus(media) {
  const grant = await conn.call("video:publish", { room, ...auth });
  let mine = null;
  const onEnd = () => { // kicked, replaced by another speaker, or the video turned off
    if (!mine || link !== mine) return;
    close();
    releaseCamera();
    say(state.enabled ? "ended" : "off");
    controls();
  };
  mine = await publishTo(grant.janus, media, rtcConfig(), onEnd);
  [link, pc] = [mine, mine.pc];
  onState(await conn.call("video:live", { room, ...auth })); // Janus has it: tell everyone
}

async function publish() {
  let note;
  try {
    [camera, note] = await openCamera();
  } catch {
    say("no_media");
    return;
  }
  $("screen").srcObject = camera;
  try {
    await (state.mode === "janus" ? publishJanus : publishRelay)(camera);
    say(note || "live");
  } catch (error) {
    releaseCamera();
    close();
    fail(error);
  }
  controls();
}

async function stop() {
  if (state.mode === "janus") {
    const leaving = link;
    [link, pc] = [null, null];
    if (leaving) await leaving.stop();
    releaseCamera();
    onState(await conn.call("video:live", { room, ...auth }));
  } else {
    const body = peer ? { room, peer } : { room, key };
    close();
    releaseCamera();
    await conn.call("video:leave", body);
  }
  controls();
}

function attempt(step) {
  return () => step().catch((error) => {
    fail(error);
    controls();
  });
}

function onState(next) {
  const wasLive = state.live;
  state = next;
  removed ||= Boolean(next.removed); // left out of a corrected roster: the view ended
  if (removed) {
    if (pc) close();
    say("ended");
    fail(new LiveError("video_forbidden", ""));
  } else if (viewer) {
    if (!state.enabled) {
      if (pc) close();
      say("off");
    } else if (!state.live) {
      if (pc) close();
      say(wasLive ? "ended" : "waiting");
    } else if (!pc || (state.mode === "janus" && feedsOf(state) !== watched)) {
      attempt(watch)();
    }
  } else if (!pc) say(state.enabled ? "ready" : "off");
  controls();
}

const conn = new Conn("/video", {
  onConnect: async (c) => {
    if (!room) return say("no_room");
    const next = await c.call("video:status", { room }, { early: true });
    if (link && viewer && next.mode === "janus" && feedsOf(next) === watched) {
      // Still watching through Janus across a reconnect (media never went
      // through this socket): say so again, so the access log follows.
      await c.call("video:watch", { room, member: member || undefined }, { early: true })
        .catch(() => {});
    }
    return onState(next);
  },
  onStatus: (s) => {
    $("conn").hidden = s === "online";
    $("conn").textContent = t(s === "offline" ? "offline" : "connecting");
  },
  onError: fail,
});
conn.on("video:state", onState);

$("sound").addEventListener("click", () => {
  for (const element of document.querySelectorAll("video")) {
    element.muted = false;
    element.play().catch(() => {});
  }
  show("sound", false);
});
$("audio-only").addEventListener("click", () => {
  audioOnly = !audioOnly;
  attempt(watch)();
  controls();
});
$("retry").addEventListener("click", () => {
  show("retry", false);
  attempt(watch)();
});
$("enable").addEventListener("click", attempt(async () => {
  onState(await conn.call("video:enable", { room, key, on: !state.enabled }));
}));
$("publish").addEventListener("click", attempt(publish));
$("stop").addEventListener("click", attempt(stop));
$("speaker").addEventListener("click", attempt(async () => {
  const made = await conn.call("video:speaker", { room, key });
  $("speaker-link").textContent = `${t("link")} ${made.url}`;
}));
initLang();
if (!load("lv.lang")) setLang("ko"); // Korean first, unless the visitor chose English
onLangChange(paint);
countFrames($("screen"));
paint();
