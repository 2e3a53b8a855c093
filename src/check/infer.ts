// Per-clause type inference by unification over sets of primitive types: every occurrence of a
// variable narrows one shared set, and the occurrence that empties it is reported, once per variable.
// This is the program's one inference: its result (`ClauseTypes`) rides on the checked program, and
// the planner, explain and the prover read it.
import { argTypes, builtin } from "../builtins/functors.js";
import type { Aggregate, Atom, Literal, PrimitiveType, Term } from "../syntax/ast.js";
import type { CheckedProgram, ClauseTypes, RelationSchema } from "./types.js";
import type { Clause } from "../syntax/normalize.js";
import type { Diagnostics, Related } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { termText } from "./names.js";
import { ANY, FLOAT, INTEGER, NUMBER, NUMERIC, SIGNED, SYMBOL, UNSIGNED, describeSet, typeSet, typesOf, type TypeSet } from "./typeset.js";
import { Diagnostics as Sink } from "../diagnostics/diagnostic.js";
import { clauseOuter } from "../syntax/visit.js";

/** A column as inference sees it: `ANY` when its declared type is broken. */
export interface ColumnType {
  readonly name: string;
  readonly set: TypeSet;
}

/** A type list of the builtins table as a set. */
function setOf(types: readonly PrimitiveType[]): TypeSet {
  return types.reduce((acc, t) => acc | typeSet(t), 0);
}

const ARITHMETIC: ReadonlySet<string> = new Set(["+", "-", "*", "/", "^"]);

interface Node {
  parent: number;
  set: TypeSet;
  origin: Related | null;
  /** A mismatch was reported: stay silent about this value from now on. */
  poisoned: boolean;
}

/** Infers the types of one clause, reports CL203 mismatches into `diags` and returns every term's type. */
export function inferClause(clause: Pick<Clause, "head" | "body">, columns: ReadonlyMap<string, readonly ColumnType[]>, diags: Diagnostics): ClauseTypes {
  return new Inference(clause, columns, diags).run();
}

/** The checked program's types for `clause`, or, for a clause made from it later, the same inference over it. */
export function typesFor(checked: CheckedProgram, clause: Pick<Clause, "id" | "head" | "body">): ClauseTypes {
  return checked.clauses[clause.id] === clause ? checked.types[clause.id]! : inferTypes(clause, checked.relations);
}

/**
 * The types of a clause made after checking (explain's probes, a rewritten body): the same
 * inference over the declared columns, its findings dropped (the program it came from passed).
 */
export function inferTypes(clause: Pick<Clause, "head" | "body">, relations: ReadonlyMap<string, RelationSchema>): ClauseTypes {
  const columns = new Map<string, ColumnType[]>();
  for (const [name, s] of relations) columns.set(name, s.columns.map((c) => ({ name: c.name, set: typeSet(c.type) })));
  return inferClause(clause, columns, new Sink());
}

class Inference {
  private readonly nodes: Node[] = [];
  private readonly vars = new Map<string, number>();
  private readonly outerNames: ReadonlySet<string>;
  private readonly scopes: number[] = [];
  private aggregateCount = 0;
  /** The node of every term, read back once all constraints are in. */
  private readonly terms = new Map<Term, number>();

  constructor(
    private readonly clause: Pick<Clause, "head" | "body">,
    private readonly columns: ReadonlyMap<string, readonly ColumnType[]>,
    private readonly diags: Diagnostics,
  ) {
    this.outerNames = new Set(clauseOuter(clause).vars.map((v) => v.name));
  }

  run(): ClauseTypes {
    this.atom(this.clause.head);
    for (const l of this.clause.body) this.literal(l);
    const terms = new Map<Term, readonly PrimitiveType[]>();
    for (const [t, n] of this.terms) terms.set(t, typesOf(this.nodes[this.find(n)]!.set));
    return { terms };
  }

