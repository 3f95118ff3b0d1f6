// The Janus API the video page needs when LIVE_VIDEO=janus, over plain HTTP:
// one session per page opened with the token LiveVote granted, events by long
// poll, a keepalive every 25 s (Janus drops a silent session after 60 s), and
// the VideoRoom's join, publish and subscribe. Offers and answers carry every
// ICE candidate ("trickle": false), so there is no trickle exchange.
//
// Written here rather than vendoring janus.js: Debian's janus package does not
// ship it, it expects webrtc-adapter as a global, and it is some 3,500 lines
// for every plugin where the page needs these few calls.

const PLUGIN = "janus.plugin.videoroom";
const KEEPALIVE_MS = 25000;
const REPLY_MS = 20000;
const ICE_WAIT_MS = 3000;

export class JanusError extends Error {
  constructor(message, code = 0) {
    super(message);
    this.code = code;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const randomId = () => Math.random().toString(36).slice(2, 12);

/** Resolves once the connection's candidates are all in its description. */
export function gathered(connection) {
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => connection.iceGatheringState === "complete" && resolve();
    connection.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ICE_WAIT_MS);
  });
}

class Session {
  constructor(grant) {
    this.url = grant.url.replace(/\/$/, "");
    this.token = grant.token;
    this.id = 0;
    this.waiting = new Map(); // transaction -> resolve, for requests Janus only acks
    this.listeners = new Map(); // handle -> event callback
    this.closed = false;
    this.onGone = () => {};
  }

  async post(body, path = "") {
    const response = await fetch(this.url + path, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ transaction: randomId(), ...body, token: this.token }),
    });
    const reply = await response.json();
    if (reply.janus === "error") throw new JanusError(reply.error.reason, reply.error.code);
    return reply;
  }

  async start() {
    this.id = (await this.post({ janus: "create" })).data.id;
    this.poll();
    this.timer = setInterval(() => {
      this.post({ janus: "keepalive" }, `/${this.id}`).catch(() => {});
    }, KEEPALIVE_MS);
  }

  async attach(onEvent) {
    const handle = (await this.post({ janus: "attach", plugin: PLUGIN }, `/${this.id}`)).data.id;
    this.listeners.set(handle, onEvent);
    return handle;
  }

  async message(handle, body, jsep) {
    const transaction = randomId();
    const answered = new Promise((resolve, reject) => {
      this.waiting.set(transaction, resolve);
      setTimeout(() => reject(new JanusError("the media server did not answer")), REPLY_MS);
    });
    let reply;
    try {
      reply = await this.post({ janus: "message", body, jsep, transaction }, `/${this.id}/${handle}`);
      if (reply.janus === "ack") reply = await answered;
    } finally {
      this.waiting.delete(transaction);
    }
    const data = (reply.plugindata && reply.plugindata.data) || {};
    if (data.error_code) throw new JanusError(data.error, data.error_code);
    return { data, jsep: reply.jsep };
  }

  async poll() {
    while (!this.closed) {
      let got;
      try {
        const query = `?token=${encodeURIComponent(this.token)}&maxev=10`;
        got = await (await fetch(`${this.url}/${this.id}${query}`)).json();
      } catch {
        await sleep(1000);
        continue;
      }
      for (const event of Array.isArray(got) ? got : [got]) {
        if (event.janus === "error") { // the session ended: destroyed, or its token taken back
          this.gone();
          return;
        }
        const resolve = this.waiting.get(event.transaction);
        if (resolve && event.janus === "event") resolve(event);
        else if (event.sender && this.listeners.has(event.sender)) this.listeners.get(event.sender)(event);
      }
    }
  }

  gone() {
    if (this.closed) return;
    this.close(false);
    this.onGone();
  }

  close(tell = true) {
    this.closed = true;
    clearInterval(this.timer);
    if (tell && this.id) this.post({ janus: "destroy" }, `/${this.id}`).catch(() => {});
  }
}

function withTimeout(promise, what) {
  return Promise.race([promise, sleep(REPLY_MS).then(() => {
    throw new JanusError(`${what} timed out`);
  })]);
}

/** Publish `media` into the granted room; resolves once Janus has it. */
export async function publishTo(grant, media, config, onEnd) {
  const session = new Session(grant);
  await session.start();
  let up;
  const ready = new Promise((resolve, reject) => { up = { resolve, reject }; });
  const handle = await session.attach((event) => {
    if (event.janus === "webrtcup") up.resolve();
    if (event.janus === "hangup") {
      up.reject(new JanusError(event.reason || "hung up"));
      onEnd();
    }
  });
  session.onGone = onEnd;
  const pc = new RTCPeerConnection(config);
  try {
    await session.message(handle, { request: "join", ptype: "publisher", room: grant.room,
      pin: grant.pin, token: grant.join_token, display: "LiveVote" });
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [media] });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { jsep } = await session.message(handle, { request: "publish" },
      { type: "offer", sdp: pc.localDescription.sdp, trickle: false });
    await pc.setRemoteDescription(jsep);
    await withTimeout(ready, "publishing");
  } catch (error) {
    pc.close();
    session.close();
    throw error;
  }
  const stop = async () => {
    session.onGone = () => {};
    await session.message(handle, { request: "leave" }).catch(() => {});
    pc.close();
    session.close();
  };
  return { pc, stop, close: () => { stop(); } };
}

/** Receive the granted room's first publisher; `onTrack` as RTCPeerConnection's,
 *  `onEnd` when Janus ends it (the publisher left, or the grant was taken back). */
export async function subscribeTo(grant, { config, audioOnly, onTrack, onEnd }) {
  const session = new Session(grant);
  await session.start();
  const handle = await session.attach((event) => {
    const data = (event.plugindata && event.plugindata.data) || {};
    if (event.janus === "hangup" || data.unpublished || data.left) onEnd();
  });
  session.onGone = onEnd;
  const pc = new RTCPeerConnection(config);
  pc.ontrack = onTrack;
  try {
    const { jsep } = await session.message(handle, { request: "join", ptype: "subscriber",
      room: grant.room, pin: grant.pin, streams: [{ feed: grant.feeds[0] }] });
    await pc.setRemoteDescription(jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await session.message(handle, { request: "start" },
      { type: "answer", sdp: pc.localDescription.sdp, trickle: false });
    if (audioOnly) { // Janus stops sending the video instead of the page dropping it
      const streams = pc.getTransceivers().filter((t) => t.receiver.track.kind === "video")
        .map((t) => ({ mid: t.mid, send: false }));
      await session.message(handle, { request: "configure", streams });
    }
  } catch (error) {
    pc.close();
    session.close();
    throw error;
  }
  return {
    pc,
    close() {
      session.onGone = () => {};
      pc.close();
      session.close();
    },
  };
}
