// Tuples a report lists as new, kept as codes until something reads them: a text report shows a
// count and the first few, so decoding and sorting a first run's every fact and derived tuple (a
// million objects and strings) would cost more than the evaluation. Reading `added` decodes them
// all, once, in the order `Engine.tuples` gives.
import { sortRows } from "../eval/engine.js";
import type { SymbolTable } from "../eval/symbols.js";
import { compareFloats, compareSymbols, compareValues, type ValueTable } from "../eval/values.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { Tuple } from "./tuple-keys.js";

/** How many tuples a list holds and its first `n` in output order, without decoding the rest. */
export interface TuplePreview {
  readonly count: number;
  head(n: number): readonly Tuple[];
}

const previews = new WeakMap<object, TuplePreview>();

/**
 * `target` with an `added` property holding the rows `codes` (`types.length` codes each, distinct)
 * decoded and sorted on first read. The property is an ordinary enumerable one to every reader
 * (spread, `JSON.stringify`), only computed late.
 */
export function withLazyAdded<T extends object>(target: T, codes: Int32Array, types: readonly PrimitiveType[], values: ValueTable): T & { readonly added: readonly Tuple[] } {
  const arity = types.length;
  const count = arity === 0 ? 0 : codes.length / arity;
  let decoded: Tuple[] | null = null;
  const all = (): Tuple[] => (decoded ??= sortedTuples(codes, types, values));
  Object.defineProperty(target, "added", { enumerable: true, configurable: true, get: all });
  previews.set(target, { count, head: (n) => (decoded !== null || n >= count ? all().slice(0, n) : smallest(codes, types, values, n)) });
  return target as T & { readonly added: readonly Tuple[] };
}

/** The count and head of `x.added`, decoding only the head when the list was made by `withLazyAdded`. */
export function addedPreview(x: { readonly added: readonly Tuple[] }): TuplePreview {
  return previews.get(x) ?? { count: x.added.length, head: (n) => x.added.slice(0, n) };
}

