// Checked arithmetic and functors, called from generated join code. `number` is a signed 32-bit
// integer and `unsigned` an unsigned one, as in Soufflé's default build, but a result outside the
// range is an error (CL405), not a silent wrap-around. Bitwise operators wrap, as bit patterns do.
import { compareSymbols, INT32_MAX, INT32_MIN, UINT32_MAX } from "./values.js";

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

function i32(r: number, op: string, a: number, b: number | null): number {
  if (r > INT32_MAX || r < INT32_MIN || Number.isNaN(r)) overflow(op, a, b, "number");
  return r === 0 ? 0 : r;
}
function u32(r: number, op: string, a: number, b: number | null): number {
  if (r > UINT32_MAX || r < 0 || Number.isNaN(r)) overflow(op, a, b, "unsigned");
  return r === 0 ? 0 : r;
}

/** Arithmetic per type; names are `<op><I|U|F>`. */
export const ops = {
  addI: (a: number, b: number) => i32(a + b, "+", a, b),
  subI: (a: number, b: number) => i32(a - b, "-", a, b),
  mulI: (a: number, b: number) => i32(a * b, "*", a, b),
  divI: (a: number, b: number) => (b === 0 ? divByZero("/", a) : i32(Math.trunc(a / b), "/", a, b)),
  modI: (a: number, b: number) => (b === 0 ? divByZero("%", a) : i32(a % b, "%", a, b)),
  powI: (a: number, b: number) => i32(Math.trunc(Math.pow(a, b)), "^", a, b),
  negI: (a: number) => i32(-a, "-", a, null),
  addU: (a: number, b: number) => u32(a + b, "+", a, b),
  subU: (a: number, b: number) => u32(a - b, "-", a, b),
  mulU: (a: number, b: number) => u32(a * b, "*", a, b),
  divU: (a: number, b: number) => (b === 0 ? divByZero("/", a) : u32(Math.trunc(a / b), "/", a, b)),
  modU: (a: number, b: number) => (b === 0 ? divByZero("%", a) : u32(a % b, "%", a, b)),
  powU: (a: number, b: number) => u32(Math.trunc(Math.pow(a, b)), "^", a, b),
  negU: (a: number) => u32(-a, "-", a, null),
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
  /** `substr(s, i, n)`: `n` code points from index `i` (0-based); `i` outside the string is CL405. */
  substr: (s: string, i: number, n: number) => {
    const cps = Array.from(s);
    if (i < 0 || i > cps.length || n < 0) throw new ArithmeticFault(`\`substr(${JSON.stringify(s)}, ${i}, ${n})\` is outside the string`);
    return cps.slice(i, i + n).join("");
  },
  /** The code point of the first character (Soufflé returns its internal symbol number, which is not stable). */
  ord: (s: string) => {
    const c = s.codePointAt(0);
    if (c === undefined) throw new ArithmeticFault("`ord` of the empty string");
    return c;
  },
  toNumber: (s: string) => {
    const t = s.trim();
    if (!/^[+-]?\d+$/.test(t)) throw new ArithmeticFault(`\`to_number(${JSON.stringify(s)})\`: not a number`);
    return i32(Number(t), "to_number ", Number(t), null);
  },
  toString: (v: number | string) => String(v),
  minN: (a: number, b: number) => (b < a ? b : a),
  maxN: (a: number, b: number) => (b > a ? b : a),
  minS: (a: string, b: string) => (compareSymbols(b, a) < 0 ? b : a),
  maxS: (a: string, b: string) => (compareSymbols(b, a) > 0 ? b : a),
  cmpS: compareSymbols,
};

export type Ops = typeof ops;
