// Flattens rules into clauses: one head, a flat conjunction of literals. Disjunctions are
// expanded (each disjunct becomes its own clause, as Soufflé does) and several heads share a body.
import type { Aggregate, Atom, Body, Literal, Program, Rule, Term } from "./ast.js";
import type { Span } from "../diagnostics/span.js";

/** One head and a flat body; the unit that analysis and evaluation work on. */
export interface Clause {
  /** Index in the program's clause list. */
  readonly id: number;
  readonly head: Atom;
  /** A conjunction; empty for facts. */
  readonly body: readonly Literal[];
  /** The rule as written. */
  readonly rule: Rule;
  /** Which of the rule's heads this clause has (0 for single-head rules). */
  readonly headIndex: number;
  /** Which disjunct of the rule's body this clause has (0 when the body has no `;`). */
  readonly disjunct: number;
  /**
   * A subsumption clause `a(x1) <= a(x2) :- body.`: its body starts with `a(x1), a(x2)`, and each
   * head tuple it derives is removed from `a` (when it differs from the `a(x2)` that dominates it).
   */
  readonly subsumption?: true;
  readonly span: Span;
}

/** The body in disjunctive normal form: a list of conjunctions. */
export function toDnf(body: Body): Literal[][] {
  switch (body.kind) {
    case "and": {
      let acc: Literal[][] = [[]];
      for (const item of body.items) {
        const parts = toDnf(item);
        const next: Literal[][] = [];
        for (const left of acc) for (const right of parts) next.push([...left, ...right]);
        acc = next;
      }
      return acc;
    }
    case "or":
      return body.items.flatMap(toDnf);
    default:
      return [[body]];
  }
}

/** Every rule and fact of the program as clauses, in source order. */
export function normalize(program: Program): Clause[] {
  const clauses: Clause[] = [];
  for (const item of program.items) {
    if (item.kind !== "rule") continue;
    // A fact with an aggregate (`e(count : { p(_) }).`) is a rule: it runs once what it counts is known.
    const counted = item.body === null && item.heads.some((h) => h.args.some((a) => mentionsAggregate(a)));
    const disjuncts: Literal[][] = item.body === null ? (counted ? [[{ kind: "bool", value: true, span: item.span }]] : [[]]) : toDnf(item.body);
    if (item.dominator !== undefined) {
      // `_` in either atom becomes a variable of its own, so the head names the whole dominated tuple.
      let fresh = 0;
      const named = (atom: Atom): Atom => ({ ...atom, args: atom.args.map((a) => (a.kind === "wildcard" ? { kind: "var", name: `_#${fresh++}`, span: a.span } : a)) });
      const head = named(item.heads[0]!);
      const dominator = named(item.dominator);
      const pair: Literal[] = [
        { kind: "atom", negated: false, atom: head, span: head.span },
        { kind: "atom", negated: false, atom: dominator, span: dominator.span },
      ];
      disjuncts.forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body: [...pair, ...body], rule: item, headIndex: 0, disjunct, subsumption: true, span: item.span });
      });
      continue;
    }
    item.heads.forEach((head, headIndex) => {
      disjuncts.map((b) => groundWitnesses(head, b)).map(splitStructureEqualities).map(scopeAggregateResults).forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body, rule: item, headIndex, disjunct, span: item.span });
      });
    });
  }
  return clauses;
}

/**
 * Witnesses, as Soufflé grounds them: in `t(s, n) :- n = max h : { p(s, h) }`, `s` is bound only
 * inside the `min`/`max` aggregate, so it takes the values of the tuples that reach the result.
 * As Soufflé's GroundWitnesses pass does, the aggregate's body is added to the rule with its target
 * equal to the aggregate (whose own copies of the witnesses are renamed): `r = max h : { p(s#w, h) },
 * p(s, r)`. A target that is an expression is first named (`min x + y : {..}` is `min t : {.., t = x + y}`).
 * A witness may be grounded in an aggregate nested inside another (`count : { b(x), x > min y : { d(y, w) } }`):
 * it belongs to the innermost aggregate that grounds it, and that aggregate's body joins the rule.
 */
