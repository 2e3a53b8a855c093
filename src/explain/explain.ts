// Why a fact holds (a derivation tree of minimal height) and why it does not (per rule, the first
// body literal that fails). Both read the facts of a finished evaluation and search backwards from
// the fact asked about, so evaluation itself records nothing and pays nothing.
//
// Minimal height: an input or program fact has height 0, a rule instance 1 + the largest height of
// its positive premises. Negations, comparisons and aggregates read lower strata, which are
// complete, so they are conditions of a step, not premises. A small support is explored backwards
// (every rule instance whose head is a fact already reached) and its heights settled in increasing
// order, as in Knuth's generalisation of Dijkstra's algorithm; a large one is answered from every
// fact's height, computed by one more evaluation (`levels.ts`) that only explain pays for.
import type { Analysis } from "../analysis/types.js";
import { variableTypes, type CheckedProgram } from "../check/types.js";
import { inferTypes, typesFor } from "../check/infer.js";
import { ArithmeticFault } from "../eval/ops.js";
import type { Tuple, Value } from "../eval/values.js";
import { planVariant, type UnpackPattern } from "../plan/plan.js";
import type { Aggregate, Atom, Comparison, FunctorName, Literal, PrimitiveType, Term } from "../syntax/ast.js";
import type { PExpr } from "../plan/plan.js";
import { isStructured, structuredParts } from "../eval/records.js";
import type { Clause } from "../syntax/normalize.js";
import { printAtom, printClause, printLiteral, printTerm } from "../syntax/printer.js";
import { Levels } from "./levels.js";
import { EngineModel } from "./model.js";
import { aggregatesOf, findAgg, headLiterals, planItems, type PlanItem } from "./plans.js";
import { coerce, compareType, NONE, Solver, Unsupported, type AggregateResult, type BoundPlan, type FactModel, type Solution } from "./solve.js";

/** Where an input fact was read: a file and line, and on replicas the replica and epoch. */
export interface FactOrigin {
  readonly file: string;
  readonly line: number | null;
  readonly replica?: string;
  readonly epoch?: number;
}

/** Input facts and where each came from. */
export interface InputFacts {
  /** Origins of `tuple` as an input fact of `relation`, or null when it was not read as input. */
  origins(relation: string, tuple: Tuple): readonly FactOrigin[] | null;
}

/** A fact, with its text as Datalog source. */
export interface FactRef {
  readonly relation: string;
  readonly tuple: Tuple;
  readonly text: string;
}

/** A clause as the user wrote it, and where. */
export interface RuleRef {
  readonly clause: number;
  /** The clause in normal form (one head, a flat body). */
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface Binding {
  readonly name: string;
  readonly value: Value;
}

/** An aggregate under one binding: its value and the rows it ranged over (the first `limit`). */
export interface AggregateInfo {
  /** The aggregate with the bound variables replaced by their values. */
  readonly term: string;
  /** Null when it ranged over no rows and so has no value (`min`, `max`, `mean`). */
  readonly value: Value | null;
  readonly rowCount: number;
  /** Each solution of its body, as the facts it matched. */
  readonly rows: readonly (readonly FactRef[])[];
}

/** One body literal of a derivation step. */
export interface StepLiteral {
  readonly kind: "atom" | "negation" | "comparison" | "constant";
  /** As written in the rule. */
  readonly literal: string;
  /** With the step's values in place of its variables. */
  readonly instance: string;
  /** A positive atom's premise and how it holds. */
  readonly derivation?: Derivation;
  readonly aggregates?: readonly AggregateInfo[];
}

/** How a fact holds. */
export type Derivation =
  | { readonly kind: "input"; readonly fact: FactRef; readonly height: 0; readonly origins: readonly FactOrigin[] }
  | { readonly kind: "program"; readonly fact: FactRef; readonly height: 0; readonly rule: RuleRef }
  | {
      readonly kind: "rule";
      readonly fact: FactRef;
      readonly height: number;
      /**
       * Only at the root of a tree found goal-directed whose height could not be proven minimal
       * within the search budget: the lowest height a derivation of the fact can have.
       */
      readonly lowest?: number;
      readonly rule: RuleRef;
      readonly bindings: readonly Binding[];
      readonly body: readonly StepLiteral[];
    }
  /** A fact whose derivation is shown earlier in the same tree. */
  | { readonly kind: "shown"; readonly fact: FactRef; readonly height: number };

/** Why one rule does not derive the fact: the first literal that fails, under the bindings of those before it. */
export interface RuleFailure {
  readonly rule: RuleRef;
  readonly kind: "head" | "missing" | "no-match" | "blocked" | "comparison" | "false" | "no-value" | "error" | "unsupported";
  /** As written (for `head`: the head argument tied to the value asked about). */
  readonly literal: string;
  readonly instance: string;
  /** `file:line:column` of the literal. */
  readonly at: string;
  /** Bindings of the literals before it (one example when several bindings reach it). */
  readonly bindings: readonly Binding[];
  readonly message: string;
  /** `missing`: why that fact does not hold either. */
  readonly missing?: WhyNot;
  /** `blocked`: facts that match the negated atom, and how the first holds. */
  readonly blocking?: readonly FactRef[];
  readonly blockingCount?: number;
  readonly blockingWhy?: Derivation;
  /** `comparison`: the values of both sides. */
  readonly values?: readonly [Value | null, Value | null];
  readonly aggregates?: readonly AggregateInfo[];
}

/** Why a fact does not hold. */
export interface WhyNot {
  readonly fact: FactRef;
  /** `input`: an input relation without this fact and no rule deriving it; `rules`: every rule fails; `cut`: not followed (depth or already shown). */
  readonly kind: "input" | "rules" | "cut";
  readonly note: string;
  readonly rules: readonly RuleFailure[];
}

/** The backward search reached more facts than `ExplainOptions.maxFacts` allows. */
export class SearchLimit extends Error {
  constructor(
    readonly fact: string,
    readonly reached: number,
  ) {
    super(`the search for a derivation of \`${fact}\` reached ${reached} facts and stopped`);
    this.name = "SearchLimit";
  }
}

export interface ExplainOptions {
  /** How many facts (rule instances, searched goal-directed) the search for a derivation may reach (default 200,000). */
  readonly maxFacts?: number;
  /** Up to how many facts the whole support of a fact is explored before the goal-directed search takes over (default 5,000). */
  readonly supportFacts?: number;
  /** How many rule instances the goal-directed search may read looking for a lower tree than the first it built (default 20,000). */
  readonly deepening?: number;
  /** How many rows of an aggregate, or facts blocking a negation, to list (default 5). */
  readonly rows?: number;
  /** How deep why-not follows missing facts (default 4). */
  readonly depth?: number;
  /**
   * How a derivation is found. `auto` (the default): the whole support while it stays within
   * `supportFacts`, else the minimal heights of every fact from one more evaluation (`levels`);
   * `goal`: a goal-directed search instead of that evaluation, its height proven minimal only
   * within the `deepening` budget.
   */
  readonly strategy?: "auto" | "levels" | "goal";
}

interface Node {
  readonly relation: string;
  readonly tuple: Tuple;
  readonly key: string;
  base: boolean;
  instances: Instance[];
  height: number;
  best: Instance | null;
  done: boolean;
}

interface Instance {
  readonly clause: Clause;
  readonly plan: BoundPlan;
  readonly solution: Solution;
  readonly head: string;
  readonly premises: string[];
  waiting: number;
}

/** A program compiled and checked, with its analysis. */
export interface ExplainUnit {
  readonly checked: CheckedProgram;
  readonly analysis: Analysis;
}

/** Explains facts of one evaluated fact set. */
export class Explainer {
  private readonly solver: Solver;
  private readonly headPlans = new Map<number, BoundPlan | null>();
  private readonly programFacts = new Map<string, Map<string, Clause>>();
  private readonly clausesOf = new Map<string, Clause[]>();
  private readonly types: (relation: string) => readonly PrimitiveType[];
  private readonly lines: (file: string) => string | null;

