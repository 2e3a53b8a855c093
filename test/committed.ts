// Tests read the examples as committed: a walk-through run in the repository (kept state in
// `.calmlog/`, a seal record written by hand) must not change what they see. So they copy only the
// files git tracks (committed or added), never the folder as it stands.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");

let tracked: readonly string[] | null | undefined;

/** Paths git tracks in the repository (relative, `/`-separated), or null outside a git checkout. */
export function trackedFiles(): readonly string[] | null {
  if (tracked === undefined) {
    try {
      const out = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
      tracked = out.split("\0").filter((p) => p !== "");
    } catch {
      tracked = null;
    }
  }
  return tracked;
}

/**
 * Copies the tracked files under `from` (a path relative to the repository, e.g. `programs/release`)
 * into `to`. `skip` leaves out paths (relative to `from`) it matches; `base` reads the files from
 * another copy of the repository instead. Outside a git checkout every file is copied except kept
 * state (`.calmlog/`).
 */
export function copyCommitted(from: string, to: string, options: { readonly skip?: RegExp; readonly base?: string } = {}): void {
  const base = options.base ?? ROOT;
  const prefix = from.replace(/\/+$/, "") + "/";
  const files = trackedFiles();
  if (files === null) {
    cpSync(join(base, from), to, { recursive: true, filter: (src) => !/[\\/]\.calmlog$/.test(src) && !(options.skip?.test(src.slice(join(base, from).length + 1)) ?? false) });
    return;
  }
  mkdirSync(to, { recursive: true });
  for (const path of files) {
    if (!path.startsWith(prefix)) continue;
    const rel = path.slice(prefix.length);
    if (options.skip?.test(rel)) continue;
    mkdirSync(dirname(join(to, rel)), { recursive: true });
    copyFileSync(join(base, path), join(to, rel));
  }
}
