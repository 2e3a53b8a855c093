// `run` writes outputs from codes (`writeRows`), `evaluate -D` from tuples (`planOutput`); both are
// placed by one `outputTarget` and must give the same bytes for the same relation.
import { fc, test as prop } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { formatRelation, outputTarget, planOutput, writeRows, type OutputSchema } from "../../src/io/write.js";
import type { Tuple } from "../../src/eval/values.js";
import { compileText } from "../eval/helpers.js";

const { checked, analysis } = compileText(
  [
    ".decl r(s: symbol, n: number, u: unsigned, f: float)",
    '.output r(delimiter=",")',
    ".decl q(s: symbol)",
    '.output q(filename="sub/q.txt")',
    ".decl p(n: number)",
    ".output p(IO=stdout)",
  ].join("\n") + "\n",
);

// Symbols with the characters a field escapes, non-ASCII text, the delimiter, and lone surrogates.
const symbol = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("", "a\tb", "back\\slash", "line\nbreak", "cr\r", "x,y", "é", "日本", "\uD800", "a\uDFFFb", "😀"));
const float = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, 1.5, 1e21, -1e-7));
const row = fc.tuple(symbol, fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: 0, max: 4294967295 }), float);

/** The bytes `run` writes for a relation (a file gets them as they are; a string would turn WTF-8 into U+FFFD). */
function bytesOf(engine: Engine, name: string, format: "tsv" | "jsonl", delimiter: string): Buffer {
  const chunks: Uint8Array[] = [];
  writeRows(engine.rows(name), engine.sortedRows(name), engine.valueTable, format, delimiter, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

describe("output writing", () => {
  prop.prop([fc.array(row, { maxLength: 40 }), fc.constantFrom<"tsv" | "jsonl">("tsv", "jsonl")])("writing from codes gives the bytes formatting the tuples gives", (rows, format) => {
    const engine = new Engine(checked, analysis);
    engine.insert("r", rows as Tuple[]);
    const schema = checked.relations.get("r")! as OutputSchema;
    const target = outputTarget(schema, "/out", format);
    expect(target.delimiter).toBe(",");
    const fromTuples = planOutput(schema, engine.tuples("r"), "/out", format);
    // `evaluate` writes the text as UTF-8 (`writeFileSync`): the same bytes.
    expect(bytesOf(engine, "r", format, target.delimiter).equals(Buffer.from(fromTuples.text, "utf8"))).toBe(true);
    expect(fromTuples.text).toBe(formatRelation(schema, engine.tuples("r"), format, ","));
  });

  test("one place reads filename, IO and delimiter, for files and for stdout", () => {
    const rel = (n: string): OutputSchema => checked.relations.get(n)! as OutputSchema;
    expect(outputTarget(rel("r"), "/out")).toEqual({ name: "r", path: "/out/r.csv", delimiter: ",", format: "tsv" });
    expect(outputTarget(rel("r"), "/out", "jsonl")).toEqual({ name: "r", path: "/out/r.jsonl", delimiter: ",", format: "jsonl" });
    expect(outputTarget(rel("q"), "/out")).toEqual({ name: "q", path: "/out/sub/q.txt", delimiter: "\t", format: "tsv" });
    expect(outputTarget(rel("p"), "/out").path).toBeNull();
    expect(outputTarget(rel("q"), "-").path).toBeNull();
  });
});
