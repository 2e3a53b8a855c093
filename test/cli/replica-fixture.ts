// A replica directory built in a temporary folder, and an in-process CLI runner for the
// `evaluate` and `seal` tests.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { main } from "../../src/cli/main.js";

export const PROGRAM = `// Reachability is monotonic; readiness reads absence, so it waits for a seal.
.decl edge(a: symbol, b: symbol)
.decl blocked(a: symbol)
.decl reach(a: symbol, b: symbol)
.decl ready(a: symbol)
.input edge
.input blocked
.output reach
.output ready
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
ready(x) :- edge(x, _), !blocked(x).
`;

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `calmlog ARGS` in `cwd`, capturing both streams. */
export async function calmlog(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { NO_COLOR: "1" },
  });
  return { code, stdout, stderr };
}

/** A fresh folder with `tasks.dl` and an empty replica directory `data/`. */
export function workspace(): { root: string; put: (rel: string, text: string) => void; append: (rel: string, text: string) => void } {
  const root = mkdtempSync(join(tmpdir(), "calmlog-cli-"));
  writeFileSync(join(root, "tasks.dl"), PROGRAM);
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const append = (rel: string, text: string): void => appendFileSync(join(root, rel), text);
  return { root, put, append };
}
