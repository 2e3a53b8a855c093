// Dependency graph -> SCCs -> strata in evaluation order, then monotonicity per rule and relation.
// A relation is monotonic iff every rule deriving it is and every relation it reads is, transitively.
import type { CheckedProgram } from "../check/types.js";
import type { Diagnostics, Related } from "../diagnostics/diagnostic.js";
import { fixedRelations } from "./fixed.js";
import { reportOverflow } from "./overflow.js";
import { orderComponents, shortestPath, stronglyConnected } from "./graph.js";
import { classifyClause, isMonotonicClass, type ClauseClass } from "./monotonicity.js";
import { pointPartition, sealableNote } from "./partition.js";
import { inferPartitions } from "./partition.js";
import { remedyHelp } from "./remedies.js";
import { COORDINATION_CODE, type Analysis, type Cause, type CauseStep, type DependencyEdge, type FixedBound, type NonMonotonicUse, type RelationInfo, type RuleInfo, type Stratum } from "./types.js";

/** Builds the dependency graph, strata and monotonicity of a checked program; reports CL301-CL305. */
export function analyze(checked: CheckedProgram, diags: Diagnostics): Analysis {
  const names = [...checked.relations.keys()];
  const indexOf = new Map(names.map((n, i) => [n, i] as const));
  const clauses = checked.clauses;
  const fixed = fixedRelations(checked);
  const classes = clauses.map((c) => classifyClause(c, checked.relations, checked.types[c.id]!, fixed));

  // ---- the dependency graph: `from` (head) reads `to` (body) -------------------------------
  const edges: DependencyEdge[] = [];
  clauses.forEach((clause, i) => {
    const from = clause.head.relation.name;
    if (!indexOf.has(from)) return;
    for (const r of classes[i]!.reads) if (indexOf.has(r.relation)) edges.push({ from, to: r.relation, kind: r.kind, clause: clause.id, span: r.span });
  });
  const succ: number[][] = names.map(() => []);
  for (const e of edges) {
    const list = succ[indexOf.get(e.from)!]!;
    const to = indexOf.get(e.to)!;
    if (!list.includes(to)) list.push(to);
  }
  const successors = (v: number): readonly number[] => succ[v]!;

  // ---- strata ---------------------------------------------------------------------------
  const components = orderComponents(stronglyConnected(names.length, successors), successors);
  const stratumOf = new Map<string, number>();
  components.forEach((c, s) => c.forEach((v) => stratumOf.set(names[v]!, s)));
  const clausesOf = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const c of clauses) clausesOf.get(c.head.relation.name)?.push(c.id);

  const stratified = reportCycles(edges, names, indexOf, stratumOf, successors, diags);

  // ---- monotonicity -----------------------------------------------------------------------
  const locallyNonMonotonic = new Map<string, { clause: number; use: NonMonotonicUse }>();
  clauses.forEach((c, i) => {
    const cls = classes[i]!;
    const name = c.head.relation.name;
    if (!isMonotonicClass(cls.cls) && !locallyNonMonotonic.has(name) && cls.uses[0] !== undefined) locallyNonMonotonic.set(name, { clause: c.id, use: cls.uses[0] });
  });
  const classById = new Map(clauses.map((c, i) => [c.id, classes[i]!] as const));
  // Only relations that reach a non-monotonic rule have a cause; searching from the others would
  // walk all their ancestors once each, quadratic on a long monotonic chain.
  const readersOf = new Map<string, string[]>();
  for (const c of clauses) for (const r of classById.get(c.id)?.reads ?? []) (readersOf.get(r.relation) ?? readersOf.set(r.relation, []).get(r.relation)!).push(c.head.relation.name);
  const tainted = new Set(locallyNonMonotonic.keys());
  for (const queue = [...tainted]; queue.length > 0; ) for (const reader of readersOf.get(queue.pop()!) ?? []) if (!tainted.has(reader)) (tainted.add(reader), queue.push(reader));
  const causes = new Map<string, Cause | null>(names.map((n) => [n, tainted.has(n) ? causeOf(n, clausesOf, classById, indexOf, locallyNonMonotonic, tainted) : null]));

  const edgesFrom = new Map<string, DependencyEdge[]>();
  for (const e of edges) {
    const list = edgesFrom.get(e.from);
    if (list === undefined) edgesFrom.set(e.from, [e]);
    else list.push(e);
  }
  const recursive = new Set<number>();
  for (const e of edges) if (stratumOf.get(e.from) === stratumOf.get(e.to)) recursive.add(stratumOf.get(e.from)!);

  const relations = new Map<string, RelationInfo>();
  for (const name of names) {
    const ids = clausesOf.get(name)!;
    const reads = [...new Set((edgesFrom.get(name) ?? []).map((e) => e.to))];
    const cause = causes.get(name) ?? null;
    relations.set(name, { name, monotonic: cause === null, requiresSeal: cause !== null, stratum: stratumOf.get(name)!, cause, clauses: ids, reads, isInput: ids.length === 0, fixed: fixed.has(name) });
  }

  const strata: Stratum[] = components.map((c, index) => {
    const members = c.map((v) => names[v]!);
    return {
      index,
      relations: members,
      clauses: members.flatMap((m) => clausesOf.get(m)!).sort((a, b) => a - b),
      recursive: recursive.has(index),
      monotonic: members.every((m) => relations.get(m)!.monotonic),
    };
  });

  const rules: RuleInfo[] = clauses.map((clause, i) => {
    const cls = classes[i]!;
    const relation = clause.head.relation.name;
    return { clause, relation, monotonic: isMonotonicClass(cls.cls), uses: cls.uses, thresholds: cls.thresholds, stratum: stratumOf.get(relation) ?? -1 };
  });

  const base = { rules, relations, strata, edges, stratified, partitions: { strata: [] } };
  const analysis: Analysis = { ...base, partitions: inferPartitions(checked, base) };
  reportMonotonicity(analysis, diags);
  reportRecursiveCounters(analysis, diags);
  reportOverflow(checked, (head, body) => stratumOf.get(head) === stratumOf.get(body) && recursive.has(stratumOf.get(head)!), diags);
  return analysis;
}

