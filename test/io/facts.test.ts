import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fc, test as prop } from "@fast-check/vitest";
import { parseFacts, readFactFile, writeRelationFile, type FactSchema } from "../../src/io/index.js";
import { userErrorOf } from "../eval/helpers.js";

const EDGE: FactSchema = { name: "edge", columns: [{ name: "x", type: "number" }, { name: "y", type: "number" }] };
const MIXED: FactSchema = {
  name: "m",
  columns: [
    { name: "s", type: "symbol" },
    { name: "u", type: "unsigned" },
    { name: "f", type: "float" },
  ],
};

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "calmlog-io-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("reading tab-separated facts", () => {
  test("numbers, symbols, unsigned, floats, CRLF and a missing final newline", () => {
    expect(parseFacts("1\t2\r\n-3\t0x10\n5\t0b11", "e.facts", EDGE)).toEqual([[1, 2], [-3, 16], [5, 3]]);
    expect(parseFacts("hello world\t4000000000\t1.5e3\n\t0\t-0.5\n", "m.facts", MIXED)).toEqual([
      ["hello world", 4000000000, 1500],
      ["", 0, -0.5],
    ]);
  });

  test("symbols are read verbatim, backslashes included, as Soufflé reads them; delimiter and headers parameters", () => {
    const S: FactSchema = { name: "s", columns: [{ name: "a", type: "symbol" }, { name: "b", type: "symbol" }] };
    expect(parseFacts("a\\tb\tc\\\\d\\q\n", "s.facts", S)).toEqual([["a\\tb", "c\\\\d\\q"]]);
    expect(parseFacts("x,y\n1,2\n", "e.csv", EDGE, { delimiter: ",", headers: true })).toEqual([[1, 2]]);
  });

  test("wrong column count is CL401 at the line", () => {
    const few = userErrorOf(() => parseFacts("1\t2\n3\n", "e.facts", EDGE)).diagnostic;
    expect([few.code, few.span.file, few.span.line]).toEqual(["CL401", "e.facts", 2]);
    // Fields past the last column are ignored, as Soufflé's reader ignores them.
    expect(parseFacts("1\t2\t3\n4\t5\n", "e.facts", EDGE)).toEqual([[1, 2], [4, 5]]);
  });

  test("a bad number is CL402 at the field's line and column", () => {
    const d = userErrorOf(() => parseFacts("1\t2\n10\tabc\n", "e.facts", EDGE)).diagnostic;
    expect([d.code, d.span.line, d.span.column, d.span.endColumn]).toEqual(["CL402", 2, 4, 7]);
    const range = userErrorOf(() => parseFacts("2147483648\t1\n", "e.facts", EDGE)).diagnostic;
    expect([range.code, range.span.line, range.span.column]).toEqual(["CL402", 1, 1]);
    const neg = userErrorOf(() => parseFacts("a\t-1\t0\n", "m.facts", MIXED)).diagnostic;
    expect([neg.code, neg.span.column]).toEqual(["CL402", 3]);
  });

  test("rfc4180=true: quoted fields hold delimiters, quotes and line breaks; `,` by default", () => {
    const S: FactSchema = { name: "s", columns: [{ name: "a", type: "symbol" }, { name: "b", type: "number" }, { name: "c", type: "symbol" }] };
    const text = 'x,1,"a,b"\n"two\nlines",2,"say ""hi"""\r\nplain, 3 ,"cr\r\nlf"\n';
    expect(parseFacts(text, "s.facts", S, { rfc4180: true })).toEqual([["x", 1, "a,b"], ["two\nlines", 2, 'say "hi"'], ["plain", 3, "cr\r\nlf"]]);
    expect(parseFacts('h\n"a"\t1\t"b"\n', "s.facts", S, { rfc4180: true, delimiter: "\t", headers: true })).toEqual([["a", 1, "b"]]);
    const open = userErrorOf(() => parseFacts('x,1,"never closed\n', "s.facts", S, { rfc4180: true })).diagnostic;
    expect([open.code, open.span.line, open.span.column]).toEqual(["CL403", 1, 5]);
    const glued = userErrorOf(() => parseFacts('"a"b,1,c\n', "s.facts", S, { rfc4180: true })).diagnostic;
    expect([glued.code, glued.span.column]).toEqual(["CL403", 4]);
    const few = userErrorOf(() => parseFacts("a,1\n", "s.facts", S, { rfc4180: true })).diagnostic;
    expect(few.code).toBe("CL401");
  });

  test("a missing file is CL404", () => {
    const d = userErrorOf(() => readFactFile(join(tempDir(), "nope.facts"), EDGE, { displayPath: "nope.facts" })).diagnostic;
    expect(d.code).toBe("CL404");
    expect(d.message).toMatch(/nope\.facts/);
  });
});

describe("reading JSON Lines", () => {
  test("arrays and objects keyed by column name", () => {
    expect(parseFacts('[1, 2]\n{"y": 4, "x": 3}\n\n', "e.jsonl", EDGE, { format: "jsonl" })).toEqual([[1, 2], [3, 4]]);
  });

  test("errors: bad JSON CL403, wrong shape CL401, wrong type CL402, each at its line", () => {
    const bad = userErrorOf(() => parseFacts("[1, 2]\n[1, \n", "e.jsonl", EDGE, { format: "jsonl" })).diagnostic;
    expect([bad.code, bad.span.line]).toEqual(["CL403", 2]);
    const shape = userErrorOf(() => parseFacts("[1]\n", "e.jsonl", EDGE, { format: "jsonl" })).diagnostic;
    expect([shape.code, shape.span.line]).toEqual(["CL401", 1]);
    const type = userErrorOf(() => parseFacts('[1, 2]\n[1, 2]\n["1", 2]\n', "e.jsonl", EDGE, { format: "jsonl" })).diagnostic;
    expect([type.code, type.span.line]).toEqual(["CL402", 3]);
  });
});

describe("writing", () => {
  test("tsv and jsonl round-trip through the readers", () => {
    const dir = tempDir();
    const tuples = [["a\\tb", 1, 0.5], ["plain", 4000000000, -2]];
    writeRelationFile(join(dir, "m.csv"), MIXED, tuples, "tsv");
    expect(readFactFile(join(dir, "m.csv"), MIXED)).toEqual(tuples);
    writeRelationFile(join(dir, "m.jsonl"), MIXED, tuples, "jsonl");
    expect(readFactFile(join(dir, "m.jsonl"), MIXED)).toEqual(tuples);
    expect(readdirSync(dir).sort()).toEqual(["m.csv", "m.jsonl"]);
  });

  test("a failed write leaves the previous file intact", () => {
    const dir = tempDir();
    const path = join(dir, "edge.csv");
    writeFileSync(path, "old\n");
    const poisoned = [[1, 2], { length: 2, get 0(): number { throw new Error("boom"); } } as unknown as number[]];
    expect(() => writeRelationFile(path, EDGE, poisoned, "tsv")).toThrow("boom");
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["edge.csv"]);
  });

  prop.prop([fc.array(fc.tuple(fc.string(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 20 })])(
    "any symbols survive a write and a read",
    (rows) => {
      const S: FactSchema = { name: "s", columns: [{ name: "a", type: "symbol" }, { name: "n", type: "number" }] };
      const dir = tempDir();
      writeRelationFile(join(dir, "s.csv"), S, rows, "tsv");
      const back = readFactFile(join(dir, "s.csv"), S);
      // A row whose symbol is empty and is alone on its line reads back the same; every row survives.
      expect(back).toEqual(rows);
    },
  );
});
