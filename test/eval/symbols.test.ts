import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { compareSymbols } from "../../src/eval/values.js";
import { ESCAPE, hashBytes, slotsWhole, SymbolTable } from "../../src/eval/symbols.js";
import { FactStore, storeFromLayout, storeLayout } from "../../src/replica/rows.js";

describe("SymbolTable", () => {
  test("gives one code per distinct symbol and its text back, across growth and copies", () => {
    const t = new SymbolTable();
    const words = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? `é${i}` : i % 3 === 1 ? `user_${i}` : `😀${i}\t`));
    const codes = words.map((w) => t.intern(w));
    expect(new Set(codes).size).toBe(words.length);
    expect(words.map((w) => t.intern(w))).toEqual(codes);
    expect(codes.map((c) => t.text(c))).toEqual(words);
    const copy = new SymbolTable(t);
    expect(copy.intern("new one")).toBe(words.length);
    expect(t.find("new one")).toBe(-1);
    expect(words.map((w) => copy.find(w))).toEqual(codes);
  });

  test("keeps a lone surrogate apart from U+FFFD and returns it unchanged", () => {
    const t = new SymbolTable();
    const lone = t.intern("a\uD800b");
    const replacement = t.intern("a\uFFFDb");
    expect(lone).not.toBe(replacement);
    expect(t.text(lone)).toBe("a\uD800b");
    expect(t.text(replacement)).toBe("a\uFFFDb");
  });

  test("interns bytes and strings to the same code, and flags what a field must escape", () => {
    const t = new SymbolTable();
    const bytes = new TextEncoder().encode("xx\tcafé\tyy");
    const code = t.internBytes(bytes, 3, 8, hashBytes(bytes, 3, 8));
    expect(t.intern("café")).toBe(code);
    expect(t.flags[t.intern("a\\b")]! & ESCAPE).toBe(ESCAPE);
    expect(t.flags[code]! & ESCAPE).toBe(0);
  });

  test.prop([fc.uniqueArray(fc.string({ unit: "binary" }), { maxLength: 300 })])("ranks symbols in code-point order", (words) => {
    const t = new SymbolTable();
    const codes = words.map((w) => t.intern(w));
    const rank = t.ranks();
    const sorted = [...words].sort(compareSymbols);
    expect(codes.map((c) => rank[c])).toEqual(words.map((w) => sorted.indexOf(w)));
  });

  test.prop([fc.uniqueArray(fc.string({ unit: "grapheme", maxLength: 40 }), { minLength: 20, maxLength: 400 })])("ranks well-formed symbols by their bytes, as code points order them", (words) => {
    const t = new SymbolTable();
    const codes = words.map((w) => t.intern(w));
    const rank = t.ranks();
    const sorted = [...words].sort(compareSymbols);
    expect(codes.map((c) => rank[c])).toEqual(words.map((w) => sorted.indexOf(w)));
  });
});

describe("SymbolTable.fromParts", () => {
  // Restored tables grow by appending codes: every per-code array must have room for as many codes
  // as `starts` does (a shorter `hashes` lost the hashes of new symbols past its end).
  it.each([127, 135, 1023, 4095])("keeps every code after a restore of %i symbols and growth past the headroom", (n) => {
    const t = new SymbolTable();
    const words = Array.from({ length: n }, (_, i) => `w${i}`);
    const codes = words.map((w) => t.intern(w));
    const p = t.parts();
    const u = SymbolTable.fromParts({ ...p, bytes: p.bytes.slice(), starts: p.starts.slice(), hashes: p.hashes.slice(), flags: p.flags.slice(), slots: p.slots.slice() });
    const more = Array.from({ length: n }, (_, i) => `x${i}`);
    const moreCodes = more.map((w) => u.intern(w));
    expect(words.map((w) => u.intern(w))).toEqual(codes);
    expect(more.map((w) => u.find(w))).toEqual(moreCodes);
    expect(new Set(moreCodes).size).toBe(n);
  });

  // Kept slots are taken as they are when they are in this layout, and rebuilt when they are not
  // (another layout, or too small): either way every symbol is found and new ones get new codes.
  it.each([
    ["as kept", (s: Int32Array) => s.slice()],
    ["in another layout (every slot moved by one)", (s: Int32Array) => Int32Array.from(s, (_, i) => s[(i + 1) % s.length]!)],
    ["emptied", (s: Int32Array) => new Int32Array(s.length).fill(-1)],
    ["too small", () => new Int32Array(128).fill(-1)],
  ] as const)("finds every symbol from slots %s", (_what, slotsOf) => {
    const t = new SymbolTable();
    const words = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    const codes = words.map((w) => t.intern(w));
    const p = t.parts();
    const u = SymbolTable.fromParts({ ...p, bytes: p.bytes.slice(), starts: p.starts.slice(), hashes: p.hashes.slice(), flags: p.flags.slice(), slots: slotsOf(p.slots) });
    expect(words.map((w) => u.find(w))).toEqual(codes);
    const more = Array.from({ length: 3000 }, (_, i) => `m${i}`).map((w) => u.intern(w));
    expect(more).toEqual(Array.from({ length: 3000 }, (_, i) => 5000 + i));
    expect(words.map((w) => u.find(w))).toEqual(codes);
  });
});

