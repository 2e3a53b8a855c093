// Values and input at their limits: a capped error count, CR-only line ends, non-finite floats in
// fact files, running out of memory, and help lines that fit the error they follow.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cli } from "./in-process.js";
import { MAX_SYNTAX_ERRORS } from "../../src/syntax/parse.js";

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-limits-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const calmlog = (cwd: string, ...args: string[]) => cli(args, cwd);

describe("error recovery", () => {
  it(`reports at most ${MAX_SYNTAX_ERRORS} syntax errors per file, then "too many errors"`, async () => {
    const dir = workspace({ "dots.dl": ".".repeat(5000) });
    const r = await calmlog(dir, "check", "-f", "json", "dots.dl");
    expect(r.code).toBe(1);
    const codes = JSON.parse(r.stdout).diagnostics.map((d: { code: string }) => d.code);
    expect(codes.length).toBe(MAX_SYNTAX_ERRORS + 1);
    expect(codes.at(-1)).toBe("CL409");
    const text = await calmlog(dir, "check", "dots.dl");
    expect(text.stdout).toContain("too many errors in this file (100 shown, 4900 more from here on); stopping");
  });
});

describe("CR-only line ends", () => {
  it("count as line breaks for positions and code frames", async () => {
    const dir = workspace({ "cr.dl": ".decl a(x: number)\r.decl b(x: number)\r.input a\r\rb(x) :- a(x), c(x).\r.output b\r" });
    const r = await calmlog(dir, "check", "cr.dl");
    expect(r.stdout).toContain("cr.dl:5:15: error CL201: relation `c` is not declared");
    expect(r.stdout).toContain("> 5 | b(x) :- a(x), c(x).");
  });
});

describe("floats in fact files", () => {
  const PROGRAM = ".decl v(x: float)\n.input v\n.decl m(x: float)\nm(s) :- s = sum x : { v(x) }.\n.output m\n";
  for (const bad of ["NaN", "nan", "1e999", "-1e999", "inf", "Infinity"]) {
    it(`reject \`${bad}\` with CL402 and a float help (tsv)`, async () => {
      const dir = workspace({ "p.dl": PROGRAM, "f/v.facts": `1.5\n${bad}\n` });
      const r = await calmlog(dir, "run", "p.dl", "-F", "f", "-D", "-");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`v.facts:2:1: error CL402: \`${bad}\` is not a finite decimal number`);
      expect(r.stderr).toMatch(/help: `float` columns take finite decimal numbers/);
      expect(r.stderr).not.toContain("integer");
    });
  }
  it("reject 1e999 in JSON Lines too", async () => {
    const dir = workspace({ "p.dl": PROGRAM, "f/v.jsonl": "[1.5]\n[1e999]\n" });
    const r = await calmlog(dir, "run", "p.dl", "-F", "f", "-D", "-");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL402");
  });
  it("accept finite values, as before", async () => {
    const dir = workspace({ "p.dl": PROGRAM, "f/v.facts": "1.5\n-2e3\n1.7976931348623157e308\n" });
    const r = await calmlog(dir, "run", "p.dl", "-F", "f", "-D", "-");
    expect(r.code).toBe(0);
  });
});

describe("running out of memory", () => {
  it("is CL410 with the stratum and how to give Node more memory, not an internal error", () => {
    const dir = workspace({ "grow.dl": '.decl s(x: symbol)\ns("a").\ns(cat(x, "abcdefghij")) :- s(x), strlen(x) < 1000000.\n.printsize s\n' });
    const entry = resolve("test/cli/run-cli.mjs");
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const r = spawnSync(process.execPath, ["--max-old-space-size=48", "--import", tsx, entry, "run", "grow.dl"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toContain("error CL410: evaluation ran out of memory in stratum 0 (`s`)");
    expect(r.stderr).toContain("Node allows this process about 48 MB");
    expect(r.stderr).toContain("--max-old-space-size=");
    expect(r.stderr).not.toContain("bug in calmlog");
    expect(r.status).toBe(1);
  });
});

describe("help lines fit their errors", () => {
  const CASES: { name: string; files: Record<string, string>; args: string[]; code: string; help: RegExp; not?: RegExp }[] = [
    { name: "number out of range", files: { "p.dl": ".decl v(x: number)\n.input v\n.output v\n", "f/v.facts": "9999999999\n" }, args: ["run", "p.dl", "-F", "f", "-D", "-"], code: "CL402", help: /`number` columns take signed 32-bit integers/ },
    { name: "unsigned negative", files: { "p.dl": ".decl v(x: unsigned)\n.input v\n.output v\n", "f/v.facts": "-1\n" }, args: ["run", "p.dl", "-F", "f", "-D", "-"], code: "CL402", help: /`unsigned` columns take integers from 0/ },
    { name: "fact file missing", files: { "p.dl": ".decl v(x: number)\n.input v\n.output v\n", "f/.keep": "" }, args: ["run", "p.dl", "-F", "f", "-D", "-"], code: "CL404", help: /Create the file/ },
    { name: "fact file is a folder", files: { "p.dl": ".decl v(x: number)\n.input v\n.output v\n", "f/v.facts/.keep": "" }, args: ["run", "p.dl", "-F", "f", "-D", "-"], code: "CL404", help: /is a folder/, not: /Create the file/ },
    { name: "`_` as an aggregate value", files: { "p.dl": ".decl r(x: number)\n.decl s(n: number)\ns(n) :- n = sum _ : { r(_) }.\n" }, args: ["check", "p.dl"], code: "CL205", help: /sum x : \{ r\(x\) \}/, not: /replace it with `_`/ },
  ];
  for (const c of CASES) {
    it(`${c.name}: ${c.code}`, async () => {
      const dir = workspace(c.files);
      const r = await calmlog(dir, ...c.args);
      const text = r.stdout + r.stderr;
      expect(text).toContain(`error ${c.code}`);
      const help = text.split("\n").find((l) => l.includes("= help:"));
      expect(help).toMatch(c.help);
      if (c.not) expect(help).not.toMatch(c.not);
    });
  }
});