  constructor(
    readonly unit: ExplainUnit,
    readonly model: FactModel,
    readonly inputs: InputFacts,
    /** Source text of a file, to quote rules as written (null: their normal form). */
    sourceOf: (file: string) => string | null = () => null,
  ) {
    this.lines = sourceOf;
    this.types = (r) => unit.checked.relations.get(r)?.columns.map((c) => c.type) ?? [];
    this.solver = new Solver(model, this.types);
    for (const c of unit.checked.clauses) {
      const name = c.head.relation.name;
      if (c.body.length === 0) {
        const tuple = this.programFact(c);
        if (tuple === null) continue;
        let m = this.programFacts.get(name);
        if (m === undefined) this.programFacts.set(name, (m = new Map()));
        if (!m.has(keyOf(tuple))) m.set(keyOf(tuple), c);
      } else {
        const list = this.clausesOf.get(name) ?? [];
        list.push(c);
        this.clausesOf.set(name, list);
      }
    }
  }

  /** The fact `relation(tuple)` as Datalog source. */
  fact(relation: string, tuple: Tuple): FactRef {
    const types = this.types(relation);
    return { relation, tuple, text: `${relation}(${tuple.map((v, i) => showTyped(v, types[i] ?? "number")).join(", ")})` };
  }

  holds(relation: string, tuple: Tuple): boolean {
    return this.model.has(relation, tuple);
  }

  /**
   * A derivation tree of minimal height, or null when the fact does not hold. The whole support is
   * explored first while it stays small (every step's subtree then has minimal height too). A fact
   * supported by much of a large relation is built top-down from every fact's minimal height
   * (`whyLevels`). Where those heights cannot be computed (a program with `autoinc()`, a model that
   * is not an engine's), a goal-directed search: a derivation built depth-first from the fact
   * (`whyDirect`), then iterative deepening (`whyGoal`) looks for a lower one within the same
   * budget; when the budget runs out first, the tree says how low the lowest could be (`lowest`).
   */
  why(relation: string, tuple: Tuple, options: ExplainOptions = {}): Derivation | null {
    if (!this.model.has(relation, tuple)) return null;
    const limit = options.maxFacts ?? 200_000;
    const support = Math.min(limit, options.supportFacts ?? 5_000);
    const rows = options.rows ?? 5;
    if (options.strategy !== "levels") {
      try {
        return this.whySupport(relation, tuple, support, rows);
      } catch (err) {
        if (!(err instanceof SearchLimit) || limit <= support) throw err;
      }
    }
    const levels = options.strategy === "goal" ? null : this.levels();
    if (levels !== null) {
      const found = this.whyLevels(levels, relation, tuple);
      if (found !== null) return this.tree(found.root, found.nodes, new Set(), rows);
      // Some fact's evaluated height is below its true one: deepen from those heights as lower bounds.
      const seeded = this.whyGoal(relation, tuple, Math.min(limit, options.deepening ?? 20_000), Number.MAX_SAFE_INTEGER, levels);
      if ("root" in seeded) return this.tree(seeded.root, seeded.nodes, new Set(), rows);
      if (options.strategy === "levels") throw new Error(`explain: the heights of one more evaluation give no derivation of \`${this.fact(relation, tuple).text}\``);
    }
    const direct = this.whyDirect(relation, tuple, limit);
    const upper = direct.root.height;
    const goal = this.whyGoal(relation, tuple, Math.min(limit, options.deepening ?? 20_000), upper - 1);
    if ("root" in goal) return this.tree(goal.root, goal.nodes, new Set(), rows);
    const tree = this.tree(direct.root, direct.nodes, new Set(), rows);
    return tree.kind === "rule" && goal.lowest < upper ? { ...tree, lowest: goal.lowest } : tree;
  }

  private levelsCache: Levels | null | undefined;

  /** Every fact's minimal height, evaluated once per explainer (null: the model is not an engine's, or the program uses `autoinc()`). */
  private levels(): Levels | null {
    if (this.levelsCache === undefined) this.levelsCache = this.model instanceof EngineModel ? Levels.build(this.unit, this.model.engine, this.inputs) : null;
    return this.levelsCache;
  }

