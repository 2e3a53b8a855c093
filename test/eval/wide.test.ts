// The 64-bit engine (`run --64`): integers interned as BigInts, 64-bit arithmetic from `wideOps`,
// and the 32-bit generated code left as it was.
import { describe, expect, test } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { wideOps } from "../../src/eval/ops.js";
import { ValueTable } from "../../src/eval/values.js";
import { compileText, userErrorOf } from "./helpers.js";

describe("a 64-bit value table", () => {
  test("interns integers exactly, decodes past 2^53 as decimal text, and ranks them numerically", () => {
    const t = new ValueTable(undefined, true);
    const big = t.encode("number", "9007199254740993")!;
    const neg = t.encode("number", -5)!;
    const max = t.encode("unsigned", "18446744073709551615")!;
    expect(t.encode("number", "9223372036854775808")).toBeNull();
    expect(t.encode("unsigned", -1)).toBeNull();
    expect(t.decode("number", big)).toBe("9007199254740993");
    expect(t.decode("number", neg)).toBe(-5);
    expect(t.encode("number", "9007199254740993")).toBe(big);
    const r = t.ranks("number")!;
    expect([r[neg], r[big], r[max]]).toEqual([0, 1, 2]);
    expect(t.copy().wide).toBe(true);
    expect(new ValueTable().ranks("number")).toBeNull();
  });

  test("wideOps wrap at 64 bits", () => {
    expect(wideOps.addI(9223372036854775807n, 1n)).toBe(-9223372036854775808n);
    expect(wideOps.addU(18446744073709551615n, 1n)).toBe(0n);
    expect(wideOps.subU(0n, 1n)).toBe(18446744073709551615n);
    expect(wideOps.mulI(4294967296n, 4294967296n)).toBe(0n);
    expect(wideOps.divI(-7n, 2n)).toBe(-3n);
    expect(wideOps.modI(-7n, 2n)).toBe(-1n);
    expect(wideOps.powI(2n, 64n)).toBe(0n);
    expect(wideOps.bshruI(-1n, 60n)).toBe(15n);
    expect(() => wideOps.divI(1n, 0n)).toThrow(/division by zero/);
  });
});

const PROGRAM = `.decl a(x: number, y: number)
.decl b(x: number)
b(x * y + 1) :- a(x, y), x < y.
`;

test("a wide engine computes at 64 bits; a 32-bit one wraps at 32", () => {
  const { checked, analysis } = compileText(PROGRAM);
  const wide = new Engine(checked, analysis, { wide: true });
  wide.insert("a", [[3037000500, 3037000501]]);
  wide.run();
  expect(wide.tuples("b")).toEqual([[String(BigInt.asIntN(64, 3037000500n * 3037000501n + 1n))]]);
  const narrow = new Engine(checked, analysis);
  narrow.insert("a", [[65536, 65537]]);
  narrow.run();
  expect(narrow.tuples("b")).toEqual([[Number(BigInt.asIntN(32, 65536n * 65537n + 1n))]]);
});

test("a construct not evaluated at 64 bits is CL118 naming the rule", () => {
  const { checked, analysis } = compileText(`.decl a(x: number)
.decl b(x: number)
.type R = [v: number]
.decl r(x: R)
r([x]) :- a(x).
b(y) :- r([y]).
`);
  const engine = new Engine(checked, analysis, { wide: true });
  engine.insert("a", [[2]]);
  const err = userErrorOf(() => engine.run());
  expect(err.diagnostic.code).toBe("CL118");
  expect(err.diagnostic.message).toContain("records");
});
