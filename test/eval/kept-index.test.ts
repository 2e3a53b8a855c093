import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { type ChainIndex, type PairIndex, Relation } from "../../src/eval/relation.js";

// A join index kept by one process and taken back by the next must read exactly as one built from
// row 0 in the second: the same rows per key, in the same order, for rows indexed before and after.

function chainRows(idx: ChainIndex, key: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = idx.firstN(key); r !== -1; r = idx.next[r]!) out.push(r);
  return out;
}

function pairRows(idx: PairIndex, a: number): number[] {
  const out: number[] = [];
  const P = idx.pool;
  for (let o = idx.find(a); o !== -1; o = P[o]!) for (let j = o + (P[o + 1]! & 65535); j > o + 1; j -= 2) out.push(P[j]!, P[j + 1]!);
  return out;
}

/** A deep copy of exported index states, as writing them to a file and reading them back gives. */
function throughFile<T>(states: T): T {
  return structuredClone(states);
}

const code = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: -2147483648, max: 2147483647 }));

describe("kept join indexes", () => {
  test.prop([fc.array(fc.tuple(code, code, code), { maxLength: 400 }), fc.nat(), fc.nat()])("a restored index equals one rebuilt over the same rows", (rows, cut, more) => {
    const wide = new Relation("w", 3);
    const pair = new Relation("p", 2);
    for (const [a, b, c] of rows) (wide.insertRow([a, b, c]), pair.insert2(a, b));
    const k = wide.size === 0 ? 0 : cut % (wide.size + 1);
    // Indexed up to row k only: rows past it are caught up after the restore.
    const c0 = wide.chains([0]);
    const c02 = wide.chains([0, 2]);
    c0.catchUp(k);
    c02.catchUp(k);
    const p1 = pair.pairs(1);
    const p0 = pair.pairs(0);
    p1.catchUp(Math.min(k, pair.size));
    p0.catchUp(pair.size);
    const keptWide = throughFile(wide.exportIndexes());
    const keptPair = throughFile(pair.exportIndexes());

    // The next process: the same rows in the same order, then a few more.
    const extra = rows.slice(0, more % 5).map(([a, b, c]) => [a + 1, b, c - 1] as const);
    const build = (keep: boolean): { wide: Relation; pair: Relation } => {
      const w = new Relation("w", 3);
      const p = new Relation("p", 2);
      for (const [a, b, c] of rows) (w.insertRow([a, b, c]), p.insert2(a, b));
      if (keep) (w.keepIndexes(keptWide), p.keepIndexes(keptPair));
      for (const [a, b, c] of extra) (w.insertRow([a, b, c]), p.insert2(a, b));
      for (const idx of [w.chains([0]), w.chains([0, 2])]) idx.catchUp();
      for (const idx of [p.pairs(1), p.pairs(0)]) idx.catchUp();
      return { wide: w, pair: p };
    };
    const kept = build(true);
    const fresh = build(false);
    if (rows.length > 0) expect(kept.wide.chains([0]).indexed).toBe(kept.wide.size);
    for (const [a, b, c] of [...rows, ...extra, [1e9, 1e9, 1e9] as const]) {
      expect(chainRows(kept.wide.chains([0]), [a])).toEqual(chainRows(fresh.wide.chains([0]), [a]));
      expect(chainRows(kept.wide.chains([0, 2]), [a, c])).toEqual(chainRows(fresh.wide.chains([0, 2]), [a, c]));
      expect(pairRows(kept.pair.pairs(1), b)).toEqual(pairRows(fresh.pair.pairs(1), b));
      expect(pairRows(kept.pair.pairs(0), a)).toEqual(pairRows(fresh.pair.pairs(0), a));
    }
    expect(kept.wide.chains([0]).keys).toBe(fresh.wide.chains([0]).keys);
    expect(kept.pair.pairs(1).keys).toBe(fresh.pair.pairs(1).keys);
  });

  test.prop([fc.array(fc.tuple(code, code), { minLength: 1, maxLength: 100 })])("an index kept over other rows than the relation holds is not taken back", (rows) => {
    const a = new Relation("a", 2);
    for (const [x, y] of rows) a.insert2(x, y);
    a.pairs(0).catchUp();
    a.chains([1]).catchUp();
    const kept = throughFile(a.exportIndexes());
    // A relation with fewer rows than the index covers: the index is built from row 0 instead.
    const b = new Relation("b", 2);
    b.keepIndexes(kept);
    expect(b.indexes.every((idx) => idx.indexed === 0)).toBe(true);
  });
});