  /**
   * A derivation built top-down from the facts' minimal heights: a fact of height h takes the first
   * rule instance whose positive premises all have heights below h (one exists, since h is the
   * least height over its instances), so each step, and the whole tree, has minimal height. Null
   * when some fact has no such instance that explain can follow (a clause it skips).
   */
  private whyLevels(levels: Levels, relation: string, tuple: Tuple): { root: Node; nodes: Map<string, Node> } | null {
    const nodes = new Map<string, Node>();
    const root = this.node(nodes, relation, tuple);
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.base || n.best !== null) continue;
      const h = levels.height(n.relation, n.tuple);
      if (h === null || h === 0) return null;
      let premises: Node[] = [];
      for (const clause of this.clausesOf.get(n.relation) ?? []) {
        const plan = this.headPlanOrSkip(clause);
        if (plan === null) continue;
        this.solveOrSkip(clause, plan, n.tuple, (s) => {
          const ps: Node[] = [];
          for (let i = 0; i < plan.plan.steps.length; i++) {
            const step = plan.plan.steps[i]!;
            const row = s.rows[i];
            if (step.kind !== "atom" || row == null) continue;
            const ph = levels.height(step.relation, row);
            if (ph === null || ph >= h) return true;
            ps.push(this.node(nodes, step.relation, row));
          }
          n.best = { clause, plan, solution: s, head: n.key, premises: [], waiting: 0 };
          premises = ps;
          return false;
        });
        if (n.best !== null) break;
      }
      if (n.best === null) return null;
      n.height = h;
      n.done = true;
      stack.push(...premises);
    }
    const levelOf = new Map<string, number>();
    for (const n of nodes.values()) levelOf.set(n.key, n.base ? 0 : n.height);
    settleHeights(root, nodes, this.premiseKeys);
    // Each step was chosen one level below its head, so the tree's heights are the levels themselves.
    for (const n of nodes.values()) {
      if (n.height !== levelOf.get(n.key)) throw new Error(`explain: \`${this.fact(n.relation, n.tuple).text}\` has height ${n.height} in its tree but ${levelOf.get(n.key)} by evaluation`);
    }
    return { root, nodes };
  }

  /** The minimal height of a fact that holds, proven by a tree built from one more evaluation; null when it does not hold or that evaluation is not available (see `strategy`). */
  minimalHeight(relation: string, tuple: Tuple): number | null {
    if (!this.model.has(relation, tuple) || this.levels() === null) return null;
    return this.why(relation, tuple, { strategy: "levels" })!.height;
  }

  /** A node for the fact, a base (height 0) when it was inserted or is a program fact. */
  private node(nodes: Map<string, Node>, r: string, t: Tuple): Node {
    const key = factKey(r, t);
    let n = nodes.get(key);
    if (n === undefined) {
      const base = !this.clausesOf.has(r) || this.inputs.origins(r, t) !== null || (this.programFacts.get(r)?.has(keyOf(t)) ?? false);
      n = { relation: r, tuple: t, key, base, instances: [], height: base ? 0 : Infinity, best: null, done: base };
      nodes.set(key, n);
    }
    return n;
  }

  /**
   * A derivation built depth-first from the fact: per fact, its rule instances are tried in the
   * order of their premises' storage positions (earliest first), and a premise of the fact's own
   * relation must sit before it; a fact is derived once, so every fact of the tree is read once.
   * The engine appends facts as it derives them, so the step that derived a fact meets that order
   * and the search does not backtrack there; elsewhere it backtracks, never through a fact on its own path.
   */
  private whyDirect(relation: string, tuple: Tuple, limit: number): { root: Node; nodes: Map<string, Node> } {
    const nodes = new Map<string, Node>();
    const onPath = new Set<string>();
    const failed = new Set<string>();
    let work = 0;
    const text = (): string => this.fact(relation, tuple).text;
    const position = (r: string, t: Tuple): number => this.model.position?.(r, t) ?? -1;
    const derive = (n: Node): boolean => {
      if (n.base || n.best !== null) return true;
      if (onPath.has(n.key) || failed.has(n.key)) return false;
      onPath.add(n.key);
      const own = position(n.relation, n.tuple);
      const candidates: { inst: Instance; score: number; ordered: boolean }[] = [];
      for (const clause of this.clausesOf.get(n.relation) ?? []) {
        const plan = this.headPlanOrSkip(clause);
        if (plan === null) continue;
        this.solveOrSkip(clause, plan, n.tuple, (s) => {
          if (++work > limit) throw new SearchLimit(text(), work);
          let score = -1;
          let ordered = true;
          plan.plan.steps.forEach((step, i) => {
            const row = s.rows[i];
            if (step.kind !== "atom" || row == null || !this.clausesOf.has(step.relation)) return;
            const at = position(step.relation, row);
            score = Math.max(score, at);
            if (step.relation === n.relation && own >= 0 && at >= own) ordered = false;
          });
          candidates.push({ inst: { clause, plan, solution: s, head: n.key, premises: [], waiting: 0 }, score, ordered });
          return true;
        });
      }
      candidates.sort((a, b) => Number(b.ordered) - Number(a.ordered) || a.score - b.score);
      for (const c of candidates) {
        const premises: Node[] = [];
        c.inst.plan.plan.steps.forEach((step, i) => {
          const row = c.inst.solution.rows[i];
          if (step.kind === "atom" && row != null) premises.push(this.node(nodes, step.relation, row));
        });
        if (premises.every(derive)) {
          n.best = c.inst;
          break;
        }
      }
      onPath.delete(n.key);
      if (n.best === null) failed.add(n.key);
      return n.best !== null;
    };
    const root = this.node(nodes, relation, tuple);
    try {
      if (!derive(root)) {
        const skipped = [...this.skipped.values()][0];
        if (skipped !== undefined) throw skipped;
        throw new Error(`explain: \`${text()}\` holds but has no well-founded derivation`);
      }
    } catch (err) {
      // A derivation deeper than the stack allows: the whole-support search is the one for it.
      if (err instanceof RangeError) throw new SearchLimit(text(), nodes.size);
      throw err;
    }
    settleHeights(root, nodes, this.premiseKeys);
    return { root, nodes };
  }

  /**
   * Iterative deepening from the fact: is there a derivation of height at most b, for b = 1, 2, ...
   * up to `cap` (each next b the lower bound the failed attempt proved)? A fact's attempt at bound
   * b reads the rule instances whose head is that fact, one at a time, and their premises at bound
   * b - 1, and stops at the first instance that works; a failed attempt leaves a lower bound on the
   * fact's height (1 + the lowest lower bound of an instance's failing premise), so no fact is tried
   * twice at one bound. Only the rules and facts on the way are read; a tree found has minimal
   * height. Without one (none up to `cap`, or `limit` rule instances read), the lowest height a
   * derivation can have.
   */
  private whyGoal(relation: string, tuple: Tuple, limit: number, cap: number, levels: Levels | null = null): { root: Node; nodes: Map<string, Node> } | { lowest: number } {
    const nodes = new Map<string, Node>();
    const lower = new Map<string, number>();
    // Evaluated heights are lower bounds (see `levels.ts`): each fact's attempts start there.
    const seed = (n: Node): void => {
      if (levels === null || n.base || lower.has(n.key)) return;
      const h = levels.height(n.relation, n.tuple);
      if (h !== null && h > 1) lower.set(n.key, h);
    };
    let work = 0;
    const out = new Error("budget");
    const prove = (n: Node, b: number): number | null => {
      if (n.base) return 0;
      seed(n);
      if (n.best !== null && n.height <= b) return n.height;
      if ((lower.get(n.key) ?? 1) > b) return null;
      let bound = Infinity;
      for (const clause of this.clausesOf.get(n.relation) ?? []) {
        const plan = this.headPlanOrSkip(clause);
        if (plan === null) continue;
        let found = false;
        this.solveOrSkip(clause, plan, n.tuple, (s) => {
          if (++work > limit) throw out;
          let h = 0;
          for (let i = 0; i < plan.plan.steps.length; i++) {
            const step = plan.plan.steps[i]!;
            const row = s.rows[i];
            if (step.kind !== "atom" || row == null) continue;
            const p = this.node(nodes, step.relation, row);
            const ph = prove(p, b - 1);
            if (ph === null) {
              bound = Math.min(bound, 1 + (lower.get(p.key) ?? b));
              return true;
            }
            h = Math.max(h, ph);
          }
          n.best = { clause, plan, solution: s, head: n.key, premises: [], waiting: 0 };
          n.height = h + 1;
          found = true;
          return false;
        });
        if (found) return n.height;
      }
      lower.set(n.key, Math.max(lower.get(n.key) ?? 1, bound));
      return null;
    };
    const root = this.node(nodes, relation, tuple);
    seed(root);
    let b = Math.max(1, lower.get(root.key) ?? 1);
    try {
      for (; b <= cap; b = Math.max(b + 1, lower.get(root.key) ?? b + 1)) {
        if (prove(root, b) !== null) {
          settleHeights(root, nodes, this.premiseKeys);
          return { root, nodes };
        }
      }
    } catch (err) {
      if (err !== out && !(err instanceof RangeError)) throw err;
    }
    return { lowest: Math.max(1, Math.min(b, lower.get(root.key) ?? b)) };
  }

  /** The facts a step's positive atoms matched, as node keys. */
  private readonly premiseKeys = (inst: Instance): string[] => {
    const out: string[] = [];
    inst.plan.plan.steps.forEach((step, i) => {
      const row = inst.solution.rows[i];
      if (step.kind === "atom" && row != null) out.push(factKey(step.relation, row));
    });
    return out;
  };

  /** The plan for a clause's instances with a given head, or null when explain cannot follow the clause (it is then skipped). */
  private headPlanOrSkip(clause: Clause): BoundPlan | null {
    try {
      return this.headPlan(clause);
    } catch (err) {
      if (err instanceof Unsupported) {
        this.skipped.set(clause.id, err);
        return null;
      }
      throw err;
    }
  }

  /** Clauses explain could not follow, with why. */
  readonly skipped = new Map<number, Unsupported>();

  /** The backward search over the whole support of the fact, heights settled in increasing order. */
  private whySupport(relation: string, tuple: Tuple, limit: number, rows: number): Derivation {
    const nodes = new Map<string, Node>();
    const users = new Map<string, Instance[]>();
    const buckets: string[][] = [];
    const push = (h: number, key: string): void => {
      (buckets[h] ??= []).push(key);
    };
    const rootKey = factKey(relation, tuple);
    const queue: Node[] = [];
    const reach = (r: string, t: Tuple): Node => {
      const key = factKey(r, t);
      let n = nodes.get(key);
      if (n === undefined) {
        if (nodes.size >= limit) throw new SearchLimit(this.fact(relation, tuple).text, nodes.size);
        n = { relation: r, tuple: t, key, base: false, instances: [], height: Infinity, best: null, done: false };
        nodes.set(key, n);
        queue.push(n);
      }
      return n;
    };
    reach(relation, tuple);
    // Backwards: every instance of every rule whose head is a reached fact.
    for (let q = 0; q < queue.length; q++) {
      const n = queue[q]!;
      // No rule derives the relation: a fact of it that holds was inserted, wherever it came from.
      const inserted = !this.clausesOf.has(n.relation) || this.inputs.origins(n.relation, n.tuple) !== null;
      if (inserted || this.programFacts.get(n.relation)?.has(keyOf(n.tuple))) {
        n.base = true;
        n.height = 0;
        push(0, n.key);
        continue;
      }
      for (const clause of this.clausesOf.get(n.relation) ?? []) {
        const plan = this.headPlanOrSkip(clause);
        if (plan === null) continue;
        this.solveOrSkip(clause, plan, n.tuple, (s) => {
          const premises: string[] = [];
          plan.plan.steps.forEach((step, i) => {
            const row = s.rows[i];
            if (step.kind === "atom" && row != null) premises.push(reach(step.relation, row).key);
          });
          const inst: Instance = { clause, plan, solution: s, head: n.key, premises, waiting: premises.length };
          n.instances.push(inst);
          for (const p of premises) {
            const list = users.get(p) ?? [];
            list.push(inst);
            users.set(p, list);
          }
          if (premises.length === 0 && n.height > 1) {
            n.height = 1;
            n.best = inst;
            push(1, n.key);
          }
          return true;
        });
      }
    }
    // Forwards in height order: a node is settled the first time it leaves the queue.
    for (let h = 0; h < buckets.length; h++) {
      const bucket = buckets[h];
      if (bucket === undefined) continue;
      for (let b = 0; b < bucket.length; b++) {
        const n = nodes.get(bucket[b]!)!;
        if (n.done || n.height !== h) continue;
        n.done = true;
        for (const inst of users.get(n.key) ?? []) {
          if (--inst.waiting > 0) continue;
          const head = nodes.get(inst.head)!;
          if (head.done || head.height <= h + 1) continue;
          head.height = h + 1;
          head.best = inst;
          push(h + 1, head.key);
        }
      }
    }
    const root = nodes.get(rootKey)!;
    if (!root.done) {
      const skipped = [...this.skipped.values()][0];
      if (skipped !== undefined) throw skipped;
      throw new Error(`explain: \`${this.fact(relation, tuple).text}\` holds but has no well-founded derivation`);
    }
    return this.tree(root, nodes, new Set(), rows);
  }

  /** `solver.solve`, except that a clause explain cannot follow is recorded in `skipped` and yields nothing. */
  private solveOrSkip(clause: Clause, plan: BoundPlan, tuple: Tuple, f: (s: Solution) => boolean): void {
    try {
      this.solver.solve(plan, tuple, f);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      this.skipped.set(clause.id, err);
    }
  }

  /**
   * The derivation of `n` from each node's best instance. Iterative, since a derivation can be
   * thousands of steps deep: a step is opened in pre-order (so a fact met again later is "shown
   * above"), its premises are built, then it is closed with their derivations in place.
   */
  private tree(root: Node, nodes: ReadonlyMap<string, Node>, shown: Set<string>, rows: number): Derivation {
    interface Open {
      readonly node: Node;
      readonly body: StepLiteral[];
      /** Index in `body` of each premise still to be filled, in order. */
      readonly slots: number[];
      readonly derived: Derivation[];
      readonly done: (d: Derivation) => void;
      readonly make: (body: StepLiteral[]) => Derivation;
    }
    let result: Derivation | null = null;
    const stack: (Open | { readonly leaf: Node; readonly done: (d: Derivation) => void })[] = [{ leaf: root, done: (d) => (result = d) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if ("leaf" in top) {
        stack.pop();
        const n = top.leaf;
        const fact = this.fact(n.relation, n.tuple);
        if (n.base) {
          const origins = this.inputs.origins(n.relation, n.tuple);
          const program = this.programFacts.get(n.relation)?.get(keyOf(n.tuple));
          top.done(origins === null && program !== undefined ? { kind: "program", fact, height: 0, rule: this.ruleRef(program) } : { kind: "input", fact, height: 0, origins: origins ?? [] });
          continue;
        }
        if (shown.has(n.key)) {
          top.done({ kind: "shown", fact, height: n.height });
          continue;
        }
        shown.add(n.key);
        const { plan, solution, clause } = n.best!;
        const bindings = this.bindings(clause, plan, solution.slots);
        const values = new Map(bindings.map((b) => [b.name, b.value] as const));
        const types = variableTypes(typesFor(this.unit.checked, clause));
        const premises: Node[] = [];
        const slots: number[] = [];
        const body: StepLiteral[] = clause.body.map((l, k) => {
          const literal = printLiteral(l);
          const instance = printLiteral(substituteLiteral(l, values, types));
          if (l.kind === "atom" && !l.negated) {
            const row = solution.rows[plan.literals.indexOf(l)]!;
            premises.push(nodes.get(factKey(l.atom.relation.name, row))!);
            slots.push(k);
            return { kind: "atom", literal, instance: this.fact(l.atom.relation.name, row).text };
          }
          if (l.kind === "atom") return { kind: "negation", literal, instance };
          if (l.kind === "bool") return { kind: "constant", literal, instance };
          const aggregates = this.aggregateInfos([l], plan, [...solution.slots], values, clause, rows);
          return aggregates.length > 0 ? { kind: "comparison", literal, instance, aggregates } : { kind: "comparison", literal, instance };
        });
        const open: Open = {
          node: n,
          body,
          slots,
          derived: [],
          done: top.done,
          make: (b) => ({ kind: "rule", fact, height: n.height, rule: this.ruleRef(clause), bindings, body: b }),
        };
        stack.push(open);
        // Premises are opened first to last: pushed in reverse.
        for (let p = premises.length - 1; p >= 0; p--) stack.push({ leaf: premises[p]!, done: (d) => (open.derived[p] = d) });
        continue;
      }
      stack.pop();
      const body = top.body.map((item, k) => {
        const p = top.slots.indexOf(k);
        return p < 0 ? item : { ...item, derivation: top.derived[p]! };
      });
      top.done(top.make(body));
    }
    return result!;
  }

  /** Why the fact does not hold: per rule, the first literal that fails. */
  whyNot(relation: string, tuple: Tuple, options: ExplainOptions = {}): WhyNot | null {
    if (this.model.has(relation, tuple)) return null;
    return this.whyNotAt(relation, tuple, options.depth ?? 4, new Set(), options.rows ?? 5);
  }

  private whyNotAt(relation: string, tuple: Tuple, depth: number, visited: Set<string>, rows: number): WhyNot {
    const fact = this.fact(relation, tuple);
    const key = factKey(relation, tuple);
    const clauses = this.clausesOf.get(relation) ?? [];
    const isInput = this.unit.checked.relations.get(relation)?.input != null;
    if (clauses.length === 0) {
      return {
        fact,
        kind: "input",
        note: isInput ? `\`${relation}\` is an input relation and no input file holds this fact` : `no rule derives \`${relation}\` and it is not an \`.input\` relation`,
        rules: [],
      };
    }
    if (visited.has(key)) return { fact, kind: "cut", note: "shown above", rules: [] };
    if (depth <= 0) return { fact, kind: "cut", note: "not followed further (raise --depth to see why)", rules: [] };
    visited.add(key);
    const failures = clauses.map((c) => {
      try {
        return this.ruleFailure(c, tuple, depth, visited, rows);
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        const rule = this.ruleRef(c);
        return { rule, kind: "unsupported", literal: "", instance: "", at: `${rule.file}:${rule.line}:${rule.column}`, bindings: [], message: `${err.message}, so this rule is not followed` } satisfies RuleFailure;
      }
    });
    const note = isInput ? "not among the input facts, and no rule derives it" : "no rule derives it";
    return { fact, kind: "rules", note, rules: failures };
  }

  /** The first literal of `clause` that fails for head `tuple`, literals in source order, each once its variables are bound. */
  private ruleFailure(clause: Clause, tuple: Tuple, depth: number, visited: Set<string>, rows: number): RuleFailure {
    const relations = this.unit.checked.relations;
    const schema = relations.get(clause.head.relation.name)!;
    const items: PlanItem[] = [...headLiterals(clause, schema), ...clause.body];
    const included: PlanItem[] = [];
    let deferred: PlanItem[] = [];
    const satisfiable = (plan: BoundPlan): boolean | ArithmeticFault => {
      try {
        return this.solver.solve(plan, tuple, () => false);
      } catch (err) {
        if (err instanceof ArithmeticFault) return err;
        throw err;
      }
    };
    const attempt = (item: PlanItem): RuleFailure | "deferred" | "ok" => {
      const plan = planItems(clause, [...included, item], relations, (r) => this.model.size(r));
      if (plan === null) return "deferred";
      const sat = satisfiable(plan);
      if (sat === true) {
        included.push(item);
        return "ok";
      }
      return this.failure(clause, tuple, included, item, plan, sat === false ? null : sat, depth, visited, rows);
    };
    const retry = (): RuleFailure | null => {
      for (let progress = true; progress; ) {
        progress = false;
        for (const d of deferred) {
          const r = attempt(d);
          if (r === "deferred") continue;
          deferred = deferred.filter((x) => x !== d);
          if (r !== "ok") return r;
          progress = true;
          break;
        }
      }
      return null;
    };
    for (const item of items) {
      const r = attempt(item);
      if (r === "deferred") {
        deferred.push(item);
        continue;
      }
      if (r !== "ok") return r;
      const f = retry();
      if (f !== null) return f;
    }
    throw new Error(`explain: every literal of \`${printClause(clause)}\` holds for \`${this.fact(clause.head.relation.name, tuple).text}\`, which does not hold`);
  }

  private failure(
    clause: Clause,
    tuple: Tuple,
    included: readonly PlanItem[],
    item: PlanItem,
    plan: BoundPlan,
    fault: ArithmeticFault | null,
    depth: number,
    visited: Set<string>,
    rows: number,
  ): RuleFailure {
    // A binding of the literals before it: every one makes `item` fail, the first is shown.
    const before = planItems(clause, included, this.unit.checked.relations, (r) => this.model.size(r))!;
    let witness: Solution | null = null;
    this.solver.solve(before, tuple, (s) => ((witness = s), false));
    const slots: Value[] = witness === null ? [] : [...(witness as Solution).slots];
    const bindings = this.bindings(clause, before, slots);
    const values = new Map(bindings.map((b) => [b.name, b.value] as const));
    // The same values in the failing plan's slots.
    const full: Value[] = new Array(plan.plan.slots).fill(0);
    plan.names.forEach((name, s) => {
      if (name !== undefined && values.has(name)) full[s] = values.get(name)!;
    });
    const isHead = "kind" in item && item.kind === "head";
    const literal = isHead ? item.literal : (item as Literal);
    const span = isHead ? clause.head.args[item.arg]!.span : (item as Literal).span;
    const rule = this.ruleRef(clause);
    const at = `${span.file}:${span.line}:${span.column}`;
    const types = variableTypes(typesFor(this.unit.checked, clause));
    const shownLiteral = isHead ? `${printAtom(clause.head)} (column ${item.arg + 1})` : printLiteral(literal);
    const base = { rule, literal: shownLiteral, at, bindings };
    if (fault !== null) {
      const instance = printLiteral(substituteLiteral(literal, values, types));
      return { ...base, kind: "error", instance, message: `\`${instance}\` cannot be computed: ${fault.message}` };
    }
    if (isHead && item.field !== undefined) {
      // A computed field of a record in the head: its value under the bindings, and the field's in the fact.
      const step = plan.plan.steps[plan.literals.indexOf(literal)];
      const computed = step?.kind === "filter" ? this.solver.value(step.left, full) : NONE;
      const at = before.names.indexOf(item.field.name);
      const wanted = at >= 0 && at < slots.length ? slots[at]! : NONE;
      const type = step?.kind === "filter" ? step.left.type : "number";
      const expr = printTerm(substituteTerm(item.field.expr, values, types));
      const shown = (v: Value | typeof NONE): string => (v === NONE ? "?" : showTyped(v, type));
      return { ...base, literal: `${printAtom(clause.head)} (${printTerm(item.field.expr)} in column ${item.arg + 1})`, kind: "head", instance: `${expr} = ${shown(wanted)}`, message: `the head \`${printAtom(clause.head)}\` has ${shown(computed)} for \`${printTerm(item.field.expr)}\` in column ${item.arg + 1}, where the fact has ${shown(wanted)}` };
    }
    if (isHead) {
      const value = tuple[item.arg]!;
      const colType = this.types(clause.head.relation.name)[item.arg] ?? "number";
      const computed = this.valueOf(plan, literal, full);
      const instance = `${printTerm(substituteTerm(clause.head.args[item.arg]!, values, types))} = ${showTyped(value, colType)}`;
      const message =
        computed === null
          ? `the head \`${printAtom(clause.head)}\` cannot have ${showTyped(value, colType)} in column ${item.arg + 1}`
          : `the head \`${printAtom(clause.head)}\` has ${showTyped(computed, colType)} in column ${item.arg + 1}, not ${showTyped(value, colType)}`;
      return { ...base, kind: "head", instance, message };
    }
    const l = item as Literal;
    const instance = printLiteral(substituteLiteral(l, values, types));
    if (l.kind === "bool") return { ...base, kind: "false", instance, message: "`false` never holds" };
    const stepIndex = plan.literals.indexOf(l);
    const step = plan.plan.steps[stepIndex];
    if (l.kind === "atom" && !l.negated) {
      const rel = l.atom.relation.name;
      const bound = l.atom.args.every((a) => groundUnder(a, values));
      if (bound) {
        const t = this.atomTuple(clause, l.atom, values, types);
        if (t !== null) {
          const missing = this.whyNotAt(rel, t, depth - 1, visited, rows);
          return { ...base, kind: "missing", instance: this.fact(rel, t).text, message: `\`${this.fact(rel, t).text}\` does not hold`, missing };
        }
      }
      return { ...base, kind: "no-match", instance, message: `no \`${rel}\` fact matches \`${instance}\`` };
    }
    if (l.kind === "atom") {
      const matches = step?.kind === "neg" ? this.solver.matches(step.relation, step.args, full) : [];
      const blocking = matches.slice(0, rows).map((t) => this.fact(l.atom.relation.name, t));
      const first = matches[0];
      const blockingWhy = first === undefined ? undefined : (this.why(l.atom.relation.name, first, { rows }) ?? undefined);
      return {
        ...base,
        kind: "blocked",
        instance,
        message: `\`${instance}\` fails: ${matches.length === 1 ? "a fact matches" : `${matches.length} facts match`} \`${instance.replace(/^!/, "")}\``,
        blocking,
        blockingCount: matches.length,
        ...(blockingWhy === undefined ? {} : { blockingWhy }),
      };
    }
    // A comparison: its two sides' values, and any aggregate's rows.
    // Aggregates of the literals before it too: `n >= 3` fails because of `n = count : {...}`.
    const earlier = included.filter((x): x is Literal => !("kind" in x && x.kind === "head"));
    const aggregates = this.aggregateInfos([...earlier, l], plan, full, values, clause, rows);
    let sides: [Value | null, Value | null] = [null, null];
    const isRange = (e: PExpr): boolean => e.kind === "call" && e.name === "range";
    if (step?.kind === "filter" && (isRange(step.left) || isRange(step.right))) {
      // `x = range(a, b)` with `x` bound: a membership test.
      const v = this.solver.value(isRange(step.left) ? step.right : step.left, full);
      const shownValue = v === NONE ? "?" : showTyped(v, compareType(step.left, step.right));
      return { ...base, kind: "comparison", instance, message: `\`${instance}\` is false: ${shownValue} is not among the values of \`${printTerm(substituteTerm(isRange(step.left) ? (l as Comparison).left : (l as Comparison).right, values, types))}\``, values: [v === NONE ? null : v, null] };
    }
    if (step?.kind === "filter") {
      const a = this.solver.value(step.left, full);
      const b = this.solver.value(step.right, full);
      sides = [a === NONE ? null : a, b === NONE ? null : b];
    } else if (step?.kind === "assign") {
      const v = this.solver.value(step.expr, full);
      sides = [null, v === NONE ? null : v];
    }
    if (sides.some((v) => v === null) && aggregates.some((a) => a.value === null)) {
      return { ...base, kind: "no-value", instance, message: `\`${aggregates.find((a) => a.value === null)!.term}\` ranges over no rows, so it has no value`, aggregates };
    }
    const type = step?.kind === "filter" ? compareType(step.left, step.right) : "number";
    const shownValues = sides.map((v) => (v === null ? "?" : showTyped(v, type)));
    const op = l.kind === "cmp" ? l.op : "=";
    const message = l.kind === "cmp" && step?.kind === "filter" ? `\`${instance}\` is false: ${l.negated ? `!(${shownValues[0]} ${op} ${shownValues[1]})` : `${shownValues[0]} ${op} ${shownValues[1]}`}` : `\`${instance}\` is false`;
    return { ...base, kind: "comparison", instance, message, values: sides, ...(aggregates.length > 0 ? { aggregates } : {}) };
  }

  private valueOf(plan: BoundPlan, literal: Literal, slots: Value[]): Value | null {
    const step = plan.plan.steps[plan.literals.indexOf(literal)];
    if (step?.kind !== "filter") return null;
    try {
      const v = this.solver.value(step.left, slots);
      return v === NONE ? null : v;
    } catch {
      return null;
    }
  }

  /** The fact a fully bound atom stands for; an expression in a column is computed as the engine would store it. */
  private atomTuple(clause: Clause, atom: Atom, values: ReadonlyMap<string, Value>, types: ReadonlyMap<string, PrimitiveType>): Tuple | null {
    const colTypes = this.types(atom.relation.name);
    const out: Value[] = [];
    for (let i = 0; i < atom.args.length; i++) {
      const a = atom.args[i]!;
      if (a.kind === "var") out.push(values.get(a.name)!);
      else if (a.kind === "string" || a.kind === "number") out.push(a.value);
      else {
        // An expression: its value, computed as the engine would for this column.
        // Every column bound: the atom with its values in place is a fact the planner types column by column.
        const one: Clause = { ...clause, head: { relation: atom.relation, args: atom.args.map((x) => substituteTerm(x, values, types)), span: atom.span }, body: [] };
        const plan = planVariant(one, this.unit.checked.relations, inferTypes(one, this.unit.checked.relations), -1);
        const v = this.solver.value(plan.head.args[i]!, []);
        if (v === NONE) return null;
        out.push(coerce(v, colTypes[i] ?? "number"));
      }
    }
    return out;
  }

  private aggregateInfos(literals: readonly Literal[], plan: BoundPlan, slots: Value[], values: ReadonlyMap<string, Value>, clause: Clause, rows: number): AggregateInfo[] {
    const out: AggregateInfo[] = [];
    const types = variableTypes(typesFor(this.unit.checked, clause));
    for (const a of aggregatesOf(literals)) {
      const agg = findAgg(plan.plan.steps, printTerm(a));
      if (agg === null) continue;
      const result: AggregateResult = this.solver.aggregate(agg, [...slots]);
      const relations = a.body.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom" && !l.negated).map((l) => l.atom.relation.name);
      out.push({
        term: printTerm(substituteTerm(a, values, types)),
        value: result.value === NONE ? null : result.value,
        rowCount: result.rows.length,
        rows: result.rows.slice(0, rows).map((r) => r.rows.map((t, k) => this.fact(relations[k] ?? "?", t))),
      });
    }
    return out;
  }

  /** Top-level variables (outside aggregates) and their values, in order of first occurrence. */
  private bindings(clause: Clause, plan: BoundPlan, slots: readonly Value[]): Binding[] {
    const order = outerVariables(clause);
    const byName = new Map<string, Value>();
    plan.names.forEach((name, s) => {
      if (name !== undefined && order.includes(name) && !byName.has(name) && s < slots.length) byName.set(name, slots[s]!);
    });
    // Only names some step bound: a slot that no step reached keeps its initial 0.
    const bound = boundSlots(plan);
    const out: Binding[] = [];
    for (const name of order) {
      const s = plan.names.indexOf(name);
      if (s >= 0 && bound.has(s)) out.push({ name, value: byName.get(name)! });
    }
    return out;
  }

  private headPlan(clause: Clause): BoundPlan | null {
    let p = this.headPlans.get(clause.id);
    if (p === undefined) {
      const schema = this.unit.checked.relations.get(clause.head.relation.name)!;
      p = planItems(clause, [...headLiterals(clause, schema), ...clause.body], this.unit.checked.relations, (r) => this.model.size(r));
      this.headPlans.set(clause.id, p);
    }
    return p;
  }

  private programFact(c: Clause): Tuple | null {
    try {
      const plan = planVariant(c, this.unit.checked.relations, this.unit.checked.types[c.id]!, -1);
      const types = this.types(c.head.relation.name);
      const out: Value[] = [];
      for (let i = 0; i < plan.head.args.length; i++) {
        const v = this.solver.value(plan.head.args[i]!, []);
        if (v === NONE) return null;
        out.push(coerce(v, types[i] ?? "number"));
      }
      return out;
    } catch {
      return null;
    }
  }

  ruleRef(clause: Clause): RuleRef {
    const span = clause.rule.span;
    const source = this.lines(span.file);
    const written = source === null ? null : source.slice(span.start, span.end).replace(/\s+/g, " ").trim();
    // A rule with `;` or several heads is several clauses; its normal form says which one.
    const single = clause.rule.heads.length === 1 && clause.disjunct === 0 && !(written ?? "").includes(";");
    return { clause: clause.id, text: single && written !== null ? written : printClause(clause), file: span.file, line: span.line, column: span.column };
  }
}

