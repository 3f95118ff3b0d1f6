// One consent act of a drive's bundle, as live/verify.py check_act checks it:
// its SHA-256 over the canonical record, its Ed25519 signature (WebCrypto) by
// the key that signed the bundle, and that it was signed for this drive, its
// manifest, form and attachments, between the opening and the deadline, with a
// time stamp token (if any) that names its digest.
import { canonical, canonicalText, hex, sha256Hex } from "./verify-json.js";
import { get, isDict, pyEq, pyRepr, pyStr } from "./verify-py.js";
import { ACTS } from "./verify-recount.js";
import { signatureValid } from "./verify-sig.js";

/**
 * For each act {sha256, valid}: the SHA-256 of its canonical record, and whether
 * its signature matches (null: this browser cannot check Ed25519). An act that
 * stands in `acts` and in `history` is checked once.
 */
export async function signatures(acts) {
  const seen = new Map();
  return Promise.all(acts.map((act) => {
    const sig = act.signature;
    const text = canonicalText(act.record);
    const id = JSON.stringify([pyStr(get(sig, "public_key")), pyStr(get(sig, "signature")),
      text]);
    if (!seen.has(id)) {
      const signed = canonical(act.record);
      seen.set(id, Promise.all([sha256Hex(signed),
        signatureValid(get(sig, "public_key"), get(sig, "signature"), signed)])
        .then(([sha256, valid]) => ({ sha256, valid })));
    }
    return seen.get(id);
  }));
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether an RFC 3161 token (base64) carries `digest` (hex) as its message imprint;
 * the authority's own signature is for live/tsa.py, with the authority's CA. */
function carries(token, digest) {
  if (!B64.test(token) || token.length % 4) return false;
  let bytes;
  try {
    bytes = hex(Uint8Array.from(atob(token), (c) => c.charCodeAt(0)));
  } catch {
    return false;
  }
  for (let at = bytes.indexOf(digest); at >= 0; at = bytes.indexOf(digest, at + 1)) {
    if (at % 2 === 0) return true; // on a byte boundary
  }
  return false;
}

/** What the record must say to be an act of this drive. */
function expected(bundle) {
  const { manifest } = bundle;
  return {
    drive: manifest.drive, manifest_sha256: bundle.manifest_sha256,
    form_sha256: manifest.form_sha256,
    attachments: manifest.attachments.filter(isDict).map((a) => get(a, "sha256")),
  };
}

/** The problems of one act (`where`: "acts[2]"); `checked` from signatures(). */
export function checkAct(bundle, act, where, signer, checked, add) {
  const { record } = act;
  const { manifest } = bundle;
  const owner = Array.from(record.owner).slice(0, 12).join("");
  const at = `${where} (owner ${owner}…, ${record.choice})`;
  if (checked.sha256 !== act.sha256) add("act_hash", { where: at });
  const signature = act.signature;
  if (checked.valid === false) add("act_sig", { where: at });
  else if (checked.valid && !pyEq(get(signature, "public_key"), signer)) {
    add("act_key", { where: at, got: pyRepr(get(signature, "public_key")) });
  }
  for (const [name, value] of Object.entries(expected(bundle))) {
    if (!pyEq(get(record, name), value)) {
      add("act_bound", { where: at, name, got: pyRepr(get(record, name)), want: pyRepr(value) });
    }
  }
  if (!ACTS.includes(record.choice)) add("act_choice", { where: at });
  if (!(manifest.opened_at <= record.ts && record.ts <= manifest.deadline)) {
    add("act_time", { where: at, ts: pyStr(record.ts), opened: pyStr(manifest.opened_at),
      deadline: pyStr(manifest.deadline) });
  }
  const stamp = Object.hasOwn(act, "timestamp") ? act.timestamp : null;
  if (stamp !== null && !carries(stamp.token, checked.sha256)) add("act_stamp", { where: at });
}
