// A phone's admission to a room: which checks it still needs, and the signed pass
// that every vote carries. The pass is kept per join code, so a reload keeps it.
import { load, save } from "./keep.js";
import { LiveError } from "./net.js";
import { gateCard } from "./voter-gates.js";

const passKey = (code) => `lv.pass.${code}`;

export class AdmissionDesk {
  /** conn(): the Conn; container: where the checks are drawn; onLockChange(): re-render. */
  constructor({ conn, container, onLockChange }) {
    this.conn = conn;
    this.container = container;
    this.onLockChange = onLockChange;
    this.code = "";
    this.admission = null; // {gates, passed, needs, pass}
    this.errors = new Map(); // gate -> LiveError
    this.busy = "";
    this.otpSentTo = "";
    this.phone = "";
    this.actions = {
      admit: (gate, proofs) => this.admit(gate, proofs),
      sendOtp: (phone) => this.sendOtp(phone),
      locate: () => this.locate(),
    };
  }

  get locked() {
    return Boolean(this.admission?.needs.length);
  }

  get pass() {
    return this.admission?.pass ?? null;
  }

  kept(code) {
    return load(passKey(code));
  }

  take(code, { gates, passed, needs, pass }) {
    const wasLocked = this.locked;
    this.code = code;
    this.admission = { gates, passed, needs, pass };
    save(passKey(code), pass);
    if (wasLocked !== this.locked) this.onLockChange();
    else this.render();
  }

  /** An old photo of the rotating QR: the page joins without it and asks for a fresh scan. */
  refuseQr(error) {
    this.errors.set("qr", error);
  }

  async call(gate, event, payload) {
    this.busy = gate;
    this.errors.delete(gate);
    this.render();
    try {
      return await this.conn().call(event, payload);
    } catch (error) {
      this.errors.set(gate, error);
      return null;
    } finally {
      this.busy = "";
      this.render();
    }
  }

  async admit(gate, proofs) {
    const admitted = await this.call(gate, "gate:admit", proofs);
    if (admitted) this.take(this.code, admitted);
  }

  async sendOtp(phone) {
    this.phone = phone;
    const sent = await this.call("phone", "otp:send", { phone });
    if (!sent) return;
    this.otpSentTo = sent.sent_to;
    this.render();
    document.getElementById("otp")?.focus();
  }

  locate() {
    if (!navigator.geolocation || !window.isSecureContext) {
      this.errors.set("fence", new LiveError("location_unavailable", ""));
      this.render();
      return;
    }
    this.busy = "fence";
    this.render();
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => this.admit("fence", {
        location: { lat: coords.latitude, lon: coords.longitude, accuracy: coords.accuracy },
      }),
      (failure) => {
        this.busy = "";
        const code = failure.code === 1 ? "location_denied" : "location_unavailable";
        this.errors.set("fence", new LiveError(code, ""));
        this.render();
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 },
    );
  }

  /** A vote was refused for want of a check (a gate added later, say): ask again. */
  async readmit() {
    try {
      this.take(this.code, await this.conn().call("gate:admit", {}));
    } catch {
      // the next join re-admits
    }
  }

  /** Draw the checks still needed, keeping whatever the voter already typed. */
  render() {
    const typed = [...this.container.querySelectorAll("input")].map((i) => [i.id, i.value]);
    const focused = document.activeElement?.dataset?.key;
    const cards = this.admission && this.locked ? [gateCard(this.admission, this)] : [];
    this.container.replaceChildren(...cards);
    for (const [id, value] of typed) {
      const input = document.getElementById(id);
      if (input && value) input.value = value;
    }
    if (focused) this.container.querySelector(`[data-key="${focused}"]`)?.focus();
  }
}
