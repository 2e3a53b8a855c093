// Asks the engine about rule instances: the program plus generated probe relations, whose rules
// copy a clause body (or one of its literals) into a head that keeps every binding. Evaluated by the
// same Engine that `evaluate` runs, so a story never computes a builtin with other semantics.
import { analyze } from "../analysis/analyze.js";
import { check } from "../check/check.js";
import { storedType as termType, variableTypes, type CheckedProgram } from "../check/types.js";
import { inferTypes, typesFor } from "../check/infer.js";
import { collectOuter, literalTerms } from "../syntax/visit.js";
import { Engine } from "../eval/engine.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Aggregate, Literal, PrimitiveType, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { parse } from "../syntax/parse.js";
import { printLiteral, printProgram, printTerm } from "../syntax/printer.js";
import type { Fact } from "./types.js";
import type { Value } from "../eval/values.js";

/** One column of a probe: the term it records and the type it is stored as. */
interface ProbeColumn {
  readonly text: string;
  readonly type: PrimitiveType;
}

/** A probe relation: `name(columns) :- body`. */
interface ProbeRule {
  readonly name: string;
  readonly columns: readonly ProbeColumn[];
  readonly body: readonly string[];
}

/** Outer variables of a body, in first-occurrence order. */
function outerVars(body: readonly Literal[]): string[] {
  const seen: string[] = [];
  for (const l of body) {
    const vars: { name: string }[] = [];
    for (const t of literalTerms(l)) collectOuter(t, vars as never, []);
    for (const v of vars) if (!seen.includes(v.name)) seen.push(v.name);
  }
  return seen;
}

/** `x = <aggregate>`: the variable and the aggregate. */
export function boundAggregate(l: Literal): { x: string; agg: Aggregate } | null {
  if (l.kind !== "cmp" || l.op !== "=" || l.negated) return null;
  if (l.left.kind === "var" && l.right.kind === "aggregate") return { x: l.left.name, agg: l.right };
  if (l.right.kind === "var" && l.left.kind === "aggregate") return { x: l.right.name, agg: l.left };
  return null;
}

/** One instance of an invariant clause in a state: its bindings and the facts it matched. */
export interface ProbeInstance {
  readonly env: Map<string, Value>;
  /** Per body literal (by index): the ground fact a positive atom matched. */
  readonly atomFacts: ReadonlyMap<number, Fact>;
  /** Facts matched by the positive atoms, then those read by aggregates. */
  readonly support: readonly Fact[];
}

/** How one literal of the instance fares in a state, with the values the story quotes. */
export interface LiteralCheck {
  readonly holds: boolean;
  /** For a comparison: the values of its two sides, when computable. */
  readonly sides: readonly [Value, Value] | null;
}

/** The probes of one invariant clause. */
interface ClauseProbes {
  readonly clause: Clause;
  readonly witness: ProbeRule;
  /** Which witness column holds each head argument, each positive atom's argument, each variable. */
  readonly headCols: readonly number[];
  readonly atomCols: ReadonlyMap<number, readonly number[]>;
  readonly varCols: ReadonlyMap<string, number>;
  /** Aggregate support: per probe, the relation it reads. */
  readonly aggSupport: readonly { probe: ProbeRule; relation: string; arity: number; keys: readonly number[] }[];
  /** The environment relation (variables not bound to aggregates) and, per literal, its check. */
  readonly env: ProbeRule;
  readonly envVars: readonly string[];
  readonly literal: ReadonlyMap<number, ProbeRule>;
  readonly sides: ReadonlyMap<number, ProbeRule>;
  readonly aggValue: ReadonlyMap<string, ProbeRule>;
}

/** Compiles the probes for the given clauses once; evaluates them on any state. */
export class Probes {
  private readonly rules: ProbeRule[] = [];
  private readonly byClause = new Map<number, ClauseProbes>();
  private readonly prefix: string;
  private compiled: { checked: CheckedProgram; analysis: NonNullable<ReturnType<typeof analyze>> } | null = null;
  private count = 0;

  constructor(private readonly checked: CheckedProgram) {
    let prefix = "calmlog_probe_";
    while ([...checked.relations.keys()].some((r) => r.startsWith(prefix))) prefix += "_";
    this.prefix = prefix;
  }

