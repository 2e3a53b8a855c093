// `never-derived`: a relation no state can derive, because each of its rules asks for a fact and
// for that fact's absence at once. Then no state violates the invariant, so no merge can.
//
// Argument. Take a clause C of R with a positive atom p(s) in its body, and either a negated atom
// !p(t) in the same body, or a positive atom q(u) whose relation has only rules (no facts, not
// replicated), each with distinct variables for head arguments and a negated atom !p(t) in its body.
// Say t covers s when every position of t is `_`, or the term C gives that position (through q's
// head, in the second case), syntactically equal to s's. Evaluation is stratified, so p is complete
// before any rule that negates it runs: if C fired with p(s) true, the negation !p(t) (which matches
// p(s)) was false where it was read, so that body (C's, or every rule that could derive q(u)) could
// not hold. Hence C never fires; when every clause of R is like C, R is empty in every state. ∎
import type { Atom, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Roles } from "./roles.js";
import { showAtom, showLiteral } from "./show.js";

/** Why `relation` is empty in every state, or null when that cannot be shown this way. */
export function neverDerived(relation: string, roles: Roles): string | null {
  if (roles.replicated.has(relation)) return null;
  const clauses = roles.clausesOf.get(relation) ?? [];
  if (clauses.length === 0) return null;
  const whys: string[] = [];
  for (const c of clauses) {
    const why = contradiction(c, roles);
    if (why === null) return null;
    whys.push(why);
  }
  const rules = whys.length === 1 ? `its rule ${whys[0]!}` : `each of its rules: ${whys.join("; ")}`;
  return `\`${relation}\` can never be derived, since ${rules}; no state violates it, so no merge of states can`;
}

type PositiveAtom = Extract<Literal, { kind: "atom" }>;

/** How clause `c` asks for a fact and its absence at once, or null. */
function contradiction(c: Clause, roles: Roles): string | null {
  const positives = c.body.filter((l): l is PositiveAtom => l.kind === "atom" && !l.negated);
  // In the clause's own body: p(s) and !p(t).
  for (const neg of c.body) {
    if (neg.kind !== "atom" || !neg.negated) continue;
    const pos = positives.find((p) => covers(neg.atom, p.atom, (name) => ({ kind: "var", name, span: neg.span })));
    if (pos !== undefined) return `needs \`${showLiteral(pos)}\` and \`${showLiteral(neg)}\``;
  }
  // Through one positive atom q(u) whose every rule negates a fact the clause asks for.
  for (const qa of positives) {
    const q = qa.atom.relation.name;
    if (roles.replicated.has(q)) continue;
    const qcs = roles.clausesOf.get(q) ?? [];
    if (qcs.length === 0) continue;
    let witness: { pos: PositiveAtom; neg: Literal } | null = null;
    const all = qcs.every((qc) => {
      const bind = headBinding(qc.head, qa.atom);
      if (bind === null || qc.body.length === 0) return false;
      for (const neg of qc.body) {
        if (neg.kind !== "atom" || !neg.negated) continue;
        const pos = positives.find((p) => covers(neg.atom, p.atom, (name) => bind.get(name)));
        if (pos !== undefined) {
          witness ??= { pos, neg };
          return true;
        }
      }
      return false;
    });
    if (all && witness !== null) {
      const w: { pos: PositiveAtom; neg: Literal } = witness;
      return `needs \`${showLiteral(w.pos)}\` while \`${showAtom(qa.atom)}\` holds only without it (\`${showLiteral(w.neg)}\`${qcs.length > 1 ? ", in every rule for it" : ""})`;
    }
  }
  return null;
}

/** q's head variables mapped to the terms the clause's atom gives them; null unless the head is distinct variables. */
function headBinding(head: Atom, call: Atom): Map<string, Term> | null {
  const bind = new Map<string, Term>();
  for (let j = 0; j < head.args.length; j++) {
    const h = head.args[j]!;
    if (h.kind !== "var" || bind.has(h.name)) return null;
    bind.set(h.name, call.args[j]!);
  }
  return bind;
}

/** Whether negated atom `neg` (its variables read through `term`) matches every fact that positive atom `pos` matches. */
function covers(neg: Atom, pos: Atom, term: (name: string) => Term | undefined): boolean {
  if (neg.relation.name !== pos.relation.name || neg.args.length !== pos.args.length) return false;
  return neg.args.every((n, j) => {
    if (n.kind === "wildcard") return true;
    const p = pos.args[j]!;
    const t = n.kind === "var" ? term(n.name) : n;
    return t !== undefined && same(t, p);
  });
}

/** Syntactically the same value in every instance: one named variable, or equal constants. */
function same(a: Term, b: Term): boolean {
  if (a.kind === "var" && b.kind === "var") return a.name === b.name;
  if (a.kind === "number" && b.kind === "number") return a.value === b.value && a.type === b.type;
  if (a.kind === "string" && b.kind === "string") return a.value === b.value;
  return false;
}
