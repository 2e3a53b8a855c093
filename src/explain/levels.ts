// The minimal height of every fact, by evaluating the program once more in lockstep. A fact's height
// is 0 when it was inserted (input or program fact) and otherwise the least, over the rule instances
// deriving it, of 1 + the largest height of the instance's positive premises; negations, aggregates
// and comparisons are conditions read from the finished model. So the heights are the levels of the
// positive program in which every negated atom and aggregate reads the final facts (copies named
// `final:R`): its least model is the finished model, and its semi-naive evaluation as one stratum
// derives a fact of height k by iteration k (every join reads at least the rows up to the end of
// the previous iteration). A membership test of a whole relation may also see rows of the current
// iteration, so the iteration a fact was stored in is a lower bound on its height, mostly equal to
// it: explain proves a height by building a tree whose every step matches these bounds, and
// deepens from them where one does not.
//
// Only explain pays for this: `run` and `evaluate` record nothing.
import type { Analysis, Stratum } from "../analysis/types.js";
import type { RelationSchema } from "../check/types.js";
import { inferTypes } from "../check/infer.js";
import { Engine } from "../eval/engine.js";
import type { Tuple } from "../eval/values.js";
import type { Atom, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { ExplainUnit, InputFacts } from "./explain.js";
import { EngineModel } from "./model.js";

const FINAL = "final:";

/** A lower bound on each fact's minimal height (mostly the height itself), for the facts of a finished engine. */
export class Levels {
  private constructor(
    private readonly model: EngineModel,
    /** Per relation: its size before iteration 1, then after each iteration. */
    private readonly bounds: ReadonlyMap<string, readonly number[]>,
    /** How many iterations the lockstep evaluation took. */
    readonly iterations: number,
  ) {}

  /**
   * Evaluates `unit` again over the facts `final` was given, recording each relation's size after
   * each iteration. Null when the program uses `autoinc()`, whose values depend on arrival order.
   */
  static build(unit: ExplainUnit, final: Engine, inputs: InputFacts): Levels | null {
    const { checked, analysis } = unit;
    if (checked.clauses.some((c) => [c.head.args, ...c.body.map(literalTerms)].some((ts) => ts.some(usesAutoinc)))) return null;
    const ruled = new Set<string>();
    for (const c of checked.clauses) if (c.body.length > 0) ruled.add(c.head.relation.name);
    // A relation with `choice-domain` or subsumption keeps fewer facts than its rules derive: its
    // rules derive only facts of the finished model (a `final:` atom over the head), none is dropped.
    const filtered = new Set<string>();
    for (const s of checked.relations.values()) if ((s.choice?.length ?? 0) > 0) filtered.add(s.name);
    for (const c of checked.clauses) if (c.subsumption === true) filtered.add(c.head.relation.name);
    const finals = new Set<string>(filtered);
    const clauses: Clause[] = checked.clauses.map((c) => {
      if (c.body.length === 0 || c.subsumption === true) return c;
      const body = c.body.map((l) => renameLiteral(l, false, finals));
      if (filtered.has(c.head.relation.name)) body.push({ kind: "atom", negated: false, atom: finalAtom(c.head), span: c.head.span });
      return { ...c, body };
    });
    const relations = new Map<string, RelationSchema>();
    for (const [name, s] of checked.relations) {
      const { choice: _choice, ...plain } = s;
      relations.set(name, plain);
    }
    for (const name of finals) {
      const s = relations.get(name)!;
      relations.set(FINAL + name, { ...s, name: FINAL + name, input: null, output: null, printsize: false, invariant: null });
    }
    const stratum: Stratum = {
      index: 0,
      relations: [...ruled],
      clauses: clauses.filter((c) => c.body.length > 0 && c.subsumption !== true).map((c) => c.id),
      recursive: true,
      monotonic: true,
    };
    const lockstep: Analysis = { ...analysis, strata: [stratum] };
    const names = [...relations.keys()];
    const sizes: number[][] = names.map(() => []);
    let engine: Engine | null = null;
    const record = (): void => names.forEach((r, i) => sizes[i]!.push(engine!.size(r)));
    engine = new Engine({ ...checked, relations, clauses, types: clauses.map((c) => inferTypes(c, relations)) }, lockstep, { values: final.valueTable, onProgress: record });
    const copy = (from: string, to: string): void => {
      const { data, size, arity } = final.rows(from);
      if (arity === 0) {
        if (size > 0) engine!.insert(to, [[]]);
      } else if (size > 0) engine!.insertEncoded(to, data.subarray(0, size * arity));
    };
    for (const name of checked.relations.keys()) {
      if (!ruled.has(name)) copy(name, name);
      else if (checked.relations.get(name)!.input !== null) {
        // A derived relation's facts read as input are inserted facts (height 0), like the engine's.
        const given = final.tuples(name).filter((t) => inputs.origins(name, t) !== null);
        if (given.length > 0) engine.insert(name, given);
      }
    }
    for (const name of finals) copy(name, FINAL + name);
    record();
    engine.run();
    const bounds = new Map<string, number[]>();
    names.forEach((r, i) => bounds.set(r, sizes[i]!));
    return new Levels(new EngineModel(engine), bounds, sizes[0]!.length - 1);
  }

  /** The iteration that stored a fact that holds (a lower bound on its minimal height), or null when the lockstep evaluation did not derive it. */
  height(relation: string, tuple: Tuple): number | null {
    const row = this.model.position(relation, tuple);
    if (row < 0) return null;
    const b = this.bounds.get(relation);
    if (b === undefined) return null;
    // The first bound past the row: the iteration that stored it.
    let lo = 0;
    let hi = b.length - 1;
    if (row >= b[hi]!) return null;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (row < b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function finalAtom(head: Atom): Atom {
  return { ...head, relation: { ...head.relation, name: FINAL + head.relation.name } };
}

/** The literal with negated atoms and every atom inside an aggregate reading `final:` copies (their names added to `finals`). */
function renameLiteral(l: Literal, inAggregate: boolean, finals: Set<string>): Literal {
  if (l.kind === "atom") {
    const args = l.atom.args.map((t) => renameTerm(t, finals));
    if (!(l.negated || inAggregate)) return { ...l, atom: { ...l.atom, args } };
    finals.add(l.atom.relation.name);
    return { ...l, atom: { ...finalAtom(l.atom), args } };
  }
  if (l.kind === "cmp") return { ...l, left: renameTerm(l.left, finals), right: renameTerm(l.right, finals) };
  return l;
}

function renameTerm(t: Term, finals: Set<string>): Term {
  switch (t.kind) {
    case "binary":
      return { ...t, left: renameTerm(t.left, finals), right: renameTerm(t.right, finals) };
    case "unary":
      return { ...t, operand: renameTerm(t.operand, finals) };
    case "call":
      return { ...t, args: t.args.map((a) => renameTerm(a, finals)) };
    case "aggregate":
      return { ...t, target: t.target === null ? null : renameTerm(t.target, finals), body: t.body.map((l) => renameLiteral(l, true, finals)) };
    default:
      return t;
  }
}

function literalTerms(l: Literal): readonly Term[] {
  return l.kind === "atom" ? l.atom.args : l.kind === "cmp" ? [l.left, l.right] : [];
}

function usesAutoinc(t: Term): boolean {
  switch (t.kind) {
    case "binary":
      return usesAutoinc(t.left) || usesAutoinc(t.right);
    case "unary":
      return usesAutoinc(t.operand);
    case "call":
      return t.name === "autoinc" || t.args.some(usesAutoinc);
    case "aggregate":
      return (t.target !== null && usesAutoinc(t.target)) || t.body.some((l) => literalTerms(l).some(usesAutoinc));
    default:
      return false;
  }
}
