// Scanning only the changed stretch of a document gives the same items as scanning it whole, for
// any text (broken ones included) and any edit.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { rescanItems, scanItems } from "../../src/syntax/items.js";

const PIECES = [
  ".decl e(a: symbol, b: number)", ".decl p(x: N) btree", ".type N <: symbol", ".type U = N | M", ".input e", ".output p(IO=file)",
  ".invariant p \"why\"", "p(x) :- e(x, _).", "q(x) :- p(x), !e(x, x).", "e(\"a\", 1).", "n = count : { e(_, _) }", ".comp C {", "}",
  "(", ")", ".", ",", ":-", "/*", "*/", "// note", "\"open", "#include", "@", "x", "choice-domain", ".unknown", "\n", " ", "\n\n",
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => p.join(" "));

describe("rescanning after an edit", () => {
  test.prop([text, fc.nat(), fc.nat({ max: 30 }), fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((p) => p.join(""))], { numRuns: 600 })(
    "equals a scan of the whole edited text",
    (before, at, remove, insert) => {
      const start = at % (before.length + 1);
      const after = before.slice(0, start) + insert + before.slice(Math.min(before.length, start + remove));
      expect(rescanItems(before, scanItems(before), after)).toEqual(scanItems(after));
    },
  );

  it("reads again the item right after an edit: the character before `.word` decides whether it is a directive", () => {
    for (const [before, after] of [
      ["a(1). .b(2).", "a(1)..b(2)."],
      ["a(1)..b(2).", "a(1). .b(2)."],
    ] as const) {
      expect(rescanItems(before, scanItems(before), after)).toEqual(scanItems(after));
    }
  });

  it("reuses the items on both sides of an edit in a large file", () => {
    const block = (i: number): string => `.decl r${i}(x: symbol)\nr${i}(x) :- s${i}(x), !t${i}(x).\n`;
    const before = Array.from({ length: 2000 }, (_, i) => block(i)).join("");
    const old = scanItems(before);
    const after = before.replace("r1000(x) :- s1000(x)", "r1000(x) :- s1000(x), u(x)");
    const scan = rescanItems(before, old, after);
    expect(scan).toEqual(scanItems(after));
    // Items before the change are the same objects; the ones after are moved copies.
    expect(scan.items[10]).toBe(old.items[10]);
    expect(scan.items[3000]!.start).toBe(old.items[3000]!.start + ", u(x)".length);
  });
});
