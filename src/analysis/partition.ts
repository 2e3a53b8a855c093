// Partition keys of the strata that need a seal: a column by which a stratum splits into independent
// parts, each decided by the input facts of one key value (Blazes' sealable partitions). A key column
// is carried by the head of every rule, by every body literal (positive, negated, inside aggregates)
// and traces back, through lower strata, to one column of each input relation involved. Fixed
// relations are the same on every replica and never late, so they need not carry the key.
import type { CheckedProgram } from "../check/types.js";
import { forEachAggregate, literalTerms } from "../syntax/visit.js";
import type { AtomLiteral, Literal } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Span } from "../diagnostics/span.js";
import { printLiteral } from "../syntax/printer.js";
import type { Analysis } from "./types.js";

/** One column of an input relation: `release.r`. */
export interface KeyColumn {
  readonly relation: string;
  readonly column: number;
  readonly attribute: string;
}

/** The literal that keeps a stratum from being partitioned, and why. */
export interface PartitionBlocker {
  readonly relation: string;
  /** `!removed(tag)`; for a head, the head atom. */
  readonly text: string;
  readonly span: Span;
  /** e.g. "`!removed(tag)` does not hold `i`". */
  readonly reason: string;
}

export interface StratumPartition {
  readonly stratum: number;
  /** Relations of the stratum; each has its key column in `columns` when partitioned. */
  readonly relations: readonly string[];
  /** Key column per relation of the stratum; empty when not partitioned. */
  readonly columns: ReadonlyMap<string, number>;
  /** The input columns the key traces to, in declaration order; empty when not partitioned. */
  readonly inputs: readonly KeyColumn[];
  /** Why no key exists; null when partitioned. */
  readonly blocker: PartitionBlocker | null;
}

/** Per stratum needing a seal (not monotonic), in evaluation order. */
export interface Partitions {
  readonly strata: readonly StratumPartition[];
  /**
   * Monotonic strata that wait for a seal only because they read a partitioned one, and carry its
   * key on: a key seal releases their part of the key too. Only the partitioned ones are listed.
   */
  readonly followers?: readonly StratumPartition[];
}

/** `release.r`. */
export function keyName(k: KeyColumn): string {
  return `${k.relation}.${k.attribute}`;
}

