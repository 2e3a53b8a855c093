import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { onLargeArray, type PairIndex, Relation } from "../../src/eval/relation.js";

/** A pair index's (row, other column) pairs of key `a`, newest first, read as generated joins read them. */
function pairsOf(idx: PairIndex, a: number): number[] {
  const out: number[] = [];
  const P = idx.pool;
  for (let o = idx.find(a); o !== -1; o = P[o]!) for (let j = o + (P[o + 1]! & 65535); j > o + 1; j -= 2) out.push(P[j]!, P[j + 1]!);
  return out;
}

// Codes mixing small ones (bitsets, direct index) with large and negative ones (which move both to hash tables).
const code = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -2147483648, max: 2147483647 }));

describe("Relation", () => {
  test.prop([fc.array(fc.tuple(code, code), { maxLength: 300 })])("a two-column relation is the set of pairs inserted, before and after leaving the bitsets", (pairs) => {
    const rel = new Relation("r", 2);
    const seen = new Set<string>();
    for (const [a, b] of pairs) {
      expect(rel.insert2(a, b)).toBe(!seen.has(`${a},${b}`));
      seen.add(`${a},${b}`);
    }
    expect(rel.size).toBe(seen.size);
    for (const [a, b] of pairs) expect(rel.hasRow([a, b])).toBe(true);
    for (const [a, b] of pairs) expect(rel.hasRow([a, b + 1])).toBe(seen.has(`${a},${b + 1}`));
    const copy = rel.copy();
    expect(copy.insert2(pairs[0]?.[0] ?? 1, pairs[0]?.[1] ?? 1)).toBe(pairs.length === 0);
  });

  test.prop([fc.array(code, { maxLength: 300 })])("a one-column relation keeps each value once, and clear empties it", (xs) => {
    const rel = new Relation("r", 1);
    for (const x of xs) rel.insert1(x);
    expect(rel.size).toBe(new Set(xs).size);
    for (const x of xs) expect(rel.hasRow([x])).toBe(true);
    rel.clear();
    expect(rel.size).toBe(0);
    for (const x of xs) expect(rel.hasRow([x])).toBe(false);
  });

  test.prop([fc.array(fc.tuple(code, code), { maxLength: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 1 })])(
    "a chain index and a pair index list every row with the key, newest first, across catch-ups",
    (pairs, split, col) => {
      const rel = new Relation("r", 2);
      const chains = rel.chains([col]);
      const byPairs = rel.pairs(col);
      const half = Math.min(split, pairs.length);
      for (const [a, b] of pairs.slice(0, half)) rel.insert2(a, b);
      chains.catchUp();
      byPairs.catchUp(Math.floor(half / 2));
      for (const [a, b] of pairs.slice(half)) rel.insert2(a, b);
      chains.catchUp();
      byPairs.catchUp();
      for (const p of pairs) {
        const a = p[col]!;
        const rows: number[] = [];
        for (let r = chains.first1(a); r !== -1; r = chains.next[r]!) rows.push(r);
        const expected: number[] = [];
        for (let r = rel.size - 1; r >= 0; r--) if (rel.data[2 * r + col] === a) expected.push(r);
        expect(rows).toEqual(expected);
        // The pair index holds the same rows in the same order, each with its other column.
        expect(pairsOf(byPairs, a)).toEqual(expected.flatMap((r) => [r, rel.data[2 * r + 1 - col]!]));
      }
      const absent = pairs.some((p) => p[col] === -7);
      expect(chains.first1(-7) === -1).toBe(!absent);
      expect(byPairs.find(-7) === -1).toBe(!absent);
      expect(byPairs.keys).toBe(new Set(pairs.map((p) => p[col])).size);
      expect(chains.keys).toBe(byPairs.keys);
    },
  );

  /** Inserts pairs one by one and as bulk loads of the given batch sizes; both must hold the same rows in the same order. */
  function bulkMatchesOneByOne(pairs: readonly (readonly [number, number])[], batches: readonly number[]): void {
    const one = new Relation("r", 2);
    const added: number[] = [];
    let from = 0;
    for (const size of [...batches, pairs.length]) {
      let k = 0;
      for (const [a, b] of pairs.slice(from, from + size)) if (one.insert2(a, b)) k++;
      added.push(k);
      from = Math.min(pairs.length, from + size);
    }
    const bulk = new Relation("r", 2);
    const addedBulk: number[] = [];
    from = 0;
    for (const size of [...batches, pairs.length]) {
      const codes = new Int32Array(pairs.slice(from, from + size).flat());
      bulk.reserve(codes.length / 2, codes);
      addedBulk.push(bulk.insertPairs(codes));
      from = Math.min(pairs.length, from + size);
    }
    expect(addedBulk).toEqual(added);
    expect(bulk.size).toBe(one.size);
    expect(Array.from(bulk.data.subarray(0, 2 * bulk.size))).toEqual(Array.from(one.data.subarray(0, 2 * one.size)));
    for (const [a, b] of pairs) expect(bulk.has2(a, b)).toBe(true);
    expect(bulk.insert2(pairs[0]?.[0] ?? 0, pairs[0]?.[1] ?? 0)).toBe(pairs.length === 0);
  }

  test.prop([fc.array(fc.tuple(code, code), { maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 3 })])(
    "a bulk load adds the rows inserting them one by one adds, in the same order",
    (pairs, batches) => bulkMatchesOneByOne(pairs, batches),
  );

  test("bulk loads keep rows across the moves from bitsets to the hash table, for sparse and for many first columns", () => {
    // 6000 first columns of one row each (sparse bitsets), then 40000 (more bitsets than are kept).
    const sparse = Array.from({ length: 6000 }, (_, i) => [i * 3, i % 5] as const);
    const many = Array.from({ length: 40000 }, (_, i) => [i, (i * 7) % 1000] as const);
    bulkMatchesOneByOne([...sparse, ...sparse.slice(0, 100)], [3000]);
    bulkMatchesOneByOne([...many, ...many.slice(5, 500)], [100, 20000]);
    // Dense rows stay in bitsets: every first column holds many second columns.
    const dense = Array.from({ length: 20000 }, (_, i) => [i % 50, i] as const);
    bulkMatchesOneByOne(dense, [7000]);
  });

  test("a bulk catch-up lays each key's new rows out exactly, keys hashed or direct, and later rows still follow them", () => {
    for (const hashed of [false, true]) {
      for (const first of [0, 50]) {
        const rel = new Relation("r", 2);
        const idx = rel.pairs(1);
        // Key 3 gets 100,000 rows in one catch-up (four sealed blocks); the rest spread over 20,000 keys.
        const key = (i: number): number => (hashed ? -1 - ((i * 7919) % 20_000) : (i * 7919) % 20_000);
        for (let i = 0; i < 200_000; i++) rel.insert2(i, i % 2 === 0 ? 3 : key(i));
        // A first catch-up of many rows is laid out exactly; the layout also takes rows after some
        // already indexed (here 50, indexed one by one).
        if (first > 0) idx.catchUp(first);
        const before = idx.pool.length;
        if (first > 0) (idx as unknown as { bulk(n: number): void }).bulk(200_000);
        else idx.catchUp();
        expect(idx.direct).toBe(!hashed);
        // Two numbers per row and per block, no empty room.
        const keys = new Set(Array.from({ length: 200_000 - first }, (_, j) => rel.data[2 * (first + j) + 1])).size;
        expect(idx.pool.length).toBeLessThanOrEqual(before + 2 * (200_000 - first) + 2 * (keys + 3));
        for (let i = 200_000; i < 200_100; i++) rel.insert2(i, i % 3 === 0 ? 3 : key(i));
        idx.catchUp();
        expect(idx.keys).toBe(new Set(Array.from({ length: rel.size }, (_, r) => rel.data[2 * r + 1])).size);
        for (const a of [3, key(0), key(1), key(51), key(199_999), key(200_001)]) {
          const expected: number[] = [];
          for (let r = rel.size - 1; r >= 0; r--) if (rel.data[2 * r + 1] === a) expected.push(r, rel.data[2 * r]!);
          expect(pairsOf(idx, a)).toEqual(expected);
        }
      }
    }
  });

  test("a pair index keeps every key's rows in order across many catch-ups, with keys of one row and of thousands", () => {
    const rel = new Relation("r", 2);
    const idx = rel.pairs(0);
    const add = (from: number, to: number): void => {
      // Key 0 gets every other row (thousands: many blocks); the rest spread over 50,000 keys, most of one row.
      for (let i = from; i < to; i++) rel.insert2(i % 2 === 0 ? 0 : (i * 7919) % 50_000, i);
    };
    add(0, 100);
    idx.catchUp();
    add(100, 60_000);
    idx.catchUp(3000);
    idx.catchUp();
    add(60_000, 60_010);
    idx.catchUp();
    expect(idx.direct).toBe(true);
    for (const a of [0, 1, 7919 % 50_000, 49_999, 12_345]) {
      const expected: number[] = [];
      for (let r = rel.size - 1; r >= 0; r--) if (rel.data[2 * r] === a) expected.push(r, rel.data[2 * r + 1]!);
      expect(pairsOf(idx, a)).toEqual(expected);
    }
    // A negative key moves the heads to a hash table; every key still finds its rows.
    rel.insert2(-5, 1);
    idx.catchUp();
    expect(idx.direct).toBe(false);
    expect(pairsOf(idx, -5)).toEqual([rel.size - 1, 1]);
    expect(pairsOf(idx, 0).length).toBe(2 * 30_005);
    expect(idx.find(50_001)).toBe(-1);
  });

  it("announces each array of 1 MB or more before making it, and nothing smaller", () => {
    let calls = 0;
    onLargeArray(() => calls++);
    try {
      const rel = new Relation("r", 3);
      for (let i = 0; i < 1000; i++) rel.insertRow([i, i, i]);
      expect(calls).toBe(0);
      // 3 columns x 4 bytes: rows past about 87k need a row array of 1 MB, and the hash table one before that.
      for (let i = 1000; i < 200_000; i++) rel.insertRow([i, -i, i]);
      expect(calls).toBeGreaterThanOrEqual(2);
      const before = calls;
      onLargeArray(null);
      for (let i = 200_000; i < 400_000; i++) rel.insertRow([i, -i, i]);
      expect(calls).toBe(before);
      expect(rel.size).toBe(400_000);
    } finally {
      onLargeArray(null);
    }
  });
});