export function groundWitnesses(head: Atom, body: readonly Literal[]): Literal[] {
  // Variables of the rule outside its aggregates, and those a positive atom there grounds.
  const outside = new Set<string>();
  const grounded = new Set<string>();
  const collect = (t: Term, into: Set<string>): void => {
    if (t.kind === "var") into.add(t.name);
    else if (t.kind === "binary") (collect(t.left, into), collect(t.right, into));
    else if (t.kind === "unary") collect(t.operand, into);
    else if (t.kind === "call") t.args.forEach((a) => collect(a, into));
  };
  head.args.forEach((a) => collect(a, outside));
  // Every aggregate, at any depth, with the aggregates around it.
  const sites: { agg: Aggregate; ancestors: Aggregate[] }[] = [];
  const findAggs = (t: Term, ancestors: Aggregate[]): void => {
    if (t.kind === "aggregate") {
      sites.push({ agg: t, ancestors });
      const inside = [...ancestors, t];
      if (t.target !== null) findAggs(t.target, inside);
      for (const l of t.body) for (const x of termsOf(l)) findAggs(x, inside);
    } else if (t.kind === "binary") (findAggs(t.left, ancestors), findAggs(t.right, ancestors));
    else if (t.kind === "unary") findAggs(t.operand, ancestors);
    else if (t.kind === "call") t.args.forEach((a) => findAggs(a, ancestors));
  };
  for (const l of body) {
    if (l.kind === "atom") {
      l.atom.args.forEach((a) => collect(a, outside));
      if (!l.negated) l.atom.args.forEach((a) => collect(a, grounded));
    } else if (l.kind === "cmp") {
      collect(l.left, outside);
      collect(l.right, outside);
    }
    for (const t of termsOf(l)) findAggs(t, []);
  }
  closeEqualities(body, grounded, collect);
  // What an aggregate's body grounds, nested aggregates' atoms included (as Soufflé's groundedness reads them).
  const groundedIn = (agg: Aggregate, deep: boolean): Set<string> => {
    const g = new Set<string>();
    const atoms = (lits: readonly Literal[]): void => {
      for (const l of lits) {
        if (l.kind === "atom" && !l.negated) l.atom.args.forEach((a) => collect(a, g));
        if (deep) for (const t of termsOf(l)) forEachNested(t, (inner) => atoms(inner.body));
      }
    };
    atoms(agg.body);
    closeEqualities(agg.body, g, collect);
    return g;
  };
  const candidates = new Map<Aggregate, Set<string>>();
  for (const { agg, ancestors } of sites) {
    const g = groundedIn(agg, true);
    // A variable an enclosing aggregate's own body grounds is injected into this one, not its witness.
    const injected = new Set<string>();
    for (const a of ancestors) for (const n of groundedIn(a, false)) injected.add(n);
    candidates.set(agg, new Set([...g].filter((n) => outside.has(n) && !grounded.has(n) && !injected.has(n))));
  }
  const plans = new Map<Aggregate, { k: number; witnesses: string[] }>();
  sites.forEach(({ agg }, k) => {
    if ((agg.op !== "min" && agg.op !== "max") || agg.target === null) return;
    const own = new Set(candidates.get(agg));
    // A witness an inner aggregate grounds is that aggregate's.
    for (const { agg: inner, ancestors } of sites) if (ancestors.includes(agg)) for (const n of candidates.get(inner)!) own.delete(n);
    if (own.size > 0) plans.set(agg, { k, witnesses: [...own] });
  });
  if (plans.size === 0) return [...body];
  const extra: Literal[] = [];
  // Rebuilds a term bottom-up, renaming the witnesses inside each aggregate that has some.
  const swap = (t: Term): Term => {
    if (t.kind === "binary") return { ...t, left: swap(t.left), right: swap(t.right) };
    if (t.kind === "unary") return { ...t, operand: swap(t.operand) };
    if (t.kind === "call") return { ...t, args: t.args.map(swap) };
    if (t.kind !== "aggregate") return t;
    const inner: Aggregate = { ...t, target: t.target === null ? null : swap(t.target), body: t.body.map(swapLiteral) };
    const plan = plans.get(t);
    if (plan === undefined) return inner;
    const span = t.span;
    let target = inner.target!;
    let aggBody = inner.body;
    if (target.kind !== "var") {
      const named: Term = { kind: "var", name: `agg#${plan.k}#t`, span: target.span };
      aggBody = [...aggBody, { kind: "cmp", op: "=", left: named, right: target, negated: false, span: target.span }];
      target = named;
    }
    const targetName = (target as Extract<Term, { kind: "var" }>).name;
    let renamed: Term = { ...inner, target, body: aggBody };
    for (const w of plan.witnesses) renamed = renameIn(renamed, w, `${w}#w`);
    const result: Term = { kind: "var", name: `agg#${plan.k}`, span };
    extra.push({ kind: "cmp", op: "=", left: result, right: renamed, negated: false, span });
    for (const l of aggBody) {
      const lit = (x: Term): Term => renameIn(x, targetName, result.name);
      extra.push(l.kind === "atom" ? { ...l, atom: { ...l.atom, args: l.atom.args.map(lit) } } : l.kind === "cmp" ? { ...l, left: lit(l.left), right: lit(l.right) } : l);
    }
    return renamed;
  };
  const swapLiteral = (l: Literal): Literal => (l.kind === "cmp" ? { ...l, left: swap(l.left), right: swap(l.right) } : l.kind === "atom" ? { ...l, atom: { ...l.atom, args: l.atom.args.map(swap) } } : l);
  const rewritten = body.map(swapLiteral);
  return [...rewritten, ...extra];
}

