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
    const plain = { header: null, rfc4180: false, compress: false };
    expect(outputTarget(rel("r"), "/out")).toEqual({ name: "r", path: "/out/r.csv", delimiter: ",", format: "tsv", ...plain });
    expect(outputTarget(rel("r"), "/out", "jsonl")).toEqual({ name: "r", path: "/out/r.jsonl", delimiter: ",", format: "jsonl", ...plain });
    expect(outputTarget(rel("q"), "/out")).toEqual({ name: "q", path: "/out/sub/q.txt", delimiter: "\t", format: "tsv", ...plain });
    expect(outputTarget(rel("p"), "/out").path).toBeNull();
    // `-D -` prints the column names, as Soufflé's `-D-` sets `headers=true`.
    expect(outputTarget(rel("q"), "-").header).toBe("s");
    expect(outputTarget(rel("q"), "-").path).toBeNull();
  });

  test("headers=true and rfc4180=true, as Soufflé writes them", () => {
    const c = compileText('.decl h(a: symbol, n: number)\n.output h(headers=true, rfc4180=true)\n.output h(filename="t.tsv", headers=true, delimiter="|")\nh("say \\"hi\\"", 1).\nh("a,b", 2).\n');
    const schema = c.checked.relations.get("h")! as OutputSchema;
    const [rfc, piped] = c.checked.relations.get("h")!.outputs!;
    const a = outputTarget(schema, "/out", "tsv", rfc!);
    // The column names are joined by the `delimiter` parameter, a tab without one (not rfc4180's `,`).
    expect([a.header, a.delimiter, a.rfc4180]).toEqual(["a\tn", ",", true]);
    expect(outputTarget(schema, "/out", "tsv", piped!)).toMatchObject({ path: "/out/t.tsv", header: "a|n", delimiter: "|", rfc4180: false });
    const tuples: Tuple[] = [['say "hi"', 1], ["a,b", 2]];
    expect(formatRelation(schema, tuples, "tsv", ",", true)).toBe('"say \\""hi\\""",1\n"a,b",2\n');
    const engine = new Engine(c.checked, c.analysis);
    engine.run();
    const chunks: Uint8Array[] = [];
    writeRows(engine.rows("h"), engine.sortedRows("h"), engine.valueTable, "tsv", ",", (x) => chunks.push(Buffer.from(x)), true);
    expect(Buffer.concat(chunks).toString("utf8")).toBe('"a,b",2\n"say \\""hi\\""",1\n');
  });
});