  private fresh(set: TypeSet, origin: Related | null): number {
    this.nodes.push({ parent: this.nodes.length, set, origin, poisoned: false });
    return this.nodes.length - 1;
  }

  private find(n: number): number {
    let i = n;
    while (this.nodes[i]!.parent !== i) i = this.nodes[i]!.parent;
    return i;
  }

  /** Narrows `n` to `want`; on an empty result reports at `at`: "<subject> is <have>, but <reason>". */
  private constrain(n: number, want: TypeSet, at: Span, subject: string, reason: string): void {
    const root = this.nodes[this.find(n)]!;
    if (root.poisoned) return;
    const both = root.set & want;
    if (both === 0) {
      const related = root.origin && root.origin.span.start !== at.start ? [root.origin] : [];
      this.diags.add("CL203", at, `${subject} is ${describeSet(root.set)}, but ${reason}`, { related });
      root.poisoned = true;
      return;
    }
    if (both !== root.set) {
      root.set = both;
      root.origin = { span: at, message: `${subject} is ${describeSet(both)} here` };
    }
  }

  /** Makes `a` and `b` one type; on a mismatch reports `message(have a, have b)` at `at`. */
  private unify(a: number, b: number, at: Span, message: (sa: TypeSet, sb: TypeSet) => string): void {
    const ia = this.find(a);
    const ib = this.find(b);
    if (ia === ib) return;
    const ra = this.nodes[ia]!;
    const rb = this.nodes[ib]!;
    rb.parent = ia;
    if (ra.poisoned || rb.poisoned) {
      ra.poisoned = true;
      return;
    }
    const both = ra.set & rb.set;
    if (both === 0) {
      const related = [ra.origin, rb.origin].filter((o): o is Related => o !== null);
      this.diags.add("CL203", at, message(ra.set, rb.set), { related });
      ra.poisoned = true;
      return;
    }
    if (both !== ra.set) {
      ra.origin = both === rb.set ? rb.origin : { span: at, message: `this is ${describeSet(both)}` };
      ra.set = both;
    }
  }

  private atom(atom: Atom): void {
    const rel = atom.relation.name;
    const cols = this.columns.get(rel);
    atom.args.forEach((arg, i) => {
      const n = this.term(arg);
      const col = cols?.[i];
      if (col === undefined || col.set === ANY || cols!.length !== atom.args.length) return;
      this.constrain(n, col.set, arg.span, label(arg), `column \`${col.name}\` of \`${rel}\` is ${describeSet(col.set)}`);
    });
  }

  private literal(l: Literal): void {
    if (l.kind === "atom") {
      this.atom(l.atom);
    } else if (l.kind === "cmp") {
      const a = this.term(l.left);
      const b = this.term(l.right);
      if (l.op === "match" || l.op === "contains") {
        this.constrain(a, SYMBOL, l.left.span, label(l.left), `the first argument of \`${l.op}\` must be a \`symbol\``);
        this.constrain(b, SYMBOL, l.right.span, label(l.right), `the second argument of \`${l.op}\` must be a \`symbol\``);
        return;
      }
      this.unify(a, b, l.span, (sa, sb) => `\`${l.op}\` compares ${label(l.left)}, ${describeSet(sa)}, with ${label(l.right)}, ${describeSet(sb)}`);
    }
  }

  private term(t: Term): number {
    const n = this.node(t);
    this.terms.set(t, n);
    return n;
  }

