// Soufflé's "mutually dependent aggregate" check: each aggregate is judged with only the literal it
// stands in; two aggregates that each use a variable only the other grounds cannot be evaluated one
// after the other, so the rule is rejected (CL234), even when the rest of the rule grounds them.
import type { Aggregate, Literal, Rule, Term } from "../syntax/ast.js";
import { toDnf } from "../syntax/normalize.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { allVariables, forEachAggregate, literalTerms } from "../syntax/visit.js";

/** Reports CL234 for each aggregate of `rule` that depends on another which depends on it. */
export function checkAggregateDependencies(rule: Rule, diags: Diagnostics): void {
  if (rule.body === null) return;
  const reported = new Set<Aggregate>();
  for (const body of toDnf(rule.body)) {
    // Every literal at any depth, and the aggregates each holds.
    const sites: { literal: Literal; aggregates: Aggregate[] }[] = [];
    const visitLiteral = (l: Literal): void => {
      const aggregates: Aggregate[] = [];
      for (const t of literalTerms(l)) forEachAggregate(t, (a) => aggregates.push(a));
      if (aggregates.length > 0) sites.push({ literal: l, aggregates });
      for (const a of aggregates) a.body.forEach(visitLiteral);
    };
    body.forEach(visitLiteral);
    const all = [...new Set(sites.flatMap((s) => s.aggregates))];
    for (const agg of all) {
      const mine = sites.filter((s) => s.aggregates.includes(agg)).map((s) => s.literal);
      const groundedMine = groundedNames(mine);
      const namesMine = namesIn(mine);
      for (const other of sites) {
        const theirs = [other.literal];
        const groundedTheirs = groundedNames(theirs);
        const namesTheirs = namesIn(theirs);
        const dependsOn = (names: Set<string>, g1: Set<string>, otherNames: Set<string>, g2: Set<string>): string | null =>
          [...names].find((n) => otherNames.has(n) && !g1.has(n) && g2.has(n)) ?? null;
        const needs = dependsOn(namesMine, groundedMine, namesTheirs, groundedTheirs);
        const gives = dependsOn(namesTheirs, groundedTheirs, namesMine, groundedMine);
        if (needs === null || gives === null || reported.has(agg)) continue;
        reported.add(agg);
        const partner = other.aggregates.find((a) => a !== agg) ?? other.aggregates[0]!;
        diags.add("CL234", agg.span, `this \`${agg.op}\` and another aggregate depend on each other: it uses \`${needs}\`, which only the other grounds, and the other uses \`${gives}\`, which only this one grounds`, {
          related: [{ span: partner.span, message: "the other aggregate" }],
          notes: ["As in Soufflé, each aggregate is judged with only the literal it stands in; variables the rest of the rule grounds do not count."],
          help: `Ground \`${needs}\` and \`${gives}\` inside each aggregate's own body (e.g. repeat the atom that binds them there), or compute one aggregate in a rule of its own.`,
        });
      }
    }
  }
}

/** Every variable name in the literals, aggregates included. */
function namesIn(lits: readonly Literal[]): Set<string> {
  return new Set(lits.flatMap((l) => literalTerms(l).flatMap((t) => allVariables(t))).map((v) => v.name));
}

/**
 * Soufflé's groundedness, by name, over the literals alone: a positive atom (inside aggregates too)
 * grounds its arguments; constants and aggregates are grounded values; `a = b` passes groundedness
 * both ways; a functor is grounded when its arguments are; a record both ways.
 */
function groundedNames(lits: readonly Literal[]): Set<string> {
  const g = new Set<string>();
  const equalities: [Term, Term][] = [];
  const ground = (t: Term): void => {
    if (t.kind === "var") g.add(t.name);
    else if (t.kind === "call" && (t.name === "record" || t.name.startsWith("$"))) t.args.forEach(ground);
  };
  const lit = (l: Literal): void => {
    if (l.kind === "atom" && !l.negated) l.atom.args.forEach(ground);
    if (l.kind === "cmp" && l.op === "=" && !l.negated) equalities.push([l.left, l.right]);
    for (const t of literalTerms(l)) {
      const aggs: Aggregate[] = [];
      forEachAggregate(t, (a) => aggs.push(a));
      for (const a of aggs) a.body.forEach(lit);
    }
  };
  lits.forEach(lit);
  const isGrounded = (t: Term): boolean => {
    switch (t.kind) {
      case "var":
        return g.has(t.name);
      case "number":
      case "string":
      case "aggregate":
        return true;
      case "binary":
        return isGrounded(t.left) && isGrounded(t.right);
      case "unary":
        return isGrounded(t.operand);
      case "call":
        return t.args.every(isGrounded);
      default:
        return false;
    }
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const [a, b] of equalities) {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        if (!isGrounded(y)) continue;
        const before = g.size;
        ground(x);
        if (g.size > before) changed = true;
      }
    }
  }
  return g;
}
