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
});