/** Slots bound by some step of the plan (atoms' binds, assignments). */
function boundSlots(plan: BoundPlan): Set<number> {
  const out = new Set<number>();
  for (const s of plan.plan.steps) {
    if (s.kind === "atom") for (const a of s.args) if (a.kind === "bind") out.add(a.slot);
    if (s.kind === "assign" || s.kind === "range") out.add(s.slot);
    if (s.kind === "unpack") patternSlots(s.pattern, out);
  }
  return out;
}

function patternSlots(p: UnpackPattern, out: Set<number>): void {
  for (const f of p.fields) {
    if (f.kind === "bind") out.add(f.slot);
    if (f.kind === "nested") patternSlots(f.pattern, out);
  }
}

/** Variables outside aggregates, in order of first occurrence (head first). */
export function outerVariables(clause: Clause): string[] {
  const out: string[] = [];
  const term = (t: Term): void => {
    if (t.kind === "var") {
      if (!out.includes(t.name)) out.push(t.name);
    } else if (t.kind === "binary") (term(t.left), term(t.right));
    else if (t.kind === "unary") term(t.operand);
    else if (t.kind === "call") t.args.forEach(term);
  };
  clause.head.args.forEach(term);
  for (const l of clause.body) {
    if (l.kind === "atom") l.atom.args.forEach(term);
    else if (l.kind === "cmp") (term(l.left), term(l.right));
  }
  return out;
}