  private fresh(): string {
    return `${this.prefix}${++this.count}`;
  }

  /** Probes for `rows`, by body and variables. */
  private readonly adhoc = new Map<string, ProbeRule>();

  /** Rows of `vars` satisfying `body` in the state holding `facts`; null when the types cannot be told. */
  rows(body: readonly Literal[], vars: readonly string[], facts: readonly Fact[]): Value[][] | null {
    const key = `${body.map(printLiteral).join(", ")} => ${vars.join(",")}`;
    let probe = this.adhoc.get(key);
    if (probe === undefined) {
      const span = body[0]?.span ?? this.checked.program.span;
      const types = variableTypes(inferTypes({ head: { relation: { name: "", span }, args: [], span }, body }, this.checked.relations));
      if (vars.some((v) => !types.has(v))) return null;
      probe = { name: this.fresh(), columns: vars.map((v) => ({ text: v, type: types.get(v)! })), body: body.map(printLiteral) };
      this.adhoc.set(key, probe);
      this.rules.push(probe);
      this.compiled = null;
    }
    const e = this.run(facts);
    return e === null ? null : e.tuples(probe.name).map((t) => [...t] as Value[]);
  }

  /** Registers an invariant clause so its instances can be found and checked literal by literal. */
  addClause(clause: Clause): void {
    if (this.byClause.has(clause.id)) return;
    const ctypes = typesFor(this.checked, clause);
    const types = variableTypes(ctypes);
    let wild = 0;
    const renamed = clause.body.map((l): string => {
      if (l.kind !== "atom" || l.negated) return printLiteral(l);
      const args = l.atom.args.map((t) => (t.kind === "wildcard" ? `${this.prefix}w${++wild}` : printTerm(t)));
      return `${l.atom.relation.name}(${args.join(", ")})`;
    });
    const cols: ProbeColumn[] = [];
    const headCols: number[] = [];
    const headSchema = this.checked.relations.get(clause.head.relation.name)?.columns ?? [];
    clause.head.args.forEach((t, i) => {
      headCols.push(cols.length);
      cols.push({ text: printTerm(t), type: headSchema[i]?.type ?? "symbol" });
    });
    wild = 0;
    const atomCols = new Map<number, number[]>();
    const varCols = new Map<string, number>();
    const vars = outerVars(clause.body);
    const wildVars: { name: string; type: PrimitiveType }[] = [];
    clause.body.forEach((l, i) => {
      if (l.kind !== "atom" || l.negated) return;
      const schema = this.checked.relations.get(l.atom.relation.name)?.columns ?? [];
      const idx: number[] = [];
      l.atom.args.forEach((t, j) => {
        const type = schema[j]?.type ?? "symbol";
        if (t.kind === "wildcard") {
          const name = `${this.prefix}w${++wild}`;
          wildVars.push({ name, type });
          idx.push(-1 - (wildVars.length - 1));
          return;
        }
        if (t.kind === "var") {
          idx.push(-1e9);
          return;
        }
        idx.push(cols.length);
        cols.push({ text: printTerm(t), type });
      });
      atomCols.set(i, idx);
    });
    for (const v of vars) {
      const type = types.get(v);
      if (type === undefined) continue;
      varCols.set(v, cols.length);
      cols.push({ text: v, type });
    }
    for (const w of wildVars) {
      varCols.set(w.name, cols.length);
      cols.push({ text: w.name, type: w.type });
    }
    // Resolve each atom argument to its column.
    wild = 0;
    for (const [i, idx] of atomCols) {
      const l = clause.body[i] as Literal & { kind: "atom" };
      l.atom.args.forEach((t, j) => {
        if (t.kind === "var") idx[j] = varCols.get(t.name) ?? -1;
        else if (t.kind === "wildcard") idx[j] = varCols.get(`${this.prefix}w${++wild}`) ?? -1;
      });
    }
    const witness: ProbeRule = { name: this.fresh(), columns: cols, body: renamed };
    this.rules.push(witness);
    // The facts each aggregate read, per positive atom of its body.
    const witnessVars = cols.map((c, i) => (varCols.get(c.text) === i ? c.text : null));
    const witnessCall = `${witness.name}(${witnessVars.map((v) => v ?? "_").join(", ")})`;
    const keyCols = witnessVars.flatMap((v, i) => (v === null ? [] : [{ text: v, type: cols[i]!.type, at: i }]));
    const aggSupport: { probe: ProbeRule; relation: string; arity: number; keys: readonly number[] }[] = [];
    for (const l of clause.body) {
      for (const t of literalTerms(l)) {
        const aggs: Aggregate[] = [];
        collectOuter(t, [], aggs);
        for (const a of aggs) {
          let w2 = 0;
          for (const inner of a.body) {
            if (inner.kind !== "atom" || inner.negated) continue;
            const schema = this.checked.relations.get(inner.atom.relation.name)?.columns ?? [];
            const argText = inner.atom.args.map((x) => (x.kind === "wildcard" ? `${this.prefix}v${++w2}` : printTerm(x)));
            const columns = argText.map((text, j) => ({ text, type: schema[j]?.type ?? termType(ctypes, inner.atom.args[j]!) ?? "symbol" }));
            const probe: ProbeRule = {
              name: this.fresh(), columns: [...keyCols.map((k) => ({ text: k.text, type: k.type })), ...columns],
              body: [witnessCall, ...a.body.map((x) => (x === inner ? `${inner.atom.relation.name}(${argText.join(", ")})` : printLiteral(x)))],
            };
            this.rules.push(probe);
            aggSupport.push({ probe, relation: inner.atom.relation.name, arity: columns.length, keys: keyCols.map((k) => k.at) });
          }
        }
      }
    }
    // Per-literal checks against one environment.
    const bindings = new Map<string, Literal>();
    for (const l of clause.body) {
      const b = boundAggregate(l);
      if (b !== null) bindings.set(b.x, l);
    }
    const envVars = vars.filter((v) => types.has(v) && !bindings.has(v));
    const env: ProbeRule = { name: this.fresh(), columns: envVars.map((v) => ({ text: v, type: types.get(v)! })), body: [] };
    this.rules.push(env);
    const envCall = `${env.name}(${envVars.join(", ")})`;
    const needed = (l: Literal): string[] => {
      const vs: { name: string }[] = [];
      for (const t of literalTerms(l)) collectOuter(t, vs as never, []);
      return [...new Set(vs.map((v) => v.name))].filter((v) => bindings.has(v)).map((v) => printLiteral(bindings.get(v)!));
    };
    const literal = new Map<number, ProbeRule>();
    const sides = new Map<number, ProbeRule>();
    const aggValue = new Map<string, ProbeRule>();
    clause.body.forEach((l, i) => {
      const b = boundAggregate(l);
      if (b !== null) {
        const type = types.get(b.x);
        if (type === undefined) return;
        const p: ProbeRule = { name: this.fresh(), columns: [...env.columns, { text: b.x, type }], body: [envCall, printLiteral(l)] };
        aggValue.set(b.x, p);
        this.rules.push(p);
        return;
      }
      if (env.columns.length === 0 && l.kind === "bool") return;
      const p: ProbeRule = { name: this.fresh(), columns: env.columns, body: [envCall, ...needed(l), printLiteral(l)] };
      literal.set(i, p);
      this.rules.push(p);
      if (l.kind === "cmp") {
        const lt = termType(ctypes, l.left) ?? termType(ctypes, l.right);
        if (lt === null) return;
        const left = `${this.prefix}l`;
        const right = `${this.prefix}r`;
        const s: ProbeRule = {
          name: this.fresh(), columns: [{ text: left, type: lt }, { text: right, type: termType(ctypes, l.right) ?? lt }],
          body: [envCall, ...needed(l), `${left} = ${printTerm(l.left)}`, `${right} = ${printTerm(l.right)}`],
        };
        sides.set(i, s);
        this.rules.push(s);
      }
    });
    this.byClause.set(clause.id, { clause, witness, headCols, atomCols, varCols, aggSupport, env, envVars, literal, sides, aggValue });
    this.compiled = null;
  }