/** The shortest chain from `name` to a relation whose own rule holds a non-monotonic literal (BFS in clause order). */
function causeOf(
  name: string,
  clausesOf: ReadonlyMap<string, readonly number[]>,
  classById: ReadonlyMap<number, ClauseClass>,
  indexOf: ReadonlyMap<string, number>,
  local: ReadonlyMap<string, { clause: number; use: NonMonotonicUse }>,
  tainted: ReadonlySet<string>,
): Cause | null {
  const parent = new Map<string, { from: string; clause: number } | null>([[name, null]]);
  const queue = [name];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    const found = local.get(v);
    if (found !== undefined) {
      const chain: CauseStep[] = [{ relation: v, clause: found.clause }];
      for (let p = parent.get(v); p !== null && p !== undefined; p = parent.get(p.from)) chain.unshift({ relation: p.from, clause: p.clause });
      return { chain, use: found.use };
    }
    for (const id of clausesOf.get(v) ?? []) {
      for (const r of classById.get(id)?.reads ?? []) {
        if (parent.has(r.relation) || !indexOf.has(r.relation) || !tainted.has(r.relation)) continue;
        parent.set(r.relation, { from: v, clause: id });
        queue.push(r.relation);
      }
    }
  }
  return null;
}

/** One CL301 per cycle through a negation or aggregation edge; returns whether the program is stratified. */
function reportCycles(
  edges: readonly DependencyEdge[],
  names: readonly string[],
  indexOf: ReadonlyMap<string, number>,
  stratumOf: ReadonlyMap<string, number>,
  successors: (v: number) => readonly number[],
  diags: Diagnostics,
): boolean {
  const seen = new Set<string>();
  let stratified = true;
  const bad = edges.filter((e) => e.kind !== "positive" && stratumOf.get(e.from) === stratumOf.get(e.to));
  bad.sort((a, b) => a.span.start - b.span.start || a.clause - b.clause);
  for (const e of bad) {
    stratified = false;
    const s = stratumOf.get(e.from);
    const back = shortestPath(indexOf.get(e.to)!, indexOf.get(e.from)!, successors, (v) => stratumOf.get(names[v]!) === s);
    if (back === null) throw new Error(`analyze: no path back from \`${e.to}\` to \`${e.from}\` inside their component`);
    // The cycle as relation names, starting with the rule's head: a -> b -> ... -> a.
    const cycle = [e.from, ...back.map((v) => names[v]!)];
    const key = canonicalCycle(cycle);
    if (seen.has(key)) continue;
    seen.add(key);
    const related: Related[] = [];
    for (let k = 1; k + 1 < cycle.length; k++) {
      const step = edges.find((x) => x.from === cycle[k] && x.to === cycle[k + 1]);
      if (step !== undefined) related.push({ span: step.span, message: `\`${step.from}\` reads \`${step.to}\` here${step.kind === "positive" ? "" : ` (${step.kind})`}` });
    }
    const verb = e.kind === "negation" ? `negates \`${e.to}\`` : `aggregates over \`${e.to}\``;
    const loop = e.from === e.to ? `its own relation` : `which depends on \`${e.from}\` again`;
    diags.add("CL301", e.span, `rule for \`${e.from}\` ${verb}, ${loop}: the cycle \`${cycle.join(" -> ")}\` has no stratified meaning`, {
      related,
      notes: [
        `\`x -> y\` means a rule for \`x\` reads \`y\`; a relation cannot wait for the ${e.kind === "negation" ? "absence" : "total"} of something that waits for it`,
      ],
      help: `break the cycle: compute \`${e.to}\` (or the part of it this rule needs) in a relation that does not depend on \`${e.from}\``,
    });
  }
  return stratified;
}

