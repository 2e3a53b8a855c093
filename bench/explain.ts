// What explaining costs on the benchmark workloads. Evaluation records nothing for explain (the
// engine and `run` are unchanged), so a plain run pays nothing; `calmlog explain` evaluates as `run`
// does, then searches backwards from the fact (a large support: one more evaluation gives every
// fact's minimal height). Printed per workload: `calmlog run` and `calmlog explain` wall time as a
// user starts them, and in-process the engine's run and the search alone (why and why-not), with
// whether the tree's height is proven minimal.
//   npx tsx bench/explain.ts [--data DIR] [--only NAME[,NAME]] [--runs 3]   (also `npm run bench:explain`)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
type Tuple = readonly (number | string)[];

/** The fact to explain and the one to ask why-not about, per workload (null: chosen from the results). */
const WORKLOADS: readonly { name: string; program: string; relation: string; why?: Tuple; whyNot?: Tuple }[] = [
  { name: "tc-chain-1000", program: "tc.dl", relation: "tc", why: [0, 999], whyNot: [999, 0] },
  { name: "tc-chain-2000", program: "tc.dl", relation: "tc", why: [0, 1999], whyNot: [1999, 0] },
  { name: "tc-rand-2000", program: "tc.dl", relation: "tc" },
  { name: "sg-tree", program: "sg.dl", relation: "sg" },
  { name: "negagg", program: "negagg.dl", relation: "outdeg" },
  // A points-to fact is supported by most of `pointsTo`: the goal-directed search answers.
  { name: "andersen", program: "andersen.dl", relation: "pointsTo" },
];

const { values } = parseArgs({ options: { data: { type: "string" }, only: { type: "string" }, runs: { type: "string", default: "3" } }, strict: true });
const runs = Math.max(1, Number(values.runs));
const only = values.only?.split(",") ?? null;
const selected = WORKLOADS.filter((w) => only === null || only.includes(w.name));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function wall(args: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, "bin/calmlog.js"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`calmlog ${args.join(" ")} failed:\n${r.stderr}`);
  return { ms, out: r.stdout };
}

function factText(relation: string, t: Tuple): string {
  return `${relation}(${t.map((v) => JSON.stringify(v)).join(", ")})`;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw new Error("run `npm run build` first");
  const dist = (p: string): string => pathToFileURL(join(ROOT, "dist", p)).href;
  const { compile } = (await import(dist("pipeline.js"))) as typeof import("../src/pipeline.js");
  const { Engine } = (await import(dist("eval/engine.js"))) as typeof import("../src/eval/engine.js");
  const { readFactFile } = (await import(dist("io/read-facts.js"))) as typeof import("../src/io/read-facts.js");
  const { Explainer, EngineModel, InputIndex } = (await import(dist("explain/index.js"))) as typeof import("../src/explain/index.js");

  let dataDir = values.data ? resolve(values.data) : null;
  let temp: string | null = null;
  if (dataDir === null) {
    temp = mkdtempSync(join(tmpdir(), "calmlog-bench-explain-"));
    dataDir = temp;
    const r = spawnSync(process.execPath, [join(ROOT, "bench/gen.mjs"), "--out", dataDir, "--only", selected.map((w) => w.name).join(",")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`gen.mjs failed: ${r.stderr}`);
  }
  const rows: string[][] = [["workload", "fact explained", "height", "minimal", "steps", "why-not asked", "run ms", "explain ms", "why-not ms", "explain/run", "engine run ms", "search why ms", "search why-not ms", "why-not/run"]];
  try {
    for (const w of selected) {
      const dir = join(dataDir, w.name);
      const programPath = join(ROOT, "bench/programs", w.program);
      const text = readFileSync(programPath, "utf8");
      const compiled = compile({ path: w.program, text });
      if (compiled.analysis === null) throw new Error(`${w.program} does not compile`);
      const unit = { checked: compiled.checked, analysis: compiled.analysis };
      const engine = new Engine(unit.checked, unit.analysis);
      const inputs = new InputIndex();
      for (const schema of unit.checked.relations.values()) {
        if (schema.input === null) continue;
        const tuples = readFactFile(join(dir, `${schema.name}.facts`), schema);
        engine.insert(schema.name, tuples);
        inputs.add(schema.name, tuples, (i) => ({ file: `${schema.name}.facts`, line: i + 1 }));
      }
      let t0 = performance.now();
      engine.run();
      const engineMs = performance.now() - t0;
      const all = engine.tuples(w.relation);
      const why = w.why ?? all[all.length >> 1]!;
      let whyNot = w.whyNot;
      if (whyNot === undefined) {
        // A near miss: the middle fact with its last value moved until it no longer holds.
        const base = all[all.length >> 1]!;
        for (let k = 1; whyNot === undefined; k++) {
          const t = [...base.slice(0, -1), (base[base.length - 1] as number) + k];
          if (!engine.has(w.relation, t)) whyNot = t;
        }
      }
      const explainer = new Explainer(unit, new EngineModel(engine), inputs);
      t0 = performance.now();
      const tree = explainer.why(w.relation, why);
      const searchWhy = performance.now() - t0;
      if (tree === null) throw new Error(`${factText(w.relation, why)} does not hold`);
      const fresh = new Explainer(unit, new EngineModel(engine), inputs);
      t0 = performance.now();
      const not = fresh.whyNot(w.relation, whyNot);
      const searchNot = performance.now() - t0;
      if (not === null) throw new Error(`${factText(w.relation, whyNot)} holds`);
      let steps = 0;
      const count = (d: NonNullable<typeof tree>): void => {
        steps++;
        if (d.kind === "rule") for (const s of d.body) if (s.derivation) count(s.derivation);
      };
      count(tree);

      const runArgs = ["run", programPath, "-F", dir, "-D", "-", "--no-progress"];
      const explainArgs = ["explain", programPath, "-F", dir, factText(w.relation, why), "--format", "json"];
      const whyNotArgs = ["explain", programPath, "-F", dir, "--why-not", factText(w.relation, whyNot), "--format", "json"];
      wall(runArgs); // warm the file cache
      const runMs = median(Array.from({ length: runs }, () => wall(runArgs).ms));
      const explainMs = median(Array.from({ length: runs }, () => wall(explainArgs).ms));
      const whyNotMs = median(Array.from({ length: runs }, () => wall(whyNotArgs).ms));
      rows.push([
        w.name,
        factText(w.relation, why),
        String(tree.height),
        tree.kind === "rule" && tree.lowest !== undefined ? `>= ${tree.lowest}` : "proven",
        String(steps),
        factText(w.relation, whyNot),
        runMs.toFixed(0),
        explainMs.toFixed(0),
        whyNotMs.toFixed(0),
        (explainMs / runMs).toFixed(2),
        engineMs.toFixed(0),
        searchWhy.toFixed(1),
        searchNot.toFixed(1),
        (searchNot / engineMs).toFixed(2),
      ]);
      // Each row as soon as it is measured, so a long workload does not hold back the others.
      console.error(rows[rows.length - 1]!.join("\t"));
    }
  } finally {
    if (temp !== null) rmSync(temp, { recursive: true, force: true });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => (c <= 1 || c === 5 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  console.log(`\nwall times are medians of ${runs} runs of the built CLI; load average while measuring: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} CPUs`);
}

await main();
