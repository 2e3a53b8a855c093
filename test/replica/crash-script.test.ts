// The crash-safety script (bench/replica-crash.mjs) with a small count: `evaluate` and `seal`
// killed with SIGKILL at random points, then the state and results must equal one clean run.
// The full count runs as `node bench/replica-crash.mjs --rounds 30`.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

describe("crash safety under SIGKILL", () => {
  it("evaluate and seal killed at random points end where one clean run ends, with nothing left behind", () => {
    const r = spawnSync(process.execPath, [resolve("bench/replica-crash.mjs"), "--from-source", "--rounds", "5", "--orders", "1500", "--seed", "7"], {
      encoding: "utf8",
      timeout: 400_000,
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/final state equals one clean run; leftover files: none/);
    expect(r.status).toBe(0);
  }, 420_000);
});