/** A cycle's name independent of where it starts: the rotation that is smallest as text. */
function canonicalCycle(cycle: readonly string[]): string {
  const ring = cycle.slice(0, -1);
  let best: string | null = null;
  for (let i = 0; i < ring.length; i++) {
    const r = [...ring.slice(i), ...ring.slice(0, i)].join("\u0000");
    if (best === null || r < best) best = r;
  }
  return best ?? "";
}

/** Readers of each relation and each relation's position in evaluation order, built once per analysis. */
interface EdgeIndex {
  readonly readers: Map<string, string[]>;
  readonly position: Map<string, number>;
  readonly byClause: Map<number, DependencyEdge[]>;
}
const edgeIndex = new WeakMap<Analysis, EdgeIndex>();

function edgeIndexOf(analysis: Analysis): EdgeIndex {
  let index = edgeIndex.get(analysis);
  if (index === undefined) {
    const readers = new Map<string, Set<string>>();
    const byClause = new Map<number, DependencyEdge[]>();
    for (const e of analysis.edges) {
      const set = readers.get(e.to);
      if (set === undefined) readers.set(e.to, new Set([e.from]));
      else set.add(e.from);
      const list = byClause.get(e.clause);
      if (list === undefined) byClause.set(e.clause, [e]);
      else list.push(e);
    }
    const position = new Map(analysis.strata.flatMap((s) => s.relations).map((r, i) => [r, i] as const));
    index = { readers: new Map([...readers].map(([k, v]) => [k, [...v]])), position, byClause };
    edgeIndex.set(analysis, index);
  }
  return index;
}

/** Relations sorted into evaluation (stratum) order. */
export function inEvaluationOrder(analysis: Analysis, relations: Iterable<string>): string[] {
  const { position } = edgeIndexOf(analysis);
  return [...relations].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
}

/** Every relation whose results wait for `relation`'s seal: itself and all its readers, in stratum order. */
export function withheldWith(analysis: Analysis, relation: string): string[] {
  const { readers } = edgeIndexOf(analysis);
  const out = new Set([relation]);
  const queue = [relation];
  for (let i = 0; i < queue.length; i++) {
    for (const r of readers.get(queue[i]!) ?? []) {
      if (out.has(r)) continue;
      out.add(r);
      queue.push(r);
    }
  }
  return inEvaluationOrder(analysis, out);
}

/** True when the literal reads a relation of its own rule's recursive cycle (a CL301 error, not a coordination point). */
export function insideCycle(analysis: Analysis, clause: number, use: NonMonotonicUse): boolean {
  return (edgeIndexOf(analysis).byClause.get(clause) ?? []).some(
    (e) => e.clause === clause && e.span.start === use.span.start && e.span.end === use.span.end && analysis.relations.get(e.from)?.stratum === analysis.relations.get(e.to)?.stratum,
  );
}

/** `notify <- ready <- !blocker(r, _)`. */
export function formatCause(cause: Cause): string {
  return [...cause.chain.map((s) => s.relation), cause.use.text].join(" <- ");
}

