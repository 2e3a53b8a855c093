import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as prop } from "@fast-check/vitest";
import { afterAll, describe, expect, test } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { readFactCodes, readFactFile } from "../../src/io/read-facts.js";
import { ValueTable } from "../../src/eval/values.js";
import { UserError } from "../../src/diagnostics/diagnostic.js";
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

  test("reads every row of a file whose first 64 KB have longer lines than the rest (room is estimated from them)", () => {
    const rows: [number, number][] = [];
    for (let i = 0; i < 8000; i++) rows.push([1000000000 + i, 2000000000 + i]); // 22 bytes a line: the sample
    for (let i = 0; i < 60000; i++) rows.push([i % 10, i % 7]); // 4 bytes a line
    const p = file("mixed.facts", rows.map((r) => r.join("\t")).join("\r\n") + "\n");
    const codes = readFactCodes(p, ints)!;
    expect(codes.length).toBe(rows.length * 2);
    expect(Array.from(codes.subarray(0, 2))).toEqual([1000000000, 2000000000]);
    expect(Array.from(codes.subarray(codes.length - 2))).toEqual([59999 % 10, 59999 % 7]);
    expect(Array.from(codes)).toEqual(rows.flat().map((v) => v | 0));
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
  const symbolField = fc.oneof(
    fc.string({ unit: fc.constantFrom("a", "b", "é", "😀", " ", "\\", "t", "n", '"', "q", "\r") }),
    fc.constantFrom("user_1", "a\\tb", "a\\\\b", "x\\", "\\q", "", "\uFEFF"),
  );
  const mixed = { name: "m", columns: [{ name: "s", type: "symbol" as const }, { name: "n", type: "number" as const }, { name: "f", type: "float" as const }, { name: "t", type: "symbol" as const }] };
  const mixedRow = fc.tuple(symbolField, field, fc.constantFrom("1.5", "-0", "nan", "x", "3"), symbolField).map((cells) => cells.join("\t"));
  prop.prop([fc.array(fc.oneof({ weight: 6, arbitrary: mixedRow }, { weight: 1, arbitrary: fc.constant("") }), { maxLength: 10 }), fc.constantFrom("\n", "\r\n"), fc.boolean(), fc.boolean(), fc.boolean()])(
    "reads any file with symbol and float columns as readFactFile does, or fails where it fails",
    (lines, eol, lastEol, bom, headers) => {
      const p = file("mixed.facts", (bom ? "\uFEFF" : "") + lines.join(eol) + (lastEol ? eol : ""));
      let expected: unknown;
      try {
        // The value table keeps one zero, as the engine does for every float.
        expected = readFactFile(p, mixed, { headers }).map((t) => t.map((v) => (v === 0 ? 0 : v)));
      } catch (err) {
        expected = (err as UserError).message;
      }
      let got: unknown;
      try {
        const values = new ValueTable();
        const codes = readFactCodes(p, mixed, { headers }, values)!;
        const types = mixed.columns.map((c) => c.type);
        got = Array.from({ length: codes.length / 4 }, (_, r) => types.map((t, c) => values.decode(t, codes[4 * r + c]!)));
      } catch (err) {
        got = (err as UserError).message;
      }
      expect(got).toEqual(expected);
    },
  );

  test("symbol codes go into an engine's value table; its outputs equal inserting the tuples", () => {
    const { checked, analysis } = compileText(".decl s(a: symbol, b: symbol, c: number)\n.decl t(b: symbol, a: symbol)\nt(b, a) :- s(a, b, _).\n");
    const schema = checked.relations.get("s")!;
    const p = file("s3.facts", "bob\talice\t1\nalice\tbob\t2\nbob\talice\t1\ncafé\t\\t\t3\n");
    const a = new Engine(checked, analysis);
    expect(a.insertCodes("s", readFactCodes(p, schema, {}, a.valueTable)!)).toBe(3);
    a.run();
    const b = new Engine(checked, analysis);
    b.insert("s", readFactFile(p, schema));
    b.run();
    for (const r of ["s", "t"]) expect(a.tuples(r)).toEqual(b.tuples(r));
    expect(a.tuples("t")).toContainEqual(["\\t", "café"]); // verbatim, as Soufflé reads it
  });
});
