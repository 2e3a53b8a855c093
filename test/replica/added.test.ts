// New tuples kept as codes until read (src/replica/added.ts): the decoded list, its count and its
// first few equal what the engine itself gives in output order, for every column type and for
// symbols whose UTF-8 bytes and UTF-16 units sort differently (astral, lone surrogates).
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { ValueTable } from "../../src/eval/values.js";
import { compile } from "../../src/pipeline.js";
import { addedPreview, withLazyAdded } from "../../src/replica/added.js";
import type { Tuple } from "../../src/replica/tuple-keys.js";

const PROGRAM = `
.decl r(a: symbol, b: number, c: unsigned, d: float)
.input r
`;
const unit = compile({ path: "added.dl", text: PROGRAM });

/** The engine's order of `tuples` (the reference) and the lazy list over the same codes. */
function both(tuples: readonly Tuple[], from = 0): { expected: Tuple[]; lazy: { relation: string; size: number; readonly added: readonly Tuple[] } } {
  const values = new ValueTable();
  const engine = new Engine(unit.checked, unit.analysis!, { values });
  engine.insert("r", tuples.slice(0, from));
  const before = engine.size("r");
  engine.insert("r", tuples.slice(from));
  const { data, size, arity, types } = engine.rows("r");
  return { expected: engine.tuples("r", before), lazy: withLazyAdded({ relation: "r", size }, data.slice(before * arity, size * arity), types, values) };
}

const symbolArb = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom("a", "ab", "b", "é", "\u{1F600}", "\uFFFD", "\uE000", "\uD800", "\uDC00x", "z\uD83D"),
);
const tupleArb = fc.tuple(symbolArb, fc.integer({ min: -2147483648, max: 2147483647 }), fc.nat({ max: 4294967295 }), fc.double({ noNaN: true, noDefaultInfinity: true }));

describe("lazily decoded new tuples", () => {
  test.prop([fc.array(tupleArb, { maxLength: 60 }), fc.nat({ max: 60 }), fc.integer({ min: 1, max: 8 })], { numRuns: 150 })(
    "hold the engine's new tuples in its order; the head and count agree without decoding the rest",
    (tuples, cut, n) => {
      const { expected, lazy } = both(tuples, Math.min(cut, tuples.length));
      const preview = addedPreview(lazy);
      expect(preview.count).toBe(expected.length);
      expect(preview.head(n)).toEqual(expected.slice(0, n));
      expect(lazy.added).toEqual(expected);
      // Read after decoding, the head comes from the decoded list.
      expect(preview.head(n)).toEqual(expected.slice(0, n));
    },
  );

  test.prop([fc.array(fc.tuple(fc.constantFrom("a", "b", "ab", "ba", "c", "é", "\u{1F600}"), fc.integer({ min: 0, max: 40 })), { minLength: 40, maxLength: 400 }), fc.boolean(), fc.integer({ min: 1, max: 6 })], { numRuns: 100 })(
    "give the same head over many rows whose first symbol repeats, in any order (the first column's comparisons are remembered)",
    (pairs, descending, n) => {
      const rows = pairs.map(([s, x]): Tuple => [s, x, x, x / 2]);
      // Descending input moves the n-th smallest at nearly every row.
      if (descending) rows.sort((a, b) => (a[0]! < b[0]! ? 1 : a[0]! > b[0]! ? -1 : (b[1] as number) - (a[1] as number)));
      const { expected, lazy } = both(rows);
      expect(addedPreview(lazy).head(n)).toEqual(expected.slice(0, n));
    },
  );

  it("are an ordinary enumerable property to spread and JSON", () => {
    const { expected, lazy } = both([["b", 2, 3, 0.5], ["a", -1, 4000000000, 1.5]]);
    expect(Object.keys(lazy)).toEqual(["relation", "size", "added"]);
    expect({ ...lazy }.added).toEqual(expected);
    expect(JSON.parse(JSON.stringify(lazy))).toEqual({ relation: "r", size: 2, added: [["a", -1, 4000000000, 1.5], ["b", 2, 3, 0.5]] });
  });

  it("sort a large list (over the value-sort threshold) as the engine does", () => {
    const tuples: Tuple[] = [];
    for (let i = 0; i < 70000; i++) tuples.push([`s${(i * 7919) % 70001}`, (i * 31) % 1000 - 500, i % 3, (i % 11) / 4]);
    const { expected, lazy } = both(tuples, 1000);
    expect(addedPreview(lazy).head(5)).toEqual(expected.slice(0, 5));
    expect(lazy.added).toEqual(expected);
  });

  it("fall back to the list itself for a plain object", () => {
    const plain = { relation: "r", size: 1, added: [["x", 1, 2, 3]] as Tuple[] };
    expect(addedPreview(plain).count).toBe(1);
    expect(addedPreview(plain).head(5)).toEqual(plain.added);
  });
});
