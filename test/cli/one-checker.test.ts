// `check`, `lint` and `run` share one checker: what `run` rejects, `check` and `lint` reject with the same code.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

function capture(cwd: string): { ctx: CliContext; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { ctx: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, cwd, env: {} }, out: () => out, err: () => err };
}

const CASES: Record<string, { text: string; code: string }> = {
  "negation in a cycle": { text: ".decl a(x:number)\n.decl b(x:number)\na(1).\nb(x) :- a(x), !b(x).\n.output b\n", code: "CL301" },
  "`_` as an aggregate's value": { text: ".decl r(x:number)\n.decl s(n:number)\nr(1).\ns(n) :- n = sum _ : { r(_) }.\n.output s\n", code: "CL205" },
};

describe("one checker", () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${name}: run, check and lint all reject it with ${c.code}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "calmlog-one-"));
      writeFileSync(join(dir, "p.dl"), c.text);
      const run = capture(dir);
      expect(await main(["run", "p.dl", "-D", "-"], run.ctx)).toBe(1);
      expect(run.err()).toContain(`error ${c.code}`);
      const check = capture(dir);
      expect(await main(["check", "p.dl"], check.ctx)).toBe(1);
      expect(check.out()).toContain(`p.dl:4:`);
      expect(check.out()).toContain(`error ${c.code}`);
      const lint = capture(dir);
      expect(await main(["lint", "p.dl"], lint.ctx)).toBe(1);
      expect(lint.out()).toContain(`error ${c.code}`);
    });
  }

  test("the help for `_` as an aggregate's value does not suggest writing `_`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-one-"));
    writeFileSync(join(dir, "p.dl"), CASES["`_` as an aggregate's value"]!.text);
    const check = capture(dir);
    await main(["check", "p.dl"], check.ctx);
    const help = check.out().split("\n").find((l) => l.includes("help:"))!;
    expect(help).toContain("sum x : { r(x) }");
    expect(help).not.toContain("replace it with `_`");
  });
});

describe("the library's replica evaluator", () => {
  test("rejects an undeclared relation on insert, as Engine.insert does", async () => {
    const { compile, ReplicaEvaluator, UserError } = await import("../../src/index.js");
    const c = compile({ path: "p.dl", text: ".decl e(a: number)\n.input e\n" });
    const evaluator = new ReplicaEvaluator({ checked: c.checked, analysis: c.analysis! });
    expect(() => evaluator.insert("a", "edge", [[1]], 1)).toThrow(UserError);
    expect(() => evaluator.insert("a", "edge", [[1]], 1)).toThrow("relation `edge` is not declared");
    expect(evaluator.insert("a", "e", [[1]], 1).added).toBe(1);
  });
});
