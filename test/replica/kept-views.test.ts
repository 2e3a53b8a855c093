import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { FactStore, RowSet, RowTable, storeFromLayout, storeLayout, type Sections } from "../../src/replica/rows.js";

// A store restored from a part file reads the part's arrays in place and never writes through
// them: a part file is never changed, and its bytes may be read again.

/** The arrays `storeLayout` hands out, laid out in one buffer as a part file holds them. */
function asPart(store: FactStore): { layout: ReturnType<typeof storeLayout>; sections: Sections; bytes: Uint8Array } {
  const arrays: Uint8Array[] = [];
  const layout = storeLayout(store, (a) => arrays.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice()) - 1);
  const at: number[] = [];
  let end = 0;
  for (const a of arrays) (at.push(end), (end += Math.ceil(a.length / 8) * 8));
  const bytes = new Uint8Array(end);
  arrays.forEach((a, i) => bytes.set(a, at[i]!));
  const sections: Sections = {
    section: (i) => new Int32Array(bytes.buffer, at[i]!, arrays[i]!.length / 4),
    byteSection: (i) => new Uint8Array(bytes.buffer, at[i]!, arrays[i]!.length),
    floatSection: (i) => new Float64Array(bytes.buffer, at[i]!, arrays[i]!.length / 8),
  };
  return { layout, sections, bytes };
}

describe("a kept row table", () => {
  test.prop([fc.uniqueArray(fc.tuple(fc.integer(), fc.integer()), { selector: ([a, b]) => `${a},${b}`, maxLength: 300 }), fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })), { maxLength: 300 })])(
    "finds every kept and new row, never writes its kept arrays, and lays out a table that restores again",
    (rows, more) => {
      const t = new RowTable(2);
      for (const r of rows) t.intern(r);
      const p = t.parts();
      const data = p.data.slice();
      const table = p.table.slice();
      const k = RowTable.fromParts(2, t.size, data, table);
      const before = [data.slice(), table.slice()];
      const ids = new Map<string, number>(rows.map((r, i) => [`${r[0]},${r[1]}`, i]));
      for (const r of more) {
        const key = `${r[0]},${r[1]}`;
        const id = k.intern(r);
        if (!ids.has(key)) ids.set(key, id);
        expect(id).toBe(ids.get(key));
      }
      expect([data, table]).toEqual(before);
      expect(k.size).toBe(ids.size);
      const q = k.parts();
      const again = RowTable.fromParts(2, k.size, q.data.slice(), q.table.slice());
      for (const [key, id] of ids) expect(again.intern(key.split(",").map(Number))).toBe(id);
      expect(again.size).toBe(ids.size);
    },
  );

  it("reads a kept row set in place and copies it at its first new id only", () => {
    const s = new RowSet();
    for (let i = 0; i < 100; i += 3) s.add(i);
    const p = s.parts();
    const ids = p.ids.slice();
    const bits = p.bits.slice();
    const k = RowSet.fromParts(ids, bits);
    expect(k.add(3)).toBe(false);
    expect(k.ids).toBe(ids);
    expect(k.add(4)).toBe(true);
    expect(k.add(4000)).toBe(true);
    expect([ids, bits]).toEqual([p.ids.slice(), p.bits.slice()]);
    expect([...k.view()]).toEqual([...p.ids, 4, 4000]);
    expect(k.has(4) && k.has(3) && k.has(4000) && !k.has(5)).toBe(true);
  });
});

describe("a store restored from a part", () => {
  it("leaves the part's bytes as they were when facts are added", () => {
    const store = new FactStore(new Map([["e", ["symbol", "number"]], ["u", { untyped: 2 }]] as const));
    const m = store.membership("r1", 1, "e");
    for (let i = 0; i < 200; i++) m.rows.add(store.encode("e", [`s${i % 50}`, i]));
    store.membership("r1", 2, "u").rows.add(store.encode("u", ["x", 1.5]));
    const { layout, sections, bytes } = asPart(store);
    const before = bytes.slice();
    const kept = storeFromLayout(layout, sections);
    for (let i = 190; i < 260; i++) kept.membership("r1", 1, "e").rows.add(kept.encode("e", [`s${i % 50}`, i]));
    kept.membership("r2", 1, "e").rows.add(kept.encode("e", ["s1", 1]));
    kept.membership("r1", 2, "u").rows.add(kept.encode("u", ["y", 2.5]));
    expect(bytes).toEqual(before);
    const e = kept.membership("r1", 1, "e").rows;
    expect(e.size).toBe(260);
    expect(kept.tuple("e", e.view()[0]!)).toEqual(["s0", 0]);
    expect(kept.tuple("e", e.view()[259]!)).toEqual([`s${259 % 50}`, 259]);
    expect(kept.membership("r2", 1, "e").rows.view()[0]).toBe(1);
  });
});
