// Runs `calmlog run` cases in one process, one JSON request per stdin line, one JSON reply per
// stdout line; the conformance runner restarts it when a case exceeds its time limit.
import { createInterface } from "node:readline";
import { main } from "../src/cli/main.js";

interface Request {
  readonly id: number;
  readonly args: readonly string[];
  readonly cwd: string;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const req = JSON.parse(line) as Request;
  let stdout = "";
  let stderr = "";
  let code: number;
  try {
    code = await main(["run", ...req.args], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      cwd: req.cwd,
      env: { NO_COLOR: "1" },
    });
  } catch (err) {
    code = 2;
    stderr += String((err as Error).stack ?? err);
  }
  process.stdout.write(JSON.stringify({ id: req.id, code, stdout: stdout.slice(0, 200_000), stderr: stderr.slice(0, 20_000) }) + "\n");
}
