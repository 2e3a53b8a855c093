// Soufflé's groundedness: a variable is grounded by being a direct argument of a positive body
// atom, or by `x = e` where every variable of `e` is grounded (to a fixpoint). Everything else
// (heads, negations, comparisons, functor arguments, aggregate targets) must use grounded variables.
import type { Aggregate, Literal, Term, Variable } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { allVariables, clauseOuter, collectOuter, hasWildcard, literalTerms } from "../syntax/visit.js";

/**
 * Reports CL205 (ungrounded) and CL214 (witness problem) for one clause with a body. With
 * `headGrounds` (a rule of an `inline` relation), the head's arguments count as bound.
 */
export function checkGrounding(clause: Clause, diags: Diagnostics, headGrounds = false): void {
  const { vars, aggregates } = clauseOuter(clause);
  const outerNames = new Set(vars.map((v) => v.name));
  const grounded = new Set<string>();
  bindPositive(clause.body, grounded);
  if (headGrounds) bindPositive([{ kind: "atom", negated: false, atom: clause.head, span: clause.head.span }], grounded);
  closeOverEqualities(clause.body, grounded, (t) => valueVariables(t, outerNames));

  const reported = new Set<string>();
  for (const v of vars) {
    if (grounded.has(v.name) || reported.has(v.name)) continue;
    reported.add(v.name);
    const inner = aggregates.find((a) => a.body.some((l) => l.kind === "atom" && !l.negated && l.atom.args.some((x) => x.kind === "var" && x.name === v.name)));
    if (inner !== undefined) {
      diags.add("CL214", v.span, `\`${v.name}\` is bound only inside an aggregate but used outside it`, {
        related: [{ span: inner.span, message: `\`${v.name}\` is bound inside this aggregate` }],
        notes: ["An aggregate's inner variables have no single value outside it (the witness problem)."],
        help: `Bind \`${v.name}\` in a positive atom outside the aggregate, or drop it from the outside.`,
      });
    } else {
      diags.add("CL205", v.span, `variable \`${v.name}\` is not grounded`, {
        notes: [groundingNote(v.name, clause)],
      });
    }
  }
  for (const agg of aggregates) checkAggregate(agg, grounded, outerNames, diags);
}

/**
 * Inside an aggregate, local variables are grounded by the aggregate's own positive atoms. As in
 * Soufflé, a variable of the rule around it is injected (a grouping variable) unless it occurs in
 * the target, which makes it the aggregate's own; a nested aggregate sees the variables of the
 * bodies around it.
 */
function checkAggregate(agg: Aggregate, outerGrounded: ReadonlySet<string>, outerNames: ReadonlySet<string>, diags: Diagnostics): void {
  const targetNames = new Set(agg.target === null ? [] : allVariables(agg.target).map((v) => v.name));
  const injected = new Set([...outerNames].filter((n) => !targetNames.has(n)));
  const g = new Set([...outerGrounded].filter((n) => injected.has(n)));
  bindPositive(agg.body, g);
  const occurrences: Variable[] = [];
  const nested: Aggregate[] = [];
  if (agg.target) collectOuter(agg.target, occurrences, nested);
  for (const l of agg.body) for (const t of literalTerms(l)) collectOuter(t, occurrences, nested);
  const here = new Set([...injected, ...occurrences.map((v) => v.name)]);
  closeOverEqualities(agg.body, g, (t) => valueVariables(t, here));
  occurrences.sort((a, b) => a.span.start - b.span.start);
  const reported = new Set<string>();
  for (const v of occurrences) {
    if (g.has(v.name) || injected.has(v.name) || reported.has(v.name)) continue;
    reported.add(v.name);
    diags.add("CL205", v.span, `variable \`${v.name}\` is not grounded inside the aggregate`, {
      notes: [`Inside \`${agg.op} : { … }\`, a variable is grounded only by a positive atom of the aggregate's body (or by the rule or aggregate around it); a variable of the target belongs to the aggregate itself.`],
    });
  }
  for (const inner of nested) checkAggregate(inner, g, here, diags);
}

