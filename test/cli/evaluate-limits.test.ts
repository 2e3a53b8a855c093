// Replica commands at their limits: epoch numbers past 2^53, a seal far ahead of the sealed epochs
// (a short message, no list of a million epochs, no crash), and running out of memory in `evaluate`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

describe("epoch numbers", () => {
  it("refuses epoch folders past 2^53, which would read as their neighbours' number (CL504)", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/a/epoch-9007199254740993/edge.facts", "p\tq\n");
    w.put("data/a/epoch-9007199254740992/edge.facts", "r\ts\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL504: replica `a` holds `epoch-9007199254740993`, but epoch numbers go up to 9007199254740991");
    expect(r.stderr).toContain("`epoch-9007199254740992`");
    // The largest exact one is an ordinary epoch.
    const ok = workspace();
    ok.put("data/a/epoch-9007199254740991/edge.facts", "x\ty\n");
    expect((await calmlog(ok.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
  });

  it("`seal --epoch` far ahead says which epochs are missing in one short line, for 10^6 and 2^32", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
    for (const [epoch, missing] of [["1000000", "1-999999"], ["4294967296", "1-4294967295"]] as const) {
      const r = await calmlog(w.root, "seal", "data", "--epoch", epoch);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error CL505: cannot seal epoch ${epoch}: epochs ${missing} are not sealed yet, and epochs are sealed in order`);
      expect(r.stderr.length).toBeLessThan(400);
    }
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1")).code).toBe(0);
    const gaps = await calmlog(w.root, "seal", "data", "--epoch", "4");
    expect(gaps.stderr).toContain("epochs 2-3 are not sealed yet");
    const one = await calmlog(w.root, "seal", "data", "--epoch", "3");
    expect(one.stderr).toContain("epoch 2 is not sealed yet");
    expect(existsSync(join(w.root, "data/seals/epoch-3.json"))).toBe(false);
  });

  it("`seal --epoch` past 2^53 is a usage error (exit 2) with a short message", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "9007199254740993");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--epoch takes a positive integer up to 9007199254740991, got `9007199254740993`");
    const long = await calmlog(w.root, "seal", "data", "--epoch", "9".repeat(5000));
    expect(long.code).toBe(2);
    expect(long.stderr.length).toBeLessThan(300);
  });
});

describe("running out of memory in evaluate", () => {
  it("is CL410 naming the stratum, the tuples so far and NODE_OPTIONS, keeps nothing and exits 1", () => {
    const w = workspace();
    w.put("grow.dl", '.decl seed(x: symbol)\n.input seed\n.decl s(x: symbol)\n.output s\ns(x) :- seed(x).\ns(cat(x, "abcdefghij")) :- s(x), strlen(x) < 1000000.\n');
    w.put("data/a/epoch-1/seed.facts", "a\n");
    mkdirSync(join(w.root, "data/b/epoch-1"), { recursive: true });
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const r = spawnSync(process.execPath, ["--max-old-space-size=48", "--import", tsx, resolve("test/cli/run-cli.mjs"), "evaluate", "grow.dl", "data"], { cwd: w.root, encoding: "utf8", timeout: 180_000 });
    expect(r.stderr).toMatch(/error CL410: evaluation ran out of memory in stratum \d+ \(`s`\), iteration \d+, after deriving \d+ tuples in it; Node allows this process about 48 MB/);
    expect(r.stderr).toContain("while evaluating replicas; nothing of this run was kept");
    expect(r.stderr).toContain("NODE_OPTIONS=--max-old-space-size=4096 calmlog evaluate");
    expect(r.stderr).not.toContain("bug in calmlog");
    expect(r.status).toBe(1);
    // The lock is released and no state was written.
    expect(existsSync(join(w.root, "data/.calmlog"))).toBe(false);
  }, 200_000);
});
