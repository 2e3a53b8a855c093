// The one builder of the "reads" graph: which relations a clause reads, and how (positively, under
// negation, inside an aggregate), with the literal or aggregate that reads them. The analysis's
// dependency edges, fixed relations, the planner's negated and aggregated relations and the
// prover's roles are all read off it.
import type { Aggregate, Literal } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Span } from "../diagnostics/span.js";
import { forEachAggregate, literalTerms } from "../syntax/visit.js";
import type { EdgeKind } from "./types.js";

/** One relation read by a clause: an edge of the dependency graph, from the clause's head. */
export interface Read {
  readonly relation: string;
  readonly kind: EdgeKind;
  /** The atom literal, or the aggregate term for reads inside an aggregate. */
  readonly span: Span;
}

/**
 * Every relation `clause` reads, in order: the head's aggregates, then each body literal (an
 * atom, then the aggregates in its terms). An atom inside an aggregate (nested ones and the
 * target's included) is an `aggregation` read at that aggregate.
 */
export function clauseReads(clause: Pick<Clause, "head" | "body">): Read[] {
  const out: Read[] = [];
  for (const t of clause.head.args) forEachAggregate(t, (a) => aggregateReadsInto(a, out));
  for (const l of clause.body) literalReadsInto(l, out);
  return out;
}

/** The reads of one aggregate: every atom of its body, nested aggregates and its target's included. */
export function aggregateReads(agg: Aggregate): Read[] {
  const out: Read[] = [];
  aggregateReadsInto(agg, out);
  return out;
}

function literalReadsInto(lit: Literal, out: Read[]): void {
  if (lit.kind === "atom") out.push({ relation: lit.atom.relation.name, kind: lit.negated ? "negation" : "positive", span: lit.span });
  for (const t of literalTerms(lit)) forEachAggregate(t, (a) => aggregateReadsInto(a, out));
}

function aggregateReadsInto(agg: Aggregate, out: Read[]): void {
  for (const lit of agg.body) {
    if (lit.kind === "atom") out.push({ relation: lit.atom.relation.name, kind: "aggregation", span: agg.span });
    for (const t of literalTerms(lit)) forEachAggregate(t, (a) => aggregateReadsInto(a, out));
  }
  if (agg.target !== null) forEachAggregate(agg.target, (a) => aggregateReadsInto(a, out));
}
