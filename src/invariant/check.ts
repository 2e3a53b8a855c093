// Invariant confluence per `.invariant`: prove it with a sound sufficient condition, else search for
// two valid replica states whose merge is invalid, else say honestly that the bounded search found none.
import type { Analysis } from "../analysis/types.js";
import type { CheckedProgram } from "../check/types.js";
import { UserError, type Diagnostics } from "../diagnostics/diagnostic.js";
import type { InvariantDirective } from "../syntax/ast.js";
import { escrowDesign, findBoundPatterns } from "./escrow.js";
import { explainCase } from "./explain.js";
import { prove } from "./prove.js";
import { computeRoles, type Roles } from "./roles.js";
import { decidedBy, listCode, showFact, showTerm } from "./show.js";
import { Probes } from "./query.js";
import { solve } from "./smt.js";
import { replay } from "./replay.js";
import {
  constructFromBound, minimize, randomSearch, renameFresh, separate, sortCase, StateChecker, type Case,
} from "./search.js";
import type { Counterexample, EscrowDesign, Fact, FactSet, InvariantResult, SolverRun } from "./types.js";
import type { Value } from "../eval/values.js";

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
  /** Time Z3 may take per invariant, in milliseconds (its start-up comes on top, once). */
  readonly solverMs?: number;
  /** Whether to ask Z3 at all. */
  readonly solver?: boolean;
}

/** The defaults `lint` uses. */
export const DEFAULT_INVARIANT_OPTIONS: Required<InvariantOptions> = { trials: 400, maxSize: 4, seed: 42, timeMs: 1500, replicas: 2, solverMs: 20_000, solver: true };

/** Checks every `.invariant` of the program, in source order, adding one diagnostic each (and CL605 where it applies). */
export function checkInvariants(checked: CheckedProgram, analysis: Analysis, diags: Diagnostics, options: InvariantOptions = {}): InvariantResult[] {
  const opts: Required<InvariantOptions> = { ...DEFAULT_INVARIANT_OPTIONS, ...definedOnly(options) };
  const roles = computeRoles(checked, analysis);
  const seen = new Set<string>();
  const results: InvariantResult[] = [];
  const directives = checked.program.items.filter((i): i is InvariantDirective => i.kind === "invariant" && checked.relations.has(i.relation.name));
  // A state is valid only when every invariant holds in it.
  const invariants = [...new Set(directives.map((d) => d.relation.name))];
  const probes = new Probes(checked);
  for (const item of directives) {
    const name = item.relation.name;
    if (seen.has(name)) continue;
    seen.add(name);
    const result = checkOne(item, checked, analysis, roles, opts, invariants, probes);
    report(result, analysis, checked, diags);
    results.push(result);
  }
  return results;
}

function definedOnly(o: InvariantOptions): Partial<Required<InvariantOptions>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Required<InvariantOptions>>;
}

function toFactSet(facts: readonly Fact[]): FactSet {
  const out: Record<string, (readonly Value[])[]> = {};
  for (const f of facts) (out[f.relation] ??= []).push(f.tuple);
  return out;
}