/** Every row decoded, in `Engine.tuples` order (column by column, numbers numerically, symbols by code point). */
function sortedTuples(codes: Int32Array, types: readonly PrimitiveType[], values: ValueTable): Tuple[] {
  const arity = types.length;
  const n = arity === 0 ? 0 : codes.length / arity;
  // A few rows are sorted by their values, which spares ranking every symbol the table holds.
  if (n <= 65536) return decode(codes, types, values, n).sort(byValues(types));
  const order = sortRows(codes, n, arity, types.map((t) => values.ranks(t)), types);
  const out: Tuple[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = row(codes, order[i]! * arity, types, values);
  return out;
}

/**
 * The first `k` rows in output order: one pass keeping the row numbers of the `k` smallest, comparing
 * codes. Most rows lose to the `k`-th smallest on their first column alone; with a symbol there, that
 * comparison is remembered per symbol, so a first run's hundreds of thousands of rows (a few thousand
 * distinct first symbols) cost a byte read each.
 */
function smallest(codes: Int32Array, types: readonly PrimitiveType[], values: ValueTable, k: number): Tuple[] {
  const arity = types.length;
  const n = arity === 0 ? 0 : codes.length / arity;
  const best: number[] = [];
  // Per first-column symbol: GREATER once it compared greater than the k-th smallest's first column
  // (`bound`). That bound only falls, so GREATER stays true.
  const memo = types[0] === "symbol" && n > 4 * k;
  const greater = memo ? symbolMemo(values.symbols.length) : EMPTY_MEMO;
  const ASKED = 1;
  const GREATER = 2;
  let bound = -1;
  let asked = 0;
  for (let i = 0; i < n; i++) {
    if (best.length === k) {
      if (memo) {
        const x = codes[i * arity]!;
        let g = greater[x]!;
        if (g === 0) {
          greater[x] = g = x !== bound && compareSymbolCodes(values.symbols, x, bound) > 0 ? GREATER : ASKED;
          if (asked === memoAsked.length) memoAsked = grownAsked(memoAsked);
          memoAsked[asked++] = x;
        }
        if (g === GREATER) continue;
      }
      if (compareRows(codes, i * arity, best[k - 1]! * arity, types, values) >= 0) continue;
    }
    let at = best.length;
    while (at > 0 && compareRows(codes, i * arity, best[at - 1]! * arity, types, values) < 0) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
    // A symbol asked against an older bound and found not greater then goes on to the whole
    // comparison, which is right, only slower for the few symbols between the two bounds.
    if (memo && best.length === k) bound = codes[best[k - 1]! * arity]!;
  }
  // The memo is shared by every list: only the symbols this one asked about are cleared.
  for (let j = 0; j < asked; j++) greater[memoAsked[j]!] = 0;
  return decodeRows(codes, best, types, values);
}

const EMPTY_MEMO = new Uint8Array(0);
// One memo for every list, a byte per symbol, kept clear between lists: a table of ten million
// symbols would otherwise allocate 10 MB per relation and replica, which lingers until V8 collects.
let sharedMemo: Uint8Array = EMPTY_MEMO;
let memoAsked: Int32Array = new Int32Array(1024);

function symbolMemo(symbols: number): Uint8Array {
  if (sharedMemo.length < symbols) sharedMemo = new Uint8Array(Math.max(symbols, 2 * sharedMemo.length));
  return sharedMemo;
}

function grownAsked(asked: Int32Array): Int32Array {
  const grown = new Int32Array(2 * asked.length);
  grown.set(asked);
  return grown;
}

/** Rows `ids` of `codes`, decoded (kept out of `smallest`, whose optimised loop never sees it run). */
function decodeRows(codes: Int32Array, ids: readonly number[], types: readonly PrimitiveType[], values: ValueTable): Tuple[] {
  return ids.map((i) => row(codes, i * types.length, types, values));
}

/**
 * Output order of two rows of `codes` (at `a` and `b`) without decoding them: integers by value,
 * floats numerically, symbols as `compareSymbolCodes` orders them. A plain function, not a closure
 * made per list: optimised code that calls it stays valid for the next list.
 */
function compareRows(codes: Int32Array, a: number, b: number, types: readonly PrimitiveType[], values: ValueTable): number {
  for (let c = 0; c < types.length; c++) {
    const x = codes[a + c]!;
    const y = codes[b + c]!;
    if (x === y) continue;
    switch (types[c]!) {
      case "number":
        return x < y ? -1 : 1;
      case "unsigned":
        return x >>> 0 < y >>> 0 ? -1 : 1;
      case "float":
        return compareFloats(values.floats[x]!, values.floats[y]!);
      case "symbol":
        return compareSymbolCodes(values.symbols, x, y);
    }
  }
  return 0;
}

/**
 * Output order of two distinct symbols by code: by their UTF-8 bytes (code-point order), or by their
 * text when the table holds a lone surrogate, whose bytes do not sort that way.
 */
function compareSymbolCodes(symbols: SymbolTable, x: number, y: number): number {
  if (symbols.lone) return compareSymbols(symbols.text(x), symbols.text(y));
  const bytes = symbols.bytes;
  const starts = symbols.starts;
  const xs = starts[x]!;
  const xe = starts[x + 1]!;
  const ys = starts[y]!;
  const ye = starts[y + 1]!;
  const len = Math.min(xe - xs, ye - ys);
  for (let i = 0; i < len; i++) {
    const d = bytes[xs + i]! - bytes[ys + i]!;
    if (d !== 0) return d;
  }
  return xe - xs - (ye - ys);
}

function byValues(types: readonly PrimitiveType[]): (a: Tuple, b: Tuple) => number {
  return (a, b) => {
    for (let c = 0; c < types.length; c++) {
      const d = compareValues(types[c]!, a[c]!, b[c]!);
      if (d !== 0) return d;
    }
    return 0;
  };
}

function decode(codes: Int32Array, types: readonly PrimitiveType[], values: ValueTable, n: number): Tuple[] {
  const out: Tuple[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = row(codes, i * types.length, types, values);
  return out;
}

function row(codes: Int32Array, at: number, types: readonly PrimitiveType[], values: ValueTable): Tuple {
  const t = new Array(types.length);
  for (let c = 0; c < types.length; c++) t[c] = values.decode(types[c]!, codes[at + c]!);
  return t;
}
