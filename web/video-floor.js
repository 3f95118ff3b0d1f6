// The member the chair gave the floor (발언 신청) speaks through the meeting's
// video: their microphone, and their camera when the browser allows it, go out
// with their member token, into Janus beside the chair (LIVE_VIDEO=janus) or,
// with the built-in relay, in place of the chair's broadcast for the turn.
// Audio first: a camera that fails leaves the microphone; a blocked microphone
// is reported with what to do.
import { Conn } from "./net.js";
import { gathered, publishTo } from "./video-janus.js";

async function openMedia() {
  try {
    return [await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 360 } }), "camera_on"];
  } catch {
    // the camera alone may be what failed or was refused: ask for the microphone only
  }
  try {
    return [await navigator.mediaDevices.getUserMedia({ audio: true }), "mic_only"];
  } catch (error) {
    const why = error && error.name === "NotAllowedError" ? "blocked" : "no_mic";
    throw Object.assign(new Error(why), { why });
  }
}

export class Floor {
  /** `onStatus(name)`: starting, camera_on, mic_only, on_air, blocked, no_mic, video_off, failed, ended. */
  constructor({ room, member, onStatus }) {
    Object.assign(this, { room, member, onStatus, on: false, conn: null });
    this.media = null;
    this.link = null; // janus: the publishing session
    this.pc = null; // relay: the publishing connection
    this.peer = "";
    this.mode = "relay";
  }

  async start() {
    if (this.on) return;
    this.on = true;
    this.onStatus("starting");
    this.conn ||= new Conn("/video");
    try {
      const state = await this.conn.call("video:status", { room: this.room });
      if (!state.enabled) {
        this.on = false;
        this.onStatus("video_off");
        return;
      }
      this.mode = state.mode;
      const [media, how] = await openMedia();
      this.media = media;
      if (!this.on) return this.release(); // the turn ended while the browser asked
      const config = { iceServers: state.ice_servers || [],
        iceTransportPolicy: state.ice_transport_policy || "all" };
      await (this.mode === "janus" ? this.toJanus(config) : this.toRelay(config));
      this.onStatus(how === "mic_only" ? "mic_only" : "camera_on");
    } catch (error) {
      this.on = false;
      this.release();
      this.onStatus(error.why || "failed");
    }
  }

  async toJanus(config) {
    const auth = { room: this.room, member: this.member };
    const grant = await this.conn.call("video:publish", auth);
    this.link = await publishTo(grant.janus, this.media, config, () => {
      if (this.link) this.stop(); // Janus ended it: the turn is over
    });
    await this.conn.call("video:live", auth); // viewers subscribe to this feed too
  }

  async toRelay(config) {
    const pc = (this.pc = new RTCPeerConnection(config));
    for (const track of this.media.getTracks()) {
      pc.addTransceiver(track, { direction: "sendonly", streams: [this.media] });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await this.conn.call("video:publish", {
      room: this.room, member: this.member, sdp: pc.localDescription.sdp });
    this.peer = answer.peer;
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  }

  release() {
    if (this.media) this.media.getTracks().forEach((track) => track.stop());
    this.media = null;
  }

  async stop() {
    const [link, pc, peer] = [this.link, this.pc, this.peer];
    const wasOn = this.on;
    Object.assign(this, { on: false, link: null, pc: null, peer: "" });
    this.release();
    if (link) await link.stop();
    if (pc) pc.close();
    if (peer) await this.conn.call("video:leave", { room: this.room, peer }).catch(() => {});
    if (link && this.conn) await this.conn.call("video:status", { room: this.room }).catch(() => {});
    if (wasOn) this.onStatus("ended");
  }
}
