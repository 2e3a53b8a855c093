import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

const FIXTURES = new URL("../check/fixtures/", import.meta.url).pathname;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

function capture(env: Record<string, string | undefined> = {}, isTTY = false): { ctx: CliContext; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    stdout: { write: (s: string) => (out += s), isTTY },
    stderr: { write: (s: string) => (err += s), isTTY },
    cwd: FIXTURES,
    env,
  };
  return { ctx, out: () => out, err: () => err };
}

describe("calmlog check", () => {
  test("a clean file exits 0 and prints nothing", async () => {
    const c = capture();
    expect(await main(["check", "clean.dl"], c.ctx)).toBe(0);
    expect(c.out()).toBe("");
    expect(c.err()).toBe("");
  });

  test("a file with errors exits 1 and prints file:line:col: error CODE", async () => {
    const c = capture();
    expect(await main(["check", "errors.dl"], c.ctx)).toBe(1);
    const out = c.out();
    expect(out).toContain("errors.dl:4:16: error CL201: relation `edg` is not declared");
    expect(out).toContain("errors.dl:5:29: error CL202: `edge` has 2 columns but this atom gives 3");
    expect(out).toContain("> 4 | reach(x, y) :- edg(x, y).");
    expect(out).toContain("  = help: did you mean `edge`?");
    expect(out.trimEnd().split("\n").at(-1)).toMatch(/^2 errors, \d+ warnings?$/);
    expect(out).not.toMatch(ANSI);
  });

  test("warnings alone exit 0", async () => {
    const c = capture();
    expect(await main(["check", "warnings.dl"], c.ctx)).toBe(0);
    expect(c.out()).toContain("warnings.dl:5:19: warning CL206: variable `y` occurs only once in this rule");
  });

  test("a missing file exits 1 with a one-line reason and no stack trace", async () => {
    const c = capture();
    expect(await main(["check", "missing.dl"], c.ctx)).toBe(1);
    expect(c.err()).toBe("calmlog check: cannot read missing.dl: no such file\n");
    expect(c.out()).toBe("");
  });

  test("a folder without rule files is unreadable; the other files are still checked", async () => {
    const c = capture();
    expect(await main(["check", "../../../bin", "warnings.dl"], c.ctx)).toBe(1);
    expect(c.err()).toBe("calmlog check: cannot read ../../../bin: a folder with no .dl files\n");
    expect(c.out()).toContain("warning CL206");
  });

  test("each file is its own program", async () => {
    const c = capture();
    expect(await main(["check", "clean.dl", "clean.dl"], c.ctx)).toBe(0);
    expect(c.out()).toBe("");
  });

  test("an unknown option is a usage error", async () => {
    const c = capture();
    expect(await main(["check", "--bogus", "clean.dl"], c.ctx)).toBe(2);
    expect(c.err()).toMatch(/^calmlog check: .*--bogus/);
    expect(c.err()).toContain("calmlog check --help");
  });

  test("no file is a usage error", async () => {
    const c = capture();
    expect(await main(["check"], c.ctx)).toBe(2);
    expect(c.err()).toContain("no rule file given");
  });

  test("an unknown format is a usage error", async () => {
    const c = capture();
    expect(await main(["check", "--format", "xml", "clean.dl"], c.ctx)).toBe(2);
    expect(c.err()).toContain("unknown format `xml`");
  });

  test("--format json gives version, files and diagnostics with positions", async () => {
    const c = capture({ FORCE_COLOR: "1" });
    expect(await main(["check", "--format", "json", "errors.dl", "clean.dl"], c.ctx)).toBe(1);
    expect(c.out()).not.toMatch(ANSI);
    const report = JSON.parse(c.out()) as { version: number; files: string[]; diagnostics: Record<string, unknown>[] };
    expect(report.version).toBe(1);
    expect(report.files).toEqual(["errors.dl", "clean.dl"]);
    const first = report.diagnostics.find((d) => d["code"] === "CL201")!;
    expect(first).toMatchObject({ severity: "error", file: "errors.dl", line: 4, column: 16, endLine: 4, endColumn: 19, message: "relation `edg` is not declared", help: "did you mean `edge`?", notes: [] });
    const arity = report.diagnostics.find((d) => d["code"] === "CL202")!;
    expect(arity["related"]).toEqual([{ message: "`edge` is declared here", file: "errors.dl", line: 2, column: 7, endLine: 2, endColumn: 11 }]);
  });

  test("--format json on a clean file has no diagnostics and exits 0", async () => {
    const c = capture();
    expect(await main(["check", "-f", "json", "clean.dl"], c.ctx)).toBe(0);
    expect(JSON.parse(c.out())).toEqual({ version: 1, files: ["clean.dl"], diagnostics: [] });
  });
});

describe("colour", () => {
  test("on a terminal the report is coloured", async () => {
    const c = capture({}, true);
    await main(["check", "errors.dl"], c.ctx);
    expect(c.out()).toMatch(ANSI);
  });

  test("NO_COLOR turns it off on a terminal", async () => {
    const c = capture({ NO_COLOR: "1" }, true);
    await main(["check", "errors.dl"], c.ctx);
    expect(c.out()).not.toMatch(ANSI);
  });

  test("FORCE_COLOR turns it on in a pipe", async () => {
    const c = capture({ FORCE_COLOR: "1" }, false);
    await main(["check", "errors.dl"], c.ctx);
    expect(c.out()).toMatch(ANSI);
  });

  test("FORCE_COLOR=0 turns it off on a terminal", async () => {
    const c = capture({ FORCE_COLOR: "0" }, true);
    await main(["check", "errors.dl"], c.ctx);
    expect(c.out()).not.toMatch(ANSI);
  });

  test("--no-color beats FORCE_COLOR and --color beats NO_COLOR", async () => {
    const off = capture({ FORCE_COLOR: "1" }, true);
    await main(["check", "--no-color", "errors.dl"], off.ctx);
    expect(off.out()).not.toMatch(ANSI);
    const on = capture({ NO_COLOR: "1" }, false);
    await main(["check", "--color", "errors.dl"], on.ctx);
    expect(on.out()).toMatch(ANSI);
  });

  test("--color and --no-color together are a usage error", async () => {
    const c = capture();
    expect(await main(["check", "--color", "--no-color", "errors.dl"], c.ctx)).toBe(2);
  });
});