function termsOf(l: Literal): Term[] {
  return l.kind === "atom" ? [...l.atom.args] : l.kind === "cmp" ? [l.left, l.right] : [];
}

/** Calls `f` on each outermost aggregate inside `t`. */
function forEachNested(t: Term, f: (a: Aggregate) => void): void {
  if (t.kind === "aggregate") f(t);
  else if (t.kind === "binary") (forEachNested(t.left, f), forEachNested(t.right, f));
  else if (t.kind === "unary") forEachNested(t.operand, f);
  else if (t.kind === "call") t.args.forEach((a) => forEachNested(a, f));
}

/** `x = e` grounds `x` once `e`'s variables are (an aggregate's result is grounded). */
function closeEqualities(body: readonly Literal[], grounded: Set<string>, collect: (t: Term, into: Set<string>) => void): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of body) {
      if (l.kind !== "cmp" || l.op !== "=" || l.negated) continue;
      for (const [v, e] of [[l.left, l.right], [l.right, l.left]] as const) {
        if (v.kind !== "var" || grounded.has(v.name)) continue;
        const vs = new Set<string>();
        collect(e, vs);
        if ([...vs].every((n) => grounded.has(n))) (grounded.add(v.name), (changed = true));
      }
    }
  }
}

/**
 * `[a, b] = [1, x]` is `a = 1, b = x`, as Soufflé resolves it (its alias resolution decomposes a
 * record equality into its fields): the fields' variables are then bound one by one. Equal ADT
 * branches split the same way; two different branches never match (`false`); `_ = t` always holds
 * and is dropped. Aggregate bodies are split too.
 */
export function splitStructureEqualities(body: readonly Literal[]): Literal[] {
  const out: Literal[] = [];
  const split = (left: Term, right: Term, span: Span): void => {
    if (left.kind === "wildcard" || right.kind === "wildcard") return;
    if (left.kind === "call" && right.kind === "call" && isConstructor(left) && left.name === right.name && left.args.length === right.args.length) {
      left.args.forEach((a, i) => split(a, right.args[i]!, span));
      return;
    }
    if (left.kind === "call" && right.kind === "call" && left.name.startsWith("$") && right.name.startsWith("$") && left.name !== right.name) {
      out.push({ kind: "bool", value: false, span });
      return;
    }
    out.push({ kind: "cmp", op: "=", left: splitInTerm(left), right: splitInTerm(right), negated: false, span });
  };
  for (const l of body) {
    const pair = l.kind === "cmp" && l.op === "=" && !l.negated && ((isConstructor(l.left) && isConstructor(l.right)) || l.left.kind === "wildcard" || l.right.kind === "wildcard");
    if (pair) split(l.left, l.right, l.span);
    else if (l.kind === "cmp") {
      const left = splitInTerm(l.left);
      const right = splitInTerm(l.right);
      out.push(left === l.left && right === l.right ? l : { ...l, left, right });
    } else if (l.kind === "atom") {
      const args = l.atom.args.map(splitInTerm);
      out.push(args.every((a, i) => a === l.atom.args[i]) ? l : { ...l, atom: { ...l.atom, args } });
    } else out.push(l);
  }
  return out;
}