function bindPositive(body: readonly Literal[], g: Set<string>): void {
  const bind = (a: Term): void => {
    if (a.kind === "var") g.add(a.name);
    // A record or ADT pattern takes its fields apart: `edge([x, y])` binds `x` and `y`.
    else if (a.kind === "call" && (a.name === "record" || a.name.startsWith("$"))) a.args.forEach(bind);
  };
  for (const l of body) {
    if (l.kind === "atom" && !l.negated) l.atom.args.forEach(bind);
    // `r = [a, b]` with `r` grounded takes `r` apart, as in Soufflé.
    if (l.kind === "cmp" && l.op === "=" && !l.negated) {
      for (const [v, rec] of [[l.left, l.right], [l.right, l.left]] as const) {
        if (v.kind === "var" && g.has(v.name) && rec.kind === "call" && (rec.name === "record" || rec.name.startsWith("$"))) rec.args.forEach(bind);
      }
    }
  }
}

/** `x = e` grounds `x` once all of `vars(e)` are grounded; `vars` returns null for terms that never ground. */
function closeOverEqualities(body: readonly Literal[], g: Set<string>, vars: (t: Term) => string[] | null): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const l of body) {
      if (l.kind !== "cmp" || l.op !== "=" || l.negated) continue;
      for (const [a, b] of [[l.left, l.right], [l.right, l.left]] as const) {
        // `r = [x, y]` with `r` grounded grounds `x` and `y`.
        if (a.kind === "var" && g.has(a.name) && b.kind === "call" && (b.name === "record" || b.name.startsWith("$"))) {
          const before = g.size;
          const bind = (t: Term): void => {
            if (t.kind === "var") g.add(t.name);
            else if (t.kind === "call" && (t.name === "record" || t.name.startsWith("$"))) t.args.forEach(bind);
          };
          b.args.forEach(bind);
          if (g.size > before) changed = true;
          continue;
        }
        if (a.kind !== "var" || g.has(a.name) || hasWildcard(b)) continue;
        const vs = vars(b);
        if (vs !== null && vs.every((n) => g.has(n))) {
          g.add(a.name);
          changed = true;
        }
      }
    }
  }
}

/** The variables a value depends on: an aggregate depends only on the outer variables it mentions but does not bind. */
function valueVariables(t: Term, outerNames: ReadonlySet<string>): string[] {
  const vs: Variable[] = [];
  const aggs: Aggregate[] = [];
  collectOuter(t, vs, aggs);
  const names = vs.map((v) => v.name);
  for (const a of aggs) {
    // Outer variables the aggregate binds itself are witness problems (CL214), reported on their own.
    const inner = new Set<string>();
    bindPositive(a.body, inner);
    for (const v of allVariables(a)) if (outerNames.has(v.name) && !inner.has(v.name)) names.push(v.name);
  }
  return names;
}

/** Says where the variable occurs, so the user sees why no occurrence grounds it. */
function groundingNote(name: string, clause: Clause): string {
  const places = new Set<string>();
  const inTerm = (t: Term): boolean => {
    const vs: Variable[] = [];
    collectOuter(t, vs, []);
    return vs.some((v) => v.name === name);
  };
  if (clause.head.args.some(inTerm)) places.add("the head");
  for (const l of clause.body) {
    if (l.kind === "atom" && l.negated && l.atom.args.some(inTerm)) places.add("a negated atom");
    if (l.kind === "atom" && !l.negated && l.atom.args.some(inTerm)) places.add("a functor or arithmetic argument");
    if (l.kind === "cmp" && (inTerm(l.left) || inTerm(l.right))) places.add("a comparison");
  }
  const list = [...places];
  const joined = list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
  const where = list.length === 0 ? "" : ` \`${name}\` occurs only in ${joined}.`;
  return `A variable is grounded by a positive body atom that has it as a direct argument, or by \`${name} = expr\` with grounded \`expr\`.${where}`;
}
