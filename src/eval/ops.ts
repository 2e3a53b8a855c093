// Arithmetic and functors, called from generated join code. `number` is a signed 32-bit integer and
// `unsigned` an unsigned one, as in Soufflé's default build, and a result outside the range wraps
// around as Soufflé's does (two's complement); division by zero is an error (CL405).
import { compareSymbols, INT32_MAX, INT32_MIN, UINT32_MAX } from "./values.js";
import { autoinc, choose, dominated } from "./order.js";
import { makeBranch, makeRecord, NIL, unpack } from "./records.js";

/** Thrown by an operation; the engine turns it into a CL405 `UserError` with the rule's span. */
export class ArithmeticFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArithmeticFault";
  }
}

function overflow(what: string, a: number, b: number | null, type: string): never {
  throw new ArithmeticFault(`\`${b === null ? `${what}${a}` : `${a} ${what} ${b}`}\` is outside the range of \`${type}\``);
}
function divByZero(op: string, a: number): never {
  throw new ArithmeticFault(`division by zero in \`${a} ${op} 0\``);
}

/** Wraps an exact integer result to a signed 32-bit one. */
function i32(r: number, op: string, a: number, b: number | null): number {
  if (Number.isNaN(r) || !Number.isFinite(r)) overflow(op, a, b, "number");
  if (r <= INT32_MAX && r >= INT32_MIN) return r === 0 ? 0 : r;
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(r))));
}
/** Wraps an exact integer result to an unsigned 32-bit one. */
function u32(r: number, op: string, a: number, b: number | null): number {
  if (Number.isNaN(r) || !Number.isFinite(r)) overflow(op, a, b, "unsigned");
  if (r <= UINT32_MAX && r >= 0) return r === 0 ? 0 : r;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(r))));
}
/** Integer power with wrap-around at each step, as repeated multiplication in 32 bits. */
function ipow(a: number, b: number, unsigned: boolean): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let r = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return unsigned ? r >>> 0 : r;
}

const regexCache = new Map<string, RegExp | null>();

/** Arithmetic per type; names are `<op><I|U|F>`. */
export const ops = {
  addI: (a: number, b: number) => (a + b) | 0,
  subI: (a: number, b: number) => (a - b) | 0,
  mulI: (a: number, b: number) => Math.imul(a, b),
  divI: (a: number, b: number) => (b === 0 ? divByZero("/", a) : (a / b) | 0),
  modI: (a: number, b: number) => (b === 0 ? divByZero("%", a) : (a % b) | 0),
  powI: (a: number, b: number) => ipow(a, b, false),
  negI: (a: number) => -a | 0,
  addU: (a: number, b: number) => (a + b) >>> 0,
  subU: (a: number, b: number) => (a - b) >>> 0,
  mulU: (a: number, b: number) => Math.imul(a, b) >>> 0,
  divU: (a: number, b: number) => (b === 0 ? divByZero("/", a) : Math.trunc(a / b) >>> 0),
  modU: (a: number, b: number) => (b === 0 ? divByZero("%", a) : (a % b) >>> 0),
  powU: (a: number, b: number) => ipow(a, b, true),
  negU: (a: number) => -a >>> 0,
  addF: (a: number, b: number) => a + b,
  subF: (a: number, b: number) => a - b,
  mulF: (a: number, b: number) => a * b,
  divF: (a: number, b: number) => (b === 0 ? divByZero("/", a) : a / b),
  modF: (a: number, b: number) => (b === 0 ? divByZero("%", a) : a % b),
  powF: (a: number, b: number) => Math.pow(a, b),
  negF: (a: number) => -a,

  /** A computed value stored in a `number` column. */
  toI: (a: number) => (Number.isInteger(a) ? i32(a, "", a, null) : overflow("", a, null, "number")),
  /** A computed value stored in an `unsigned` column, as its bit pattern. */
  toU: (a: number) => (Number.isInteger(a) ? u32(a, "", a, null) | 0 : overflow("", a, null, "unsigned")),

  cat: (...parts: string[]) => parts.join(""),
  /** Length in code points. */
  strlen: (s: string) => {
    let n = 0;
    for (const _ of s) n++;
    return n;
  },
  /** `substr(s, i, n)`: `n` code points from index `i` (0-based); `i` outside the string gives "", as in Soufflé. */
  substr: (s: string, i: number, n: number) => {
    const cps = Array.from(s);
    if (i < 0 || i > cps.length || n < 0) return "";
    return cps.slice(i, i + n).join("");
  },
  /** The code point of the first character (Soufflé returns its internal symbol number, which is not stable). */
  ord: (s: string) => {
    const c = s.codePointAt(0);
    if (c === undefined) throw new ArithmeticFault("`ord` of the empty string");
    return c;
  },
  /** Decimal, `0x` hexadecimal or `0b` binary, with an optional sign, as Soufflé reads numbers. */
  toNumber: (s: string) => {
    const t = s.trim();
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)$/.exec(t);
    if (m === null) throw new ArithmeticFault(`\`to_number(${JSON.stringify(s)})\`: not a number`);
    const n = Number(m[2]!.toLowerCase().startsWith("0b") ? BigInt(m[2]!) : m[2]!) * (m[1] === "-" ? -1 : 1);
    return i32(n, "to_number ", n, null);
  },
  toString: (v: number | string) => String(v),
  floatToString: (v: number) => (Math.abs(v) < 1e21 ? v.toFixed(6) : BigInt(Math.trunc(v)).toString() + ".000000"),
  toFloat: (s: string) => {
    const t = s.trim();
    const f = Number(t);
    if (t === "" || Number.isNaN(f)) throw new ArithmeticFault(`\`to_float(${JSON.stringify(s)})\`: not a number`);
    return f;
  },
  toUnsigned: (s: string) => {
    const t = s.trim();
    if (!/^\+?\d+$/.test(t)) throw new ArithmeticFault(`\`to_unsigned(${JSON.stringify(s)})\`: not a number`);
    return u32(Number(t), "to_unsigned ", Number(t), null);
  },
  /**
   * `match(pattern, s)`: whether the whole of `s` matches the ECMAScript pattern, as `std::regex_match`;
   * null for a bad pattern, which fails the literal whether negated or not, as in Soufflé.
   */
  match: (pattern: string, s: string) => {
    let re = regexCache.get(pattern);
    if (re === undefined) {
      try {
        re = new RegExp(`^(?:${pattern})$`, "u");
      } catch {
        re = null;
      }
      regexCache.set(pattern, re);
    }
    return re === null ? null : re.test(s);
  },
  minN: (a: number, b: number) => (b < a ? b : a),
  maxN: (a: number, b: number) => (b > a ? b : a),
  minS: (a: string, b: string) => (compareSymbols(b, a) < 0 ? b : a),
  maxS: (a: string, b: string) => (compareSymbols(b, a) > 0 ? b : a),
  cmpS: compareSymbols,
  record: makeRecord,
  branch: makeBranch,
  unpack,
  NIL,
  choose,
  autoinc,
  dominated,
};

export type Ops = typeof ops;
