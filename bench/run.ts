// End-to-end benchmark: runs `calmlog run` as a user starts it (a child `node bin/calmlog.js`) on
// integer and symbol-heavy workloads, beside Soufflé's interpreter and compiled program on the same
// files in the same run when Soufflé is installed, and an in-process incremental workload.
// Not a test: it prints numbers.
//   npm run bench -- [--data DIR] [--only NAME[,NAME]] [--scale S] [--runs 5] [--json FILE] [--souffle PATH] [--no-souffle] [--compiled-all]
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { delimiter as pathDelimiter, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildIfStale, dropExtraCaCerts } from "./build.js";

const caNote = dropExtraCaCerts();

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `kind`: which reference a target compares with. `integer`: Soufflé compiled (`souffle -o`, run
 * with `-j1`), wall <= it and peak memory <= 3x. `symbol`: Soufflé's interpreter, wall <= it and
 * memory <= 3x. `load`: reading the facts only, wall <= `targetMs`. `data` names the generator.
 */
interface Workload {
  readonly name: string;
  readonly program: string;
  readonly kind: "integer" | "symbol" | "load";
  readonly data: string;
  readonly flags?: readonly string[];
  readonly targetMs?: number;
}
const WORKLOADS: readonly Workload[] = [
  { name: "tc-chain-1000", program: "bench/programs/tc.dl", kind: "integer", data: "gen:tc-chain-1000" },
  { name: "tc-chain-2000", program: "bench/programs/tc.dl", kind: "integer", data: "gen:tc-chain-2000" },
  { name: "tc-rand-2000", program: "bench/programs/tc.dl", kind: "integer", data: "gen:tc-rand-2000" },
  { name: "sg-tree", program: "bench/programs/sg.dl", kind: "integer", data: "gen:sg-tree" },
  { name: "negagg", program: "bench/programs/negagg.dl", kind: "integer", data: "gen:negagg" },
  { name: "andersen", program: "bench/programs/andersen.dl", kind: "integer", data: "gen:andersen" },
  { name: "social-load", program: "bench/social/load.dl", kind: "load", data: "social", targetMs: 1200 },
  { name: "social", program: "bench/social/social.dl", kind: "symbol", data: "social" },
  { name: "social-insertion", program: "bench/social/social.dl", kind: "symbol", data: "social", flags: ["--order", "insertion"] },
  { name: "orders-400k", program: "programs/orders/orders.dl", kind: "symbol", data: "orders" },
  { name: "feed-1.03m", program: "bench/programs/feed.dl", kind: "symbol", data: "feed" },
];
/** Peak memory may be this many times the reference's. */
const MEMORY_FACTOR = 3;

interface Measured {
  wallMs: number;
  peakRssMb: number;
  /** Median CPU time (user + system): on a shared machine, steadier than wall time. */
  cpuMs: number;
}

interface Result {
  workload: string;
  interpreter: Measured | null;
  compiled: Measured | null;
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
    scale: { type: "string", default: "1" },
    json: { type: "string" },
    souffle: { type: "string" },
    "no-souffle": { type: "boolean" },
    "compiled-all": { type: "boolean" },
  },
  strict: true,
});
const runs = Math.max(1, Number(values.runs));
/**
 * `--scale S`: every workload at about S times the work (bench/gen.mjs: S times the result tuples
 * for tc and andersen, S times the facts otherwise; S times the facts for the symbol sets), in
 * folders named NAME-xS. The load target (1M symbol facts) is judged at scale 1 only.
 */
const scale = Number(values.scale);
if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`--scale takes a positive number, not ${values.scale}`);
const suffix = scale === 1 ? "" : `-x${scale}`;
const only = values.only?.split(",") ?? null;
const selected = WORKLOADS.filter((w) => only === null || only.includes(w.name));
const wantIncremental = only === null || only.includes("incremental");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const hasTime = existsSync("/usr/bin/time");

