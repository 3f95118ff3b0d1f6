// Talking to the server: Socket.IO with acks, and the JSON HTTP API.
// The Socket.IO client is the vendored UMD build, loaded as a classic script (window.io).

export const ACK_TIMEOUT_MS = 8000;

/**
 * A refusal or failure with the protocol's stable `code`; `details` holds the
 * error's other fields (`tries_left`, `distance_m`, `wait_s`, ...).
 */
export class LiveError extends Error {
  constructor(code, message, fields = {}) {
    super(message || code);
    this.name = "LiveError";
    this.code = code;
    const { code: _c, message: _m, ...details } = fields || {};
    this.details = details;
  }

  /** The error object of a refusal envelope, as a LiveError. */
  static from(error, fallback = "internal") {
    return new LiveError(error?.code || fallback, error?.message, error);
  }
}

function unwrap(envelope) {
  if (envelope && envelope.ok === true) return envelope.data;
  const error = envelope && envelope.error;
  if (error && error.code) throw LiveError.from(error);
  throw new LiveError("internal", "the server sent an unexpected answer");
}

/**
 * One namespace connection. `onConnect(conn)` runs after every (re)connect and
 * before queued calls go out, so pages re-join or re-watch there.
 * `onStatus(status)` hears "connecting", "online" and "offline".
 */
export class Conn {
  constructor(namespace, { onConnect = null, onStatus = () => {}, onError = () => {} } = {}) {
    this.ready = false;
    this.waiters = [];
    this.onStatus = onStatus;
    this.socket = window.io(namespace, {
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    onStatus("connecting");
    this.socket.on("connect", async () => {
      try {
        if (onConnect) await onConnect(this);
      } catch (error) {
        onError(error);
      }
      if (this.socket.connected) this.setReady(true);
    });
    this.socket.on("disconnect", () => this.setReady(false));
    this.socket.on("connect_error", () => onStatus("offline"));
  }

  setReady(ready) {
    this.ready = ready;
    this.onStatus(ready ? "online" : "offline");
    if (!ready) return;
    const waiters = this.waiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  /** Resolves once connected and re-joined; rejects with `offline` after `timeoutMs`. */
  whenReady(timeoutMs) {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new LiveError("offline", "not connected"));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  on(event, handler) {
    this.socket.on(event, handler);
  }

  /**
   * Emit with an ack; returns `data` or throws LiveError. Calls wait until the
   * connection is ready unless `early` (used by the re-join in onConnect).
   */
  async call(event, payload, { timeout = ACK_TIMEOUT_MS, early = false } = {}) {
    if (!early) await this.whenReady(timeout);
    let envelope;
    try {
      envelope = await this.socket.timeout(timeout).emitWithAck(event, payload);
    } catch {
      throw new LiveError("timeout", `no answer to ${event}`);
    }
    return unwrap(envelope);
  }
}

/**
 * The JSON HTTP API; `key` is sent as a Bearer token. A Blob or File body (a
 * roster) goes as it is, as `type`.
 */
export async function api(method, path, body = null, key = null, type = "") {
  const headers = { accept: "application/json" };
  const raw = body instanceof Blob;
  if (body !== null) headers["content-type"] = raw ? type || body.type : "application/json";
  if (key) headers.authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === null ? undefined : raw ? body : JSON.stringify(body),
    });
  } catch {
    throw new LiveError("network", "the server cannot be reached");
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    throw new LiveError("internal", `HTTP ${response.status}`);
  }
  return unwrap(envelope);
}

/** `#room=ID&key=KEY` from the address; the fragment never reaches the server. */
export function readFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  return { room: params.get("room") || "", key: params.get("key") || "" };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random id for one intended vote (at most 64 characters). */
export function newClientKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