/** "`release.r` (= `approval.r`, `blocker.r`)": the first input column names the key, the others follow. */
export function describeKey(inputs: readonly KeyColumn[]): string {
  const [first, ...rest] = inputs;
  if (first === undefined) return "";
  return rest.length === 0 ? `\`${keyName(first)}\`` : `\`${keyName(first)}\` (= ${rest.map((k) => `\`${keyName(k)}\``).join(", ")})`;
}

const NO_SPAN: Span = { file: "", start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };

type Trace = Set<string>; // "relation\u0000column" of input columns
type Outcome = { ok: true; trace: Trace } | { ok: false; blocker: PartitionBlocker };

const pair = (relation: string, column: number): string => `${relation}\u0000${column}`;

/** Infers the partition key of every stratum that needs a seal. */
export function inferPartitions(checked: CheckedProgram, analysis: Omit<Analysis, "partitions">): Partitions {
  const clauseById = new Map(checked.clauses.map((c) => [c.id, c] as const));
  const order = new Map<string, number>([...checked.relations.keys()].map((n, i) => [n, i] as const));
  // The result for every (relation, column) of the strata seen so far, lower strata first.
  const done = new Map<string, Outcome>();
  const arity = (r: string): number => checked.relations.get(r)?.columns.length ?? 0;
  const isFixed = (r: string): boolean => analysis.relations.get(r)?.fixed ?? false;

  const out: StratumPartition[] = [];
  const followers: StratumPartition[] = [];
  for (const stratum of analysis.strata) {
    const members = new Set(stratum.relations);
    // Greatest fixpoint: start from every column of every member, drop those a clause refutes.
    const alive = new Set<string>();
    for (const r of stratum.relations) for (let c = 0; c < arity(r); c++) alive.add(pair(r, c));
    const failures = new Map<string, PartitionBlocker>();
    const checkColumn = (r: string, c: number, candidates: ReadonlySet<string>): PartitionBlocker | null => {
      for (const id of analysis.relations.get(r)?.clauses ?? []) {
        const clause = clauseById.get(id);
        if (clause === undefined) continue;
        const counter = analysis.rules[id]?.uses.find((u) => u.kind === "counter");
        // One counter numbers every rule's derivations, so no key's numbers are its own.
        if (counter !== undefined) return { relation: r, text: counter.text, span: counter.span, reason: `\`autoinc()\` numbers \`${r}\` with one counter across every key, so a key's numbers depend on the other keys' facts` };
        // One size limit counts every key's tuples, so no key's tuples are its own either.
        const limit = analysis.rules[id]?.uses.find((u) => u.kind === "limit");
        if (limit !== undefined) return { relation: r, text: limit.text, span: limit.span, reason: `\`${limit.text}\` counts the tuples of every key of \`${r}\` against one limit, so which tuples a key keeps depends on the other keys' facts` };
        const problem = checkClause(clause, c, (s, j) => {
          if (isFixed(s)) return true;
          if (members.has(s)) return candidates.has(pair(s, j));
          return done.get(pair(s, j))?.ok === true;
        });
        if (problem !== null) return problem;
      }
      return null;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const p of [...alive]) {
        const [r, c] = p.split("\u0000") as [string, string];
        const problem = checkColumn(r, Number(c), alive);
        if (problem !== null) {
          alive.delete(p);
          failures.set(p, problem);
          changed = true;
        }
      }
    }
    // Traces of the surviving columns: the input columns they reach (a least fixpoint within the stratum).
    const traces = new Map<string, Trace>();
    for (const p of alive) {
      const r = p.split("\u0000")[0]!;
      traces.set(p, checked.relations.get(r)?.input !== null ? new Set([p]) : new Set());
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const p of alive) {
        const [r, c] = p.split("\u0000") as [string, string];
        const trace = traces.get(p)!;
        const before = trace.size;
        for (const id of analysis.relations.get(r)?.clauses ?? []) {
          const clause = clauseById.get(id);
          if (clause === undefined) continue;
          for (const [s, j] of keyReads(clause, Number(c), (s2, j2) => isFixed(s2) || (members.has(s2) ? alive.has(pair(s2, j2)) : done.get(pair(s2, j2))?.ok === true))) {
            if (isFixed(s)) continue;
            const from = members.has(s) ? traces.get(pair(s, j)) : (done.get(pair(s, j)) as { trace: Trace } | undefined)?.trace;
            for (const t of from ?? []) trace.add(t);
          }
        }
        if (trace.size !== before) changed = true;
      }
    }
    for (const r of stratum.relations) {
      for (let c = 0; c < arity(r); c++) {
        const p = pair(r, c);
        const trace = traces.get(p);
        if (trace === undefined) {
          done.set(p, { ok: false, blocker: failures.get(p)! });
          continue;
        }
        const clash = twoColumnsOfOne(trace, checked);
        if (clash === null) done.set(p, { ok: true, trace });
        else done.set(p, { ok: false, blocker: { relation: r, text: r, span: checked.relations.get(r)!.decl.span, reason: clash } });
      }
    }
    const follows = stratum.monotonic && stratum.relations.every((r) => analysis.relations.get(r)?.requiresSeal === true);
    if (stratum.monotonic && !follows) continue;

    // The stratum's key: one column per member, consistent within the stratum.
    const columns = new Map<string, number>();
    let blocker: PartitionBlocker | null = null;
    for (const r of stratum.relations) {
      let chosen = -1;
      for (let c = 0; c < arity(r); c++) if (done.get(pair(r, c))?.ok === true) { chosen = c; break; }
      if (chosen < 0) {
        blocker = bestBlocker(r, arity(r), done);
        break;
      }
      columns.set(r, chosen);
    }
    let inputs: KeyColumn[] = [];
    if (blocker === null) {
      const chosen = new Set([...columns].map(([r, c]) => pair(r, c)));
      for (const r of stratum.relations) {
        const problem = checkColumn(r, columns.get(r)!, chosen);
        if (problem !== null) { blocker = problem; break; }
      }
      if (blocker === null) {
        const union = new Set<string>();
        for (const p of chosen) for (const t of (done.get(p) as { trace: Trace }).trace) union.add(t);
        const clash = twoColumnsOfOne(union, checked);
        const first = stratum.relations[0]!;
        if (clash !== null) blocker = { relation: first, text: first, span: checked.relations.get(first)!.decl.span, reason: clash };
        else inputs = toColumns(union, checked, order);
      }
    }
    const result = { stratum: stratum.index, relations: stratum.relations, columns: blocker === null ? columns : new Map<string, number>(), inputs: blocker === null ? inputs : [], blocker };
    if (!follows) out.push(result);
    else if (blocker === null && inputs.length > 0) followers.push(result);
  }
  return { strata: out, followers };
}

/** A coordination point's partition: the key its heads' strata share, or what prevents one. */
export type PointPartition = { readonly sealable: true; readonly inputs: readonly KeyColumn[] } | { readonly sealable: false; readonly blocker: PartitionBlocker };

/** The partition of the strata of `heads` (a literal's rules): sealable when every one is, by the first one's key. */
export function pointPartition(analysis: Analysis, heads: readonly string[]): PointPartition {
  let inputs: readonly KeyColumn[] | null = null;
  for (const h of heads) {
    const stratum = analysis.relations.get(h)?.stratum;
    const s = analysis.partitions.strata.find((x) => x.stratum === stratum);
    if (s === undefined) continue;
    if (s.blocker !== null) return { sealable: false, blocker: s.blocker };
    inputs ??= s.inputs;
  }
  return inputs === null ? { sealable: false, blocker: { relation: heads[0] ?? "", text: heads[0] ?? "", span: NO_SPAN, reason: "no stratum needs a seal" } } : { sealable: true, inputs };
}

