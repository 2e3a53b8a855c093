import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as prop } from "@fast-check/vitest";
import { afterAll, describe, expect, test } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { readFactCodes, readFactFile } from "../../src/io/facts.js";
import { UserError } from "../../src/report/diagnostic.js";
import { compileText } from "../eval/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "calmlog-codes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const ints = { name: "e", columns: [{ name: "x", type: "number" as const }, { name: "y", type: "unsigned" as const }] };

describe("readFactCodes", () => {
  test("gives the codes of every line, as Engine.insert would store them", () => {
    const p = file("e.facts", "1\t2\n-5\t4294967295\n\n0x10\t0\n");
    expect(Array.from(readFactCodes(p, ints)!)).toEqual([1, 2, -5, -1, 16, 0]);
    expect(readFactFile(p, ints)).toEqual([[1, 2], [-5, 4294967295], [16, 0]]);
  });

  test("is null for symbols, floats and JSON Lines, and reports bad lines as readFactFile does", () => {
    const p = file("s.facts", "a\t1\n");
    expect(readFactCodes(p, { name: "s", columns: [{ name: "a", type: "symbol" }, { name: "b", type: "number" }] })).toBeNull();
    expect(readFactCodes(p, ints, { format: "jsonl" })).toBeNull();
    const bad = file("bad.facts", "1\t2\n3\n");
    expect(() => readFactCodes(bad, ints)).toThrow(UserError);
  });

  test("inserted as codes, an engine holds what inserting the tuples gives", () => {
    const { checked, analysis } = compileText(".decl e(x: number, y: unsigned)\n.decl t(x: number, y: unsigned)\nt(x, y) :- e(x, y).\n.decl u(x: number)\nu(x) :- e(x, _).\n");
    const p = file("e2.facts", "3\t4\n3\t4\n-1\t7\n2000000000\t1\n");
    const a = new Engine(checked, analysis);
    expect(a.insertCodes("e", readFactCodes(p, ints)!)).toBe(3);
    a.run();
    const b = new Engine(checked, analysis);
    b.insert("e", readFactFile(p, ints));
    b.run();
    for (const r of ["e", "t", "u"]) expect(a.tuples(r)).toEqual(b.tuples(r));
    expect(a.insertCodes("u", new Int32Array([5, 3]))).toBe(1); // 3 came from e
  });

  const field = fc.oneof(
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(String),
    fc.constantFrom("4294967295", "4294967296", "2147483648", "-2147483649", "+3", "0x1f", "-0", "", "1 ", "x", "00012345678901"),
  );
  const row = fc.tuple(field, field).map(([a, b]) => `${a}\t${b}`);
  prop.prop([fc.array(fc.oneof(row, fc.constant(""), field), { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean()])(
    "reads any integer file as readFactFile does, or fails where it fails",
    (lines, eol, lastEol) => {
      const p = file("prop.facts", lines.join(eol) + (lastEol ? eol : ""));
      const schema = { name: "e", columns: [{ name: "x", type: "number" as const }, { name: "y", type: "number" as const }] };
      let expected: number[] | string;
      try {
        expected = readFactFile(p, schema).flatMap((t) => t.map((v) => (v as number) | 0));
      } catch (err) {
        expected = (err as UserError).message;
      }
      let got: number[] | string;
      try {
        got = Array.from(readFactCodes(p, schema)!);
      } catch (err) {
        got = (err as UserError).message;
      }
      expect(got).toEqual(expected);
    },
  );
});
