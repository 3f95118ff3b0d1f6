// Meeting video: the host or a chosen speaker broadcasts; members watch and
// listen. Signalling is the /video namespace (docs/protocol.md); media goes
// to the server's relay. Voting never depends on this page working.
import { errorText, initLang, lang, onLangChange, setLang } from "./i18n.js";
import { Conn, LiveError } from "./net.js";
import { load } from "./keep.js";

const TEXT = {
  ko: {
    title: "총회 영상",
    frames: "받은 화면 수",
    sound_on: "소리 켜기",
    audio_only: "소리만 듣기",
    with_video: "영상도 보기",
    retry: "다시 연결",
    enable: "영상 켜기",
    disable: "영상 끄기",
    publish: "방송 시작 (카메라와 마이크)",
    stop: "방송 끝내기",
    speaker: "발언자 링크 만들기",
    vote_hint: "영상이 안 나와도 투표는 할 수 있습니다.",
    connecting: "연결 중…",
    offline: "서버와 연결이 끊겼습니다. 다시 연결하는 중…",
    off: "이 총회는 영상이 꺼져 있습니다.",
    waiting: "발언자가 방송을 시작하면 자동으로 나옵니다.",
    watching: "방송을 보고 있습니다.",
    audio: "소리만 듣고 있습니다.",
    no_video: "영상을 받을 수 없어 소리만 나옵니다.",
    failed: "영상 연결에 실패했습니다. 투표는 계속할 수 있습니다.",
    ended: "방송이 끝났습니다.",
    ready: "방송을 시작할 수 있습니다.",
    live: "방송 중입니다.",
    mic_only: "카메라를 쓸 수 없어 소리만 방송합니다.",
    no_media: "카메라와 마이크를 쓸 수 없습니다. 브라우저 권한을 확인하세요.",
    pass_required: "먼저 투표 화면에서 총회에 입장해 주세요.",
    link: "발언자에게 보낼 링크:",
    no_room: "이 페이지는 총회 안내에 있는 ‘총회 영상’ 링크로 열어 주세요.",
  },
  en: {
    title: "Meeting video",
    frames: "Frames received",
    sound_on: "Turn on sound",
    audio_only: "Sound only",
    with_video: "Show video too",
    retry: "Connect again",
    enable: "Turn video on",
    disable: "Turn video off",
    publish: "Start broadcast (camera and microphone)",
    stop: "End broadcast",
    speaker: "Make a speaker link",
    vote_hint: "You can vote even if the video does not play.",
    connecting: "Connecting…",
    offline: "Lost the server. Reconnecting…",
    off: "Video is off for this meeting.",
    waiting: "The video starts by itself when the speaker begins.",
    watching: "You are watching the meeting.",
    audio: "You are listening (sound only).",
    no_video: "Video cannot get through, so you hear sound only.",
    failed: "The video could not connect. You can still vote.",
    ended: "The broadcast has ended.",
    ready: "You can start the broadcast.",
    live: "You are on air.",
    mic_only: "No camera available: broadcasting sound only.",
    no_media: "Camera and microphone are not available. Check the browser's permissions.",
    pass_required: "Please join the meeting on the voting page first.",
    link: "Send this link to the speaker:",
    no_room: "Please open this page from the meeting's video link.",
  },
};
const NO_FRAMES_MS = 8000;
const ICE_WAIT_MS = 3000;

const $ = (id) => document.getElementById(id);
const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
const room = hash.get("room") || "";
const key = hash.get("key") || "";
const speakerKey = hash.get("speaker") || "";
const code = hash.get("code") || "";
const viewer = !key && !speakerKey;
let state = { enabled: false, live: false };
let pc = null;
let peer = "";
let audioOnly = false;
let frames = 0;
let status = "connecting";
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

function gathered(connection) {
  // One round trip: the offer carries every candidate (the server never trickles).
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => connection.iceGatheringState === "complete" && resolve();
    connection.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ICE_WAIT_MS);
  });
}

async function offer(connection) {
  await connection.setLocalDescription(await connection.createOffer());
  await gathered(connection);
  return connection.localDescription.sdp;
}

function close() {
  if (pc) pc.close();
  pc = null;
  peer = "";
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

async function watch() {
  close();
  fail(null);
  const connection = (pc = new RTCPeerConnection());
  connection.addTransceiver("audio", { direction: "recvonly" });
  if (!audioOnly) connection.addTransceiver("video", { direction: "recvonly" });
  const stream = new MediaStream();
  connection.ontrack = (event) => {
    stream.addTrack(event.track);
    $("screen").srcObject = stream;
    $("screen").play().catch(() => {});
  };
  connection.onconnectionstatechange = () => {
    if (connection === pc && connection.connectionState === "failed") {
      say("failed");
      show("retry", true);
    }
  };
  const pass = code ? load(`lv.pass.${code}`) : "";
  const answer = await conn.call("video:watch", {
    room, sdp: await offer(connection), device: load("lv.device") || undefined,
    pass: pass || undefined,
  });
  peer = answer.peer;
  await connection.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  say(audioOnly ? "audio" : "watching");
  show("sound", $("screen").muted);
  const before = frames;
  setTimeout(() => {
    if (connection === pc && !audioOnly && frames === before) say("no_video");
  }, NO_FRAMES_MS);
}

async function camera() {
  try {
    return [await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 360 } }), ""];
  } catch {
    return [await navigator.mediaDevices.getUserMedia({ audio: true }), "mic_only"];
  }
}

async function publish() {
  let media, note;
  try {
    [media, note] = await camera();
  } catch {
    say("no_media");
    return;
  }
  const connection = (pc = new RTCPeerConnection());
  for (const track of media.getTracks()) {
    connection.addTransceiver(track, { direction: "sendonly", streams: [media] });
  }
  $("screen").srcObject = media;
  const auth = key ? { key } : { speaker: speakerKey };
  try {
    const answer = await conn.call("video:publish", { room, sdp: await offer(connection), ...auth });
    peer = answer.peer;
    await connection.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    say(note || "live");
  } catch (error) {
    media.getTracks().forEach((track) => track.stop());
    close();
    fail(error);
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
  if (viewer) {
    if (!state.enabled) say("off");
    else if (!state.live) {
      if (pc) close();
      say(wasLive ? "ended" : "waiting");
    } else if (!pc) attempt(watch)();
  } else if (!pc) say(state.enabled ? "ready" : "off");
  controls();
}

const conn = new Conn("/video", {
  onConnect: async (c) => {
    if (room) onState(await c.call("video:status", { room }, { early: true }));
    else say("no_room");
  },
  onStatus: (s) => {
    $("conn").hidden = s === "online";
    $("conn").textContent = t(s === "offline" ? "offline" : "connecting");
  },
  onError: fail,
});
conn.on("video:state", onState);

$("sound").addEventListener("click", () => {
  $("screen").muted = false;
  $("screen").play().catch(() => {});
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
$("stop").addEventListener("click", attempt(async () => {
  const body = peer ? { room, peer } : { room, key };
  close();
  $("screen").srcObject = null;
  await conn.call("video:leave", body);
  controls();
}));
$("speaker").addEventListener("click", attempt(async () => {
  const made = await conn.call("video:speaker", { room, key });
  $("speaker-link").textContent = `${t("link")} ${made.url}`;
}));
initLang();
if (!load("lv.lang")) setLang("ko"); // Korean first, unless the visitor chose English
onLangChange(paint);
countFrames($("screen"));
paint();