/** "sealable per key `release.r` (= `approval.r`): ..." or "not sealable per key: ...", for reports. */
export function sealableNote(p: PointPartition): string {
  return p.sealable
    ? `sealable per key ${describeKey(p.inputs)}: a seal on one value of the key releases that value's results without waiting for the whole epoch`
    : `not sealable per key: ${p.blocker.reason}`;
}

/** Relations of the strata, per relation: its key column when its stratum is partitioned. */
export function keyColumnOf(partitions: Partitions, relation: string): number | undefined {
  for (const s of partitions.strata) if (s.blocker === null && s.columns.has(relation)) return s.columns.get(relation);
  return undefined;
}

/** The blocker of the most promising column: one whose head holds a variable in every rule, if any. */
function bestBlocker(r: string, arity: number, done: ReadonlyMap<string, Outcome>): PartitionBlocker {
  let first: PartitionBlocker | null = null;
  for (let c = 0; c < arity; c++) {
    const o = done.get(pair(r, c));
    if (o === undefined || o.ok) continue;
    first ??= o.blocker;
    if (o.blocker.relation !== r) return o.blocker;
  }
  return first ?? { relation: r, text: r, span: NO_SPAN, reason: `\`${r}\` has no column` };
}

/**
 * Checks that column `c` of the clause's head is a variable held by every body literal over a
 * non-fixed relation, at a column `ok` accepts. Returns the first literal that does not.
 */
function checkClause(clause: Clause, c: number, ok: (relation: string, column: number) => boolean): PartitionBlocker | null {
  const head = clause.head.args[c];
  const headName = clause.head.relation.name;
  if (clause.body.length === 0) return null; // a program fact lies in the partition of its own value
  if (head === undefined || head.kind !== "var") {
    return { relation: headName, text: printLiteral({ kind: "atom", negated: false, atom: clause.head, span: clause.head.span }), span: clause.head.span, reason: `column ${c + 1} of the head is not a variable` };
  }
  const x = head.name;
  let problem: PartitionBlocker | null = null;
  visitAtoms(clause.body, (lit, inAggregate) => {
    if (problem !== null) return;
    const s = lit.atom.relation.name;
    if (ok(s, -1)) return; // fixed
    const at = lit.atom.args.findIndex((a, j) => a.kind === "var" && a.name === x && ok(s, j));
    if (at >= 0) return;
    const holds = lit.atom.args.some((a) => a.kind === "var" && a.name === x);
    const text = printLiteral(lit);
    problem = {
      relation: s,
      text,
      span: lit.span,
      reason: holds
        ? `\`${text}\` holds \`${x}\` only in a column of \`${s}\` that is not partitioned the same way`
        : inAggregate
          ? `the aggregate over \`${text}\` is not grouped by \`${x}\``
          : `\`${text}\` does not hold \`${x}\``,
    };
  });
  return problem;
}

/** The (relation, column) through which each body atom over a non-fixed relation carries the head's column `c`. */
function keyReads(clause: Clause, c: number, ok: (relation: string, column: number) => boolean): [string, number][] {
  const head = clause.head.args[c];
  if (head === undefined || head.kind !== "var") return [];
  const out: [string, number][] = [];
  visitAtoms(clause.body, (lit) => {
    const s = lit.atom.relation.name;
    const at = lit.atom.args.findIndex((a, j) => a.kind === "var" && a.name === head.name && ok(s, j));
    if (at >= 0) out.push([s, at]);
  });
  return out;
}

/** Every atom of the body, including those inside aggregates (at any depth). */
function visitAtoms(body: readonly Literal[], f: (lit: AtomLiteral, inAggregate: boolean) => void, inAggregate = false): void {
  for (const lit of body) {
    if (lit.kind === "atom") f(lit, inAggregate);
    for (const t of literalTerms(lit)) forEachAggregate(t, (a) => visitAtoms(a.body, f, true));
  }
}

/** "reaches both `e.a` and `e.b`" when a trace holds two columns of one input relation. */
function twoColumnsOfOne(trace: ReadonlySet<string>, checked: CheckedProgram): string | null {
  const seen = new Map<string, number>();
  for (const p of trace) {
    const [r, c] = p.split("\u0000") as [string, string];
    const prev = seen.get(r);
    if (prev !== undefined && prev !== Number(c)) {
      const name = (j: number): string => `${r}.${checked.relations.get(r)?.columns[j]?.name ?? j}`;
      return `the key reaches two columns of one input, \`${name(Math.min(prev, Number(c)))}\` and \`${name(Math.max(prev, Number(c)))}\``;
    }
    seen.set(r, Number(c));
  }
  return null;
}

function toColumns(trace: ReadonlySet<string>, checked: CheckedProgram, order: ReadonlyMap<string, number>): KeyColumn[] {
  return [...trace]
    .map((p) => {
      const [relation, c] = p.split("\u0000") as [string, string];
      const column = Number(c);
      return { relation, column, attribute: checked.relations.get(relation)?.columns[column]?.name ?? String(column) };
    })
    .sort((a, b) => (order.get(a.relation) ?? 0) - (order.get(b.relation) ?? 0) || a.column - b.column);
}
