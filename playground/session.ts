// The playground's state, without the page: a program, each replica's facts as Datalog text, and
// the replica set as of the last seal. Facts typed into a replica go to the open epoch (the one
// after the last sealed); sealing closes it, and what waited for the seal is released.
import { compile, Diagnostics, evaluateReplicas, lintProgram, parse, Replica, ReplicaSet, type Compiled, type LintFile, type ReplicaReport } from "../src/index.js";
import { graphOfSource, type RuleGraph } from "../src/graph/index.js";
import { tupleKey, type Tuple } from "../src/replica/tuple-keys.js";
import type { Term } from "../src/syntax/ast.js";

export interface ReplicaText {
  readonly name: string;
  readonly facts: string;
}

/** One run over the page's inputs: lint, graph and the replica report (null when the program has errors). */
export interface Run {
  readonly compiled: Compiled;
  readonly lint: LintFile;
  readonly graph: RuleGraph | null;
  readonly report: ReplicaReport | null;
  /** Problems in the replicas' fact text (unknown relation, not `.input`, wrong arity, not a constant). */
  readonly factErrors: readonly string[];
  /** The set evaluated: the sealed base plus the open epoch's facts. */
  readonly set: ReplicaSet | null;
}

function constant(t: Term): number | string | null {
  if (t.kind === "number") return t.value;
  if (t.kind === "string") return t.value;
  if (t.kind === "unary" && t.op === "-" && t.operand.kind === "number") return -t.operand.value;
  return null;
}

/** Facts written as Datalog (`sale("o1", "madrid", "widget").`), by relation, checked against the program. */
export function parseReplicaFacts(compiled: Compiled, replica: ReplicaText, errors: string[]): Map<string, Tuple[]> {
  const diags = new Diagnostics();
  const path = `replica ${replica.name}`;
  const program = parse({ path, text: replica.facts }, diags);
  for (const d of diags.items) errors.push(`${path}:${d.span.line}:${d.span.column}: ${d.message}`);
  const out = new Map<string, Tuple[]>();
  for (const item of program.items) {
    if (item.kind !== "rule") continue;
    const where = `${path}:${item.span.line}:${item.span.column}`;
    if (item.body !== null) {
      errors.push(`${where}: replicas hold facts, not rules`);
      continue;
    }
    for (const head of item.heads) {
      const name = head.relation.name;
      const schema = compiled.checked.relations.get(name);
      if (schema === undefined) errors.push(`${where}: the program has no relation \`${name}\``);
      else if (schema.input === null) errors.push(`${where}: \`${name}\` is not an \`.input\` relation; replicas insert only into \`.input\` relations`);
      else if (schema.columns.length !== head.args.length) errors.push(`${where}: \`${name}\` has ${schema.columns.length} column(s), this fact ${head.args.length}`);
      else {
        const values = head.args.map(constant);
        const bad = values.findIndex((v, i) => v === null || (schema.columns[i]!.type === "symbol") !== (typeof v === "string"));
        if (bad >= 0) errors.push(`${where}: argument ${bad + 1} of \`${name}\` must be a ${schema.columns[bad]!.type === "symbol" ? "string" : "number"} constant`);
        else {
          const list = out.get(name) ?? [];
          list.push(values as Tuple);
          out.set(name, list);
        }
      }
    }
  }
  return out;
}

/** The sealed base plus every replica's facts that the base does not hold yet, in the open epoch. */
export function workingSet(base: ReplicaSet, compiled: Compiled, replicas: readonly ReplicaText[], errors: string[]): ReplicaSet {
  let set = base;
  const epoch = base.sealedEpoch + 1;
  for (const r of replicas) {
    if (set.replica(r.name) === undefined) set = set.withReplica(Replica.empty(r.name));
    for (const [relation, tuples] of parseReplicaFacts(compiled, r, errors)) {
      const held = set.replica(r.name)!.keysWhere(relation);
      const fresh = tuples.filter((t) => !held.has(tupleKey(t)));
      if (fresh.length > 0) set = set.insert(r.name, relation, fresh, epoch).set;
    }
  }
  return set;
}

/** Lint, graph and evaluate the page's inputs over the sealed base. */
export function run(program: string, replicas: readonly ReplicaText[], base: ReplicaSet): Run {
  const source = { path: "program.dl", text: program };
  const compiled = compile(source);
  const lint = lintProgram(source, { trials: 150 });
  if (compiled.analysis === null) return { compiled, lint, graph: null, report: null, factErrors: [], set: null };
  const graph = graphOfSource(source).graph;
  const factErrors: string[] = [];
  const set = workingSet(base, compiled, replicas, factErrors);
  const report = evaluateReplicas({ checked: compiled.checked, analysis: compiled.analysis }, set, new Diagnostics());
  return { compiled, lint, graph, report, factErrors, set };
}

/** Seals the open epoch over `set`; the new base, or the reason it cannot be sealed. */
export function sealOpenEpoch(set: ReplicaSet, sealedAt: string): { base: ReplicaSet; epoch: number } | { error: string } {
  const epoch = set.sealedEpoch + 1;
  const outcome = set.seal(epoch, { sealedAt, reason: "sealed in the playground" });
  return outcome.ok ? { base: outcome.set, epoch } : { error: outcome.message };
}

export { ReplicaSet };
