// JSON exactly as the Python verifier sees it: a strict parser that keeps what
// JSON.parse would blur (floats written as "1.0", integers beyond 2^53), the
// canonical form json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False),
// and SHA-256. verify-py.js has the rest of Python's view of the parsed values.

const ENCODER = new TextEncoder();

/** A number written with a fraction or exponent: Python parses it as a float. */
export class PyFloat {
  constructor(value) {
    this.value = value;
  }

  valueOf() {
    return this.value;
  }
}

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WORDS = [["true", true], ["false", false], ["null", null]];

function setKey(obj, key, value) {
  // defineProperty, so a "__proto__" key is data like any other, as in Python.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Parse like Python's json.loads: integers stay exact, floats stay floats. */
export function parseJSON(text) {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (what) => {
    throw new SyntaxError(`not valid JSON at character ${at}: ${what}`);
  };
  const skip = () => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const token = (re) => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) fail(`unexpected ${JSON.stringify(text.slice(at, at + 12))}`);
    at = re.lastIndex;
    return m;
  };
  const expect = (ch) => {
    skip();
    if (text[at] !== ch) fail(`expected ${ch}`);
    at += 1;
  };
  function number() {
    const m = token(NUMBER);
    if (m[1] || m[2]) return new PyFloat(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }
  function value() {
    skip();
    const c = text[at];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return JSON.parse(token(STRING)[0]);
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [word, v] of WORDS) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    return fail(c === undefined ? "unexpected end" : `unexpected ${JSON.stringify(c)}`);
  }
  function array() {
    at += 1;
    const out = [];
    skip();
    if (text[at] === "]") {
      at += 1;
      return out;
    }
    for (;;) {
      out.push(value());
      skip();
      if (text[at] === "]") break;
      expect(",");
    }
    at += 1;
    return out;
  }
  function object() {
    at += 1;
    const out = {};
    skip();
    if (text[at] === "}") {
      at += 1;
      return out;
    }
    for (;;) {
      skip();
      if (text[at] !== '"') fail("expected a key");
      const key = JSON.parse(token(STRING)[0]);
      expect(":");
      setKey(out, key, value());
      skip();
      if (text[at] === "}") break;
      expect(",");
    }
    at += 1;
    return out;
  }
  const result = value();
  skip();
  if (at !== text.length) fail("extra data");
  return result;
}

/** repr(float) of CPython: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, e] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const pow = String(Math.abs(exp)).padStart(2, "0");
    return `${sign}${digits[0]}${rest}e${exp < 0 ? "-" : "+"}${pow}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
}

/** Order of Python's str comparison (code points), not of UTF-16 code units. */
export function byCodePoint(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      x += x >= 0xd800 && x <= 0xdfff ? 0x2000 : x >= 0xe000 ? -0x800 : 0;
      y += y >= 0xd800 && y <= 0xdfff ? 0x2000 : y >= 0xe000 ? -0x800 : 0;
      return x - y;
    }
  }
  return a.length - b.length;
}

function canon(v) {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return String(v === 0 ? 0 : v);
    return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  }
  // JSON.stringify escapes strings as Python does with ensure_ascii=False.
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort(byCodePoint);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`;
  }
  throw new TypeError(`cannot serialise ${typeof v}`);
}

/** The canonical text of a value (hash its UTF-8 bytes). */
export function canonicalText(value) {
  return canon(value);
}

/** The canonical UTF-8 bytes of a value. */
export function canonical(value) {
  return ENCODER.encode(canon(value));
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of a string's UTF-8 bytes, or of bytes, as lowercase hex. */
export async function sha256Hex(data) {
  if (!globalThis.crypto?.subtle) {
    throw new Error("no crypto.subtle: the page must be opened over https (or localhost)");
  }
  const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}
