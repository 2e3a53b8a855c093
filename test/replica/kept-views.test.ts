import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { FactStore, RowSet, RowTable, storeFromLayout, storeLayout, type RoomySections, type Sections } from "../../src/replica/rows.js";

// A store restored from a part file reads the part's arrays in place and never writes through
// them: a part file is never changed, and its bytes may be read again.

/** The arrays `storeLayout` hands out, laid out in one buffer as a part file holds them, each with the room asked for after it. */
function asPart(store: FactStore, withRoom = true): { layout: ReturnType<typeof storeLayout>; sections: Sections & RoomySections; bytes: Uint8Array } {
  const arrays: Uint8Array[] = [];
  const rooms: number[] = [];
  const layout = storeLayout(store, (a, room = 0) => (rooms.push(withRoom ? room * a.BYTES_PER_ELEMENT : 0), arrays.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice()) - 1));
  const at: number[] = [];
  let end = 0;
  arrays.forEach((a, i) => (at.push(end), (end += Math.ceil((a.length + rooms[i]!) / 8) * 8)));
  at.push(end);
  const bytes = new Uint8Array(end);
  arrays.forEach((a, i) => bytes.set(a, at[i]!));
  const sections: Sections & RoomySections = {
    section: (i) => new Int32Array(bytes.buffer, at[i]!, arrays[i]!.length / 4),
    byteSection: (i) => new Uint8Array(bytes.buffer, at[i]!, arrays[i]!.length),
    floatSection: (i) => new Float64Array(bytes.buffer, at[i]!, arrays[i]!.length / 8),
    writableSection: (i) => new Int32Array(bytes.buffer, at[i]!, (at[i + 1]! - at[i]!) / 4),
    writableByteSection: (i) => new Uint8Array(bytes.buffer, at[i]!, at[i + 1]! - at[i]!),
  };
  return { layout, sections, bytes };
}

/** Every membership's facts, as tuples, by replica, epoch and relation. */
function contents(store: FactStore): unknown[] {
  const out: unknown[] = [];
  for (const [replica, epochs] of store.members) {
    for (const [epoch, rels] of epochs) for (const [relation, m] of rels) out.push([replica, epoch, relation, [...m.rows.view()].map((id) => store.tuple(relation, id))]);
  }
  return out;
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

describe("a store that takes a part's bytes as its own", () => {
  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 })), { maxLength: 200 })])(
    "grows into the room after its arrays, holds what a store restored without room holds, and reads its kept sections as they were",
    (more) => {
      const store = new FactStore(new Map([["e", ["symbol", "number"]]] as const));
      for (let i = 0; i < 300; i++) store.membership(`r${i % 3}`, 1 + (i % 2), "e").rows.add(store.encode("e", [`s${i % 70}`, i % 11]));
      const { layout, sections, bytes } = asPart(store);
      const before = bytes.slice();
      const owned = storeFromLayout(layout, sections, sections);
      const copied = storeFromLayout(layout, asPart(store).sections);
      const table = owned.tables.get("e")!;
      const data = table.data;
      expect(data.buffer).toBe(bytes.buffer);
      for (const [s, r, e] of more) {
        for (const st of [owned, copied]) st.membership(`r${r}`, e, "e").rows.add(st.encode("e", [`t${s}`, s]));
      }
      expect(contents(owned)).toEqual(contents(copied));
      // A few new rows fit the room: the rows were not copied.
      if (table.size - 300 <= 64) expect(table.data).toBe(data);
      // The kept rows are where they were: new ones went after them.
      expect(new Int32Array(bytes.buffer, data.byteOffset, 600)).toEqual(new Int32Array(before.buffer, data.byteOffset, 600));
    },
  );

  it("copies the arrays of a part written without room (by an earlier release) rather than write past them", () => {
    const store = new FactStore(new Map([["e", ["symbol", "number"]]] as const));
    for (let i = 0; i < 301; i++) store.membership("r1", 1, "e").rows.add(store.encode("e", [`s${i}`, i]));
    const { layout, sections, bytes } = asPart(store, false);
    const before = bytes.slice();
    const owned = storeFromLayout(layout, sections, sections);
    for (let i = 0; i < 40; i++) owned.membership("r1", 1, "e").rows.add(owned.encode("e", [`n${i}`, i]));
    expect(bytes).toEqual(before);
    expect(owned.tables.get("e")!.data.buffer).not.toBe(bytes.buffer);
    const copied = storeFromLayout(layout, asPart(store, false).sections);
    for (let i = 0; i < 40; i++) copied.membership("r1", 1, "e").rows.add(copied.encode("e", [`n${i}`, i]));
    expect(contents(owned)).toEqual(contents(copied));
  });
});
