// The CLI bundles start from V8's code cache (bin/load.js). A cache that is missing, made for
// another bundle, damaged or unwritable must never break a command or change its output; a stale
// one is replaced after the command, and the built one is accepted as it is.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BUILT = join(ROOT, "dist", "bin");
const LOADER = pathToFileURL(join(ROOT, "bin", "load.js")).href;
const work = mkdtempSync(join(tmpdir(), "calmlog-code-cache-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PROGRAM = ".decl e(x: number, y: number)\n.input e\n.decl p(x: number, y: number)\n.output p\np(x, y) :- e(x, y).\np(x, z) :- p(x, y), e(y, z).\n";
mkdirSync(join(work, "facts"));
writeFileSync(join(work, "p.dl"), PROGRAM);
writeFileSync(join(work, "facts", "e.facts"), "1\t2\n2\t3\n3\t4\n");

/** A copy of the built `run` bundle and its cache in a folder of its own. */
function bundleDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  copyFileSync(join(BUILT, "run.cjs"), join(dir, "run.cjs"));
  copyFileSync(join(BUILT, "run.cjs.cache"), join(dir, "run.cjs.cache"));
  return dir;
}

/** Loads `run` from `dir` in a fresh Node (no flags), runs it, and reports what happened. */
function runFrom(dir: string, nodeArgs: readonly string[] = []): { cached: boolean; code: number; output: string } {
  const out = join(work, `out-${Math.random().toString(16).slice(2)}`);
  const script = `
    const { loadBundle } = await import(${JSON.stringify(LOADER)});
    const b = loadBundle("run", ${JSON.stringify(dir)});
    const code = await b.exports.main(["run", "p.dl", "-F", "facts", "-D", ${JSON.stringify(out)}], { stdout: process.stdout, stderr: process.stderr, cwd: ${JSON.stringify(work)} });
    b.saveCache();
    process.stdout.write("\\n" + JSON.stringify({ cached: b.cached, code }));`;
  // A script file, not `-e`: Node options (and `-e`) name a cache of their own.
  const file = join(work, `load-${Math.random().toString(16).slice(2)}.mjs`);
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [...nodeArgs, file], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  expect(r.stderr).toBe("");
  const status = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { cached: boolean; code: number };
  return { ...status, output: readFileSync(join(out, "p.csv"), "utf8") };
}

const EXPECTED = "1\t2\n1\t3\n1\t4\n2\t3\n2\t4\n3\t4\n";

describe("the CLI bundle's code cache", () => {
  it("is built beside every bundle and accepted as built", () => {
    expect(existsSync(join(BUILT, "run.cjs.cache")), "run `npm run build` first").toBe(true);
    // One function expression whose body is strict code, as the ES modules it was built from.
    const lines = readFileSync(join(BUILT, "run.cjs"), "utf8").split("\n", 3);
    expect(lines[0]).toMatch(/^\/\/ calmlog-bundle [0-9a-f]{64}$/);
    expect(lines.slice(1)).toEqual(["(function (exports, require, module, __filename, __dirname) {", '"use strict";']);
    const dir = bundleDir("as-built");
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it("is written when missing, then used", () => {
    const dir = bundleDir("missing");
    rmSync(join(dir, "run.cjs.cache"));
    expect(runFrom(dir)).toEqual({ cached: false, code: 0, output: EXPECTED });
    expect(existsSync(join(dir, "run.cjs.cache"))).toBe(true);
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it("is not used when made for another bundle text, and is replaced", () => {
    const dir = bundleDir("stale");
    // Another build of the bundle: one character changed, same length (V8's own check is the length).
    const source = readFileSync(join(dir, "run.cjs"), "utf8");
    const firstLine = source.indexOf("\n");
    const other = source.slice(0, firstLine - 1) + (source[firstLine - 1] === "0" ? "1" : "0") + source.slice(firstLine);
    writeFileSync(join(dir, "run.cjs"), other);
    expect(runFrom(dir)).toEqual({ cached: false, code: 0, output: EXPECTED });
    expect(readFileSync(join(dir, "run.cjs.cache")).subarray(0, firstLine + 1).toString("latin1")).toBe(other.slice(0, firstLine + 1));
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it("is not used when made by another Node (V8's own check passes it, and it would crash)", () => {
    const dir = bundleDir("other-node");
    const cache = readFileSync(join(dir, "run.cjs.cache"));
    const text = cache.toString("latin1");
    const at = text.indexOf(`node ${process.version} `);
    expect(at).toBeGreaterThan(0);
    writeFileSync(join(dir, "run.cjs.cache"), Buffer.from(text.slice(0, at) + "node v20.0.0" + text.slice(at + 5 + process.version.length), "latin1"));
    expect(runFrom(dir)).toEqual({ cached: false, code: 0, output: EXPECTED });
    expect(readFileSync(join(dir, "run.cjs.cache")).toString("latin1")).toContain(`node ${process.version} `);
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it("is not used when damaged (V8 would not notice), and the command runs from source", () => {
    const dir = bundleDir("damaged");
    const cache = readFileSync(join(dir, "run.cjs.cache"));
    const idLength = cache.indexOf(10, cache.indexOf(10) + 1) + 1;
    for (let i = idLength + 64; i < cache.length; i += 97) cache[i] = cache[i]! ^ 0xff;
    writeFileSync(join(dir, "run.cjs.cache"), cache);
    expect(runFrom(dir)).toEqual({ cached: false, code: 0, output: EXPECTED });
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it("is kept apart for Node options (V8 rejects a cache made under other flags)", () => {
    const dir = bundleDir("flags");
    const plain = readFileSync(join(dir, "run.cjs.cache"));
    expect(runFrom(dir, ["--max-old-space-size=512"])).toEqual({ cached: false, code: 0, output: EXPECTED });
    expect(runFrom(dir, ["--max-old-space-size=512"])).toEqual({ cached: true, code: 0, output: EXPECTED });
    expect(readFileSync(join(dir, "run.cjs.cache")).equals(plain)).toBe(true);
    expect(runFrom(dir)).toEqual({ cached: true, code: 0, output: EXPECTED });
  });

  it.skipIf(process.getuid?.() === 0)("leaves a read-only folder alone", () => {
    const dir = bundleDir("read-only");
    rmSync(join(dir, "run.cjs.cache"));
    chmodSync(dir, 0o555);
    try {
      expect(runFrom(dir)).toEqual({ cached: false, code: 0, output: EXPECTED });
      expect(existsSync(join(dir, "run.cjs.cache"))).toBe(false);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe("which bundle serves a command line", () => {
  it("is the command's own, `help NAME`'s NAME's, and the base one otherwise", async () => {
    const { bundleName } = (await import(LOADER)) as { bundleName: (argv: string[]) => string };
    expect(bundleName(["run", "p.dl"])).toBe("run");
    expect(bundleName(["help", "lint"])).toBe("lint");
    expect(bundleName(["help"])).toBe("main");
    expect(bundleName([])).toBe("main");
    expect(bundleName(["-V"])).toBe("main");
    expect(bundleName(["rn"])).toBe("main");
    expect(bundleName(["../run"])).toBe("main");
  });

  it("gives the same answers from every bundle for usage, version and unknown names", () => {
    const cli = join(ROOT, "bin", "calmlog.js");
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
    expect(run("help", "run").stdout).toContain("Usage: calmlog run");
    expect(run("run", "--help").stdout).toBe(run("help", "run").stdout);
    expect(run("--help").stdout).toContain("Commands:");
    const unknown = run("rn");
    expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining("did you mean `run`")]);
  });
});
