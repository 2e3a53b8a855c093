// Soufflé's magic-set transformation (`.pragma "magic-transform" "*"`, `--magic-transform`): a
// relation read with some arguments known (constants, or variables bound by the atoms before it)
// is computed only for those arguments. `samegen(16384, 32767)` then asks for 15 pairs instead of
// the 358 million a full `samegen` holds. Each such use becomes an adorned copy `r@bf` (b: bound,
// f: free) whose rules start with a demand relation `@magic.r@bf` over the bound columns; a demand
// is derived from the literals before the use, left to right (Soufflé's default order). Results are
// unchanged. Only relations whose rules are plain joins are transformed (no negation, aggregates,
// counters, choice or subsumption, not read from or written to files): elsewhere demand-driven
// evaluation could change what a stratum sees.
import type { CheckedProgram } from "../check/types.js";
import type { Atom, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { forEachSubterm, literalTerms } from "../syntax/visit.js";

/** The program with the magic-set transformation applied to `names` (`*`: every relation it suits) but never to `exclude`. */
export function magicSets(checked: CheckedProgram, names: "*" | readonly string[], exclude: readonly string[] = []): CheckedProgram {
  const eligible = new Set<string>();
  const byHead = new Map<string, Clause[]>();
  for (const c of checked.clauses) (byHead.get(c.head.relation.name) ?? byHead.set(c.head.relation.name, []).get(c.head.relation.name)!).push(c);
  for (const [name, s] of checked.relations) {
    if ((names !== "*" && !names.includes(name)) || exclude.includes(name)) continue;
    if (s.input !== null || (s.inputs?.length ?? 0) > 0 || s.output !== null || (s.outputs?.length ?? 0) > 0 || s.printsize || s.invariant !== null || (s.choice?.length ?? 0) > 0) continue;
    if ((byHead.get(name) ?? []).every(plain)) eligible.add(name);
  }
  // What a negation or an aggregate reads, transitively, stays as it is: a demand fed from the
  // stratum above it would close a cycle through the negation (Soufflé labels such uses apart).
  const cone = new Set<string>();
  const reads = (c: Clause, f: (relation: string, plainRead: boolean) => void): void => {
    const lit = (l: Literal, inside: boolean): void => {
      if (l.kind === "atom") f(l.atom.relation.name, !inside && !l.negated);
      for (const t of literalTerms(l)) forEachSubterm(t, (x) => x.kind === "aggregate" && x.body.forEach((b) => lit(b, true)));
    };
    c.body.forEach((l) => lit(l, false));
    for (const t of c.head.args) forEachSubterm(t, (x) => x.kind === "aggregate" && x.body.forEach((b) => lit(b, true)));
  };
  for (const c of checked.clauses) reads(c, (r, plainRead) => !plainRead && cone.add(r));
  for (const queue = [...cone]; queue.length > 0; ) {
    for (const c of byHead.get(queue.pop()!) ?? []) reads(c, (r) => !cone.has(r) && (cone.add(r), queue.push(r)));
  }
  for (const r of cone) eligible.delete(r);
  if (eligible.size === 0) return checked;

  const relations = new Map(checked.relations);
  const out: Clause[] = [];
  const adornedDone = new Set<string>();
  const queue: { relation: string; adornment: string }[] = [];
  const adornedName = (r: string, a: string): string => `${r}@${a}`;
  const magicName = (r: string, a: string): string => `@magic.${r}@${a}`;
  const declare = (r: string, a: string): void => {
    const key = adornedName(r, a);
    if (adornedDone.has(key)) return;
    adornedDone.add(key);
    const s = checked.relations.get(r)!;
    relations.set(key, { ...s, name: key, input: null, output: null, printsize: false, invariant: null });
    relations.set(magicName(r, a), { ...s, name: magicName(r, a), columns: s.columns.filter((_, i) => a[i] === "b"), input: null, output: null, printsize: false, invariant: null });
    queue.push({ relation: r, adornment: a });
  };
  const rename = (atom: Atom, name: string, args: readonly Term[] = atom.args): Atom => ({ ...atom, relation: { ...atom.relation, name }, args });

  /** Rewrites one body left to right; `start` holds the demand atom of an adorned clause. */
  const rewrite = (clause: Clause, head: Atom, start: Literal[], bound: Set<string>): void => {
    const body: Literal[] = [...start];
    for (const l of clause.body) {
      if (l.kind === "atom" && !l.negated && eligible.has(l.atom.relation.name)) {
        const a = l.atom.args.map((t) => (t.kind === "number" || t.kind === "string" || (t.kind === "var" && bound.has(t.name)) ? "b" : "f")).join("");
        if (a.includes("b")) {
          declare(l.atom.relation.name, a);
          const demand = rename(l.atom, magicName(l.atom.relation.name, a), l.atom.args.filter((_, i) => a[i] === "b"));
          // The literals before it that can be evaluated there (a filter on a later variable is left out: the demand only grows).
          out.push({ ...clause, head: demand, body: body.filter((b) => (b.kind === "atom" && !b.negated) || literalVars(b).every((n) => bound.has(n))) });
          const adorned: Literal = { ...l, atom: rename(l.atom, adornedName(l.atom.relation.name, a)) };
          body.push(adorned);
          for (const t of l.atom.args) if (t.kind === "var") bound.add(t.name);
          continue;
        }
      }
      body.push(l);
      if (l.kind === "atom" && !l.negated) for (const t of l.atom.args) forEachSubterm(t, (s) => s.kind === "var" && bound.add(s.name));
      if (l.kind === "cmp" && l.op === "=" && !l.negated) {
        for (const [v, e] of [[l.left, l.right], [l.right, l.left]] as const) if (v.kind === "var" && vars(e).every((n) => bound.has(n))) bound.add(v.name);
      }
    }
    out.push({ ...clause, head, body });
  };

  // The clauses of relations left as they are, with their reads of transformed relations adorned.
  const pending: Clause[] = [];
  for (const c of checked.clauses) {
    if (eligible.has(c.head.relation.name)) pending.push(c);
    else rewrite(c, c.head, [], new Set());
  }
  // A transformed relation still read with nothing bound (or inside an aggregate, or negated) keeps its own rules.
  const kept = new Set<string>();
  for (let progress = true; progress; ) {
    progress = false;
    for (let q = queue.shift(); q !== undefined; q = queue.shift()) {
      const { relation, adornment } = q;
      for (const c of byHead.get(relation) ?? []) {
        const bound = new Set<string>();
        c.head.args.forEach((t, i) => adornment[i] === "b" && t.kind === "var" && bound.add(t.name));
        // A bound head column computed by an expression (`v1 band v2`) is named in the demand and compared once computed.
        const checks: Literal[] = [];
        const demandArgs = c.head.args.flatMap((t, i): Term[] => {
          if (adornment[i] !== "b") return [];
          if (t.kind === "var" || t.kind === "number" || t.kind === "string") return [t];
          const named: Term = { kind: "var", name: `@b#${i}`, span: t.span };
          bound.add(named.name);
          checks.push({ kind: "cmp", op: "=", left: named, right: t, negated: false, span: t.span });
          return [named];
        });
        const demand: Literal = { kind: "atom", negated: false, atom: rename(c.head, magicName(relation, adornment), demandArgs), span: c.head.span };
        rewrite({ ...c, body: [...c.body, ...checks] }, rename(c.head, adornedName(relation, adornment)), [demand], bound);
      }
    }
    for (const r of readPlain(out, eligible)) {
      if (kept.has(r)) continue;
      kept.add(r);
      progress = true;
      for (const c of pending.filter((p) => p.head.relation.name === r)) rewrite(c, c.head, [], new Set());
    }
  }
  return { ...checked, relations, clauses: out.map((c, id) => ({ ...c, id })) };
}

/** Transformed relations read as they are: a plain atom, a negated one, or any atom inside an aggregate. */
function readPlain(clauses: readonly Clause[], eligible: ReadonlySet<string>): Set<string> {
  const used = new Set<string>();
  const lit = (l: Literal): void => {
    if (l.kind === "atom" && eligible.has(l.atom.relation.name)) used.add(l.atom.relation.name);
    for (const t of literalTerms(l)) forEachSubterm(t, (s) => s.kind === "aggregate" && s.body.forEach(lit));
  };
  for (const c of clauses) {
    c.body.forEach(lit);
    for (const t of c.head.args) forEachSubterm(t, (s) => s.kind === "aggregate" && s.body.forEach(lit));
  }
  return used;
}

/** A rule of positive atoms and comparisons only, without aggregates, counters or generators. */
function plain(c: Clause): boolean {
  if (c.subsumption === true) return false;
  let ok = true;
  const term = (t: Term): void =>
    forEachSubterm(t, (s) => {
      if (s.kind === "aggregate") ok = false;
      if (s.kind === "call" && (s.name === "autoinc" || s.name === "range")) ok = false;
    });
  c.head.args.forEach(term);
  for (const l of c.body) {
    if (l.kind === "atom" && l.negated) return false;
    literalTerms(l).forEach(term);
  }
  return ok;
}

function vars(t: Term): string[] {
  const out: string[] = [];
  forEachSubterm(t, (s) => s.kind === "var" && out.push(s.name));
  return out;
}

function literalVars(l: Literal): string[] {
  return literalTerms(l).flatMap(vars);
}
