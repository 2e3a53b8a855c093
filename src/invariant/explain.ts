// Tells a counterexample as a story read off the data and the rule: what each replica inserts, which
// literal of the violating rule instance fails on each replica alone, and what holds in the merge.
// Every instance, value and comparison comes from the engine evaluating probes (query.ts).
import type { Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { boundAggregate, type LiteralCheck, type ProbeInstance, type Probes } from "./query.js";
import type { Roles } from "./roles.js";
import type { Case } from "./search.js";
import { showAtom, showFact, showLiteral, showTerm, showValue } from "./show.js";
import type { Fact } from "./types.js";
import type { Value } from "../eval/values.js";

/** The rule instance behind the violation, its support and the story. */
export interface Story {
  readonly clause: number;
  readonly support: readonly Fact[];
  readonly lines: readonly string[];
}

const key = (f: Fact): string => `${f.relation}\u0000${JSON.stringify(f.tuple)}`;

/** Finds the first clause instance deriving `violation` in the merge and tells the story around it. */
export function explainCase(c: Case, violation: Fact, clauses: readonly Clause[], probes: Probes, roles: Roles, description: string | null): Story {
  const merged = [...c.base, ...c.a, ...c.b];
  let found: { clause: Clause; inst: ProbeInstance } | null = null;
  for (const clause of clauses) {
    const inst = probes.instances(clause, violation.tuple, merged)[0];
    if (inst !== undefined) {
      found = { clause, inst };
      break;
    }
  }
  const origin = originOf(c, roles);
  const lines: string[] = [];
  const programFacts = found === null ? [] : found.inst.support.filter((f) => roles.constant.has(f.relation));
  const start = c.base.length === 0 ? "no replicated facts" : showFacts(c.base);
  lines.push(`start (valid): ${start}${programFacts.length > 0 ? `; the program gives ${programFacts.map(showFact).join(", ")}` : ""}`);
  const broken = description === null ? "" : ` ("${description}" is broken)`;
  const a = found === null ? null : probes.checkLiterals(found.clause, found.inst.env, [...c.base, ...c.a]);
  const b = found === null ? null : probes.checkLiterals(found.clause, found.inst.env, [...c.base, ...c.b]);
  const m = found === null ? null : probes.checkLiterals(found.clause, found.inst.env, merged);
  if (found === null || a === null || b === null || m === null) {
    lines.push(`replica A inserts ${showFacts(c.a)} (still valid)`);
    lines.push(`replica B inserts ${showFacts(c.b)} (still valid)`);
    lines.push(`merged: ${showFact(violation)} is derived${broken}`);
    return { clause: found?.clause.id ?? clauses[0]?.id ?? -1, support: found?.inst.support ?? [], lines };
  }
  const { clause, inst } = found;
  lines.push(`replica A inserts ${showFacts(c.a)}; still valid: ${whyNot(clause, inst, a, origin).join("; ")}`);
  lines.push(`replica B inserts ${showFacts(c.b)}; still valid: ${whyNot(clause, inst, b, origin).join("; ")}`);
  lines.push(`merged: ${whyYes(clause, inst, m, origin).join(", ")}, so ${showFact(violation)} is derived${broken}`);
  return { clause: clause.id, support: inst.support, lines };
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

type Checks = { literals: Map<number, LiteralCheck>; aggregates: Map<string, Value> };

/** A comparison with its sides' values: `2 > 1`. */
function showCmp(l: Literal & { kind: "cmp" }, env: ReadonlyMap<string, Value>, check: LiteralCheck | undefined): string {
  const text = check?.sides == null
    ? `${showTerm(l.left, env)} ${l.op} ${showTerm(l.right, env)}`
    : `${showValue(check.sides[0])} ${l.op} ${showValue(check.sides[1])}`;
  return l.negated ? `!(${text})` : text;
}

/** Aggregates read by a comparison (directly or through a bound variable), with their values. */
function aggregateValues(clause: Clause, l: Literal & { kind: "cmp" }, env: ReadonlyMap<string, Value>, checks: Checks, check: LiteralCheck | undefined): string[] {
  const out: string[] = [];
  [l.left, l.right].forEach((t: Term, side) => {
    if (t.kind === "aggregate" && check?.sides != null) out.push(`${showTerm(t, env)} is ${showValue(check.sides[side]!)}`);
    if (t.kind === "var" && checks.aggregates.has(t.name)) {
      const bound = clause.body.map(boundAggregate).find((b) => b !== null && b.x === t.name);
      if (bound != null) out.push(`${showTerm(bound.agg, env)} is ${showValue(checks.aggregates.get(t.name)!)}`);
    }
  });
  return out;
}

/** The literals of the merged instance that fail on one replica alone, in words. */
function whyNot(clause: Clause, inst: ProbeInstance, checks: Checks, origin: (f: Fact) => string): string[] {
  const env = inst.env;
  const local = new Map(env);
  for (const [x, v] of checks.aggregates) local.set(x, v);
  const out: string[] = [];
  clause.body.forEach((l, i) => {
    const check = checks.literals.get(i);
    if (check === undefined || check.holds) return;
    if (l.kind === "atom") {
      if (!l.negated) {
        const f = inst.atomFacts.get(i);
        const from = f === undefined ? "" : origin(f);
        const where = from === "from A" ? " (only A has it)" : from === "from B" ? " (only B has it)" : from === "derived" ? " (only the merge derives it)" : "";
        out.push(`${f === undefined ? showAtom(l.atom, env) : showFact(f)} is missing${where}`);
      } else out.push(`${showAtom(l.atom, env)} is present`);
      return;
    }
    if (l.kind === "cmp") {
      const values = aggregateValues(clause, l, env, checks, check);
      out.push(`${values.length > 0 ? `${values.join(", ")}, and ` : ""}${showCmp(l, local, check)} is false`);
    }
  });
  if (out.length === 0) out.push(`the rule instance ${clause.body.map((l) => showLiteral(l, env)).join(", ")} does not hold there`);
  return out;
}

/** What holds in the merge: the facts matched (with their origin), aggregate values, comparisons, absences. */
function whyYes(clause: Clause, inst: ProbeInstance, checks: Checks, origin: (f: Fact) => string): string[] {
  const env = inst.env;
  const out: string[] = [];
  clause.body.forEach((l, i) => {
    if (l.kind === "atom" && !l.negated) {
      const f = inst.atomFacts.get(i);
      out.push(f === undefined ? `${showAtom(l.atom, env)} matches` : `${showFact(f)} (${origin(f)})`);
      return;
    }
    if (l.kind === "atom") {
      out.push(`${showAtom(l.atom, env)} is absent`);
      return;
    }
    const b = boundAggregate(l);
    if (b !== null) {
      const v = env.get(b.x);
      if (v !== undefined) out.push(`${showTerm(b.agg, env)} is ${showValue(v)}`);
      return;
    }
    if (l.kind === "cmp") {
      const check = checks.literals.get(i);
      const values = aggregateValues(clause, l, env, { literals: checks.literals, aggregates: new Map() }, check);
      out.push(`${values.length > 0 ? `${values.join(", ")}, and ` : ""}${showCmp(l, env, check)} holds`);
    }
  });
  return out;
}
