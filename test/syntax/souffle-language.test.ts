// Soufflé's language beyond the core: the README's sample runs, and each construct gives Soufflé's results.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import { main } from "../../src/cli/main.js";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { evaluate } from "../../src/eval/index.js";
import { compileFile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const run = runProgram;

describe("Soufflé's language", () => {
  test("the README sample runs with Soufflé's results", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const sample = /```datalog\n(\/\/ Soufflé's richer language[\s\S]*?)```/.exec(readme)![1]!;
    const out = run(sample);
    expect(out("g.reach")).toEqual(["1\t2", "1\t3", "2\t3"]);
    expect(out("xs")).toEqual(["1", "3"]);
    expect(out("area")).toEqual(["9"]);
    expect(out("ab")).toEqual(["abc"]);
    expect(out("n")).toEqual(["0", "3", "6", "9"]);
    expect(out("conv")).toEqual(["7\t7"]);
    expect(out("same")).toEqual(["1\t1", "1\t2", "1\t3", "2\t1", "2\t2", "2\t3", "3\t1", "3\t2", "3\t3"]);
    expect(out("list")).toEqual(["[1, [2, nil]]"]);
  });

  test("the README's order-dependent sample runs: one advisor per student, a counter, shortest distances", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const sample = /```datalog\n(\/\/ constructs whose result depends on arrival order[\s\S]*?)```/.exec(readme)![1]!;
    const out = run(sample);
    expect(out("advisor").map((l) => l.split("\t")[0])).toEqual(["ann", "bob"]);
    expect(out("advisor")).toContain("bob\tp3");
    expect(out("ticket").map((l) => l.split("\t")[0]).sort()).toEqual(["0", "1"]);
    expect(out("dist")).toEqual(["1\t1\t6", "1\t2\t4", "1\t3\t5", "2\t1\t2", "2\t2\t6", "2\t3\t1", "3\t1\t1", "3\t2\t5", "3\t3\t6"]);
  });

  test("components: inheritance, overrides, nested instances and names of the enclosing scope", () => {
    const out = run(`
.comp A {
  .decl Rel(x: number) overridable
  .comp AA { Rel(0). }
  .init aa = AA
  Rel(1).
}
.comp B : A {
  .override Rel
  Rel(3).
}
.init a = A
.init b = B
.output a.Rel, b.Rel
`);
    expect(out("a.Rel")).toEqual(["0", "1"]);
    expect(out("b.Rel")).toEqual(["0", "3"]);
  });

  test("arithmetic wraps around in 32 bits", () => {
    const out = run(`.decl r(x: number, u: unsigned)\n.output r\nr(2147483647 + 1, 0u - 1u).\n`);
    expect(out("r")).toEqual(["-2147483648\t4294967295"]);
  });

  test("negated atoms with expressions, range going down, ADTs printed as Soufflé does", () => {
    const out = run(`
.type E = Num {n: number} | Neg {e: E}
.decl e(x: E)
.decl first(i: number)
.decl el(i: number)
.output e, first
el(i) :- i = range(5, 0).
first(i) :- el(i), !el(i - 1).
e($Neg($Num(1))).
`);
    expect(out("first")).toEqual(["1"]);
    expect(out("e")).toEqual(["$Neg($Num(1))"]);
  });

  test("a bad regular expression fails the literal, negated or not, as Soufflé's does", () => {
    const out = run(`.decl a(x: symbol)\n.decl b(x: symbol)\n.output b\na("fooba").\nb(x) :- a(x), !match("fo{x}b(", x).\nb(x) :- a(x), !match("z.*", x).\n`);
    expect(out("b")).toEqual(["fooba"]);
    const none = run(`.decl a(x: symbol)\n.decl b(x: symbol)\n.output b\na("fooba").\nb(x) :- a(x), !match("fo{x}b(", x).\n`);
    expect(none("b")).toEqual([]);
  });

  test("a variable bound only by an aggregate's result is the aggregate's own inside it", () => {
    const out = run(`.decl r(a: number, b: number)\n.decl m(a: number)\n.output m\nr(1, 5). r(4, 2).\nm(a) :- a = max a : r(a, _).\n`);
    expect(out("m")).toEqual(["4"]);
    // Bound elsewhere too, it stays a grouping variable.
    const grouped = run(`.decl r(a: number, b: number)\n.decl m(a: number, n: number)\n.output m\nr(1, 5). r(1, 2). r(4, 2).\nm(a, n) :- r(a, _), n = count : r(a, _).\n`);
    expect(grouped("m")).toEqual(["1\t2", "4\t1"]);
  });

  test("a fact with an aggregate runs once what it counts is known", () => {
    const out = run(`.decl p(x: number)\n.decl e(n: number)\n.output e\np(1). p(2). p(x + 1) :- p(x), x < 5.\ne(count : { p(_) }).\n`);
    expect(out("e")).toEqual(["5"]);
  });
});

