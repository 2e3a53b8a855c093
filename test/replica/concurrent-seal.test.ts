// Two `calmlog seal --epoch 2` processes on one directory at the same time: the seal is written
// once. One process seals; the other exits 1 with a clear error (already sealed, or the state is
// locked by the other run), never 2 or a stack trace; the record that stays is whole and verifies.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { copyCommitted } from "../committed.js";

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const entry = resolve("test/cli/run-cli.mjs");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function calmlog(cwd: string, args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", tsx, entry, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

describe("concurrent seals", () => {
  it("two seals of one epoch at once: one wins, the other exits 1 with CL505 or CL507", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), "calmlog-seal-race-"));
      copyCommitted("programs/release", dir, { skip: /^replicas\/seals\/epoch-2\.json$/ });
      const [a, b] = await Promise.all([
        calmlog(dir, ["seal", "replicas", "--epoch", "2", "--reason", "a", "--program", "release.dl"]),
        calmlog(dir, ["seal", "replicas", "--epoch", "2", "--reason", "b", "--program", "release.dl"]),
      ]);
      const runs = [a, b];
      for (const r of runs) {
        expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
        expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
      }
      expect(runs.filter((r) => r.code === 0)).toHaveLength(1);
      const loser = runs.find((r) => r.code === 1)!;
      expect(loser.stderr).toMatch(/CL505|CL507/);
      // The record that stays is whole, names the winner's reason, and the next evaluate verifies it.
      const record = JSON.parse(readFileSync(join(dir, "replicas/seals/epoch-2.json"), "utf8")) as { reason: string };
      const winner = runs.indexOf(runs.find((r) => r.code === 0)!);
      expect(record.reason).toBe(winner === 0 ? "a" : "b");
      const after = spawnSync(process.execPath, ["--import", tsx, entry, "evaluate", "release.dl", "replicas"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      expect(after.status, after.stderr).toBe(0);
      expect(after.stdout).toMatch(/epochs 1\.\.2 sealed/);
      // Both racing is the case of interest; a loser that found the seal already written counts too.
      if (/CL505/.test(loser.stderr)) expect(loser.stderr).toMatch(/already sealed/);
    }
  }, 300_000);
});
