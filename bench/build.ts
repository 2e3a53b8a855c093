// Benchmarks time the built CLI (`node bin/calmlog.js`), so they build `dist/` first when any
// source is newer than it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when `dist/` is missing or older than `src/`. */
export function buildIfStale(): void {
  const out = join(ROOT, "dist/bin/main.cjs");
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  console.error("building dist/ (npm run build) ...");
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  // tsc still emits when some file has a type error; measure what was built, but say so.
  if (r.status !== 0 && !existsSync(out)) throw new Error("npm run build failed");
  if (r.status !== 0) console.error("warning: the build reported errors; measuring the emitted dist/");
}

/**
 * Removes NODE_EXTRA_CA_CERTS from this process's environment, so the measured children start
 * without it: Node reads that CA bundle at every start, before any script runs (about 80 ms of a
 * 110 ms `node -e 0` on the reference machine), and no workload here opens a TLS connection.
 * Returns a line to print beside the figures, or null when it was not set.
 */
export function dropExtraCaCerts(): string | null {
  const file = process.env["NODE_EXTRA_CA_CERTS"];
  if (file === undefined) return null;
  delete process.env["NODE_EXTRA_CA_CERTS"];
  return `NODE_EXTRA_CA_CERTS (${file}) is unset for the measured processes: Node reads that bundle at every start`;
}
