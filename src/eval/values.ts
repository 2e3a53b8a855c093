// Every stored value is one 32-bit code: `number` as itself, `unsigned` as its bits, `symbol` and
// `float` as an index into an intern table. Equal values have equal codes, so joins compare codes only.
import type { PrimitiveType } from "../syntax/ast.js";
import { compareSymbols, SymbolTable } from "./symbols.js";

export { compareSymbols };

import type { Value } from "../syntax/ast.js";
/** A value at the API boundary (the language's one `Value` type). */
export type { Value };
/** One tuple at the API boundary. */
export type Tuple = readonly Value[];

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;
export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** A 64-bit integer's text (decimal, `0x`, `0b`, optional sign) as a BigInt, or null. */
export function parseBigInteger(s: string): bigint | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)$/.exec(s.trim());
  if (m === null) return null;
  const v = BigInt(m[2]!.toLowerCase());
  return m[1] === "-" ? -v : v;
}

/** Interns symbols and floats to dense codes; one per engine (a clone copies it). */
export class ValueTable {
  /** Symbols, each held once as UTF-8 bytes (see symbols.ts). */
  readonly symbols: SymbolTable;
  readonly floats: number[] = [];
  private readonly floatCodes = new Map<number, number>();
  private symbolRanks: Int32Array | null = null;
  private floatRanks: Int32Array | null = null;
  /**
   * `run --64`: `number` and `unsigned` are 64-bit, interned here as BigInts (as floats are), so
   * rows keep one 32-bit code per value and joins still compare codes. Fixed when the table is made.
   */
  readonly wide: boolean;
  readonly ints: bigint[] = [];
  private readonly intCodes = new Map<bigint, number>();
  private intRanks: Int32Array | null = null;

  constructor(from?: ValueTable, wide = false) {
    this.symbols = new SymbolTable(from?.symbols);
    this.wide = from?.wide ?? wide;
    if (from) {
      this.ints.push(...from.ints);
      for (const [k, v] of from.intCodes) this.intCodes.set(k, v);
      this.intRanks = from.intRanks;
      this.floats.push(...from.floats);
      for (const [k, v] of from.floatCodes) this.floatCodes.set(k, v);
      // Rank tables are never written after they are made, so the copy may share them.
      this.symbolRanks = from.symbolRanks;
      this.floatRanks = from.floatRanks;
    }
  }

  /** A table holding these symbols and floats, with the codes they have there. */
  static of(symbols: SymbolTable, floats: readonly number[]): ValueTable {
    const t = new ValueTable();
    (t as { symbols: SymbolTable }).symbols = symbols;
    for (const f of floats) t.float(f);
    return t;
  }

  symbol(s: string): number {
    return this.symbols.intern(s);
  }

  float(f: number): number {
    // Map keys use SameValueZero: -0 and 0 are one value, NaN is one value.
    let c = this.floatCodes.get(f);
    if (c === undefined) {
      c = this.floats.length;
      this.floats.push(f === 0 ? 0 : f);
      this.floatCodes.set(f, c);
    }
    return c;
  }

  /** The code of a 64-bit integer (`run --64`); the caller has wrapped it to its type's range. */
  int(b: bigint): number {
    let c = this.intCodes.get(b);
    if (c === undefined) {
      c = this.ints.length;
      this.ints.push(b);
      this.intCodes.set(b, c);
    }
    return c;
  }

  /** The code of an API value (an integer, or its decimal text) in a 64-bit column, or null outside the range. */
  private encodeWide(unsigned: boolean, v: Value): number | null {
    let b: bigint | null = null;
    if (typeof v === "number") b = Number.isSafeInteger(v) ? BigInt(v) : null;
    else if (typeof v === "string") b = parseBigInteger(v);
    if (b === null || (unsigned ? b < 0n || b > UINT64_MAX : b < INT64_MIN || b > INT64_MAX)) return null;
    return this.int(b);
  }

  /** The code of a symbol if it was ever interned, else -1 (a lookup that cannot match). */
  symbolIfKnown(s: string): number {
    return this.symbols.find(s);
  }

  copy(): ValueTable {
    return new ValueTable(this);
  }

  /** The code of a JS value in a column of `type`, or null when it does not fit the type. */
  encode(type: PrimitiveType, v: Value): number | null {
    switch (type) {
      case "symbol":
        return typeof v === "string" ? this.symbol(v) : null;
      case "number":
        if (this.wide) return this.encodeWide(false, v);
        return typeof v === "number" && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? v : null;
      case "unsigned":
        if (this.wide) return this.encodeWide(true, v);
        return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX ? v | 0 : null;
      case "float":
        return typeof v === "number" ? this.float(v) : null;
    }
  }

  /** A value as the API gives it; in a 64-bit table an integer beyond 2^53 is its decimal text. */
  decode(type: PrimitiveType, code: number): Value {
    switch (type) {
      case "symbol":
        return this.symbols.text(code);
      case "number":
      case "unsigned":
        if (this.wide) {
          const b = this.ints[code]!;
          return b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : b.toString();
        }
        return type === "number" ? code : code >>> 0;
      case "float":
        return this.floats[code]!;
    }
  }

  /**
   * Rank of every code of `type` in value order (symbols by code point, floats numerically), for
   * sorting output without decoding each comparison. Null for integer types, whose codes sort as they are.
   */
  ranks(type: PrimitiveType): Int32Array | null {
    if (type === "number" || type === "unsigned") return this.wide ? this.wideRanks() : null;
    const n = type === "symbol" ? this.symbols.length : this.floats.length;
    // Codes are never removed, so the table is unchanged while its length is.
    const cached = type === "symbol" ? this.symbolRanks : this.floatRanks;
    if (cached !== null && cached.length === n) return cached;
    if (type === "symbol") return (this.symbolRanks = this.symbols.ranks());
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => compareFloats(this.floats[a]!, this.floats[b]!));
    const rank = new Int32Array(n);
    order.forEach((code, i) => (rank[code] = i));
    this.floatRanks = rank;
    return rank;
  }

  private wideRanks(): Int32Array {
    const n = this.ints.length;
    if (this.intRanks !== null && this.intRanks.length === n) return this.intRanks;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => (this.ints[a]! < this.ints[b]! ? -1 : this.ints[a]! > this.ints[b]! ? 1 : 0));
    const rank = new Int32Array(n);
    order.forEach((code, i) => (rank[code] = i));
    return (this.intRanks = rank);
  }
}

/** Numeric order with NaN last, so sorting is total. */
export function compareFloats(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/** Order of two API values of one column type. */
export function compareValues(type: PrimitiveType, a: Value, b: Value): number {
  if (type === "symbol") return compareSymbols(a as string, b as string);
  return compareFloats(a as number, b as number);
}

/** A value as Datalog source or a diagnostic shows it. */
export function showValue(v: Value): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
