import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

/** A context whose streams are strings. */
function capture(env: Record<string, string | undefined> = {}): { ctx: CliContext; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    cwd: new URL("../check/fixtures/", import.meta.url).pathname,
    env,
  };
  return { ctx, out: () => out, err: () => err };
}

describe("calmlog", () => {
  test("--help lists the commands and exits 0", async () => {
    const c = capture();
    expect(await main(["--help"], c.ctx)).toBe(0);
    expect(c.out()).toContain("Usage: calmlog <command>");
    expect(c.out()).toMatch(/^ {2}check +Parse and check rule files/m);
  });

  test("no arguments prints the usage to stderr and exits 2, a usage error", async () => {
    const c = capture();
    expect(await main([], c.ctx)).toBe(2);
    expect(c.err()).toContain("Usage: calmlog <command>");
  });

  test("--version prints the package version", async () => {
    const c = capture();
    expect(await main(["--version"], c.ctx)).toBe(0);
    expect(c.out()).toMatch(/^calmlog \d+\.\d+\.\d+\n$/);
  });

  test("check --help prints the command's usage and exits 0", async () => {
    const c = capture();
    expect(await main(["check", "--help"], c.ctx)).toBe(0);
    expect(c.out()).toContain("Usage: calmlog check FILE...");
    expect(c.out()).toContain("--format");
  });

  test("help check is check --help", async () => {
    const c = capture();
    expect(await main(["help", "check"], c.ctx)).toBe(0);
    expect(c.out()).toContain("Usage: calmlog check FILE...");
  });

  test("an unknown command exits 2 with a did-you-mean", async () => {
    const c = capture();
    expect(await main(["chek", "x.dl"], c.ctx)).toBe(2);
    expect(c.err()).toContain("unknown command `chek`; did you mean `check`?");
    expect(c.out()).toBe("");
  });

  test("an unknown command far from any name has no suggestion", async () => {
    const c = capture();
    expect(await main(["frobnicate"], c.ctx)).toBe(2);
    expect(c.err()).not.toContain("did you mean");
  });
});