  private node(t: Term): number {
    switch (t.kind) {
      case "var": {
        const scope = this.outerNames.has(t.name) ? "" : `${this.scopes[this.scopes.length - 1] ?? ""}#`;
        const key = scope + t.name;
        let n = this.vars.get(key);
        if (n === undefined) {
          n = this.fresh(ANY, null);
          this.vars.set(key, n);
        }
        return n;
      }
      case "wildcard":
        return this.fresh(ANY, null);
      case "number": {
        // An integer literal without a suffix takes its type from context, as in Soufflé.
        // A negative literal (the parser folds `-1`) cannot be `unsigned`.
        // Above 2^31 - 1 (`0xFFFFFFFF`) only an `unsigned` or a `float` holds it.
        const set = t.type === "float" ? FLOAT : t.type === "unsigned" ? UNSIGNED : t.text.startsWith("-") || t.value < 0 ? SIGNED : t.value > 2147483647 ? UNSIGNED | FLOAT : NUMERIC;
        return this.fresh(set, { span: t.span, message: `\`${t.text}\` is ${describeSet(set)}` });
      }
      case "string":
        return this.fresh(SYMBOL, { span: t.span, message: `${label(t)} is a \`symbol\`` });
      case "unary": {
        const n = this.term(t.operand);
        const want = t.op === "-" ? SIGNED : INTEGER;
        this.constrain(n, want, t.operand.span, label(t.operand), `\`${t.op}\` needs ${describeSet(want)}`);
        return n;
      }
      case "binary": {
        // `+` also joins two symbols (Soufflé's SSADD); the operands must still agree.
        const want = t.op === "+" ? NUMERIC | SYMBOL : ARITHMETIC.has(t.op) ? NUMERIC : INTEGER;
        const a = this.term(t.left);
        this.constrain(a, want, t.left.span, label(t.left), `\`${t.op}\` needs ${describeSet(want)}`);
        const b = this.term(t.right);
        this.constrain(b, want, t.right.span, label(t.right), `\`${t.op}\` needs ${describeSet(want)}`);
        this.unify(a, b, t.right.span, (sa, sb) => `${label(t.right)} is ${describeSet(sb)}, but the other operand of \`${t.op}\`, ${label(t.left)}, is ${describeSet(sa)}`);
        return a;
      }
      case "call":
        return this.call(t);
      case "aggregate":
        return this.aggregate(t);
    }
  }

  private call(t: Term & { kind: "call" }): number {
    if (t.name === "record" || t.name === "nil" || t.name.startsWith("$")) {
      for (const a of t.args) this.term(a);
      return this.fresh(SYMBOL, null);
    }
    const sig = builtin(t.name);
    const args = t.args.map((a) => this.term(a));
    const result = sig === undefined || sig.result === "args" ? null : setOf([sig.result]);
    if (sig === undefined || t.args.length < sig.min || t.args.length > sig.max) return this.fresh(result ?? ANY, null);
    t.args.forEach((arg, i) => {
      const want = setOf(argTypes(sig, i));
      if (want !== ANY) this.constrain(args[i]!, want, arg.span, label(arg), `argument ${i + 1} of \`${t.name}\` must be ${describeSet(want)}`);
    });
    if (result !== null) return this.fresh(result, { span: t.span, message: `\`${t.name}\` gives ${describeSet(result)}` });
    for (let i = 1; i < args.length; i++) {
      const arg = t.args[i]!;
      this.unify(args[0]!, args[i]!, arg.span, (sa, sb) => `${label(arg)} is ${describeSet(sb)}, but the first argument of \`${t.name}\` is ${describeSet(sa)}`);
    }
    return args[0]!;
  }

  private aggregate(t: Aggregate): number {
    this.scopes.push(this.aggregateCount++);
    for (const l of t.body) this.literal(l);
    const target = t.target === null ? null : this.term(t.target);
    this.scopes.pop();
    if (t.op === "count" || target === null) return this.fresh(NUMBER, { span: t.opSpan, message: "`count` gives a `number`" });
    if (t.op === "sum" || t.op === "mean") {
      this.constrain(target, NUMERIC, t.target!.span, label(t.target!), `\`${t.op}\` needs ${describeSet(NUMERIC)}`);
      if (t.op === "mean") return this.fresh(FLOAT, { span: t.opSpan, message: "`mean` gives a `float`" });
    }
    return target;
  }
}

function label(t: Term): string {
  return `\`${termText(t)}\``;
}
