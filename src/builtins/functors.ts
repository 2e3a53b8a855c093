// The built-in functors, one row each: name, arity, argument and result types, semantics and CALM
// class. The parser, checker, planner, code generator, explain's interpreter and the invariant
// prover all read this table; adding a functor is adding a row. Values here are values, not codes.

import { isStructured, structuredOrd } from "./structured.js";

/** A primitive type, as `syntax/ast.ts` names it. */
export type BuiltinType = "symbol" | "number" | "unsigned" | "float";

/** Thrown by an operation; the engine turns it into a CL405 `UserError` with the rule's span. */
export class ArithmeticFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArithmeticFault";
  }
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;

/** Types a functor argument accepts. */
const SYMBOL: readonly BuiltinType[] = ["symbol"];
const NUMBER: readonly BuiltinType[] = ["number"];
const UNSIGNED: readonly BuiltinType[] = ["unsigned"];
const FLOAT: readonly BuiltinType[] = ["float"];
const NUMERIC: readonly BuiltinType[] = ["number", "unsigned", "float"];
const ANY: readonly BuiltinType[] = ["symbol", "number", "unsigned", "float"];

export function overflow(what: string, a: number, b: number | null, type: string): never {
  throw new ArithmeticFault(`\`${b === null ? `${what}${a}` : `${a} ${what} ${b}`}\` is outside the range of \`${type}\``);
}

/** Wraps an exact integer result to a signed 32-bit one. */
export function i32(r: number, op: string, a: number, b: number | null): number {
  if (Number.isNaN(r) || !Number.isFinite(r)) overflow(op, a, b, "number");
  if (r <= INT32_MAX && r >= INT32_MIN) return r === 0 ? 0 : r;
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(r))));
}
/** Wraps an exact integer result to an unsigned 32-bit one. */
export function u32(r: number, op: string, a: number, b: number | null): number {
  if (Number.isNaN(r) || !Number.isFinite(r)) overflow(op, a, b, "unsigned");
  if (r <= UINT32_MAX && r >= 0) return r === 0 ? 0 : r;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(r))));
}

/** A computed value stored in a `number` column. */
export const toI = (a: number): number => (Number.isInteger(a) ? i32(a, "", a, null) : overflow("", a, null, "number"));
/** A computed value stored in an `unsigned` column, as its bit pattern. */
export const toU = (a: number): number => (Number.isInteger(a) ? u32(a, "", a, null) | 0 : overflow("", a, null, "unsigned"));

/** Code-point order (not UTF-16 code-unit order: astral characters sort after U+FFFF). */
export function compareSymbols(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF) encode code points above U+FFFF, so they sort after U+E000-FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

// Every implementation takes and returns values: a symbol is a string, the three numeric types are numbers.
// In a 64-bit program (`run --64`) integers are BigInts: a row's `<impl>64` is the 64-bit
// implementation of `<impl>`, which the code generator picks instead once per program.
type Impl = (...args: never[]) => string | number | boolean | bigint;

const parseNumber = (s: string): number => {
  // Decimal, `0x` hexadecimal or `0b` binary, with an optional sign, as Soufflé reads numbers.
  const t = s.trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)$/.exec(t);
  if (m === null) throw new ArithmeticFault(`\`to_number(${JSON.stringify(s)})\`: not a number`);
  const n = Number(m[2]!.toLowerCase().startsWith("0b") ? BigInt(m[2]!) : m[2]!) * (m[1] === "-" ? -1 : 1);
  return i32(n, "to_number ", n, null);
};
const parseFloat = (s: string): number => {
  const t = s.trim();
  const f = Number(t);
  if (t === "" || Number.isNaN(f)) throw new ArithmeticFault(`\`to_float(${JSON.stringify(s)})\`: not a number`);
  return f;
};
const parseUnsigned = (s: string): number => {
  const t = s.trim();
  if (!/^\+?\d+$/.test(t)) throw new ArithmeticFault(`\`to_unsigned(${JSON.stringify(s)})\`: not a number`);
  return u32(Number(t), "to_unsigned ", Number(t), null);
};

