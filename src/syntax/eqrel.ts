// Soufflé's `eqrel` qualifier: the relation is an equivalence relation. Its closure is spelled out
// as four ordinary rules, spanning the declaration: reflexive on every value it holds, symmetric,
// transitive. All four are monotonic, so an `eqrel` relation stays coordination-free.
import type { Atom, Item, RelationDecl, Rule, Term } from "./ast.js";

/** The items with the closure rules of every two-column `eqrel` relation appended. */
export function addEquivalenceRules(items: readonly Item[]): readonly Item[] {
  const eqrels = items.filter((i): i is RelationDecl => i.kind === "decl" && i.attributes.length === 2 && i.qualifiers.some((q) => q.name === "eqrel"));
  if (eqrels.length === 0) return items;
  const out = [...items];
  for (const d of eqrels) {
    const span = d.span;
    const v = (name: string): Term => ({ kind: "var", name, span });
    const w: Term = { kind: "wildcard", span };
    const atom = (a: Term, b: Term): Atom => ({ relation: d.name, args: [a, b], span });
    const rule = (head: Atom, ...body: Atom[]): Rule => ({
      kind: "rule",
      heads: [head],
      body: body.length === 1 ? { kind: "atom", negated: false, atom: body[0]!, span } : { kind: "and", items: body.map((b) => ({ kind: "atom", negated: false, atom: b, span })), span },
      span,
    });
    out.push(
      rule(atom(v("x"), v("x")), atom(v("x"), w)),
      rule(atom(v("y"), v("y")), atom(w, v("y"))),
      rule(atom(v("y"), v("x")), atom(v("x"), v("y"))),
      rule(atom(v("x"), v("z")), atom(v("x"), v("y")), atom(v("y"), v("z"))),
    );
  }
  return out;
}
