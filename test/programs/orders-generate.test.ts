// programs/orders/generate.mjs is deterministic: the committed sample is exactly what it writes
// for `--orders 40 --customers 12`, and the default size gives over 100k facts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "programs/orders/generate.mjs");
const SAMPLE = join(ROOT, "programs/orders/replicas");
const temps: string[] = [];

afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function generate(...args: string[]): string {
  const out = mkdtempSync(join(tmpdir(), "calmlog-orders-"));
  temps.push(out);
  execFileSync(process.execPath, [SCRIPT, out, ...args], { stdio: "pipe" });
  return out;
}

/** relative path -> contents of every `.facts` file under `dir`. */
function factFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== "seals" && name !== ".calmlog") walk(p);
      } else if (name.endsWith(".facts")) files.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

const factCount = (files: Map<string, string>): number => [...files.values()].reduce((n, text) => n + text.split("\n").filter((l) => l !== "").length, 0);

describe("programs/orders/generate.mjs", () => {
  it("reproduces the committed sample byte for byte", () => {
    const fresh = factFiles(generate("--orders", "40", "--customers", "12"));
    const committed = factFiles(SAMPLE);
    expect([...fresh.keys()].sort()).toEqual([...committed.keys()].sort());
    for (const [path, text] of fresh) expect(committed.get(path), path).toBe(text);
  });

  it("writes over 100k facts across 3 replicas and 2 epochs by default", () => {
    const files = factFiles(generate());
    expect(factCount(files)).toBeGreaterThan(100_000);
    const replicas = new Set([...files.keys()].map((p) => p.split(/[\\/]/)[0]));
    const epochs = new Set([...files.keys()].map((p) => p.split(/[\\/]/)[1]));
    expect([...replicas].sort()).toEqual(["dublin", "frankfurt", "madrid"]);
    expect([...epochs].sort()).toEqual(["epoch-1", "epoch-2"]);
  });

  it("writes different facts for a different seed", () => {
    const one = factFiles(generate("--orders", "40", "--customers", "12", "--seed", "2"));
    const committed = factFiles(SAMPLE);
    expect([...one].some(([path, text]) => committed.get(path) !== text)).toBe(true);
  });

  it("rejects a bad argument with exit 1", () => {
    expect(() => execFileSync(process.execPath, [SCRIPT, "--orders", "many"], { stdio: "pipe" })).toThrow(/--orders takes a positive whole number|missing OUTDIR/);
  });
});