/** A symbol read as a 64-bit integer, wrapped to `bits` (asIntN or asUintN). */
const parse64 = (name: string, wrap: (b: bigint) => bigint, unsigned: boolean) => (s: string): bigint => {
  const t = s.trim();
  const m = (unsigned ? /^\+?(\d+)$/ : /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)$/).exec(t);
  if (m === null) throw new ArithmeticFault(`\`${name}(${JSON.stringify(s)})\`: not a number`);
  const v = unsigned ? BigInt(m[1]!) : BigInt(m[2]!.toLowerCase()) * (m[1] === "-" ? -1n : 1n);
  return wrap(v);
};
/** A float truncated toward zero to a 64-bit integer, wrapped. */
const float64 = (type: string, wrap: (b: bigint) => bigint) => (a: number): bigint => {
  if (!Number.isFinite(a)) overflow("", a, null, type);
  return wrap(BigInt(Math.trunc(a)));
};
const asI64 = (b: bigint): bigint => BigInt.asIntN(64, b);
const asU64 = (b: bigint): bigint => BigInt.asUintN(64, b);

// The three conversion families: each picks its implementation from the type of its argument.
const intImpls = {
  parse: parseNumber, fromNumber: (a: number) => toI(a), fromFloat: (a: number) => toI(Math.trunc(a)),
  parse64: parse64("to_number", asI64, false), fromNumber64: asI64, fromFloat64: float64("number", asI64),
};
const floatImpls = { parse: parseFloat, fromNumber: (a: number) => a, parse64: parseFloat, fromNumber64: (a: bigint | number) => Number(a) };
const unsignedImpls = {
  parse: parseUnsigned, fromNumber: (a: number) => toU(a) >>> 0, fromFloat: (a: number) => toU(Math.trunc(a)) >>> 0,
  parse64: parse64("to_unsigned", asU64, true), fromNumber64: asU64, fromFloat64: float64("unsigned", asU64),
};
const pickInt = (args: readonly BuiltinType[]) => (args[0] === "symbol" ? "parse" : args[0] === "float" ? "fromFloat" : "fromNumber");
const pickFloat = (args: readonly BuiltinType[]) => (args[0] === "symbol" ? "parse" : "fromNumber");

/**
 * How a functor's rule reads under CALM: `monotone` means its value depends on its arguments only;
 * `order-dependent` means it depends on the order facts arrive in (a replica may compute another value).
 */
export type CalmClass = "monotone" | "order-dependent";

/** One built-in functor. */
export interface Builtin {
  readonly name: string;
  /** Least and most arguments (`Infinity`: any number from `min`). */
  readonly min: number;
  readonly max: number;
  /** The types each argument accepts; a variadic functor repeats its one entry. */
  readonly args: readonly (readonly BuiltinType[])[];
  readonly variadic: boolean;
  /** The result type, or `"args"`: the type of the (unified) arguments. */
  readonly result: BuiltinType | "args";
  readonly calm: CalmClass;
  /** `generator`: `x = f(...)` binds one value per result (the planner makes it a step of its own). */
  readonly generator: boolean;
  /** `counter`: the implementation takes the engine's counter state instead of arguments. */
  readonly state?: "counter";
  readonly doc: string;
  /** The implementations, by the name `pick` chooses (the code generator emits `B.<name>.<impl>(...)`). */
  readonly impls: Readonly<Record<string, Impl>>;
  /** The implementation for these argument types and this result type, chosen once, before evaluation. */
  pick(args: readonly BuiltinType[], result: BuiltinType): string;
  /** The Z3 encoding over integer terms of a call with a numeric result (null: the prover does not encode it). */
  readonly smt: ((args: readonly string[]) => string) | null;
}

const fixed = (name: string) => () => name;
const minMaxSmt = (cmp: "<" | ">") => (xs: readonly string[]) => xs.reduce((acc, x) => `(ite (${cmp} ${x} ${acc}) ${x} ${acc})`);

