// Soufflé's `inline` relations: an inline relation is never stored; each atom of it is replaced by
// the bodies of its rules, as Soufflé's InlineRelations pass does. A positive atom gives one clause
// per rule of the relation; a negated atom `!r(t)` becomes, by De Morgan, one clause per way of
// picking one literal of every rule of `r` and negating it. `checkInlining` reports what Soufflé
// refuses (CL239) before the rewrite: inline cycles, negations that would leave variables unbound,
// `_` in a negated inline atom, inline atoms inside aggregates, and counters.
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Aggregate, Atom, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { allVariables, forEachAggregate, forEachSubterm, literalTerms } from "../syntax/visit.js";

/** The relations declared `inline`, by name, with the span of their name in the declaration. */
export type InlineSet = ReadonlyMap<string, Span>;

/** Reports Soufflé's reasons an `inline` relation cannot be inlined (CL239). */
export function checkInlining(clauses: readonly Clause[], inline: InlineSet, diags: Diagnostics): void {
  if (inline.size === 0) return;
  const rulesOf = groupByHead(clauses, inline);

  // 1. A cycle made only of inline relations cannot be unfolded.
  for (const cycle of inlineCycles(rulesOf, inline)) {
    const first = cycle[0]!;
    diags.add("CL239", inline.get(first)!, `the inline relations ${cycle.map((r) => `\`${r}\``).join(", ")} depend on each other in a cycle, so they cannot be inlined`, {
      related: cycle.slice(1).map((r) => ({ span: inline.get(r)!, message: `\`${r}\` is declared \`inline\` here` })),
      help: "Remove `inline` from at least one relation of the cycle.",
    });
  }

  // 3. A negated inline relation must not bring in variables of its own.
  const bringsVariables = new Map<string, string>();
  for (const [rel, rules] of rulesOf) {
    for (const c of rules) {
      const head = new Set(c.head.args.flatMap((a) => allVariables(a)).map((v) => v.name));
      const extra = c.body.flatMap((l) => literalTerms(l).flatMap((t) => allVariables(t))).find((v) => !head.has(v.name));
      if (extra !== undefined) {
        bringsVariables.set(rel, extra.name);
        break;
      }
    }
  }

  const seen = new Set<string>();
  const once = (span: Span, message: string, extras: Parameters<Diagnostics["add"]>[3]): void => {
    const key = `${span.file}:${span.start}:${span.end}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    diags.add("CL239", span, message, extras);
  };
  for (const clause of clauses) {
    const inInline = inline.has(clause.head.relation.name);
    for (const lit of clause.body) {
      if (lit.kind === "atom" && inline.has(lit.atom.relation.name)) {
        const name = lit.atom.relation.name;
        // 2. A counter numbers tuples of a stored relation; an inlined copy would number them again.
        for (const a of lit.atom.args) counterIn(a, (span) => once(span, `\`autoinc()\` (\`$\`) cannot be an argument of the inline relation \`${name}\``, { help: `Remove \`inline\` from \`${name}\`, or number the tuples in a stored relation.` }));
        if (lit.negated) {
          const extra = bringsVariables.get(name);
          if (extra !== undefined) {
            once(lit.span, `\`!${name}(…)\` cannot be inlined: a rule of \`${name}\` has the variable \`${extra}\`, which its head does not bind`, {
              notes: ["Inlining a negation negates each body literal; a variable that only the body binds would be left unbound."],
              help: `Remove \`inline\` from \`${name}\`, or give its rules only variables of their head.`,
            });
          }
          // 5. `_` would become a named variable, unbound under the negation.
          for (const a of lit.atom.args) {
            const w = wildcardOutsideAggregates(a);
            if (w !== undefined) {
              once(w, `\`_\` cannot be an argument of the negated inline relation \`${name}\``, {
                notes: ["Inlining names each `_`, and a named variable under a negation must be bound elsewhere in the rule."],
                help: `Bind the argument with a variable, or remove \`inline\` from \`${name}\`.`,
              });
            }
          }
        }
      }
      // 4. An aggregate over an inline relation would split into one aggregate per rule.
      for (const t of literalTerms(lit)) forEachAggregate(t, (agg) => inlineInAggregate(agg, inline, once));
    }
    for (const t of clause.head.args) forEachAggregate(t, (agg) => inlineInAggregate(agg, inline, once));
    if (inInline) {
      const name = clause.head.relation.name;
      const report = (span: Span): void => once(span, `a rule of the inline relation \`${name}\` cannot use \`autoinc()\` (\`$\`)`, { help: `Remove \`inline\` from \`${name}\`.` });
      for (const t of clause.head.args) counterIn(t, report);
      for (const l of clause.body) for (const t of literalTerms(l)) counterIn(t, report);
    }
  }
}

