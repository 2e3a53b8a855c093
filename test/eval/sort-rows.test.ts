import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { sortRows } from "../../src/eval/engine.js";
import type { PrimitiveType } from "../../src/syntax/ast.js";

// A symbol column's ranks: a permutation wider than 2^20, so its keys take the two-pass path
// when they spread, and the one-pass path when they cluster.
const RANKS = (() => {
  const n = (1 << 21) + 3;
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = (i * 1103515245 + 12345) % n;
  return r;
})();

const column = fc.constantFrom<PrimitiveType>("number", "unsigned", "symbol");
const value = (type: PrimitiveType): fc.Arbitrary<number> =>
  type === "symbol"
    ? fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: RANKS.length - 1 }))
    : fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 70000 }), fc.integer({ min: -2147483648, max: 2147483647 }));

const table = fc
  .array(column, { minLength: 1, maxLength: 3 })
  .chain((types) => fc.tuple(fc.constant(types), fc.array(fc.tuple(...types.map(value)), { maxLength: 200 })));

describe("sortRows", () => {
  test.prop([table, fc.boolean()])("orders rows as a comparison of their column keys does, and keeps equal rows in row order", ([types, rows], narrow) => {
    const arity = types.length;
    const data = new Int32Array(rows.length * arity);
    // `narrow`: every key of a column within a small range above a large one (one pass after subtracting the least).
    rows.forEach((row, r) => row.forEach((v, c) => (data[r * arity + c] = narrow && types[c] !== "symbol" ? 1 << 30 | (v & 1023) : v | 0)));
    const ranks = types.map((t) => (t === "symbol" ? RANKS : null));
    const key = (r: number, c: number): number => {
      const code = data[r * arity + c]!;
      return types[c] === "symbol" ? RANKS[code]! : types[c] === "unsigned" ? code >>> 0 : code;
    };
    const expected = rows.map((_, r) => r).sort((a, b) => {
      for (let c = 0; c < arity; c++) if (key(a, c) !== key(b, c)) return key(a, c) - key(b, c);
      return a - b;
    });
    expect(Array.from(sortRows(data, rows.length, arity, ranks, types))).toEqual(expected);
  });
});
