import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Relation } from "../../../src/eval/relation.js";

// Kept arrays are views of a part file's bytes: a restored relation or index reads them in place
// (no copy while it is only read) and never writes through them (a part file is never changed).

/** The arrays laid out one after another in one buffer, as a part file holds them; returns views of them. */
function inOneBuffer(arrays: readonly Int32Array[]): { views: Int32Array[]; bytes: Uint8Array } {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const all = new Int32Array(total);
  const views: Int32Array[] = [];
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    views.push(all.subarray(at, at + a.length));
    at += a.length;
  }
  return { views, bytes: new Uint8Array(all.buffer) };
}

const code = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -2147483648, max: 2147483647 }));

describe("a restored relation", () => {
  it("reads its kept rows and hash table in place until a row is added", () => {
    const r = new Relation("r", 3);
    for (let i = 0; i < 500; i++) r.insertRow([i, i * 7, -i]);
    const { views, bytes } = inOneBuffer([r.data.slice(0, r.size * 3), r.hashSlots()!.slice()]);
    const before = bytes.slice();
    const s = new Relation("r", 3);
    expect(s.restore(r.size, views[0]!, views[1]!)).toBe(true);
    expect(s.data).toBe(views[0]);
    expect(s.hashSlots()).toBe(views[1]);
    expect(s.hasRow([3, 21, -3])).toBe(true);
    expect(s.hasRow([3, 21, 3])).toBe(false);
    // A row already there adds nothing and copies nothing.
    expect(s.insertRow([4, 28, -4])).toBe(false);
    expect(s.data).toBe(views[0]);
    expect(s.insertRow([1000, 1, 2])).toBe(true);
    expect(s.data).not.toBe(views[0]);
    expect(bytes).toEqual(before);
    for (let i = 0; i < 500; i++) expect(s.hasRow([i, i * 7, -i])).toBe(true);
    expect(s.hasRow([1000, 1, 2])).toBe(true);
    expect(s.size).toBe(501);
  });

  test.prop([fc.array(fc.tuple(code, code), { minLength: 1, maxLength: 300 }), fc.array(fc.tuple(code, code), { maxLength: 300 }), fc.boolean()])(
    "never writes its kept arrays, and holds the same rows as one built by inserting",
    (rows, more, cleared) => {
      const r = new Relation("r", 2);
      // Two columns past the bitsets' range: the set is a hash table, which is what is kept.
      r.insert2(-5, -5);
      for (const [a, b] of rows) r.insert2(a, b);
      const { views, bytes } = inOneBuffer([r.data.slice(0, r.size * 2), r.hashSlots()!.slice()]);
      const before = bytes.slice();
      const s = new Relation("r", 2);
      expect(s.restore(r.size, views[0]!, views[1]!)).toBe(true);
      if (cleared) s.clear();
      for (const [a, b] of more) s.insert2(a, b);
      expect(bytes).toEqual(before);
      const want = new Set([...(cleared ? [] : [[-5, -5] as const, ...rows]), ...more].map(([a, b]) => `${a},${b}`));
      expect(s.size).toBe(want.size);
      // Kept again (kept slots and the rows added since, in one table) and restored in a third process.
      const t = new Relation("r", 2);
      const slots = s.hashSlots();
      const rows2 = s.data.slice(0, s.size * 2);
      expect(slots === null ? t.restoreRows(s.size, rows2) : t.restore(s.size, rows2, slots.slice())).toBe(true);
      for (const key of want) {
        const [a, b] = key.split(",").map(Number) as [number, number];
        expect(s.has2(a, b)).toBe(true);
        expect(t.has2(a, b)).toBe(true);
        expect(t.insert2(a, b)).toBe(false);
      }
      expect(bytes).toEqual(before);
    },
  );
});