function isConstructor(t: Term): t is Extract<Term, { kind: "call" }> {
  return t.kind === "call" && (t.name === "record" || t.name.startsWith("$"));
}

/** `t` with the aggregate bodies in it split; the same object when nothing changes. */
function splitInTerm(t: Term): Term {
  switch (t.kind) {
    case "aggregate": {
      const body = splitStructureEqualities(t.body);
      const target = t.target === null ? null : splitInTerm(t.target);
      return target === t.target && body.length === t.body.length && body.every((l, i) => l === t.body[i]) ? t : { ...t, body, target };
    }
    case "binary": {
      const left = splitInTerm(t.left);
      const right = splitInTerm(t.right);
      return left === t.left && right === t.right ? t : { ...t, left, right };
    }
    case "unary": {
      const operand = splitInTerm(t.operand);
      return operand === t.operand ? t : { ...t, operand };
    }
    case "call": {
      const args = t.args.map(splitInTerm);
      return args.every((a, i) => a === t.args[i]) ? t : { ...t, args };
    }
    default:
      return t;
  }
}

/**
 * `a = max a : { p(a) }`: a variable that the body binds only through the aggregate's own result is,
 * inside the aggregate, a variable of its own (as in Soufflé), not a grouping variable; it is renamed
 * there so every later stage sees two variables.
 */
function scopeAggregateResults(body: Literal[]): Literal[] {
  return body.map((lit, i) => {
    if (lit.kind !== "cmp" || lit.op !== "=" || lit.negated) return lit;
    const [v, agg] = lit.left.kind === "var" && lit.right.kind === "aggregate" ? [lit.left, lit.right] : lit.right.kind === "var" && lit.left.kind === "aggregate" ? [lit.right, lit.left] : [null, null];
    if (v === null || agg === null || !mentions(agg, v.name)) return lit;
    if (body.some((other, j) => j !== i && literalMentions(other, v.name))) return lit;
    const renamed = renameIn(agg, v.name, `${v.name}#`) as Aggregate;
    return lit.left === agg ? { ...lit, left: renamed } : { ...lit, right: renamed };
  });
}

function literalMentions(l: Literal, name: string): boolean {
  if (l.kind === "atom") return l.atom.args.some((a) => mentions(a, name));
  if (l.kind === "cmp") return mentions(l.left, name) || mentions(l.right, name);
  return false;
}

function mentions(t: Term, name: string): boolean {
  switch (t.kind) {
    case "var":
      return t.name === name;
    case "binary":
      return mentions(t.left, name) || mentions(t.right, name);
    case "unary":
      return mentions(t.operand, name);
    case "call":
      return t.args.some((a) => mentions(a, name));
    case "aggregate":
      return (t.target !== null && mentions(t.target, name)) || t.body.some((l) => literalMentions(l, name));
    default:
      return false;
  }
}

function renameIn(t: Term, from: string, to: string): Term {
  const lit = (l: Literal): Literal =>
    l.kind === "atom" ? { ...l, atom: { ...l.atom, args: l.atom.args.map((a) => renameIn(a, from, to)) } } : l.kind === "cmp" ? { ...l, left: renameIn(l.left, from, to), right: renameIn(l.right, from, to) } : l;
  switch (t.kind) {
    case "var":
      return t.name === from ? { ...t, name: to } : t;
    case "binary":
      return { ...t, left: renameIn(t.left, from, to), right: renameIn(t.right, from, to) };
    case "unary":
      return { ...t, operand: renameIn(t.operand, from, to) };
    case "call":
      return { ...t, args: t.args.map((a) => renameIn(a, from, to)) };
    case "aggregate":
      return { ...t, target: t.target === null ? null : renameIn(t.target, from, to), body: t.body.map(lit) };
    default:
      return t;
  }
}

function mentionsAggregate(t: Term): boolean {
  if (t.kind === "aggregate") return true;
  if (t.kind === "binary") return mentionsAggregate(t.left) || mentionsAggregate(t.right);
  if (t.kind === "unary") return mentionsAggregate(t.operand);
  if (t.kind === "call") return t.args.some(mentionsAggregate);
  return false;
}
