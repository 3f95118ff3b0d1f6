// Python's view of values parsed by verify-json.js, so the checks read like
// live/verify.py: d.get and d[key], what a for-loop walks, sorted(), ==, truthiness,
// and repr()/str() for the messages.
import { PyFloat, byCodePoint, canonicalText } from "./verify-json.js";

export const isDict = (v) => v !== null && typeof v === "object" && !Array.isArray(v)
  && !(v instanceof PyFloat);

/** Python's d.get(key): a missing key is None; a non-dict is an error, as in Python. */
export function get(d, key) {
  if (!isDict(d)) throw new TypeError(`expected an object where ${pyRepr(key)} is read`);
  return Object.hasOwn(d, key) ? d[key] : null;
}

/** Python's d[key] (or list[i]): a missing key is an error. */
export function req(d, key) {
  if (Array.isArray(d) && Number.isInteger(key) && key >= 0 && key < d.length) return d[key];
  if (!isDict(d) || !Object.hasOwn(d, key)) throw new TypeError(`${pyRepr(key)} is missing`);
  return d[key];
}

/** What Python's for-loop walks: a list, the characters of a string, the keys of a dict. */
export function list(v, what) {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return Array.from(v);
  if (isDict(v)) return Object.keys(v);
  throw new TypeError(`${what} is not a list`);
}

/** sorted() of numbers or of strings; Python refuses to order a mix. */
export function pySorted(values) {
  if (values.every((v) => typeof v === "string")) return [...values].sort(byCodePoint);
  const numeric = (v) => typeof v !== "string" && (typeof v !== "object" || v instanceof PyFloat);
  if (values.every(numeric)) {
    return [...values].sort((a, b) => Number(a) - Number(b));
  }
  throw new TypeError("choices cannot be ordered");
}

export function text(v, what) {
  if (typeof v !== "string") throw new TypeError(`${what} is not text`);
  return v;
}

/** An integer as Python indexes with it (bool is an int there). */
export function int(v, what) {
  if (typeof v === "boolean" || typeof v === "bigint") return Number(v);
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new TypeError(`${what} is not an integer`);
}

export const intLike = (c) => typeof c === "boolean"
  || (typeof c === "number" && Number.isInteger(c));

export function num(v, what) {
  if (typeof v === "boolean" || typeof v === "bigint") return Number(v);
  if (typeof v === "number" || v instanceof PyFloat) return Number(v);
  throw new TypeError(`${what} is not a number`);
}

const isNumeric = (v) => typeof v === "number" || typeof v === "bigint"
  || typeof v === "boolean" || v instanceof PyFloat;

function numEq(a, b) {
  const x = typeof a === "boolean" ? Number(a) : a instanceof PyFloat ? a.value : a;
  const y = typeof b === "boolean" ? Number(b) : b instanceof PyFloat ? b.value : b;
  if (typeof x === "bigint" || typeof y === "bigint") {
    const whole = (n) => typeof n === "bigint" || Number.isInteger(n);
    return whole(x) && whole(y) ? BigInt(x) === BigInt(y) : Number(x) === Number(y);
  }
  return x === y;
}

/** Python's == for parsed JSON values (undefined is a missing key: None). */
export function pyEq(a, b) {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (isNumeric(x) && isNumeric(y)) return numEq(x, y);
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return x === y;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === y.length && x.every((v, i) => pyEq(v, y[i]));
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length
    && keys.every((k) => Object.hasOwn(y, k) && pyEq(x[k], y[k]));
}

/** Python's truthiness. */
export function pyTruthy(v) {
  if (v === null || v === undefined) return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

// What Python's repr escapes: control, format, private, unassigned and separator
// characters (all but the plain space).
const UNPRINTABLE = /[\\\n\r\t]|(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu;
const SHORT = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function strRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(UNPRINTABLE, (c) => {
    if (SHORT[c]) return SHORT[c];
    const code = c.codePointAt(0);
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
    if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`;
    return `\\U${code.toString(16).padStart(8, "0")}`;
  });
  return quote + body.split(quote).join(`\\${quote}`) + quote;
}

/** repr() of a parsed value, as the Python verifier prints it in its messages. */
export function pyRepr(v) {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return strRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object" && !(v instanceof PyFloat)) {
    return `{${Object.keys(v).map((k) => `${strRepr(k)}: ${pyRepr(v[k])}`).join(", ")}}`;
  }
  return canonicalText(v);
}

/** str() of a value, as an f-string shows it. */
export function pyStr(v) {
  return typeof v === "string" ? v : pyRepr(v);
}
