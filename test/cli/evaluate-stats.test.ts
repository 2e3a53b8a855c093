// `evaluate --stats` and the shared progress line: figures on stderr, at most ten redraws a second.
import { describe, expect, it } from "vitest";
import { progressLine } from "../../src/cli/progress.js";
import { calmlog, workspace } from "./replica-fixture.js";

describe("calmlog evaluate --stats", () => {
  it("prints facts read, unchanged files skipped and each evaluation's strata", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--stats");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^replicas: 1 facts read, 0 unchanged file\(s\) not read; \d+ ms in all\n/);
    expect(r.stderr).toContain("replica a: evaluation:");
    expect(r.stderr).toContain("merged view: evaluation:");
  });
});

describe("progressLine", () => {
  it("waits for the delay, redraws at most once per interval, and clears", () => {
    let t = 0;
    let out = "";
    const line = progressLine({ isTTY: true, write: (s: string) => (out += s) }, true, { now: () => t, delayMs: 1000, intervalMs: 100 });
    line.update("early");
    t = 1000;
    line.update("a");
    t = 1050;
    line.update("b");
    t = 1100;
    line.update("c");
    line.clear();
    expect(out).toBe("\r\x1b[Ka\r\x1b[Kc\r\x1b[K");
  });

  it("is silent when the stream is not a terminal", () => {
    let out = "";
    const line = progressLine({ write: (s: string) => (out += s) }, true, { delayMs: 0 });
    line.update("x");
    line.clear();
    expect(out).toBe("");
  });
});
