// Records and ADT values in fact files and outputs: read as Soufflé's reader reads them, written
// as Soufflé prints them, and what is written reads back as the same value.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fc, test as prop } from "@fast-check/vitest";
import { main } from "../../src/cli/main.js";
import { makeBranch, makeRecord, NIL, showStructured } from "../../src/eval/records.js";
import type { Value } from "../../src/eval/values.js";
import { parseFacts, type FactSchema } from "../../src/io/index.js";
import { compile } from "../../src/pipeline.js";
import { userErrorOf } from "../eval/helpers.js";

const TYPES = `
.type Pair = [a: number, s: symbol]
.type Tree = [left: Tree, val: number, right: Tree]
.type Shape = Circle {r: float} | Rect {w: unsigned, h: unsigned} | Dot {} | Tag {p: Pair}
.decl p(x: Pair, t: Tree, s: Shape)
`;

function schema(text = TYPES, relation = "p"): FactSchema {
  const c = compile({ path: "t.dl", text });
  return c.checked.relations.get(relation)!;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(program: string, facts: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; out: (f: string) => string }> {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-records-"));
  dirs.push(dir);
  writeFileSync(join(dir, "p.dl"), program);
  for (const [name, text] of Object.entries(facts)) writeFileSync(join(dir, name), text);
  let stdout = "";
  let stderr = "";
  const code = await main(["run", "-F", dir, "-D", dir, join(dir, "p.dl")], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd: dir, env: { NO_COLOR: "1" } });
  return { code, stdout, stderr, out: (f) => readFileSync(join(dir, f), "utf8") };
}