/** The table. The order is the order messages list the functors in. */
export const BUILTINS = {
  cat: {
    name: "cat", min: 2, max: Infinity, args: [SYMBOL], variadic: true, result: "symbol", calm: "monotone", generator: false,
    doc: "the arguments joined into one symbol",
    impls: { cat: (...parts: string[]) => parts.join("") }, pick: fixed("cat"), smt: null,
  },
  strlen: {
    name: "strlen", min: 1, max: 1, args: [SYMBOL], variadic: false, result: "number", calm: "monotone", generator: false,
    doc: "the length in code points",
    impls: {
      strlen: (s: string) => {
        let n = 0;
        for (const _ of s) n++;
        return n;
      },
    },
    pick: fixed("strlen"), smt: null,
  },
  substr: {
    name: "substr", min: 3, max: 3, args: [SYMBOL, NUMBER, NUMBER], variadic: false, result: "symbol", calm: "monotone", generator: false,
    doc: "`substr(s, i, n)`: `n` code points from index `i` (0-based); `i` outside the string gives \"\", as in Soufflé",
    impls: {
      substr: (s: string, i: number, n: number) => {
        const cps = Array.from(s);
        if (i < 0 || i > cps.length || n < 0) return "";
        return cps.slice(i, i + n).join("");
      },
      // Indexes past 2^53 are past any string's end, so a Number of them is exact where it matters.
      substr64: (s: string, i: bigint, n: bigint) => {
        const cps = Array.from(s);
        if (i < 0n || i > BigInt(cps.length) || n < 0n) return "";
        return cps.slice(Number(i), Number(i) + Math.min(Number(n), cps.length)).join("");
      },
    },
    pick: fixed("substr"), smt: null,
  },
  ord: {
    name: "ord", min: 1, max: 1, args: [SYMBOL], variadic: false, result: "number", calm: "monotone", generator: false,
    doc: "the code point of the first character (Soufflé returns its internal symbol number, which is not stable); of a record or ADT value, a number of its own per value",
    impls: {
      ord: (s: string) => {
        if (isStructured(s)) return structuredOrd(s);
        const c = s.codePointAt(0);
        if (c === undefined) throw new ArithmeticFault("`ord` of the empty string");
        return c;
      },
    },
    pick: fixed("ord"), smt: null,
  },
  to_number: {
    // Reads a symbol, or converts another numeric type (as `to_float`, `to_unsigned` do).
    name: "to_number", min: 1, max: 1, args: [ANY], variadic: false, result: "number", calm: "monotone", generator: false,
    doc: "a symbol read as a `number` (decimal, `0x`, `0b`), or a number converted (a float truncated)",
    impls: intImpls, pick: pickInt, smt: null,
  },
  to_string: {
    name: "to_string", min: 1, max: 1, args: [ANY], variadic: false, result: "symbol", calm: "monotone", generator: false,
    doc: "a number as a symbol (a symbol stays itself, Soufflé's S2S); a float as C's `%f` prints it (std::to_string): `2.000000`",
    impls: {
      to_string: (v: number | string) => String(v),
      float: (v: number) => (Math.abs(v) < 1e21 ? v.toFixed(6) : BigInt(Math.trunc(v)).toString() + ".000000"),
    },
    pick: (args: readonly BuiltinType[]) => (args[0] === "float" ? "float" : "to_string"), smt: null,
  },
  min: {
    name: "min", min: 2, max: Infinity, args: [ANY], variadic: true, result: "args", calm: "monotone", generator: false,
    doc: "the least argument (symbols in code-point order)",
    impls: {
      number: (...xs: number[]) => xs.reduce((a, b) => (b < a ? b : a)),
      symbol: (...xs: string[]) => xs.reduce((a, b) => (compareSymbols(b, a) < 0 ? b : a)),
    },
    pick: (_args: readonly BuiltinType[], result: BuiltinType) => (result === "symbol" ? "symbol" : "number"),
    smt: minMaxSmt("<"),
  },
  max: {
    name: "max", min: 2, max: Infinity, args: [ANY], variadic: true, result: "args", calm: "monotone", generator: false,
    doc: "the greatest argument (symbols in code-point order)",
    impls: {
      number: (...xs: number[]) => xs.reduce((a, b) => (b > a ? b : a)),
      symbol: (...xs: string[]) => xs.reduce((a, b) => (compareSymbols(b, a) > 0 ? b : a)),
    },
    pick: (_args: readonly BuiltinType[], result: BuiltinType) => (result === "symbol" ? "symbol" : "number"),
    smt: minMaxSmt(">"),
  },
  to_float: {
    name: "to_float", min: 1, max: 1, args: [NUMERIC], variadic: false, result: "float", calm: "monotone", generator: false,
    doc: "a number as a `float` (a symbol argument is read)",
    impls: floatImpls, pick: pickFloat, smt: null,
  },
  to_unsigned: {
    name: "to_unsigned", min: 1, max: 1, args: [NUMERIC], variadic: false, result: "unsigned", calm: "monotone", generator: false,
    doc: "a number as an `unsigned`, wrapping around (a float truncated; a symbol argument is read)",
    impls: unsignedImpls, pick: pickInt, smt: null,
  },
  itof: {
    name: "itof", min: 1, max: 1, args: [NUMBER], variadic: false, result: "float", calm: "monotone", generator: false,
    doc: "a `number` as a `float`", impls: floatImpls, pick: pickFloat, smt: null,
  },
  itou: {
    name: "itou", min: 1, max: 1, args: [NUMBER], variadic: false, result: "unsigned", calm: "monotone", generator: false,
    doc: "a `number` as an `unsigned`", impls: unsignedImpls, pick: pickInt, smt: null,
  },
  utof: {
    name: "utof", min: 1, max: 1, args: [UNSIGNED], variadic: false, result: "float", calm: "monotone", generator: false,
    doc: "an `unsigned` as a `float`", impls: floatImpls, pick: pickFloat, smt: null,
  },
  utoi: {
    name: "utoi", min: 1, max: 1, args: [UNSIGNED], variadic: false, result: "number", calm: "monotone", generator: false,
    doc: "an `unsigned` as a `number`, wrapping around", impls: intImpls, pick: pickInt, smt: null,
  },
  ftoi: {
    name: "ftoi", min: 1, max: 1, args: [FLOAT], variadic: false, result: "number", calm: "monotone", generator: false,
    doc: "a `float` as a `number`, truncated toward zero", impls: intImpls, pick: pickInt, smt: null,
  },
  ftou: {
    name: "ftou", min: 1, max: 1, args: [FLOAT], variadic: false, result: "unsigned", calm: "monotone", generator: false,
    doc: "a `float` as an `unsigned`, truncated toward zero", impls: unsignedImpls, pick: pickInt, smt: null,
  },
  range: {
    // `x = range(a, b, step)` gives every value from `a` up (or down) to `b`, exclusive.
    name: "range", min: 2, max: 3, args: [NUMERIC], variadic: true, result: "args", calm: "monotone", generator: true,
    doc: "`x = range(a, b)` or `range(a, b, step)`: one binding of `x` per value from `a` toward `b`, exclusive",
    impls: {
      /** The step when none is given: toward `to`. */
      step: (from: number, to: number) => (from <= to ? 1 : -1),
      /** Value `k`: from + k * step, so a float step does not accumulate rounding. */
      at: (from: number, step: number, k: number) => from + k * step,
      /** Whether value `k`, `x`, is still inside the range; a zero step gives `from` once unless the range is empty (Soufflé's runRange). */
      inside: (x: number, to: number, step: number, k: number) => step > 0 ? x < to : step < 0 ? x > to : k === 0 && x !== to,
      step64: (from: bigint, to: bigint) => (from <= to ? 1n : -1n),
      at64: (from: bigint, step: bigint, k: number) => from + BigInt(k) * step,
      inside64: (x: bigint, to: bigint, step: bigint, k: number) => step > 0n ? x < to : step < 0n ? x > to : k === 0 && x !== to,
    },
    pick: fixed("at"), smt: null,
  },
  autoinc: {
    // Soufflé's counter: the next number each time it is evaluated (also written `$`).
    name: "autoinc", min: 0, max: 0, args: [], variadic: false, result: "number", calm: "order-dependent", generator: false, state: "counter",
    doc: "0, 1, 2, ... per evaluation, in the order the rules evaluate it",
    impls: { next: (counter: { n: number }) => counter.n++ | 0 }, pick: fixed("next"), smt: null,
  },
} as const satisfies Record<string, Builtin>;

