// End-to-end benchmark: runs `calmlog run` as a user starts it (a child `node bin/calmlog.js`) on
// the anchor workloads, and an in-process incremental workload. Not a test: it prints numbers.
//   npm run bench -- [--data DIR] [--only NAME[,NAME]] [--runs 5] [--json FILE]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** `targetMs`: whole-process wall time to meet; `souffleMs`: Soufflé 2.5's compiled program on this kind of machine. */
const WORKLOADS: readonly { name: string; program: string; targetMs?: number; souffleMs?: number }[] = [
  { name: "tc-chain-1000", program: "tc.dl" },
  { name: "tc-chain-2000", program: "tc.dl", targetMs: 550, souffleMs: 600 },
  { name: "tc-rand-2000", program: "tc.dl", targetMs: 1200, souffleMs: 1230 },
  { name: "sg-tree", program: "sg.dl", targetMs: 500, souffleMs: 480 },
  { name: "negagg", program: "negagg.dl", targetMs: 300, souffleMs: 130 },
  { name: "andersen", program: "andersen.dl", targetMs: 700, souffleMs: 660 },
];

interface Result {
  workload: string;
  sizes: Record<string, number>;
  wallMs: number;
  wallMsAll: number[];
  cpuMs: number;
  evalMs: number;
  loadMs: number;
  tuplesPerSec: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    only: { type: "string" },
    runs: { type: "string", default: "5" },
    json: { type: "string" },
  },
  strict: true,
});
const runs = Math.max(1, Number(values.runs));
const only = values.only?.split(",") ?? null;
const selected = WORKLOADS.filter((w) => only === null || only.includes(w.name));
const wantIncremental = only === null || only.includes("incremental");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfStale(): void {
  const out = join(ROOT, "dist/cli/main.js");
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  console.error("building dist/ (npm run build) ...");
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  // tsc still emits when some file has a type error; measure what was built, but say so.
  if (r.status !== 0 && !existsSync(out)) throw new Error("npm run build failed");
  if (r.status !== 0) console.error("warning: the build reported errors; measuring the emitted dist/");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const hasTime = existsSync("/usr/bin/time");

function runOnce(program: string, dir: string): { wallMs: number; cpuMs: number; sizes: Record<string, number>; evalMs: number; loadMs: number; rssKb: number } {
  const cli = [join(ROOT, "bin/calmlog.js"), "run", program, "-F", dir, "-D", "-", "--no-progress"];
  const cmd = hasTime ? "/usr/bin/time" : process.execPath;
  const args = hasTime ? ["-f", "maxrss-kb %M cpu-s %U %S", process.execPath, ...cli] : cli;
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, CALMLOG_REPORT: "1" }, encoding: "utf8", maxBuffer: 1 << 28 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`calmlog run failed on ${dir}:\n${r.stderr}`);
  const sizes: Record<string, number> = {};
  for (const line of r.stdout.split("\n")) {
    const [name, n] = line.split("\t");
    if (name && n !== undefined) sizes[name] = Number(n);
  }
  const report = /calmlog-report (\{.*\})/.exec(r.stderr);
  const parsed = report ? (JSON.parse(report[1]!) as { evalMs: number; loadMs: number; maxRssKb: number }) : { evalMs: NaN, loadMs: NaN, maxRssKb: NaN };
  const time = /maxrss-kb (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(r.stderr);
  // CPU time (user + system) is the steadier figure on a shared machine; wall time is what a user waits.
  const cpuMs = time ? (Number(time[2]) + Number(time[3])) * 1000 : NaN;
  return { wallMs, cpuMs, sizes, evalMs: parsed.evalMs, loadMs: parsed.loadMs, rssKb: time ? Number(time[1]) : parsed.maxRssKb };
}

interface IncrementalResult {
  fullMs: number;
  /** Per +1% step, in order: ms and tuples derived. */
  steps: { ms: number; derived: number }[];
  /** The median of the steps after the first (which builds the index the new-edge variant needs). */
  steadyMs: number;
  steadyRatio: number;
  firstRatio: number;
  tuples: number;
}

/**
 * tc on the random graph: a full run on every edge, versus a run on 95% of them that then takes
 * five updates of +1% each, continuing the fixpoint from the new edges. The first update also
 * builds the index the new-edge variant needs (once per engine) and compiles its join; the later
 * ones are what a long-lived replica pays per update.
 */
async function incremental(dir: string): Promise<IncrementalResult> {
  // The compiled engine, as `calmlog run` uses it (not the TypeScript sources through tsx).
  const dist = (p: string): string => pathToFileURL(join(ROOT, "dist", p)).href;
  const { Engine } = (await import(dist("eval/engine.js"))) as typeof import("../src/eval/engine.js");
  const { readFactFile } = (await import(dist("io/facts.js"))) as typeof import("../src/io/facts.js");
  const { compile } = (await import(dist("pipeline.js"))) as typeof import("../src/pipeline.js");
  const text = readFileSync(join(ROOT, "bench/programs/tc.dl"), "utf8");
  const compiled = compile({ path: "tc.dl", text });
  if (compiled.analysis === null) throw new Error("tc.dl does not compile");
  const schema = compiled.checked.relations.get("edge")!;
  const edges = readFactFile(join(dir, "edge.facts"), schema);
  const full = new Engine(compiled.checked, compiled.analysis);
  full.insert("edge", edges);
  let t = performance.now();
  full.run();
  const fullMs = performance.now() - t;
  const inc = new Engine(compiled.checked, compiled.analysis);
  const n = edges.length;
  const step = Math.floor(n / 100);
  inc.insert("edge", edges.slice(0, n - 5 * step));
  inc.run();
  const steps: { ms: number; derived: number }[] = [];
  for (let k = 5; k >= 1; k--) {
    inc.insert("edge", edges.slice(n - k * step, k === 1 ? n : n - (k - 1) * step));
    const before = inc.size("tc");
    t = performance.now();
    inc.run();
    steps.push({ ms: performance.now() - t, derived: inc.size("tc") - before });
  }
  if (inc.size("tc") !== full.size("tc")) throw new Error(`incremental tc has ${inc.size("tc")} tuples, full has ${full.size("tc")}`);
  const steadyMs = median(steps.slice(1).map((s) => s.ms));
  return { fullMs, steps, steadyMs, steadyRatio: steadyMs / fullMs, firstRatio: steps[0]!.ms / fullMs, tuples: full.size("tc") };
}

