// Invariant benchmark: lints every case of bench/invariants/ in process and prints, per invariant,
// the verdict, what decided it, whether a counterexample replays, and the time. Not a test: the
// verdicts are also checked by test/invariant/bench.test.ts, without timing.
//   npm run bench:invariants -- [--only NAME[,NAME]] [--json FILE] [--markdown]
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { useSmtSolver } from "../src/invariant/solver.js";
import { runZ3, z3Unavailable } from "../src/invariant/z3.js";
import { loadCases, runCase, showVerdict, type CaseOutcome } from "./invariant-cases.js";

// As the CLI does: the prover asks Z3.
useSmtSolver({ run: runZ3, unavailable: z3Unavailable });

const { values } = parseArgs({ options: { only: { type: "string" }, json: { type: "string" }, markdown: { type: "boolean", default: false } }, strict: true });
const only = values.only?.split(",") ?? null;
const cases = loadCases().filter((c) => only === null || only.includes(c.name));

// Z3's start-up, measured alone: the first query of a process pays it once.
const t0 = performance.now();
const ready = runZ3("(reset)\n(check-sat)\n", 30_000);
const startupMs = performance.now() - t0;
if (ready === null) console.error("Z3 did not start: every solver answer below is `unknown`");

const outcomes: CaseOutcome[] = [];
for (const c of cases) outcomes.push(...runCase(c));

const method = (o: CaseOutcome): string => o.result.method ?? "-";
const rows = outcomes.map((o) => ({
  case: o.name,
  invariant: o.relation,
  expected: showVerdict(o.expected),
  verdict: showVerdict(o.result),
  method: method(o),
  solver: o.result.solver?.result ?? "-",
  replays: o.replays === null ? "-" : o.replays ? "yes" : "NO",
  ms: Math.round(o.ms),
  ok: o.right && o.replays !== false,
}));
const width = (k: keyof (typeof rows)[number]): number => Math.max(String(k).length, ...rows.map((r) => String(r[k]).length));
const cols = ["case", "invariant", "expected", "verdict", "method", "solver", "replays", "ms"] as const;
console.log(cols.map((k) => String(k).padEnd(width(k))).join("  "));
for (const r of rows) console.log(cols.map((k) => String(r[k]).padEnd(width(k))).join("  ") + (r.ok ? "" : "  <-- WRONG"));

const wrong = rows.filter((r) => !r.ok).length;
const unknown = outcomes.filter((o) => o.result.verdict === "unknown").length;
const worst = Math.max(...outcomes.map((o) => o.ms));
const byMethod = (m: string): number => outcomes.filter((o) => method(o) === m).length;
console.log("");
console.log(`${outcomes.length} invariants in ${cases.length} programs: ${wrong} wrong, ${unknown} unknown; decided by syntactic ${byMethod("syntactic")}, solver ${byMethod("solver")}, search ${byMethod("search")}`);
console.log(`Z3 start-up ${Math.round(startupMs)} ms (once per process); slowest invariant ${Math.round(worst)} ms, ${Math.round(worst + startupMs)} ms with start-up (target < 2000 ms); load average ${loadavg()[0]!.toFixed(1)}`);
if (values.markdown) {
  console.log("");
  console.log("| case | source | source's verdict | calmlog | method | ms |");
  console.log("|---|---|---|---|---|---|");
  for (const c of cases) {
    for (const o of outcomes.filter((x) => x.name === c.name)) {
      console.log(`| \`${c.name}\`${outcomes.filter((x) => x.name === c.name).length > 1 ? ` (\`${o.relation}\`)` : ""} | ${c.source} | ${c.sourceVerdict} | ${showVerdict(o.result)} | ${method(o)} | ${Math.round(o.ms)} |`);
    }
  }
}
if (values.json !== undefined) {
  writeFileSync(values.json, `${JSON.stringify({ startupMs, loadAverage: loadavg()[0], rows }, null, 2)}\n`);
}
process.exitCode = wrong > 0 ? 1 : 0;
process.exit();