function checkOne(
  d: InvariantDirective, checked: CheckedProgram, analysis: Analysis, roles: Roles, opts: Required<InvariantOptions>,
  invariants: readonly string[], probes: Probes,
): InvariantResult {
  const relation = d.relation.name;
  const common = {
    relation,
    description: d.description,
    span: d.span,
    checkNeedsSeal: analysis.relations.get(relation)?.requiresSeal ?? false,
  };
  const none = { condition: null, counterexample: null, escrow: null, search: null, solver: null } as const;
  let checker: StateChecker;
  try {
    checker = new StateChecker(checked, analysis, relation, roles, invariants);
  } catch (e) {
    // The engine refuses the program (an unsupported construct): nothing can be evaluated, so nothing is judged.
    if (!(e instanceof UserError)) throw e;
    return { ...common, ...none, verdict: "unknown", method: null, reason: `the program cannot be evaluated: ${e.diagnostic.message}` };
  }
  if (!checker.valid([])) {
    const e = checker.evaluate([]);
    const broken = invariants.find((r) => e.size(r) > 0) ?? relation;
    const first = e.tuples(broken)[0] ?? [];
    return {
      ...common, ...none, verdict: "unknown", method: null,
      reason: `the program's own facts already derive ${showFact({ relation: broken, tuple: [...first] })}, so no state is valid and merging has nothing to keep; fix the facts or the rule first`,
    };
  }
  const proof = prove(relation, roles);
  if (proof.proved) {
    return { ...common, ...none, verdict: "proved", method: "syntactic", reason: proof.reason, condition: proof.condition };
  }
  const started = Date.now();
  const clauses = roles.clausesOf.get(relation) ?? [];
  const patterns = clauses.flatMap((c) => findBoundPatterns(c, roles));
  const others = invariants.filter((r) => r !== relation);
  let found = null as Case | null;
  let how = null as "solver" | "construction" | "random" | null;
  let trials = 0;
  const tried: string[] = [];
  const accept = (c: Case | null, via: typeof how): boolean => {
    if (c === null) return false;
    const small = sortCase(renameFresh(separate(minimize(c, checker), checker), checked, checker), checked);
    const r = replay(checked, analysis, small, relation, invariants);
    if (!r.ok) {
      tried.push(`a case found by ${via} did not replay (${r.why})`);
      return false;
    }
    found = small;
    how = via;
    return true;
  };
  // A count or sum bounded from above breaks by filling it (exact and cheap): no proof can exist then.
  for (const p of patterns) if (accept(constructFromBound(p, checked, roles, checker, probes), "construction")) break;
  // The solver: unsat is a proof for all states; a model becomes a case, kept only if it replays.
  const smt = found !== null ? null : opts.solver
    ? solve(relation, invariants, checked, roles, checker, opts.solverMs)
    : { run: { result: "unsupported" as const, note: "the solver is turned off", ms: 0 }, model: null, encoding: "", findModel: undefined };
  if (smt !== null && smt.run.result === "unsat") {
    const helped = others.length === 0 ? "" : ` (the proof uses ${listCode(others)} too)`;
    return {
      ...common, ...none, verdict: "proved", method: "solver", solver: smt.run, condition: "solver",
      reason: `Z3 shows that no S0, S0 ∪ A and S0 ∪ B satisfying every invariant${helped} merge into a state deriving \`${relation}\` (${smt.encoding}), while no sufficient condition applied: ${proof.reason}`,
    };
  }
  let solverRun: SolverRun | null = smt?.run ?? null;
  if (found === null && smt !== null && smt.findModel !== undefined) {
    const m = smt.findModel();
    solverRun = { ...smt.run, ms: smt.run.ms + m.ms, note: m.model === null ? "no model with a few facts per relation was found" : smt.run.note };
    accept(m.model, "solver");
  }
  if (found === null) {
    // The search has its own budget: Z3's time (and its start-up) does not eat into it.
    const left = opts.timeMs;
    const r = randomSearch(checked, roles, checker, { trials: opts.trials, maxSize: opts.maxSize, seed: opts.seed, timeMs: left });
    trials = r.trials;
    accept(r.found, "random");
  }
  const search = () => ({ trials, maxSize: opts.maxSize, seed: opts.seed, ms: Date.now() - started });
  if (found === null) {
    const z3 = solverRun === null ? "Z3 was not asked" : solverRun.result === "unsupported" ? `Z3 was not asked: ${solverRun.note ?? "the rules cannot be encoded"}`
      : `Z3 answered ${solverRun.result}${solverRun.note === null ? "" : ` (${solverRun.note})`}`;
    return {
      ...common, ...none, verdict: "unknown", method: null, solver: solverRun, search: search(),
      reason: `no counterexample in ${trials} trials of states up to size ${opts.maxSize} (seed ${opts.seed}); not a proof. ${z3}. No sufficient condition applies: ${proof.reason}${tried.length > 0 ? `; ${tried.join("; ")}` : ""}`,
    };
  }
  const c: Case = found;
  const method = how ?? "random";
  const counterexample = describe(c, relation, d.description, checker, roles, probes);
  const pattern = patterns.find((p) => p.clause.id === counterexample.clause) ?? null;
  const escrow = pattern === null ? null : escrowDesign(pattern, probes, opts.replicas);
  const foundBy = method === "solver"
    ? "found by Z3 and replayed through the engine"
    : method === "construction"
      ? "found by filling one replica up to the bound and adding one more fact on the other, replayed through the engine"
      : `found by a random search (seed ${opts.seed}, ${trials} trials), replayed through the engine`;
  const base = { ...common, counterexample, solver: solverRun, search: search(), condition: null, method: method === "solver" ? "solver" as const : "search" as const };
  if (escrow !== null && pattern !== null) {
    const what = escrow.kind === "authority"
      ? `at most one fact of \`${pattern.aggregated.relation.name}\` per key may exist, and two replicas can each add one (${foundBy}); letting one replica own each key (an authority, or a namespace allocated in advance) keeps it without coordinating each update`
      : escrow.kind === "backed"
        ? `replicas that each stay within \`${showTerm(pattern.boundAggregate ?? pattern.bound)}\` can exceed it together (${foundBy}); a replica that spends only rights backed by what it has seen keeps the bound without coordinating each update`
        : `replicas that each stay within the bound on \`${escrow.aggregate}\` can exceed it together (${foundBy}); splitting the bound into per-replica rights keeps it without coordinating each update`;
    return { ...base, verdict: "escrow", reason: what, escrow };
  }
  return {
    ...base, verdict: "counterexample", escrow: null,
    reason: `two replicas can each make a valid update whose merge violates \`${relation}\` (${proof.reason}); ${foundBy}`,
  };
}

/** Evaluates the minimal case, picks the violation and tells its story. */
function describe(c: Case, relation: string, description: string | null, checker: StateChecker, roles: Roles, probes: Probes): Counterexample {
  const merged = checker.evaluate([...c.base, ...c.a, ...c.b]);
  const tuples = [...merged.tuples(relation)].map((t) => [...t] as Value[]);
  tuples.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : JSON.stringify(x) > JSON.stringify(y) ? 1 : 0));
  const violation: Fact = { relation, tuple: tuples[0] ?? [] };
  const story = explainCase(c, violation, roles.clausesOf.get(relation) ?? [], probes, roles, description);
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
  const method = `decided by ${decidedBy(r)}`;
  switch (r.verdict) {
    case "proved":
      diags.add("CL601", r.span, r.method === "solver"
        ? `invariant ${name} survives merging (proved by Z3)`
        : `invariant ${name} survives merging (proved by \`${r.condition ?? ""}\`)`, { notes: [r.reason] });
      break;
    case "counterexample":
      diags.add("CL602", r.span, `invariant ${name} can break when two valid replica states merge`, {
        related,
        notes: [...r.counterexample!.explanation, r.reason, method],
      });
      break;
    case "escrow": {
      const e: EscrowDesign = r.escrow!;
      const message = e.kind === "authority"
        ? `invariant ${name} allows one fact per key: merging breaks it, one replica owning each key keeps it`
        : `invariant ${name} bounds \`${e.aggregate}\`: merging breaks it, per-replica rights keep it`;
      diags.add("CL603", r.span, message, {
        related,
        notes: [...r.counterexample!.explanation, `${e.kind === "authority" ? "ownership" : "escrow"}: ${e.split}`, `trade-off: ${e.tradeoff}`, method],
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
