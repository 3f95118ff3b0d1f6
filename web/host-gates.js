// The host's entry checks: QR scan, PIN, verified phone, GPS fence; and the outbox of
// verification texts that staff can read out when no SMS gateway is configured.
import { errorText, t } from "./i18n.js";
import { h } from "./ui.js";

const $ = (id) => document.getElementById(id);
const SHORT = { qr: "QR", fence: "GPS", pin: "PIN", phone: "SMS" };
const OUTBOX_EVERY_MS = 5000;

export class GatesPanel {
  /** call(event, body): a /host command; status(text): the console's status line. */
  constructor({ call, status }) {
    this.call = call;
    this.status = status;
    this.gates = null;
    this.outboxTimer = 0;
    $("gates-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save(this.formBody());
    });
    $("g-pin-off").addEventListener("click", () => this.save({ pin: null }));
    $("g-fence-off").addEventListener("click", () => this.save({ fence: null }));
    $("g-here").addEventListener("click", () => this.fillHere());
    $("outbox-refresh").addEventListener("click", () => this.refreshOutbox());
  }

  async load() {
    try {
      this.show(await this.call("gates:get"));
    } catch (error) {
      $("gates-error").textContent = errorText(error, { detail: true });
    }
  }

  show(gates) {
    this.gates = gates;
    const required = gates.required;
    $("g-qr").checked = required.includes("qr");
    $("g-phone").checked = required.includes("phone");
    $("g-staff").hidden = !required.includes("qr");
    $("g-staff-code").textContent = gates.staff_code || "";
    $("g-pin-state").textContent = gates.pin_set ? t("pin_is_set") : t("pin_not_set");
    $("g-pin-off").hidden = !gates.pin_set;
    $("g-pin").value = "";
    $("g-fence-off").hidden = !gates.fence;
    if (gates.fence) {
      $("g-lat").value = gates.fence.lat;
      $("g-lon").value = gates.fence.lon;
      $("g-radius").value = gates.fence.radius_m;
    }
    $("gates-now").textContent = required.length
      ? t("gates_now", { list: required.map((g) => SHORT[g]).join(" · ") }) : t("gates_none");
    $("outbox-box").hidden = !required.includes("phone");
    clearInterval(this.outboxTimer);
    if (required.includes("phone")) {
      this.refreshOutbox();
      this.outboxTimer = setInterval(() => this.refreshOutbox(), OUTBOX_EVERY_MS);
    }
  }

  /** Booleans always; a PIN only when typed; the fence only when all three are filled. */
  formBody() {
    const body = { qr: $("g-qr").checked, phone: $("g-phone").checked };
    const pin = $("g-pin").value.trim();
    if (pin) body.pin = pin;
    const fence = ["g-lat", "g-lon", "g-radius"].map((id) => $(id).value.trim());
    if (fence.every(Boolean)) {
      const [lat, lon, radius] = fence.map(Number);
      body.fence = { lat, lon, radius_m: radius };
    }
    return body;
  }

  async save(body) {
    $("gates-error").textContent = "";
    const submit = $("gates-form").querySelector("[type=submit]");
    submit.disabled = true;
    try {
      this.show(await this.call("gates:set", body));
      this.status(t("gates_saved"));
    } catch (error) {
      $("gates-error").textContent = errorText(error, { detail: true });
    } finally {
      submit.disabled = false;
    }
  }

  fillHere() {
    if (!navigator.geolocation) {
      $("gates-error").textContent = errorText({ code: "location_unavailable" });
      return;
    }
    navigator.geolocation.getCurrentPosition(({ coords }) => {
      $("g-lat").value = coords.latitude.toFixed(6);
      $("g-lon").value = coords.longitude.toFixed(6);
      if (!$("g-radius").value) $("g-radius").value = "200";
    }, () => {
      $("gates-error").textContent = errorText({ code: "location_unavailable" });
    }, { enableHighAccuracy: true, timeout: 20000 });
  }

  async refreshOutbox() {
    let entries;
    try {
      entries = await this.call("outbox:get");
    } catch {
      return;
    }
    const list = $("outbox-list");
    list.replaceChildren(...entries.map((entry) => h("li", {},
      h("time", {}, new Date(entry.at).toLocaleTimeString()), " ",
      h("strong", {}, entry.to), " ", entry.text)));
    $("outbox-empty").hidden = entries.length > 0;
  }

  stop() {
    clearInterval(this.outboxTimer);
  }
}
