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