/** A value as a Datalog constant of `type` (a float always with a `.` or exponent, so it reads back as one). */
export function showTyped(v: Value, type: PrimitiveType): string {
  if (typeof v === "string" && isStructured(v)) return printTerm(structuredTerm(v, { file: "<generated>", start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 }));
  if (typeof v === "string") return JSON.stringify(v).replace(/\\u0001/g, "\\u0001");
  if (type === "float" && Number.isFinite(v) && Number.isInteger(v) && Math.abs(v) < 1e21) return `${v}.0`;
  return String(v);
}

/** A record, `nil` or ADT value as the term that builds it: `[1, "a"]`, `$Cons(1, $Nil)`. */
function structuredTerm(v: string, span: Term["span"]): Term {
  const field = (x: Value): Term => (typeof x === "string" ? (isStructured(x) ? structuredTerm(x, span) : { kind: "string", value: x, span }) : valueTerm(x, Number.isInteger(x) ? "number" : "float", span));
  const call = (name: FunctorName, args: readonly Value[]): Term => ({ kind: "call", name, nameSpan: span, args: args.map(field), span });
  const parts = structuredParts(v);
  if (parts === null) return call("nil", []);
  return call(parts.branch === null ? "record" : `$${parts.branch}`, parts.fields);
}

function valueTerm(v: Value, type: PrimitiveType | undefined, span: Term["span"]): Term {
  if (typeof v === "string" && isStructured(v)) return structuredTerm(v, span);
  if (typeof v === "string") return { kind: "string", value: v, span };
  return { kind: "number", value: v, type: type === "float" ? "float" : type === "unsigned" ? "unsigned" : "number", text: showTyped(v, type ?? "number"), span };
}