/** Runs a command under /usr/bin/time when present; wall ms, peak RSS in KB, CPU ms, stdout, stderr. */
function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { wallMs: number; rssKb: number; cpuMs: number; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(hasTime ? "/usr/bin/time" : cmd, hasTime ? ["-f", "maxrss-kb %M cpu-s %U %S", cmd, ...args] : args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 1 << 28 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  const time = /maxrss-kb (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(r.stderr);
  // Without /usr/bin/time, the child's peak memory is unknown here (calmlog reports its own).
  return { wallMs, rssKb: time ? Number(time[1]) : NaN, cpuMs: time ? (Number(time[2]) + Number(time[3])) * 1000 : NaN, stdout: r.stdout, stderr: r.stderr };
}

function runOnce(program: string, dir: string, out: string, flags: readonly string[]): { wallMs: number; cpuMs: number; sizes: Record<string, number>; evalMs: number; loadMs: number; rssKb: number } {
  const cli = [join(ROOT, "bin/calmlog.js"), "run", program, "-F", dir, "-D", out, "--no-progress", ...flags];
  const r = timed(process.execPath, cli, { ...process.env, CALMLOG_REPORT: "1" });
  const sizes: Record<string, number> = {};
  for (const line of r.stdout.split("\n")) {
    const [name, n] = line.split("\t");
    if (name && n !== undefined) sizes[name] = Number(n);
  }
  // Outputs written to files count as result tuples too.
  for (const f of readdirSync(out)) if (f.endsWith(".csv")) sizes[f.slice(0, -4)] = lineCount(join(out, f));
  const report = /calmlog-report (\{.*\})/.exec(r.stderr);
  const parsed = report ? (JSON.parse(report[1]!) as { evalMs: number; loadMs: number; maxRssKb: number }) : { evalMs: NaN, loadMs: NaN, maxRssKb: NaN };
  // CPU time (user + system) is the steadier figure on a shared machine; wall time is what a user waits.
  return { wallMs: r.wallMs, cpuMs: r.cpuMs, sizes, evalMs: parsed.evalMs, loadMs: parsed.loadMs, rssKb: Number.isNaN(r.rssKb) ? parsed.maxRssKb : r.rssKb };
}

function lineCount(path: string): number {
  const b = readFileSync(path);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Soufflé: `--souffle PATH`, else $SOUFFLE, else `souffle` on the PATH; null when none runs. */
function findSouffle(): { path: string; version: string } | null {
  if (values["no-souffle"]) return null;
  const candidates = [values.souffle, process.env["SOUFFLE"], ...(process.env["PATH"] ?? "").split(pathDelimiter).map((d) => join(d, "souffle"))];
  for (const c of candidates) {
    if (c === undefined || c === "" || !existsSync(c)) continue;
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return { path: c, version: (/Version: *(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim().split("\n")[0]) || "unknown" };
  }
  return null;
}

/** The program as Soufflé reads it: calmlog's own directives (`.invariant`) are left out. */
function souffleSource(program: string, work: string): string {
  const text = readFileSync(join(ROOT, program), "utf8");
  const plain = text.split("\n").filter((l) => !/^\s*\.invariant\b/.test(l)).join("\n");
  const path = join(work, program.replace(/[/.]/g, "_") + ".dl");
  writeFileSync(path, plain);
  return path;
}

/** Compiles a program with `souffle -o` once per bench run; null (with a message) when that fails. */
const compiledPrograms = new Map<string, string | null>();
function souffleCompiled(souffle: string, source: string, work: string): string | null {
  if (compiledPrograms.has(source)) return compiledPrograms.get(source)!;
  const exe = source.replace(/\.dl$/, ".bin");
  console.error(`compiling ${source} with souffle -o ...`);
  const r = spawnSync(souffle, ["-o", exe, source], { cwd: work, encoding: "utf8" });
  const ok = r.status === 0 && existsSync(exe);
  if (!ok) console.error(`souffle -o failed on ${source}: ${r.stderr.slice(0, 500)}`);
  compiledPrograms.set(source, ok ? exe : null);
  return ok ? exe : null;
}

/** Median wall time and the largest peak memory of `runs` runs after a warm-up. */
function measure(runs: number, once: () => { wallMs: number; rssKb: number; cpuMs: number }): Measured {
  once();
  const samples = Array.from({ length: runs }, once);
  return { wallMs: median(samples.map((s) => s.wallMs)), peakRssMb: Math.max(...samples.map((s) => s.rssKb)) / 1024, cpuMs: median(samples.map((s) => s.cpuMs)) };
}

/** Writes the workloads' facts under `dataDir` (a flat fact directory per workload), those not there yet. */
function generate(dataDir: string, workloads: readonly Workload[]): void {
  const gen = [...new Set(workloads.filter((w) => w.data.startsWith("gen:")).map((w) => w.data.slice(4)))].filter((g) => !existsSync(join(dataDir, g + suffix)));
  if (gen.length > 0) {
    const r = spawnSync(process.execPath, [join(ROOT, "bench/gen.mjs"), "--out", dataDir, "--only", gen.join(","), "--scale", String(scale)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`gen.mjs failed: ${r.stderr}`);
  }
  const social = join(dataDir, "social" + suffix);
  if (workloads.some((w) => w.data === "social") && !existsSync(social)) {
    const r = spawnSync(process.execPath, [join(ROOT, "bench/social/gen.mjs"), "--facts", String(Math.round(1000000 * scale)), "--out", social], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`bench/social/gen.mjs failed: ${r.stderr}`);
  }
  const feed = join(dataDir, "feed" + suffix);
  if (workloads.some((w) => w.data === "feed") && !existsSync(feed)) {
    // The replica benchmark's social feed (bench/replica-feed.mjs), every replica and epoch in one fact directory.
    const replicas = join(dataDir, "feed-replicas");
    const r = spawnSync(process.execPath, [join(ROOT, "bench/replica-feed.mjs"), replicas, "--facts", String(Math.round(1030000 * scale))], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`bench/replica-feed.mjs failed: ${r.stderr}`);
    flatten(replicas, feed);
  }
  const flat = join(dataDir, "orders" + suffix);
  if (workloads.some((w) => w.data === "orders") && !existsSync(flat)) {
    // The orders example's generator writes replicas and epochs; `run` reads their union, one file per relation.
    const replicas = join(dataDir, "orders-replicas");
    const r = spawnSync(process.execPath, [join(ROOT, "programs/orders/generate.mjs"), replicas, "--orders", String(Math.round(400000 * scale))], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`programs/orders/generate.mjs failed: ${r.stderr}`);
    flatten(replicas, flat);
  }
}

/** Appends every replica's and epoch's files under `replicas` into one file per relation in `flat`, then removes `replicas`. */
function flatten(replicas: string, flat: string): void {
  mkdirSync(flat, { recursive: true });
  for (const replica of readdirSync(replicas).sort()) {
    if (replica === "seals" || replica.startsWith(".")) continue;
    for (const epoch of readdirSync(join(replicas, replica)).sort()) {
      for (const f of readdirSync(join(replicas, replica, epoch)).sort()) appendFileSync(join(flat, f), readFileSync(join(replicas, replica, epoch, f)));
    }
  }
  rmSync(replicas, { recursive: true, force: true });
}

function dataFor(w: Workload): string {
  return (w.data.startsWith("gen:") ? w.data.slice(4) : w.data) + suffix;
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
  const { readFactFile } = (await import(dist("io/read-facts.js"))) as typeof import("../src/io/read-facts.js");
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
  const work = mkdtempSync(join(tmpdir(), "calmlog-bench-"));
  const dataDir = values.data ? resolve(values.data) : join(work, "data");
  generate(dataDir, [...selected, ...(wantIncremental ? WORKLOADS.filter((w) => w.name === "tc-rand-2000") : [])]); // those missing from DIR
  const souffle = findSouffle();
  console.error(souffle ? `Soufflé ${souffle.version} at ${souffle.path}` : "Soufflé: not found (--souffle PATH, $SOUFFLE or `souffle` on the PATH); measuring calmlog alone");
  const results: Result[] = [];
  try {
    for (const w of selected) {
      const dir = join(dataDir, dataFor(w));
      if (!existsSync(dir)) {
        if (only !== null) throw new Error(`no data for ${w.name} in ${dataDir}: run \`node bench/gen.mjs --out ${dataDir}\``);
        console.error(`${w.name}: skipped, ${dir} does not exist (node bench/gen.mjs --out DIR writes the integer workloads)`);
        continue;
      }
      const program = join(ROOT, w.program);
      const out = join(work, "out");
      const fresh = (): string => {
        rmSync(out, { recursive: true, force: true });
        mkdirSync(out, { recursive: true });
        return out;
      };
      const samples: ReturnType<typeof runOnce>[] = [];
      runOnce(program, dir, fresh(), w.flags ?? []); // warm-up (file cache)
      for (let i = 0; i < runs; i++) samples.push(runOnce(program, dir, fresh(), w.flags ?? []));
      const wall = samples.map((s) => s.wallMs);
      const mid = samples[wall.indexOf(median(wall))] ?? samples[0]!;
      const tuples = Object.values(mid.sizes).reduce((a, b) => a + b, 0);
      const evalMs = median(samples.map((s) => s.evalMs));
      let interpreter: Measured | null = null;
      let compiled: Measured | null = null;
      // `social-insertion` differs from `social` in calmlog's flags only: the reference is the same.
      const same = results.find((r) => WORKLOADS.find((x) => x.name === r.workload)?.program === w.program && WORKLOADS.find((x) => x.name === r.workload)?.data === w.data);
      if (souffle !== null && same !== undefined) ({ interpreter, compiled } = same);
      else if (souffle !== null) {
        const source = souffleSource(w.program, work);
        interpreter = measure(runs, () => timed(souffle.path, ["-j1", "-F", dir, "-D", fresh(), source]));
        // The compiled program is the reference of the integer workloads only; `--compiled-all` times it on the others too.
        const exe = w.kind === "integer" || (values["compiled-all"] === true && w.kind !== "load") ? souffleCompiled(souffle.path, source, work) : null;
        if (exe !== null) compiled = measure(runs, () => timed(exe, ["-j1", "-F", dir, "-D", fresh()]));
      }
      results.push({
        workload: w.name,
        interpreter,
        compiled,
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
      console.error(`${w.name}${suffix}: ${r.wallMs.toFixed(0)} ms${interpreter ? `, Soufflé interpreter ${interpreter.wallMs.toFixed(0)} ms` : ""}${compiled ? `, compiled ${compiled.wallMs.toFixed(0)} ms` : ""}`);
    }
    const fmt = (m: Measured | null): string => (m === null ? "-" : `${m.wallMs.toFixed(0)} ms, ${m.peakRssMb.toFixed(0)} MB`);
    const table = [
      ["workload", "result tuples", "calmlog wall ms", "cpu ms", "eval ms", "start+load ms", "peak MB", "Soufflé interpreter", "Soufflé compiled", "time ratio", "cpu ratio", "memory ratio", "target"],
      ...results.map((r) => {
        const w = WORKLOADS.find((x) => x.name === r.workload)!;
        const ref = w.kind === "integer" ? r.compiled : w.kind === "symbol" ? r.interpreter : null;
        const timeRatio = ref ? r.wallMs / ref.wallMs : NaN;
        // The target is on wall time; the CPU ratio tells whether a loaded machine moved it.
        const cpuRatio = ref && ref.cpuMs > 0 ? r.cpuMs / ref.cpuMs : NaN;
        const memRatio = ref ? r.peakRssMb / ref.peakRssMb : w.kind === "load" && r.interpreter ? r.peakRssMb / r.interpreter.peakRssMb : NaN;
        let target: string;
        if (w.kind === "load") target = scale === 1 ? `<= ${w.targetMs} ms: ${r.wallMs <= w.targetMs! ? "met" : "MISSED"}` : "no target at this scale";
        else if (ref === null) target = souffle === null ? "no reference (Soufflé not found)" : "no reference";
        else {
          const t = timeRatio <= 1 ? "time met" : "time MISSED";
          const m = memRatio <= MEMORY_FACTOR ? "memory met" : "memory MISSED";
          target = `<= ${w.kind === "integer" ? "compiled" : "interpreter"}, <= ${MEMORY_FACTOR}x memory: ${t}, ${m}`;
        }
        return [
          r.workload + suffix,
          Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(" "),
          r.wallMs.toFixed(0),
          r.cpuMs.toFixed(0),
          r.evalMs.toFixed(0),
          r.loadMs.toFixed(0),
          r.peakRssMb.toFixed(0),
          fmt(r.interpreter),
          fmt(r.compiled),
          Number.isNaN(timeRatio) ? "-" : `${timeRatio.toFixed(2)}x`,
          Number.isNaN(cpuRatio) ? "-" : `${cpuRatio.toFixed(2)}x`,
          Number.isNaN(memRatio) ? "-" : `${memRatio.toFixed(2)}x`,
          target,
        ];
      }),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 || c === 1 || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    console.log(souffle ? `\nreference: Soufflé ${souffle.version}, interpreter \`souffle -j1 -F DIR -D OUT prog.dl\`, compiled \`souffle -o prog prog.dl\` run as \`prog -j1 -F DIR -D OUT\`` : "\nreference: Soufflé not found, so no ratios (install it or pass --souffle PATH)");
    let inc: Awaited<ReturnType<typeof incremental>> | null = null;
    if (wantIncremental) {
      inc = await incremental(join(dataDir, "tc-rand-2000" + suffix));
      console.log(`\nincremental tc-rand-2000${suffix} (${inc.tuples} tuples; full run ${inc.fullMs.toFixed(0)} ms): from 95% of the edges, five updates of +1%`);
      inc.steps.forEach((s, i) =>
        console.log(`  update ${i + 1}: ${s.ms.toFixed(1).padStart(6)} ms  ${((s.ms / inc!.fullMs) * 100).toFixed(2).padStart(6)}% of the full run  ${s.derived} new tuples${i === 0 ? "  (builds the new-edge index once)" : ""}`),
      );
      console.log(`  steady state (median of updates 2-5): ${inc.steadyMs.toFixed(1)} ms, ${(inc.steadyRatio * 100).toFixed(2)}% of the full run; target < 5%`);
    }
    console.log(`\nload average while measuring: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} CPUs`);
    if (caNote !== null) console.log(caNote);
    if (values.json) writeFileSync(values.json, JSON.stringify({ node: process.version, souffle: souffle?.version ?? null, runs, scale, loadavg: loadavg(), results, incremental: inc }, null, 2) + "\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

// The replica benchmark (bench/replica.ts) runs whole processes of its own; `--only replica` picks it alone.
if (only === null || only.includes("replica")) spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/replica.ts")], { stdio: "inherit" });
// Start-up of each command, with and without the code cache (bench/startup.ts); `--only startup` picks it alone.
if (only === null || only.includes("startup")) spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/startup.ts"), "--runs", String(runs)], { stdio: "inherit" });
// What explaining costs (bench/explain.ts); `--only explain` picks it alone.
if (only === null || only.includes("explain")) spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/explain.ts"), "--runs", "1"], { stdio: "inherit" });
