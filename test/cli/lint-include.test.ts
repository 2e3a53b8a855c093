// `calmlog lint` on a program with `.include`: every span of its report that lies in an included
// file names that file, with its own lines and columns, as `check` and `run` report them.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { cli } from "./in-process.js";

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-lint-include-"));
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "main.dl"), `.decl a(x: number)\n.input a\n.include "lib/b.dl"\n.output c\nd(x) :- a(x), y = 2.\n`);
  writeFileSync(join(dir, "lib", "b.dl"), `// b\n.decl b(x: number)\n.decl c(x: number)\n.decl d(x: number)\nb(x) :- a(x).\nc(x) :- a(x), !b(x), y = 1.\n`);
  return dir;
}

test("text: the coordination point and the warning in the included file point into it; the main file's stay", async () => {
  const { code, stdout } = await cli(["lint", "--no-color", "main.dl"], project());
  expect(code).toBe(0);
  expect(stdout).toContain("--> lib/b.dl:6:15\n  > 6 | c(x) :- a(x), !b(x), y = 1.\n");
  expect(stdout).toContain("lib/b.dl:6:22: warning CL206: variable `y` occurs only once in this rule");
  expect(stdout).toContain("main.dl:5:15: warning CL206: variable `y` occurs only once in this rule");
});

test("json: spans of points, relations and diagnostics name the included file", async () => {
  const { stdout } = await cli(["lint", "--format", "json", "main.dl"], project());
  const report = JSON.parse(stdout) as { files: { diagnostics: { code: string; span?: { file: string; line: number }; file?: string; line?: number }[] }[] };
  const text = JSON.stringify(report);
  expect(text).toContain('"lib/b.dl"');
  const where = report.files[0]!.diagnostics.map((d) => JSON.stringify(d)).filter((d) => d.includes("CL206"));
  expect(where.some((d) => d.includes("lib/b.dl") && d.includes('"line":6'))).toBe(true);
  expect(where.some((d) => d.includes("main.dl") && d.includes('"line":5'))).toBe(true);
});