  /** The program with every probe, compiled (once per set of probes). */
  private program(): { checked: CheckedProgram; analysis: NonNullable<ReturnType<typeof analyze>> } | null {
    if (this.compiled !== null) return this.compiled;
    const text = [printProgram(this.checked.program), ...this.rules.flatMap((p) => {
      const decl = `.decl ${p.name}(${p.columns.map((c, i) => `c${i}: ${c.type}`).join(", ")})`;
      return p.body.length === 0 ? [decl] : [decl, `${p.name}(${p.columns.map((c) => c.text).join(", ")}) :- ${p.body.join(", ")}.`];
    })].join("\n");
    const diags = new Diagnostics();
    const checked = check(parse({ path: this.checked.program.file, text }, diags), diags);
    if (diags.hasErrors()) return null;
    const analysis = analyze(checked, diags);
    if (!analysis.stratified) return null;
    this.compiled = { checked, analysis };
    return this.compiled;
  }

  /** Evaluates the program with its probes on a state; null when probes could not be compiled or evaluation failed. */
  run(facts: readonly Fact[], extra: readonly Fact[] = []): Engine | null {
    const p = this.program();
    if (p === null) return null;
    const e = new Engine(p.checked, p.analysis);
    const byRel = new Map<string, Value[][]>();
    for (const f of [...facts, ...extra]) {
      let list = byRel.get(f.relation);
      if (list === undefined) byRel.set(f.relation, (list = []));
      list.push([...f.tuple]);
    }
    try {
      for (const [rel, tuples] of byRel) e.insert(rel, tuples);
      e.run();
    } catch {
      return null;
    }
    return e;
  }