function inlineInAggregate(agg: Aggregate, inline: InlineSet, report: (span: Span, message: string, extras: Parameters<Diagnostics["add"]>[3]) => void): void {
  const visit = (l: Literal): void => {
    if (l.kind === "atom" && inline.has(l.atom.relation.name)) {
      const name = l.atom.relation.name;
      report(l.atom.span, `the inline relation \`${name}\` cannot be used inside an aggregate`, {
        notes: ["An aggregate over an inlined relation would become one aggregate per rule, which does not compute the same value."],
        help: `Remove \`inline\` from \`${name}\`.`,
      });
    }
  };
  for (const l of agg.body) visit(l);
  const nested = (t: Term): void => forEachSubterm(t, (s) => {
    if (s.kind === "aggregate" && s !== agg) for (const l of s.body) visit(l);
  });
  if (agg.target) nested(agg.target);
  for (const l of agg.body) for (const t of literalTerms(l)) nested(t);
}

function counterIn(t: Term, report: (span: Span) => void): void {
  forEachSubterm(t, (s) => {
    if (s.kind === "call" && s.name === "autoinc") report(s.span);
  });
}

function wildcardOutsideAggregates(t: Term): Span | undefined {
  switch (t.kind) {
    case "wildcard":
      return t.span;
    case "binary":
      return wildcardOutsideAggregates(t.left) ?? wildcardOutsideAggregates(t.right);
    case "unary":
      return wildcardOutsideAggregates(t.operand);
    case "call":
      for (const a of t.args) {
        const w = wildcardOutsideAggregates(a);
        if (w !== undefined) return w;
      }
      return undefined;
    default:
      return undefined;
  }
}

function groupByHead(clauses: readonly Clause[], inline: InlineSet): Map<string, Clause[]> {
  const out = new Map<string, Clause[]>();
  for (const name of inline.keys()) out.set(name, []);
  for (const c of clauses) out.get(c.head.relation.name)?.push(c);
  return out;
}

/** The cycles (strongly connected parts) of the graph of inline relations, each in declaration order. */
function inlineCycles(rulesOf: ReadonlyMap<string, readonly Clause[]>, inline: InlineSet): string[][] {
  const uses = new Map<string, Set<string>>();
  for (const [rel, rules] of rulesOf) {
    const out = new Set<string>();
    for (const c of rules) for (const name of relationsIn(c)) if (inline.has(name)) out.add(name);
    uses.set(rel, out);
  }
  const order = [...inline.keys()];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of uses.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const part: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      part.push(w);
    } while (w !== v);
    if (part.length > 1 || uses.get(v)!.has(v)) cycles.push(part.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  };
  for (const v of order) if (!index.has(v)) connect(v);
  return cycles.sort((a, b) => order.indexOf(a[0]!) - order.indexOf(b[0]!));
}

/** Every relation a clause's body reads, aggregates included. */
function relationsIn(c: Clause): string[] {
  const out: string[] = [];
  const lit = (l: Literal): void => {
    if (l.kind === "atom") out.push(l.atom.relation.name);
    for (const t of literalTerms(l)) forEachSubterm(t, (s) => {
      if (s.kind === "aggregate") for (const x of s.body) if (x.kind === "atom") out.push(x.atom.relation.name);
    });
  };
  c.body.forEach(lit);
  for (const t of c.head.args) forEachSubterm(t, (s) => {
    if (s.kind === "aggregate") for (const x of s.body) if (x.kind === "atom") out.push(x.atom.relation.name);
  });
  return out;
}

// ---- the rewrite ---------------------------------------------------------------------------

/**
 * The clauses with every atom of an inline relation replaced by the bodies of its rules, and the
 * inline relations' own clauses dropped. Clauses keep the rule they came from (for spans); their
 * ids are renumbered. `changed` maps each clause inlining produced (to be checked again) to the inline relations it replaced.
 */
export function inlineClauses(clauses: readonly Clause[], inline: InlineSet): { clauses: Clause[]; changed: Map<Clause, string[]> } {
  if (inline.size === 0) return { clauses: [...clauses], changed: new Map() };
  const rulesOf = new Map<string, Clause[]>();
  for (const name of inline.keys()) rulesOf.set(name, []);
  for (const c of clauses) rulesOf.get(c.head.relation.name)?.push(normaliseHead(c));
  const out: Clause[] = [];
  const changed = new Map<Clause, string[]>();
  for (const c of clauses) {
    if (inline.has(c.head.relation.name)) continue;
    if (!c.body.some((l) => l.kind === "atom" && inline.has(l.atom.relation.name))) {
      out.push(c);
      continue;
    }
    // Each use of an inline relation in this clause renames its rule's variables apart: `y#hop`, `y#hop2`, ...
    const fresh = new Map<string, number>();
    let work: Literal[][] = [[...c.body]];
    const done: Literal[][] = [];
    // Unfold one inline atom at a time; there is no inline cycle (`checkInlining`), so this ends.
    for (let guard = 0; work.length > 0; guard++) {
      if (guard > 100_000) throw new Error("inlining does not terminate: an inline cycle was not reported");
      const body = work.pop()!;
      const at = body.findIndex((l) => l.kind === "atom" && inline.has(l.atom.relation.name));
      if (at < 0) {
        done.push(body);
        continue;
      }
      const lit = body[at] as Extract<Literal, { kind: "atom" }>;
      const before = body.slice(0, at);
      const after = body.slice(at + 1);
      for (const replacement of unfold(lit, rulesOf.get(lit.atom.relation.name)!, fresh)) work.push([...before, ...replacement, ...after]);
    }
    const read = [...new Set(c.body.flatMap((l) => (l.kind === "atom" && inline.has(l.atom.relation.name) ? [l.atom.relation.name] : [])))];
    for (const body of done.reverse()) out.push({ ...c, body });
    for (const clause of out.slice(out.length - done.length)) changed.set(clause, read);
  }
  const renumbered = out.map((c, id) => (c.id === id ? c : { ...c, id }));
  return { clauses: renumbered, changed: new Map([...changed].map(([c, read]) => [renumbered[out.indexOf(c)]!, read])) };
}

