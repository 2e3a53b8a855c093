// Invariant confluence per `.invariant`: prove it with a sound sufficient condition, else search for
// two valid replica states whose merge is invalid, else say honestly that the bounded search found none.
import type { Analysis } from "../analysis/types.js";
import type { CheckedProgram } from "../check/types.js";
import type { Diagnostics } from "../report/diagnostic.js";
import type { InvariantDirective } from "../syntax/ast.js";
import { escrowDesign, findBoundPatterns } from "./escrow.js";
import { explainCase } from "./explain.js";
import { prove } from "./prove.js";
import { computeRoles, type Roles } from "./roles.js";
import { showFact } from "./show.js";
import {
  constructFromBound, engineDb, minimize, randomSearch, renameFresh, separate, sortCase, StateChecker, type Case,
} from "./search.js";
import type { Counterexample, EscrowDesign, Fact, FactSet, FactValue, InvariantResult } from "./types.js";

/** Bounds of the counterexample search and the number of replicas rights are split over. */
export interface InvariantOptions {
  /** Random trials per invariant. */
  readonly trials?: number;
  /** Most facts in S0 and in each replica's inserts. */
  readonly maxSize?: number;
  /** fast-check seed; the same seed gives the same counterexample. */
  readonly seed?: number;
  /** Time budget per invariant for the search, in milliseconds. */
  readonly timeMs?: number;
  /** Replicas an escrow bound is split over. */
  readonly replicas?: number;
}

/** The defaults `lint` uses. */
export const DEFAULT_INVARIANT_OPTIONS: Required<InvariantOptions> = { trials: 400, maxSize: 4, seed: 42, timeMs: 1500, replicas: 2 };

/** Checks every `.invariant` of the program, in source order, adding one diagnostic each (and CL605 where it applies). */
export function checkInvariants(checked: CheckedProgram, analysis: Analysis, diags: Diagnostics, options: InvariantOptions = {}): InvariantResult[] {
  const opts: Required<InvariantOptions> = { ...DEFAULT_INVARIANT_OPTIONS, ...definedOnly(options) };
  const roles = computeRoles(checked, analysis);
  const seen = new Set<string>();
  const results: InvariantResult[] = [];
  for (const item of checked.program.items) {
    if (item.kind !== "invariant") continue;
    const name = item.relation.name;
    if (seen.has(name) || !checked.relations.has(name)) continue;
    seen.add(name);
    const result = checkOne(item, checked, analysis, roles, opts);
    report(result, analysis, checked, diags);
    results.push(result);
  }
  return results;
}

function definedOnly(o: InvariantOptions): Partial<Required<InvariantOptions>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Required<InvariantOptions>>;
}

function toFactSet(facts: readonly Fact[]): FactSet {
  const out: Record<string, (readonly FactValue[])[]> = {};
  for (const f of facts) (out[f.relation] ??= []).push(f.tuple);
  return out;
}

function checkOne(d: InvariantDirective, checked: CheckedProgram, analysis: Analysis, roles: Roles, opts: Required<InvariantOptions>): InvariantResult {
  const relation = d.relation.name;
  const common = {
    relation,
    description: d.description,
    span: d.span,
    checkNeedsSeal: analysis.relations.get(relation)?.requiresSeal ?? false,
  };
  const checker = new StateChecker(checked, analysis, relation, roles);
  if (!checker.valid([])) {
    const first = checker.evaluate([]).tuples(relation)[0] ?? [];
    return {
      ...common, verdict: "unknown",
      reason: `the program's own facts already derive ${showFact({ relation, tuple: first })}, so no state is valid and merging has nothing to keep; fix the facts or the rule first`,
      condition: null, counterexample: null, escrow: null, search: null,
    };
  }
  const proof = prove(relation, roles);
  if (proof.proved) {
    return { ...common, verdict: "proved", reason: proof.reason, condition: proof.condition, counterexample: null, escrow: null, search: null };
  }
  const started = Date.now();
  const clauses = roles.clausesOf.get(relation) ?? [];
  const patterns = clauses.flatMap((c) => findBoundPatterns(c, roles));
  let found: Case | null = null;
  let how: "construction" | "random" | null = null;
  let trials = 0;
  for (const p of patterns) {
    found = constructFromBound(p, checked, roles, checker);
    if (found !== null) {
      how = "construction";
      break;
    }
  }
  if (found === null) {
    const left = Math.max(1, opts.timeMs - (Date.now() - started));
    const r = randomSearch(checked, roles, checker, { trials: opts.trials, maxSize: opts.maxSize, seed: opts.seed, timeMs: left });
    found = r.found;
    how = r.how;
    trials = r.trials;
  }
  const search = () => ({ trials, maxSize: opts.maxSize, seed: opts.seed, ms: Date.now() - started });
  if (found === null) {
    return {
      ...common,
      verdict: "unknown",
      reason: `no counterexample in ${trials} trials of states up to size ${opts.maxSize} (seed ${opts.seed}); not a proof. No sufficient condition applies: ${proof.reason}`,
      condition: null, counterexample: null, escrow: null, search: search(),
    };
  }
  const c = sortCase(renameFresh(separate(minimize(found, checker), checker), checked, checker), checked);
  const counterexample = describe(c, relation, d.description, checker, roles);
  const pattern = patterns.find((p) => p.clause.id === counterexample.clause && p.boundKind !== "replicated") ?? null;
  const escrow = pattern === null ? null : escrowDesign(pattern, engineDb(checker.base), opts.replicas);
  const found_by = how === "construction"
    ? "found by filling one replica up to the bound and adding one more fact on the other"
    : `found by a random search (seed ${opts.seed}, ${trials} trials)`;
  if (escrow !== null && pattern !== null) {
    return {
      ...common, verdict: "escrow",
      reason: `replicas that each stay within the bound on \`${escrow.aggregate}\` can exceed it together (${found_by}); splitting the bound into per-replica rights keeps it without coordinating each update`,
      condition: null, counterexample, escrow, search: search(),
    };
  }
  return {
    ...common, verdict: "counterexample",
    reason: `two replicas can each make a valid update whose merge violates \`${relation}\` (${proof.reason}); ${found_by}`,
    condition: null, counterexample, escrow: null, search: search(),
  };
}