export type BuiltinName = keyof typeof BUILTINS;

/** The functor names, in table order. */
export const BUILTIN_NAMES: readonly BuiltinName[] = Object.keys(BUILTINS) as BuiltinName[];

/** The row of a name, or undefined for a record, an ADT branch or an unknown name. */
export function builtin(name: string): Builtin | undefined {
  return Object.hasOwn(BUILTINS, name) ? (BUILTINS as Record<string, Builtin>)[name] : undefined;
}

/** The implementations the generated code calls, by functor name. */
export const BUILTIN_IMPLS: Readonly<Record<BuiltinName, Readonly<Record<string, Impl>>>> = Object.fromEntries(
  BUILTIN_NAMES.map((n) => [n, BUILTINS[n].impls]),
) as unknown as Record<BuiltinName, Readonly<Record<string, Impl>>>;

/** Applies a functor to values; `args` and `result` are the planned types. Explain and tests call this; generated code calls the same implementation. */
export function applyBuiltin(name: BuiltinName, values: readonly (string | number)[], args: readonly BuiltinType[], result: BuiltinType): string | number {
  const b: Builtin = BUILTINS[name];
  const f = b.impls[b.pick(args, result)] as unknown as (...a: (string | number)[]) => string | number;
  return f(...values);
}

/** The argument types a call accepts at position `i`. */
export function argTypes(b: Builtin, i: number): readonly BuiltinType[] {
  return b.variadic ? b.args[0]! : b.args[i]!;
}