  /** The instances of `clause` deriving `tuple` in the state holding `facts`. */
  instances(clause: Clause, tuple: readonly Value[], facts: readonly Fact[]): ProbeInstance[] {
    this.addClause(clause);
    const cp = this.byClause.get(clause.id)!;
    const e = this.run(facts);
    if (e === null) return [];
    const out: ProbeInstance[] = [];
    for (const row of e.tuples(cp.witness.name)) {
      if (!cp.headCols.every((c, i) => row[c] === tuple[i])) continue;
      const env = new Map<string, Value>();
      for (const [v, c] of cp.varCols) if (!v.startsWith(this.prefix)) env.set(v, row[c]!);
      const atomFacts = new Map<number, Fact>();
      const support: Fact[] = [];
      for (const [i, idx] of cp.atomCols) {
        const l = clause.body[i] as Literal & { kind: "atom" };
        if (idx.some((c) => c < 0)) continue;
        const f: Fact = { relation: l.atom.relation.name, tuple: idx.map((c) => row[c]!) };
        atomFacts.set(i, f);
        support.push(f);
      }
      for (const s of cp.aggSupport) {
        for (const t of e.tuples(s.probe.name)) {
          if (s.keys.every((c, k) => t[k] === row[c])) support.push({ relation: s.relation, tuple: t.slice(s.keys.length) });
        }
      }
      out.push({ env, atomFacts, support: dedupe(support) });
    }
    return out;
  }

  /** Each literal of `clause` under `env` (from an instance), checked in the state holding `facts`. */
  checkLiterals(clause: Clause, env: ReadonlyMap<string, Value>, facts: readonly Fact[]): { literals: Map<number, LiteralCheck>; aggregates: Map<string, Value> } | null {
    this.addClause(clause);
    const cp = this.byClause.get(clause.id)!;
    if (cp.envVars.some((v) => !env.has(v))) return null;
    const e = this.run(facts, [{ relation: cp.env.name, tuple: cp.envVars.map((v) => env.get(v)!) }]);
    if (e === null) return null;
    const literals = new Map<number, LiteralCheck>();
    for (const [i, p] of cp.literal) {
      const s = cp.sides.get(i);
      const row = s === undefined ? undefined : e.tuples(s.name)[0];
      literals.set(i, { holds: e.size(p.name) > 0, sides: row === undefined ? null : [row[0]!, row[1]!] });
    }
    const aggregates = new Map<string, Value>();
    for (const [x, p] of cp.aggValue) {
      const row = e.tuples(p.name)[0];
      if (row !== undefined) aggregates.set(x, row[row.length - 1]!);
    }
    return { literals, aggregates };
  }
}

function dedupe(facts: readonly Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((f) => {
    const k = `${f.relation}\u0000${JSON.stringify(f.tuple)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The value a literal constant term stands for, or null for anything that needs computing. */
export function literalValue(t: Term): Value | null {
  if (t.kind === "number" || t.kind === "string") return t.value;
  if (t.kind === "unary" && t.op === "-" && t.operand.kind === "number") return -t.operand.value;
  return null;
}