describe("a restored join index", () => {
  it("reads its kept arrays in place until rows are added, and never writes them", () => {
    const r = new Relation("r", 2);
    for (let i = 0; i < 400; i++) r.insert2(i % 37, i);
    r.chains([0]).catchUp();
    r.chains([0, 1]).catchUp();
    r.pairs(0).catchUp();
    r.pairs(1).catchUp();
    const kept = r.exportIndexes();
    const arrays = kept.flatMap((x) => [x.heads.slice(), (x.kind === "chain" ? x.next : x.pool).slice()]);
    const { views, bytes } = inOneBuffer(arrays);
    const before = bytes.slice();
    const states = kept.map((x, i) => (x.kind === "chain" ? { ...x, heads: views[2 * i]!, next: views[2 * i + 1]! } : { ...x, heads: views[2 * i]!, pool: views[2 * i + 1]! }));
    const s = new Relation("r", 2);
    for (let i = 0; i < 400; i++) s.insert2(i % 37, i);
    s.keepIndexes(states);
    expect(s.exportIndexes().map((x) => x.heads)).toEqual(views.filter((_, i) => i % 2 === 0));
    s.exportIndexes().forEach((x, i) => expect(x.heads).toBe(views[2 * i]));
    // Nothing new: a catch-up reads nothing and copies nothing.
    for (const idx of s.indexes) idx.catchUp();
    s.exportIndexes().forEach((x, i) => expect(x.heads).toBe(views[2 * i]));
    // New rows, some with keys past the direct tables' reach.
    for (let i = 0; i < 50; i++) s.insert2(i % 3 === 0 ? 5000 + i : i % 37, 400 + i);
    for (const idx of s.indexes) idx.catchUp();
    expect(bytes).toEqual(before);
    const fresh = new Relation("r", 2);
    for (let i = 0; i < s.size; i++) fresh.insert2(s.data[2 * i]!, s.data[2 * i + 1]!);
    for (const key of [0, 1, 36, 5000, 5003, 77]) {
      const rowsOf = (rel: Relation): number[] => {
        const out: number[] = [];
        const idx = rel.chains([0]);
        idx.catchUp();
        for (let row = idx.first1(key); row !== -1; row = idx.next[row]!) out.push(row);
        return out;
      };
      expect(rowsOf(s)).toEqual(rowsOf(fresh));
    }
  });
});

describe("a restored relation whose set was not kept", () => {
  test.prop([fc.uniqueArray(code, { maxLength: 300 }), fc.array(code, { maxLength: 100 })])("reads its kept rows in place, builds the set from them, and never writes them", (rows, more) => {
    const { views, bytes } = inOneBuffer([Int32Array.from(rows)]);
    const before = bytes.slice();
    const s = new Relation("r", 1);
    expect(s.restoreRows(rows.length, views[0]!)).toBe(true);
    expect(s.data).toBe(views[0]);
    for (const a of rows) expect(s.has1(a)).toBe(true);
    const want = new Set(rows);
    for (const a of more) {
      expect(s.insert1(a)).toBe(!want.has(a));
      want.add(a);
    }
    expect(bytes).toEqual(before);
    expect(s.size).toBe(want.size);
    for (const a of want) expect(s.has1(a)).toBe(true);
    expect(s.has1(-7)).toBe(want.has(-7));
  });

  test.prop([fc.uniqueArray(fc.tuple(code, code), { selector: ([a, b]) => `${a},${b}`, maxLength: 300 }), fc.array(fc.tuple(code, code), { maxLength: 100 })])("of two columns holds the same rows as one built by inserting", (rows, more) => {
    const { views, bytes } = inOneBuffer([Int32Array.from(rows.flat())]);
    const before = bytes.slice();
    const s = new Relation("r", 2);
    expect(s.restoreRows(rows.length, views[0]!)).toBe(true);
    const want = new Set(rows.map(([a, b]) => `${a},${b}`));
    for (const [a, b] of more) {
      expect(s.insert2(a, b)).toBe(!want.has(`${a},${b}`));
      want.add(`${a},${b}`);
    }
    expect(bytes).toEqual(before);
    expect(s.size).toBe(want.size);
    for (const [a, b] of [...rows, ...more]) expect(s.has2(a, b)).toBe(true);
  });
});