/** The term with bound variables replaced by their values (inside aggregates only the outer ones). */
export function substituteTerm(t: Term, values: ReadonlyMap<string, Value>, types: ReadonlyMap<string, PrimitiveType>): Term {
  switch (t.kind) {
    case "var":
      return values.has(t.name) ? valueTerm(values.get(t.name)!, types.get(t.name), t.span) : t;
    case "binary":
      return { ...t, left: substituteTerm(t.left, values, types), right: substituteTerm(t.right, values, types) };
    case "unary":
      return { ...t, operand: substituteTerm(t.operand, values, types) };
    case "call":
      return { ...t, args: t.args.map((a) => substituteTerm(a, values, types)) };
    case "aggregate":
      return substituteAggregate(t, values, types);
    default:
      return t;
  }
}

function substituteAggregate(a: Aggregate, values: ReadonlyMap<string, Value>, types: ReadonlyMap<string, PrimitiveType>): Aggregate {
  return { ...a, target: a.target === null ? null : substituteTerm(a.target, values, types), body: a.body.map((l) => substituteLiteral(l, values, types)) };
}

export function substituteLiteral(l: Literal, values: ReadonlyMap<string, Value>, types: ReadonlyMap<string, PrimitiveType>): Literal {
  if (l.kind === "atom") return { ...l, atom: { ...l.atom, args: l.atom.args.map((a) => substituteTerm(a, values, types)) } };
  if (l.kind === "cmp") return { ...l, left: substituteTerm(l.left, values, types), right: substituteTerm(l.right, values, types) };
  return l;
}