/**
 * `r(1, x, x) :- b.` as `r(v0, x, v1) :- b, v0 = 1, v1 = x.`: every head argument a distinct variable,
 * so unifying a head with an atom is substituting (Soufflé's normaliseInlinedHeads).
 */
function normaliseHead(c: Clause): Clause {
  const seen = new Set<string>();
  const extra: Literal[] = [];
  let k = 0;
  const args = c.head.args.map((a): Term => {
    if (a.kind === "var" && !seen.has(a.name)) {
      seen.add(a.name);
      return a;
    }
    const v: Term = { kind: "var", name: `${c.head.relation.name}#h${k++}`, span: a.span };
    extra.push({ kind: "cmp", op: "=", left: v, right: a, negated: false, span: a.span });
    return v;
  });
  return extra.length === 0 ? c : { ...c, head: { ...c.head, args }, body: [...c.body, ...extra] };
}

/** The bodies that replace one inline atom (positive: one per rule; negated: De Morgan over the rules). */
function unfold(lit: Extract<Literal, { kind: "atom" }>, rules: readonly Clause[], fresh: Map<string, number>): Literal[][] {
  const instances = rules.map((r) => instantiate(r, lit.atom, fresh));
  if (!lit.negated) return instances.map((i) => [...i.body, ...i.bind]);
  // !(B1 ∨ B2 ∨ ...) = ∧ over the rules of (∨ over a rule's literals of ¬l); multiplied out.
  if (instances.length === 0) return [[]];
  let acc: Literal[][] = [[]];
  for (const i of instances) {
    const options: Literal[] = i.body.length === 0 ? [{ kind: "bool", value: false, span: lit.span }] : i.body.map(negate);
    const next: Literal[][] = [];
    for (const partial of acc) for (const o of options) next.push([...partial, o]);
    acc = next;
  }
  const bind = instances.flatMap((i) => i.bind);
  return acc.map((b) => [...b, ...bind]);
}

/**
 * A rule of an inline relation as it reads at one atom: its variables renamed apart, its head
 * variables replaced by the atom's arguments when those are variables or constants, and equalities
 * (`bind`) for the rest (an expression or `_`, which stays a variable of its own).
 */
function instantiate(rule: Clause, atom: Atom, fresh: Map<string, number>): { body: Literal[]; bind: Literal[] } {
  const name = atom.relation.name;
  const n = (fresh.get(name) ?? 0) + 1;
  fresh.set(name, n);
  const tag = `#${name}${n === 1 ? "" : n}`;
  const subst = new Map<string, Term>();
  const bind: Literal[] = [];
  rule.head.args.forEach((h, i) => {
    const a = atom.args[i]!;
    if (h.kind !== "var") return;
    if (a.kind === "var" || a.kind === "number" || a.kind === "string") subst.set(h.name, a);
    else if (a.kind !== "wildcard") bind.push({ kind: "cmp", op: "=", left: { ...h, name: h.name + tag }, right: a, negated: false, span: a.span });
  });
  const term = (t: Term): Term => {
    switch (t.kind) {
      case "var":
        return subst.get(t.name) ?? { ...t, name: t.name + tag };
      case "binary":
        return { ...t, left: term(t.left), right: term(t.right) };
      case "unary":
        return { ...t, operand: term(t.operand) };
      case "call":
        return { ...t, args: t.args.map(term) };
      case "aggregate":
        return { ...t, target: t.target === null ? null : term(t.target), body: t.body.map(literal) };
      default:
        return t;
    }
  };
  const literal = (l: Literal): Literal => {
    if (l.kind === "atom") return { ...l, atom: { ...l.atom, args: l.atom.args.map(term) } };
    if (l.kind === "cmp") return { ...l, left: term(l.left), right: term(l.right) };
    return l;
  };
  return { body: rule.body.map(literal), bind };
}

function negate(l: Literal): Literal {
  if (l.kind === "atom") return { ...l, negated: !l.negated };
  if (l.kind === "cmp") return { ...l, negated: !l.negated };
  return { ...l, value: !l.value };
}