describe("kept symbol slots", () => {
  it("are rebuilt when one symbol's slot is missing, even one the sample check does not reach", () => {
    const t = new SymbolTable();
    for (let i = 0; i < 1000; i++) t.intern(`sym${i}`);
    const p = t.parts();
    const slots = p.slots.slice();
    // The sample visits every third code of 1000: 998 is not among them.
    const mask = slots.length - 1;
    let dropped = 0;
    for (let s = 0; s < slots.length; s++) if (slots[s] !== -1 && (slots[s]! & mask) === 998) (slots[s] = -1), dropped++;
    expect(dropped).toBe(1);
    const u = SymbolTable.fromParts({ ...p, slots });
    expect(u.find("sym998")).toBe(998);
    expect(u.intern("sym998")).toBe(998);
    expect(u.intern("sym1000")).toBe(1000);
    // The whole check finds the missing slot; whole slots pass it.
    expect(slotsWhole(slots, p.hashes, p.length)).toBe(false);
    expect(slotsWhole(p.slots, p.hashes, p.length)).toBe(true);
    // A code twice, or in a slot with another code's tag, is found too.
    const twice = p.slots.slice();
    const at = twice.findIndex((e) => e !== -1 && (e & mask) === 5);
    const other = twice.findIndex((e) => e !== -1 && (e & mask) === 6);
    twice[other] = twice[at]!;
    expect(slotsWhole(twice, p.hashes, p.length)).toBe(false);
    const tagged = p.slots.slice();
    tagged[at] = (tagged[at]! & mask) | (~tagged[at]! & ~mask & 0x7fffffff);
    expect(slotsWhole(tagged, p.hashes, p.length)).toBe(false);
  });

  it("found whole when written are looked up again by sample only, as the part's CRC or mark vouches for its bytes", () => {
    const store = new FactStore(new Map([["e", ["symbol", "symbol"]]]));
    for (let i = 0; i < 1000; i++) store.encode("e", [`a${i}`, `b${i}`]);
    const sections: (Int32Array | Uint8Array | Float64Array)[] = [];
    const layout = storeLayout(store, (a) => sections.push(a.slice()) - 1);
    expect(layout.symbols.checked).toBe(true);
    const file = { section: (i: number) => sections[i] as Int32Array, byteSection: (i: number) => sections[i] as Uint8Array, floatSection: (i: number) => sections[i] as Float64Array };
    const back = storeFromLayout(layout, file);
    expect(back.values.symbols.find("b999")).toBe(store.values.symbols.find("b999"));
    // An older state's layout, without the flag, is checked whole: a missing slot is rebuilt.
    const slots = sections[layout.symbols.slots] as Int32Array;
    const mask = slots.length - 1;
    const code = store.values.symbols.find("a998")!;
    for (let s = 0; s < slots.length; s++) if (slots[s] !== -1 && (slots[s]! & mask) === code) slots[s] = -1;
    const { checked: _checked, ...older } = layout.symbols;
    const rebuilt = storeFromLayout({ ...layout, symbols: older }, file);
    expect(rebuilt.values.symbols.find("a998")).toBe(code);
    expect(rebuilt.values.symbols.intern("a998")).toBe(code);
  });
});

describe("kept symbol slots, read in place", () => {
  it("are never written: new symbols get slots of their own, and the table kept again finds them all", () => {
    const t = new SymbolTable();
    const words = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    for (const w of words) t.intern(w);
    const p = t.parts();
    const slots = p.slots.slice();
    const before = slots.slice();
    const u = SymbolTable.fromParts({ ...p, bytes: p.bytes.slice(), starts: p.starts.slice(), hashes: p.hashes.slice(), flags: p.flags.slice(), slots });
    // The kept slots were taken, not rebuilt: given back as they are while nothing is added.
    expect(u.parts().slots).toBe(slots);
    const more = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    expect(more.map((w) => u.intern(w))).toEqual(more.map((_, i) => 3000 + i));
    expect(words.map((w) => u.intern(w))).toEqual(words.map((_, i) => i));
    expect(slots).toEqual(before);
    const q = u.parts();
    const v = SymbolTable.fromParts({ ...q, bytes: q.bytes.slice(), starts: q.starts.slice(), hashes: q.hashes.slice(), flags: q.flags.slice(), slots: q.slots.slice() });
    expect([...words, ...more].map((w) => v.find(w))).toEqual([...words, ...more].map((_, i) => i));
    expect(v.intern("fresh")).toBe(8000);
  });
});