/** Evaluates the minimal case, picks the violation and tells its story. */
function describe(c: Case, relation: string, description: string | null, checker: StateChecker, roles: Roles): Counterexample {
  const a = checker.evaluate([...c.base, ...c.a]);
  const b = checker.evaluate([...c.base, ...c.b]);
  const merged = checker.evaluate([...c.base, ...c.a, ...c.b]);
  const tuples = [...merged.tuples(relation)].map((t) => [...t] as FactValue[]);
  tuples.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : JSON.stringify(x) > JSON.stringify(y) ? 1 : 0));
  const violation: Fact = { relation, tuple: tuples[0] ?? [] };
  const story = explainCase(c, violation, roles.clausesOf.get(relation) ?? [],
    { program: engineDb(checker.base), a: engineDb(a), b: engineDb(b), merged: engineDb(merged) }, roles, description);
  return {
    base: toFactSet(c.base),
    replicaA: toFactSet(c.a),
    replicaB: toFactSet(c.b),
    violation,
    clause: story.clause,
    support: story.support,
    explanation: story.lines,
  };
}

/** One diagnostic per invariant at its directive, plus CL605 when checking it needs a seal. */
function report(r: InvariantResult, analysis: Analysis, checked: CheckedProgram, diags: Diagnostics): void {
  const name = `\`${r.relation}\``;
  const clauseSpan = r.counterexample === null ? null : checked.clauses[r.counterexample.clause]?.span ?? null;
  const related = clauseSpan === null ? [] : [{ span: clauseSpan, message: `this rule derives ${name} in the merged state` }];
  switch (r.verdict) {
    case "proved":
      diags.add("CL601", r.span, `invariant ${name} survives merging (proved by \`${r.condition ?? ""}\`)`, { notes: [r.reason] });
      break;
    case "counterexample":
      diags.add("CL602", r.span, `invariant ${name} can break when two valid replica states merge`, {
        related,
        notes: [...r.counterexample!.explanation, r.reason],
      });
      break;
    case "escrow": {
      const e: EscrowDesign = r.escrow!;
      diags.add("CL603", r.span, `invariant ${name} bounds \`${e.aggregate}\`: merging breaks it, per-replica rights keep it`, {
        related,
        notes: [...r.counterexample!.explanation, `escrow: ${e.split}`, `trade-off: ${e.tradeoff}`],
      });
      break;
    }
    case "unknown":
      diags.add("CL604", r.span, r.search === null
        ? `invariant ${name} cannot be judged: no state satisfies it`
        : `invariant ${name} is neither proved nor refuted: no counterexample in ${r.search.trials} trials of states up to size ${r.search.maxSize}; not a proof`, {
        notes: [r.reason],
      });
      break;
  }
  if (r.checkNeedsSeal) {
    const cause = analysis.relations.get(r.relation)?.cause ?? null;
    const why = cause === null ? "" : ` (it depends on \`${cause.use.text}\`)`;
    diags.add("CL605", r.span, `checking invariant ${name} needs a sealed epoch: ${name} is non-monotonic${why}`, {
      notes: cause === null ? [] : [cause.use.reason],
    });
  }
}

export { counterexampleAsReplicaFacts } from "./replica-facts.js";