/** Backticked names joined for a sentence: `a`, `b` and `c`; past `limit` names, "and N more". */
export function listNames(names: readonly string[], limit = 12): string {
  const shown = names.length > limit ? names.slice(0, limit - 1) : names;
  const q = shown.map((n) => `\`${n}\``);
  if (names.length > shown.length) return `${q.join(", ")} and ${names.length - shown.length} more`;
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

/** Why a bound read from a relation cannot move: "the bound `n` comes from `capacity`, which only the program's facts define". */
export function fixedBoundNote(analysis: Analysis, bound: FixedBound): string {
  const derived = (analysis.relations.get(bound.relation)?.reads.length ?? 0) > 0;
  const why = derived ? "which is derived only from the program's facts, never from replicated ones" : "which only the program's facts define";
  return `the bound \`${bound.variable}\` comes from \`${bound.relation}\`, ${why}, so it cannot move as facts arrive`;
}

/** CL302/CL303 per non-monotonic literal, CL304 per threshold, CL305 per relation withheld only by what it reads. */
function reportMonotonicity(analysis: Analysis, diags: Diagnostics): void {
  // A literal shared by several clauses (several heads, or a disjunction elsewhere) is reported once.
  const usesAt = new Map<string, { use: NonMonotonicUse; heads: string[] }>();
  const thresholdsAt = new Map<string, { t: RuleInfo["thresholds"][number]; heads: string[] }>();
  const at = (s: { file: string; start: number; end: number }): string => `${s.file}:${s.start}:${s.end}`;
  for (const rule of analysis.rules) {
    for (const use of rule.uses) {
      if (insideCycle(analysis, rule.clause.id, use)) continue; // CL301 already says this rule has no meaning
      const k = `${at(use.span)}:${use.kind}`;
      const entry = usesAt.get(k);
      if (entry === undefined) usesAt.set(k, { use, heads: [rule.relation] });
      else if (!entry.heads.includes(rule.relation)) entry.heads.push(rule.relation);
    }
    for (const t of rule.thresholds) {
      const entry = thresholdsAt.get(at(t.span));
      if (entry === undefined) thresholdsAt.set(at(t.span), { t, heads: [rule.relation] });
      else if (!entry.heads.includes(rule.relation)) entry.heads.push(rule.relation);
    }
  }
  for (const { use, heads } of usesAt.values()) {
    const who = listNames(heads);
    const withheld = inEvaluationOrder(analysis, new Set(heads.flatMap((h) => withheldWith(analysis, h))));
    const waits = heads.length === 1 ? "waits" : "wait";
    const what = {
      negation: `negates \`${use.relation}\``,
      aggregation: `reads a total of \`${use.relation}\` (\`${use.text}\`)`,
      choice: `fills \`${use.relation}\`, which keeps one tuple per key (\`${use.text}\`)`,
      counter: `numbers its tuples with \`autoinc()\``,
      subsumption: `removes dominated tuples (\`${use.text}\`)`,
      limit: `fills \`${use.relation}\`, which stops growing at a size limit (\`${use.text}\`)`,
    }[use.kind];
    const readers = withheld.filter((r) => !heads.includes(r));
    diags.add(COORDINATION_CODE[use.kind], use.span, `rule for ${who} ${what}, so ${who} ${waits} for a sealed epoch`, {
      notes: [
        use.reason,
        readers.length === 0
          ? `${who} ${heads.length === 1 ? "is" : "are"} withheld until the epoch is sealed; no other relation reads ${heads.length === 1 ? "it" : "them"}`
          : `${who} and every relation that reads ${heads.length === 1 ? "it" : "them"} (${listNames(readers)}) are withheld until the epoch is sealed`,
        sealableNote(pointPartition(analysis, heads)),
      ],
      help: remedyHelp(use),
    });
  }
  for (const { t, heads } of thresholdsAt.values()) {
    diags.add("CL304", t.span, `\`${t.text}\` is read only as a threshold, so the rule for ${listNames(heads)} stays monotonic`, {
      notes: [t.reason, ...t.fixedBounds.map((b) => fixedBoundNote(analysis, b))],
    });
  }
  for (const info of analysis.relations.values()) {
    if (info.cause === null || info.cause.chain.length < 2) continue;
    const step = info.cause.chain[0]!;
    const next = info.cause.chain[1]!.relation;
    const edge = (edgeIndexOf(analysis).byClause.get(step.clause) ?? []).find((e) => e.to === next);
    if (edge === undefined) continue;
    diags.add("CL305", edge.span, `rule for \`${info.name}\` reads \`${next}\`, which waits for a sealed epoch, so \`${info.name}\` waits with it`, {
      notes: [`cause: ${formatCause(info.cause)}`],
    });
  }
}

/**
 * CL309: `autoinc()` in a rule that reads its own recursive cycle would number without end; Soufflé
 * rejects it, and so does calmlog.
 */
function reportRecursiveCounters(analysis: Analysis, diags: Diagnostics): void {
  for (const rule of analysis.rules) {
    const counter = rule.uses.find((u) => u.kind === "counter");
    if (counter === undefined) continue;
    const own = analysis.relations.get(rule.relation)?.stratum;
    const loop = (edgeIndexOf(analysis).byClause.get(rule.clause.id) ?? []).find((e) => analysis.relations.get(e.to)?.stratum === own);
    if (loop === undefined) continue;
    diags.add("CL309", counter.span, `\`autoinc()\` in a rule for \`${rule.relation}\` that reads \`${loop.to}\` of its own recursive cycle`, {
      related: [{ span: loop.span, message: `\`${loop.to}\` is read here` }],
    });
  }
}