describe("Soufflé's .include and .once", () => {
  test("included files are read once each, from the including file's folder or -I, with their own __LINE__", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-include-"));
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "main.dl"), `.decl at(f: symbol, l: number)\n.output at\n.include "a.dl"\n.include "b.dl"\nat("main", __LINE__).\n`);
    writeFileSync(join(dir, "a.dl"), `.once\nat("a", __LINE__).\n.include "a.dl"\n`);
    writeFileSync(join(dir, "lib", "b.dl"), `\n\nat("b", __LINE__).\n`);
    const c = await compileFile("main.dl", dir, { includeDirs: ["lib"] });
    expect(c.diagnostics.items.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
    const engine = evaluate(c.checked, c.analysis!, {});
    expect(engine.tuples("at").map((t) => t.join(":")).sort()).toEqual(["a:2", "b:3", "main:5"]);
    const missing = await compileFile("main.dl", dir);
    expect(missing.diagnostics.items.map((d) => `${d.code} ${d.span.line}`)).toEqual(["CL108 4"]);
  });

  test("an error inside an included file points into that file, with its own path, line and column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-include-span-"));
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "main.dl"), `.decl a(x: number)\n.include "lib/b.dl"\na(1).\n.output b\n`);
    writeFileSync(join(dir, "lib", "b.dl"), `// b\n.decl b(x: number)\n.include "c.dl"\nb(x) :- a(x), zz(x).\n`);
    writeFileSync(join(dir, "lib", "c.dl"), `.decl c(x: number)\nc(x) :-   a(x), nope(x).\n`);
    const c = await compileFile("main.dl", dir);
    expect(c.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.span.file}:${d.span.line}:${d.span.column}`)).toEqual(["lib/b.dl:4:15", "lib/c.dl:2:17"]);
    for (const command of ["check", "run"]) {
      let out = "";
      const sink = { write: (t: string) => ((out += t), true) };
      expect(await main([command, "main.dl"], { stdout: sink, stderr: sink, cwd: dir, env: { NO_COLOR: "1" } })).toBe(1);
      expect(out, command).toContain("lib/c.dl:2:17: error CL201: relation `nope` is not declared\n  1 | .decl c(x: number)\n> 2 | c(x) :-   a(x), nope(x).\n");
      expect(out, command).toContain("lib/b.dl:4:15: error CL201");
    }
  });

  test("`run` reads gzip fact files and writes `compress=true` outputs as gzip", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-gzip-"));
    mkdirSync(join(dir, "facts"));
    writeFileSync(join(dir, "p.dl"), `.decl a(x: number, s: symbol)\n.input a\n.decl b(x: number, s: symbol)\n.output b(compress=true)\nb(x, s) :- a(x, s).\n`);
    writeFileSync(join(dir, "facts", "a.facts"), gzipSync("1\tx\n2\ty\n"));
    let err = "";
    const code = await main(["run", "-F", "facts", "-D", "out", "p.dl"], { stdout: { write: () => true }, stderr: { write: (t: string) => ((err += t), true) }, cwd: dir, env: { NO_COLOR: "1" } });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(gunzipSync(readFileSync(join(dir, "out", "b.csv"))).toString("utf8")).toBe("1\tx\n2\ty\n");
  });

  test("`check` and `lint` read a file through the preprocessor and `.include`, as `run` does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-pre-"));
    writeFileSync(join(dir, "p.dl"), `#define N 3\n.include "decl.dl"\np(N).\n`);
    writeFileSync(join(dir, "decl.dl"), `.decl p(x: number)\n.output p\n`);
    for (const command of ["check", "lint"]) {
      let out = "";
      const sink = { write: (t: string) => ((out += t), true) };
      const code = await main([command, "p.dl"], { stdout: sink, stderr: sink, cwd: dir, env: { NO_COLOR: "1" } });
      expect(out, command).not.toMatch(/error/);
      expect(code, command).toBe(0);
    }
  });
});
