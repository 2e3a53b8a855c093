import { describe, expect, test } from "vitest";
import { ValueTable } from "../../src/eval/values.js";

describe("ValueTable.ranks", () => {
  test("follows symbols interned after an earlier call", () => {
    const t = new ValueTable();
    const b = t.symbol("b");
    const first = t.ranks("symbol")!;
    expect(first[b]).toBe(0);
    const a = t.symbol("a");
    const c = t.symbol("c");
    const again = t.ranks("symbol")!;
    expect([again[a], again[b], again[c]]).toEqual([0, 1, 2]);
    expect(t.ranks("symbol")).toBe(again);
  });

  test("orders floats numerically, and integers need no ranks", () => {
    const t = new ValueTable();
    const x = t.float(2.5);
    const y = t.float(-1);
    expect(Array.from(t.ranks("float")!)).toEqual([1, 0]);
    t.float(0);
    const r = t.ranks("float")!;
    expect([r[x], r[y]]).toEqual([2, 0]);
    expect(t.ranks("number")).toBeNull();
  });

  test("orders symbols by code point, before and after a symbol with surrogates arrives, and in copies", () => {
    const t = new ValueTable();
    const words = ["b", "a\uFFFD", "a", "ab", "\uE000", ""];
    const codes = words.map((w) => t.symbol(w));
    const byCodeUnit = [...words].sort();
    const r = t.ranks("symbol")!;
    expect(codes.map((c) => r[c])).toEqual(words.map((w) => byCodeUnit.indexOf(w)));
    // An astral character (a surrogate pair) sorts after U+E000-FFFF in code-point order, not before.
    const copy = t.copy();
    const astral = copy.symbol("\u{1F600}");
    const e000 = copy.symbol("\uE000");
    const rc = copy.ranks("symbol")!;
    expect(rc[astral]).toBeGreaterThan(rc[e000]!);
    expect(rc[astral]).toBe(words.length);
  });
});