describe("records and ADTs in fact files", () => {
  test("nil, nested records, every branch kind, whitespace and quoted symbols", () => {
    const rows = parseFacts(
      [
        `[1, abc]\tnil\t$Dot`,
        `[ -2 ,"x, ]y"]\t[nil, 1, [nil, 2, nil]]\t$Circle(2.5)`,
        `[3,a b ]\t[[nil,1,nil],2,nil]\t$Rect(3, 4)`,
        `[4, z]\tnil\t$Tag([5, q])`,
      ].join("\n"),
      "p.facts",
      schema(),
    );
    expect(rows).toEqual([
      [makeRecord([1, "abc"]), NIL, makeBranch("Dot", [])],
      [makeRecord([-2, "x, ]y"]), makeRecord([NIL, 1, makeRecord([NIL, 2, NIL])]), makeBranch("Circle", [2.5])],
      [makeRecord([3, "a b "]), makeRecord([makeRecord([NIL, 1, NIL]), 2, NIL]), makeBranch("Rect", [3, 4])],
      [makeRecord([4, "z"]), NIL, makeBranch("Tag", [makeRecord([5, "q"])])],
    ]);
    expect(rows.map((r) => r.map((v) => showStructured(v as string)).join("\t"))).toEqual([
      "[1, abc]\tnil\t$Dot",
      "[-2, x, ]y]\t[nil, 1, [nil, 2, nil]]\t$Circle(2.5)",
      "[3, a b ]\t[[nil, 1, nil], 2, nil]\t$Rect(3, 4)",
      "[4, z]\tnil\t$Tag([5, q])",
    ]);
  });

  test("a malformed value is CL402 at the character where it goes wrong", () => {
    const s = schema();
    const cases: [string, number, RegExp][] = [
      ["[1, abc\tnil\t$Dot", 8, /expected `,` but the field ended|expected `]`/],
      ["[1, abc]\t[nil, x, nil]\t$Dot", 16, /expected a `number`/],
      ["[1, abc]\tnil\t$Square(1)", 14, /`\$Square` is no branch/],
      ["[1, abc]\tnil\t$Rect(1)", 21, /expected `,` but found `\)`/],
      ["[1, abc] x\tnil\t$Dot", 9, /expected the field to end/],
      ["[99999999999, a]\tnil\t$Dot", 2, /is not a `number`/],
    ];
    for (const [line, column, message] of cases) {
      const d = userErrorOf(() => parseFacts(line, "p.facts", s)).diagnostic;
      expect([d.code, d.span.line, d.span.column], line).toEqual(["CL402", 1, column]);
      expect(d.message, line).toMatch(message);
    }
  });

  test("a delimiter with a comma ends a column only outside brackets, as Soufflé's reader does", () => {
    const s = schema(".type Pair = [a: number, s: symbol]\n.decl q(x: Pair, y: Pair)\n", "q");
    expect(parseFacts("[1, a],nil\nnil,[2, b]\n", "q.facts", s, { delimiter: "," })).toEqual([
      [makeRecord([1, "a"]), NIL],
      [NIL, makeRecord([2, "b"])],
    ]);
    expect(parseFacts("[1, a] , [2, b]\n", "q.facts", s, { delimiter: " , " })).toEqual([[makeRecord([1, "a"]), makeRecord([2, "b"])]]);
    const d = userErrorOf(() => parseFacts("[1, a,nil\n", "q.facts", s, { delimiter: "," })).diagnostic;
    expect([d.code, d.message]).toEqual(["CL403", "unbalanced `[` in line 1: a record field opens more brackets than it closes"]);
  });

  test("JSON Lines hold a record as the text Soufflé prints", () => {
    expect(parseFacts('["[1, a]", "nil", "$Rect(1, 2)"]\n', "p.jsonl", schema(), { format: "jsonl" })).toEqual([[makeRecord([1, "a"]), NIL, makeBranch("Rect", [1, 2])]]);
  });

  test("`run` reads records from .facts, joins on their fields and writes them as Soufflé does", async () => {
    const program = `${TYPES}
.input p
.decl out(t: Tree, s: Shape, n: number)
.output out
out(t, s, v) :- p(_, t, s), t = [_, v, _].
out(nil, $Tag([n + 1, w]), n) :- p([n, w], nil, _).
`;
    const r = await run(program, { "p.facts": "[1, a]\t[nil, 7, [nil, 8, nil]]\t$Rect(1, 2)\n[2, b]\tnil\t$Dot\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.out("out.csv").split("\n").filter((l) => l !== "").sort()).toEqual(["[nil, 7, [nil, 8, nil]]\t$Rect(1, 2)\t7", "nil\t$Tag([3, b])\t2"]);
  });
});

// Values of a fixed shape, with symbols Soufflé's reader reads back bare (no separators or quotes).
const SYMBOL = fc.stringMatching(/^[a-z][a-z0-9 _]{0,6}$/).map((s) => s.trimEnd());
const TREE: fc.Arbitrary<string> = fc.letrec<{ tree: string }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.constant(NIL), fc.tuple(tie("tree"), fc.integer({ min: -2147483648, max: 2147483647 }), tie("tree")).map((f) => makeRecord(f as Value[]))),
})).tree;
const SHAPE = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((r) => makeBranch("Circle", [Math.round(r * 4) / 4])),
  fc.tuple(fc.nat(), fc.nat()).map(([w, h]) => makeBranch("Rect", [w, h])),
  fc.constant(makeBranch("Dot", [])),
  fc.tuple(fc.integer(), SYMBOL).map(([a, s]) => makeBranch("Tag", [makeRecord([a, s])])),
);

prop.prop([fc.array(fc.tuple(fc.integer(), SYMBOL, TREE, SHAPE), { maxLength: 20 })], { numRuns: 60 })("what `run` writes reads back as the same values", (rows) => {
  const s = schema();
  const text = rows.map(([a, sym, t, sh]) => [makeRecord([a, sym]), t, sh].map((v) => showStructured(v)).join("\t")).join("\n");
  expect(parseFacts(text, "p.facts", s)).toEqual(rows.map(([a, sym, t, sh]) => [makeRecord([a, sym]), t, sh]));
});
