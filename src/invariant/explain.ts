// Tells a counterexample as a story read off the data and the rule: what each replica inserts, which
// literal of the violating rule instance fails on each replica alone, and what holds in the merge.
import type { Aggregate, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { aggregate, compare, dedupeFacts, firstMatch, instancesFor, matchesAny, tryEval, type Db, type Instance } from "./match.js";
import type { Roles } from "./roles.js";
import type { Case } from "./search.js";
import { showAtom, showFact, showLiteral, showTerm, showValue } from "./show.js";
import type { Fact, FactValue } from "./types.js";

/** The states of one counterexample, evaluated. */
export interface CaseDbs {
  readonly program: Db;
  readonly a: Db;
  readonly b: Db;
  readonly merged: Db;
}

/** The rule instance behind the violation, its support and the story. */
export interface Story {
  readonly clause: number;
  readonly support: readonly Fact[];
  readonly lines: readonly string[];
}

const key = (f: Fact): string => `${f.relation}\u0000${JSON.stringify(f.tuple)}`;

/** Finds the first clause instance deriving `violation` in the merge and tells the story around it. */
export function explainCase(c: Case, violation: Fact, clauses: readonly Clause[], dbs: CaseDbs, roles: Roles, description: string | null): Story {
  let found: { clause: Clause; inst: Instance } | null = null;
  for (const clause of clauses) {
    for (const inst of instancesFor(clause.head, clause.body, violation.tuple, dbs.merged)) {
      found = { clause, inst };
      break;
    }
    if (found !== null) break;
  }
  const origin = originOf(c, roles);
  const lines: string[] = [];
  const programFacts = found === null ? [] : dedupeFacts(found.inst.support.filter((f) => roles.constant.has(f.relation)));
  const start = c.base.length === 0 ? "no replicated facts" : showFacts(c.base);
  lines.push(`start (valid): ${start}${programFacts.length > 0 ? `; the program gives ${programFacts.map(showFact).join(", ")}` : ""}`);
  const broken = description === null ? "" : ` ("${description}" is broken)`;
  if (found === null) {
    lines.push(`replica A inserts ${showFacts(c.a)} (still valid)`);
    lines.push(`replica B inserts ${showFacts(c.b)} (still valid)`);
    lines.push(`merged: ${showFact(violation)} is derived${broken}`);
    return { clause: clauses[0]?.id ?? -1, support: [], lines };
  }
  const { clause, inst } = found;
  lines.push(`replica A inserts ${showFacts(c.a)}; still valid: ${whyNot(clause, inst.env, dbs.a, origin).join("; ")}`);
  lines.push(`replica B inserts ${showFacts(c.b)}; still valid: ${whyNot(clause, inst.env, dbs.b, origin).join("; ")}`);
  lines.push(`merged: ${whyYes(clause, inst, dbs.merged, origin).join(", ")}, so ${showFact(violation)} is derived${broken}`);
  return { clause: clause.id, support: dedupeFacts(inst.support), lines };
}

/** A list of facts; a long one shows its ends: `10 facts: f1, f2, …, f10`. */
function showFacts(fs: readonly Fact[]): string {
  if (fs.length <= 4) return fs.map(showFact).join(", ");
  return `${fs.length} facts: ${showFact(fs[0]!)}, ${showFact(fs[1]!)}, …, ${showFact(fs[fs.length - 1]!)}`;
}

/** Where a fact of the merged state comes from. */
function originOf(c: Case, roles: Roles): (f: Fact) => string {
  const base = new Set(c.base.map(key));
  const a = new Set(c.a.map(key));
  const b = new Set(c.b.map(key));
  return (f) => {
    const k = key(f);
    if (base.has(k)) return "shared";
    if (a.has(k)) return "from A";
    if (b.has(k)) return "from B";
    if (roles.constant.has(f.relation)) return "from the program";
    return "derived";
  };
}

/** `x` when the literal is `x = <aggregate>`. */
function boundAggregate(l: Literal): { x: string; agg: Aggregate } | null {
  if (l.kind !== "cmp" || l.op !== "=" || l.negated) return null;
  if (l.left.kind === "var" && l.right.kind === "aggregate") return { x: l.left.name, agg: l.right };
  if (l.right.kind === "var" && l.left.kind === "aggregate") return { x: l.right.name, agg: l.left };
  return null;
}

/** A comparison with aggregates replaced by their values on `db`: `2 > 1`. */
function showCmp(l: Literal & { kind: "cmp" }, env: ReadonlyMap<string, FactValue>, db: Db): string {
  const side = (t: Term): string => {
    const v = tryEval(t, env, db);
    return v === null ? showTerm(t, env) : showValue(v);
  };
  const text = `${side(l.left)} ${l.op} ${side(l.right)}`;
  return l.negated ? `!(${text})` : text;
}

/** Aggregates directly inside a comparison, with their values on `db`. */
function aggregateValues(l: Literal & { kind: "cmp" }, env: ReadonlyMap<string, FactValue>, db: Db): string[] {
  const out: string[] = [];
  for (const t of [l.left, l.right]) {
    if (t.kind !== "aggregate") continue;
    const v = tryEval(t, env, db);
    if (v !== null) out.push(`${showTerm(t, env)} is ${showValue(v)}`);
  }
  return out;
}

/** The literals of the merged instance that fail on one replica alone, in words. */
function whyNot(clause: Clause, merged: ReadonlyMap<string, FactValue>, db: Db, origin: (f: Fact) => string): string[] {
  const env = new Map(merged);
  const out: string[] = [];
  // Aggregate results are recomputed on this replica first, so comparisons read the replica's values.
  const recomputed = new Map<string, string>();
  for (const l of clause.body) {
    const b = boundAggregate(l);
    if (b === null) continue;
    try {
      const v = aggregate(b.agg, env, db).value;
      recomputed.set(b.x, `${showTerm(b.agg, merged)} is ${showValue(v)}`);
      env.set(b.x, v);
    } catch {
      env.delete(b.x);
      recomputed.set(b.x, `${showTerm(b.agg, merged)} has no value`);
    }
  }
  for (const l of clause.body) {
    if (l.kind === "atom") {
      const present = matchesAny(l.atom, env, db);
      if (!l.negated && !present) {
        const ground = l.atom.args.every((t) => t.kind !== "wildcard" && tryEval(t, env, db) !== null);
        const from = ground ? origin({ relation: l.atom.relation.name, tuple: l.atom.args.map((t) => tryEval(t, env, db)!) }) : "";
        const where = from === "from A" ? " (only A has it)" : from === "from B" ? " (only B has it)" : from === "derived" ? " (only the merge derives it)" : "";
        out.push(`${showAtom(l.atom, env)} is missing${where}`);
      }
      if (l.negated && present) out.push(`${showAtom(l.atom, env)} is present`);
      continue;
    }
    if (l.kind === "bool" || boundAggregate(l) !== null) continue;
    const lv = tryEval(l.left, env, db);
    const rv = tryEval(l.right, env, db);
    if (lv === null || rv === null) continue;
    if (compare(l.op, lv, rv) === l.negated) {
      const vars = [l.left, l.right].flatMap((t) => (t.kind === "var" ? [t.name] : []));
      const values = [...vars.flatMap((v) => (recomputed.has(v) ? [recomputed.get(v)!] : [])), ...aggregateValues(l, env, db)];
      out.push(`${values.length > 0 ? `${values.join(", ")}, and ` : ""}${showCmp(l, env, db)} is false`);
    }
  }
  if (out.length === 0) out.push(`the rule instance ${showLiteralList(clause.body, merged)} does not hold there`);
  return out;
}

function showLiteralList(body: readonly Literal[], env: ReadonlyMap<string, FactValue>): string {
  return body.map((l) => showLiteral(l, env)).join(", ");
}

/** What holds in the merge: the facts matched (with their origin), aggregate values, comparisons, absences. */
function whyYes(clause: Clause, inst: Instance, db: Db, origin: (f: Fact) => string): string[] {
  const env = inst.env;
  const out: string[] = [];
  for (const l of clause.body) {
    if (l.kind === "atom" && !l.negated) {
      const t = l.atom.args.map((a) => tryEval(a, env, db));
      if (t.every((v) => v !== null)) {
        const f: Fact = { relation: l.atom.relation.name, tuple: t as FactValue[] };
        out.push(`${showFact(f)} (${origin(f)})`);
      } else {
        const m = firstMatch(l.atom, env, db);
        out.push(m === null ? `${showAtom(l.atom, env)} matches` : `${showFact(m)} (${origin(m)})`);
      }
      continue;
    }
    if (l.kind === "atom") {
      out.push(`${showAtom(l.atom, env)} is absent`);
      continue;
    }
    const b = boundAggregate(l);
    if (b !== null) {
      const v = env.get(b.x);
      if (v !== undefined) out.push(`${showTerm(b.agg, env)} is ${showValue(v)}`);
      continue;
    }
    if (l.kind === "cmp") {
      const values = aggregateValues(l, env, db);
      out.push(`${values.length > 0 ? `${values.join(", ")}, and ` : ""}${showCmp(l, env, db)} holds`);
    }
  }
  return out;
}