async function main(): Promise<void> {
  buildIfStale();
  let dataDir = values.data ? resolve(values.data) : null;
  let temp: string | null = null;
  if (dataDir === null) {
    temp = mkdtempSync(join(tmpdir(), "calmlog-bench-"));
    dataDir = temp;
    const names = [...new Set([...selected.map((w) => w.name), ...(wantIncremental ? ["tc-rand-2000"] : [])])];
    const r = spawnSync(process.execPath, [join(ROOT, "bench/gen.mjs"), "--out", dataDir, "--only", names.join(",")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`gen.mjs failed: ${r.stderr}`);
  }
  const results: Result[] = [];
  try {
    for (const w of selected) {
      const dir = join(dataDir, w.name);
      if (!existsSync(dir)) {
        if (only !== null) throw new Error(`no data for ${w.name} in ${dataDir}: run \`node bench/gen.mjs --out ${dataDir}\``);
        console.error(`${w.name}: skipped, ${dir} does not exist (node bench/gen.mjs --out DIR writes every workload)`);
        continue;
      }
      const program = join(ROOT, "bench/programs", w.program);
      runOnce(program, dir); // warm-up (file cache)
      const samples = Array.from({ length: runs }, () => runOnce(program, dir));
      const wall = samples.map((s) => s.wallMs);
      const mid = samples[wall.indexOf(median(wall))] ?? samples[0]!;
      const tuples = Object.values(mid.sizes).reduce((a, b) => a + b, 0);
      const evalMs = median(samples.map((s) => s.evalMs));
      results.push({
        workload: w.name,
        sizes: mid.sizes,
        wallMs: median(wall),
        wallMsAll: wall,
        cpuMs: median(samples.map((s) => s.cpuMs)),
        evalMs,
        loadMs: median(samples.map((s) => s.loadMs)),
        tuplesPerSec: tuples / (evalMs / 1000),
        peakRssMb: Math.max(...samples.map((s) => s.rssKb)) / 1024,
      });
      const r = results[results.length - 1]!;
      console.error(`${w.name}: ${r.wallMs.toFixed(0)} ms`);
    }
    const table = [
      ["workload", "result tuples", "wall ms (median)", "target ms", "Soufflé ms", "cpu ms", "eval ms", "start+load ms", "tuples/s", "peak MB"],
      ...results.map((r) => {
        const w = WORKLOADS.find((x) => x.name === r.workload)!;
        return [
        r.workload,
        Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(" "),
        r.wallMs.toFixed(0),
        w.targetMs === undefined ? "-" : `${w.targetMs} ${r.wallMs <= w.targetMs ? "met" : "MISSED"}`,
        w.souffleMs === undefined ? "-" : String(w.souffleMs),
        r.cpuMs.toFixed(0),
        r.evalMs.toFixed(0),
        r.loadMs.toFixed(0),
        (r.tuplesPerSec / 1e6).toFixed(2) + "M",
        r.peakRssMb.toFixed(0),
        ];
      }),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 || c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    let inc: Awaited<ReturnType<typeof incremental>> | null = null;
    if (wantIncremental) {
      inc = await incremental(join(dataDir, "tc-rand-2000"));
      console.log(`\nincremental tc-rand-2000 (${inc.tuples} tuples; full run ${inc.fullMs.toFixed(0)} ms): from 95% of the edges, five updates of +1%`);
      inc.steps.forEach((s, i) =>
        console.log(`  update ${i + 1}: ${s.ms.toFixed(1).padStart(6)} ms  ${((s.ms / inc!.fullMs) * 100).toFixed(2).padStart(6)}% of the full run  ${s.derived} new tuples${i === 0 ? "  (builds the new-edge index once)" : ""}`),
      );
      console.log(`  steady state (median of updates 2-5): ${inc.steadyMs.toFixed(1)} ms, ${(inc.steadyRatio * 100).toFixed(2)}% of the full run; target < 5%`);
    }
    console.log(`\nload average while measuring: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} CPUs`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ node: process.version, runs, loadavg: loadavg(), results, incremental: inc }, null, 2) + "\n");
  } finally {
    if (temp !== null) rmSync(temp, { recursive: true, force: true });
  }
}

await main();

// The replica benchmark (bench/replica.ts) runs whole processes of its own; `--only replica` picks it alone.
if (only === null || only.includes("replica")) spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/replica.ts")], { stdio: "inherit" });
