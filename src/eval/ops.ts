// Arithmetic, called from generated join code (the functors are in `builtins/functors.ts`). `number` is a signed 32-bit integer and
// `unsigned` an unsigned one, as in Soufflé's default build, and a result outside the range wraps
// around as Soufflé's does (two's complement); division by zero is an error (CL405).
import { ecmaPatternToJs } from "../builtins/regex.js";
import { ArithmeticFault, BUILTIN_IMPLS, toI, toU } from "../builtins/functors.js";
import { compareSymbols } from "./values.js";
import { autoincCounter, choose, dominated } from "./order.js";
import { makeBranch, makeRecord, NIL, unpack } from "./records.js";

export { ArithmeticFault };

function divByZero(op: string, a: number): never {
  throw new ArithmeticFault(`division by zero in \`${a} ${op} 0\``);
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
  toI,
  /** A computed value stored in an `unsigned` column, as its bit pattern. */
  toU,
  /** The built-in functors' implementations (`builtins/functors.ts`), by functor name. */
  fn: BUILTIN_IMPLS,

  /**
   * `match(pattern, s)`: whether the whole of `s` matches the ECMAScript pattern, as `std::regex_match`;
   * null for a bad pattern, which fails the literal whether negated or not, as in Soufflé.
   */
  match: (pattern: string, s: string) => {
    let re = regexCache.get(pattern);
    if (re === undefined) {
      try {
        const js = ecmaPatternToJs(pattern);
        re = js === null ? null : new RegExp(`^(?:${js})$`, "u");
      } catch {
        re = null;
      }
      regexCache.set(pattern, re);
    }
    return re === null ? null : re.test(s);
  },
  cmpS: compareSymbols,
  record: makeRecord,
  branch: makeBranch,
  unpack,
  NIL,
  choose,
  /** The state of `autoinc()` for one engine. */
  counter: autoincCounter,
  dominated,
};

export type Ops = typeof ops;
