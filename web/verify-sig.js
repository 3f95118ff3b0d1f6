// The Ed25519 signature, checked by the browser's own WebCrypto (no library).
import { hex } from "./verify-json.js";

const fromHex = (s) => Uint8Array.from(s.match(/../g), (b) => parseInt(b, 16));

// RFC 8032, section 7.1, test 1: the empty message. A browser that verifies it
// really implements Ed25519; one that throws or says no cannot check signatures.
const PROBE_KEY = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const PROBE_SIG = fromHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
  + "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

async function verifyRaw(publicKey, signature, data) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false,
    ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
}

let support = null;

/** Whether this browser verifies Ed25519 signatures (asked once). */
export function ed25519Supported() {
  support ??= (async () => {
    try {
      return Boolean(globalThis.crypto?.subtle)
        && await verifyRaw(PROBE_KEY, PROBE_SIG, new Uint8Array());
    } catch {
      return false;
    }
  })();
  return support;
}

/** Base64 as Python's b64decode reads it: other characters dropped, padding required. */
export function b64decode(text) {
  if (typeof text !== "string") throw new TypeError("not text");
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, "");
  if (clean.length % 4) throw new Error("incorrect padding");
  return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
}

/**
 * true or false for the signature over `data`; null when this browser cannot check
 * Ed25519 at all (the page then says so instead of passing the bundle).
 */
export async function signatureValid(publicKey, signature, data) {
  if (!(await ed25519Supported())) return null;
  try {
    return await verifyRaw(b64decode(publicKey), b64decode(signature), data);
  } catch {
    return false;
  }
}

/** A short, comparable fingerprint of a public key for people (first 16 hex of the raw key). */
export function keyFingerprint(publicKey) {
  try {
    return hex(b64decode(publicKey)).slice(0, 16);
  } catch {
    return "";
  }
}