/** A canonical key of a tuple (numbers and symbols kept apart). */
export function keyOf(tuple: Tuple): string {
  return JSON.stringify(tuple);
}

function factKey(relation: string, tuple: Tuple): string {
  return `${relation}\u0000${keyOf(tuple)}`;
}

/**
 * Each node's height from the steps chosen for it (0 for a base fact, 1 + its highest premise), so
 * a tree's heights are those of the steps it shows even where a premise later found a lower step.
 * Iterative: a derivation can be thousands of steps deep.
 */
function settleHeights(root: Node, nodes: ReadonlyMap<string, Node>, premises: (inst: Instance) => string[]): void {
  const settled = new Set<string>();
  const stack: { node: Node; open: boolean }[] = [{ node: root, open: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const n = top.node;
    if (settled.has(n.key)) continue;
    if (n.base || n.best === null) {
      settled.add(n.key);
      continue;
    }
    const ps = premises(n.best).map((k) => nodes.get(k)!);
    if (!top.open) {
      stack.push({ node: n, open: true });
      for (const p of ps) if (!settled.has(p.key)) stack.push({ node: p, open: false });
      continue;
    }
    n.height = 1 + ps.reduce((h, p) => Math.max(h, p.height), 0);
    settled.add(n.key);
  }
}


/** Whether the term has a value once `values` are in place: no `_` and no unbound variable in it. */
function groundUnder(t: Term, values: ReadonlyMap<string, Value>): boolean {
  switch (t.kind) {
    case "var":
      return values.has(t.name);
    case "wildcard":
    case "aggregate":
      return false;
    case "binary":
      return groundUnder(t.left, values) && groundUnder(t.right, values);
    case "unary":
      return groundUnder(t.operand, values);
    case "call":
      return t.args.every((a) => groundUnder(a, values));
    default:
      return true;
  }
}
