// Incremental replica evaluation: adding a few facts to a replica continues the semi-naive
// fixpoint from them (insert + run) instead of evaluating from scratch. Prints both times.
//   npx tsx bench/incremental.ts [nodes] [batches]
import { performance } from "node:perf_hooks";
import { compile } from "../src/pipeline.js";
import { coordinationFreeStrata, engineOver, ReplicaEvaluator, type ProgramUnit } from "../src/replica/evaluate.js";
import { tupleKey, type Tuple } from "../src/replica/tuple-keys.js";

const PROGRAM = `
.decl edge(x: number, y: number)
.input edge
.decl tc(x: number, y: number)
tc(x, y) :- edge(x, y).
tc(x, y) :- tc(x, z), edge(z, y).
`;

const nodes = Number(process.argv[2] ?? 400);
const batches = Number(process.argv[3] ?? 20);

// A seeded generator, so every run measures the same workload.
let seed = 42;
function rand(n: number): number {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
  return (seed >>> 0) % n;
}

const compiled = compile({ path: "tc.dl", text: PROGRAM });
if (compiled.analysis === null) throw new Error("benchmark program does not compile");
const unit: ProgramUnit = { checked: compiled.checked, analysis: compiled.analysis };

// A sparse random graph, then `batches` batches of 5 new edges each.
const base: Tuple[] = [];
for (let i = 0; i < nodes * 2; i++) base.push([rand(nodes), rand(nodes)]);
const extra: Tuple[][] = [];
for (let b = 0; b < batches; b++) extra.push(Array.from({ length: 5 }, () => [rand(nodes), rand(nodes)] as Tuple));

const evaluator = new ReplicaEvaluator(unit);
evaluator.insert("a", "edge", base, 1);
let t = performance.now();
const initial = evaluator.engineOf("a").size("tc");
const initialMs = performance.now() - t;

let incrementalMs = 0;
let scratchMs = 0;
const all = new Set(base.map(tupleKey));
for (const batch of extra) {
  t = performance.now();
  evaluator.insert("a", "edge", batch, 1);
  const size = evaluator.engineOf("a").size("tc");
  incrementalMs += performance.now() - t;
  for (const e of batch) all.add(tupleKey(e));
  t = performance.now();
  const fresh = engineOver(unit, new Map([["edge", all]]), coordinationFreeStrata(unit.analysis));
  scratchMs += performance.now() - t;
  if (fresh.size("tc") !== size) throw new Error(`incremental result differs: ${size} vs ${fresh.size("tc")}`);
}

const final = evaluator.engineOf("a").size("tc");
console.log(`transitive closure, ${nodes} nodes, ${base.length} edges: tc ${initial} -> ${final} tuples (initial run ${initialMs.toFixed(1)} ms)`);
console.log(`${batches} batches of 5 new edges: incremental ${(incrementalMs / batches).toFixed(2)} ms/batch, from scratch ${(scratchMs / batches).toFixed(2)} ms/batch (${(scratchMs / incrementalMs).toFixed(1)}x)`);
