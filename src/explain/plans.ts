// Join plans for asking about one head tuple: the clause's body with each head argument tied to
// the value asked about (`x = <value>`, or `expr = <value>`), planned by the engine's planner so
// the body is read in a good order and with the engine's types. The values are parameters, so a
// plan is made once per clause and reused for every tuple.
import type { RelationSchema } from "../check/types.js";
import { inferTypes } from "../check/infer.js";
import { planVariant, PlanError } from "../plan/plan.js";
import { printAtom, printLiteral, printTerm } from "../syntax/printer.js";
import type { Aggregate, Comparison, Literal, NumberLiteral, PrimitiveType, StringLiteral, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { AggPlan, PExpr, PlanStats, Step, UnpackPattern } from "../plan/plan.js";
import { Unsupported, type BoundPlan } from "./solve.js";
import type { Value } from "../eval/values.js";

/** A literal that ties head argument `arg` to the value asked about. */
export interface HeadLiteral {
  readonly kind: "head";
  readonly arg: number;
  readonly literal: Comparison;
  /**
   * A computed field of a record or ADT in the head: `x + 1 = <field>`, where `<field>` is a
   * variable the tie of the whole argument binds by taking the value asked about apart.
   */
  readonly field?: { readonly expr: Term; readonly name: string };
}

/**
 * The literals that tie each head argument to a parameter, in head order. A record or ADT argument
 * with a computed field (`[x + 1, y]`) is matched against the value asked about by taking that value
 * apart: the field becomes a fresh variable (`[#h0.0, y]`), and a second literal checks
 * `x + 1 = #h0.0` once the body has bound `x`.
 */
export function headLiterals(clause: Clause, schema: RelationSchema): HeadLiteral[] {
  const out: HeadLiteral[] = [];
  clause.head.args.forEach((arg, i) => {
    const type = schema.columns[i]?.type ?? "number";
    const placeholder = placeholderOf(type, i, arg);
    const fields: { expr: Term; name: string }[] = [];
    const pattern = isStructure(arg) ? fieldsAsVariables(arg, `#h${i}.`, fields) : arg;
    const literal: Comparison = { kind: "cmp", op: "=", left: pattern, right: placeholder, negated: false, span: arg.span };
    out.push({ kind: "head", arg: i, literal });
    for (const f of fields) {
      const check: Comparison = { kind: "cmp", op: "=", left: f.expr, right: { kind: "var", name: f.name, span: f.expr.span }, negated: false, span: f.expr.span };
      out.push({ kind: "head", arg: i, literal: check, field: f });
    }
  });
  return out;
}

function isStructure(t: Term): t is Extract<Term, { kind: "call" }> {
  return t.kind === "call" && (t.name === "record" || t.name.startsWith("$"));
}

/** The record or ADT term with each computed field (not a variable, constant, `_` or structure) replaced by a fresh variable. */
function fieldsAsVariables(t: Extract<Term, { kind: "call" }>, prefix: string, out: { expr: Term; name: string }[]): Term {
  const args = t.args.map((a): Term => {
    if (a.kind === "call" && a.name === "nil") return a;
    if (isStructure(a)) return fieldsAsVariables(a, prefix, out);
    if (a.kind === "var" || a.kind === "wildcard" || a.kind === "number" || a.kind === "string") return a;
    const name = `${prefix}${out.length}`;
    out.push({ expr: a, name });
    return { kind: "var", name, span: a.span };
  });
  return { ...t, args };
}

/**
 * A constant standing for the value of head argument `i`; its text is unusual so no body literal
 * prints the same (steps are matched to literals by their text).
 */
function placeholderOf(type: PrimitiveType, i: number, at: Term): Term {
  const span = at.span;
  const value = placeholderValue(type, i);
  if (typeof value === "string" || type === "symbol") return { kind: "string", value: String(value), span } satisfies StringLiteral;
  return { kind: "number", value, type, text: String(value), span } satisfies NumberLiteral;
}

function placeholderValue(type: PrimitiveType, i: number): Value {
  if (type === "symbol") return `\u0001head ${i}`;
  return type === "unsigned" ? 4294967000 + i : type === "float" ? 1.2345e300 + i * 1e290 : -2147483000 + i;
}

/** What a plan needs to be matched back to the literals it came from. */
export type PlanItem = HeadLiteral | Literal;

/**
 * Plans `items` (head ties and body literals) as one conjunction; null when some literal cannot be
 * evaluated yet (a variable in it is bound by no atom among `items`).
 */
export function planItems(clause: Clause, items: readonly PlanItem[], relations: ReadonlyMap<string, RelationSchema>, size?: (relation: string) => number): BoundPlan | null {
  const written = items.map((x) => ("kind" in x && x.kind === "head" ? x.literal : (x as Literal)));
  const body = keyedByHead(items, written, relations);
  const probe: Clause = { ...clause, head: { relation: clause.head.relation, args: [], span: clause.head.span }, body };
  // With sizes the planner costs every order, so a small relation is read first and a large one probed.
  const atoms = body.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom" && !l.negated).map((l) => size?.(l.atom.relation.name) ?? 0);
  const stats: PlanStats | undefined = size === undefined ? undefined : { rows: atoms, total: atoms, keys: () => null };
  let plan;
  try {
    plan = planVariant(probe, relations, inferTypes(probe, relations), -1, stats);
  } catch (err) {
    if (err instanceof PlanError) return null;
    throw err;
  }
  // Steps carry their literal's text; equal texts are equal literals, so the first unused one is taken.
  const byText = new Map<string, { item: PlanItem; literal: Literal }[]>();
  items.forEach((item, k) => {
    const text = printLiteral(body[k]!);
    const list = byText.get(text) ?? [];
    list.push({ item, literal: written[k]! });
    byText.set(text, list);
  });
  const atomText = new Map<string, Literal>();
  body.forEach((l, k) => {
    if (l.kind === "atom" && !l.negated) atomText.set(printAtom(l.atom), written[k]!);
  });
  const literals: (Literal | null)[] = [];
  const headArg: number[] = [];
  for (const step of plan.steps) {
    const found = byText.get(step.text)?.shift();
    if (found !== undefined) {
      literals.push(found.literal);
      headArg.push("kind" in found.item && found.item.kind === "head" && found.item.field === undefined ? found.item.arg : -1);
      continue;
    }
    // An expression in an atom's column is checked after the atom: `a(x + 1) column 1`; a record
    // pattern in it is taken apart after it: `[x, _] in a([x, _])`.
    const column = / column \d+$/.exec(step.text);
    let owner = column === null ? undefined : atomText.get(step.text.slice(0, column.index));
    if (owner === undefined && step.kind === "unpack") for (const [text, l] of atomText) if (step.text.endsWith(` in ${text}`)) owner = l;
    if (owner === undefined) throw new Unsupported(`the plan step \`${step.text}\``);
    literals.push(owner);
    headArg.push(-1);
  }
  const names: (string | undefined)[] = new Array(plan.slots);
  nameSlots(plan.steps, literals, names);
  for (const a of aggregatesOf(body)) nameAggregate(a, plan.steps, names);
  const placeholders = new Map<Value, number>();
  const schema = relations.get(clause.head.relation.name);
  for (const x of items) if ("kind" in x && x.kind === "head" && x.field === undefined) placeholders.set(placeholderValue(schema?.columns[x.arg]?.type ?? "number", x.arg), x.arg);
  return { plan, literals, headArg, names, placeholders };
}

/**
 * The body with each variable a head tie binds to a parameter written, in the positive atoms, as
 * that parameter: `parent(x, a)` asked about `x` is planned as `parent(<x>, a)`, so the planner sees
 * a keyed lookup where it would otherwise cost a scan (the tie `x = <x>` still binds `x` for the rest).
 */
function keyedByHead(items: readonly PlanItem[], written: readonly Literal[], relations: ReadonlyMap<string, RelationSchema>): Literal[] {
  const params = new Map<string, { term: Term; type: PrimitiveType }>();
  for (const x of items) {
    if (!("kind" in x && x.kind === "head")) continue;
    const { left, right } = x.literal;
    if (left.kind !== "var" || params.has(left.name)) continue;
    params.set(left.name, { term: right, type: right.kind === "string" ? "symbol" : right.kind === "number" ? right.type : "number" });
  }
  if (params.size === 0) return [...written];
  return written.map((l) => {
    if (l.kind !== "atom" || l.negated) return l;
    const columns = relations.get(l.atom.relation.name)?.columns;
    let changed = false;
    const args = l.atom.args.map((a, c) => {
      const p = a.kind === "var" ? params.get(a.name) : undefined;
      const type = columns?.[c]?.type;
      if (p === undefined || type === undefined || (type === "symbol") !== (p.type === "symbol") || (type !== "symbol" && type !== p.type)) return a;
      changed = true;
      return { ...p.term, span: a.span };
    });
    return changed ? { ...l, atom: { ...l.atom, args } } : l;
  });
}

/** Names of the slots that steps bind, from their literals' variables. */
function nameSlots(steps: readonly Step[], literals: readonly (Literal | null)[], names: (string | undefined)[]): void {
  steps.forEach((step, k) => {
    const l = literals[k];
    if (step.kind === "atom" && l?.kind === "atom") {
      step.args.forEach((a, c) => {
        const t = l.atom.args[c];
        if ((a.kind === "bind" || a.kind === "bound") && t?.kind === "var") names[a.slot] ??= t.name;
      });
    }
    if (step.kind === "assign" && l?.kind === "cmp") {
      const inExpr = new Set<string>();
      exprNames(step.expr, inExpr);
      for (const side of [l.left, l.right]) if (side.kind === "var" && !inExpr.has(side.name)) names[step.slot] ??= side.name;
    }
    if (step.kind === "unpack" && l != null) {
      // The record term the pattern came from: a side of `p = [x, y]`, or a column of `a([x, _])`.
      const terms: Term[] = l.kind === "cmp" ? [l.left, l.right] : l.kind === "atom" ? [...l.atom.args] : [];
      const term = terms.find((t) => t.kind === "call" && (l.kind === "cmp" || step.text.startsWith(`${printTerm(t)} in `)));
      if (term !== undefined) namePattern(step.pattern, term, names);
    }
    const exprs: PExpr[] = step.kind === "filter" ? [step.left, step.right] : step.kind === "assign" ? [step.expr] : [];
    for (const e of exprs) walkExpr(e, (x) => {
      if (x.kind === "var" && !x.name.startsWith("#")) names[x.slot] ??= x.name;
    });
  });
}

/** Names of the slots a record pattern binds, from the variables at the same places in its term. */
function namePattern(pattern: UnpackPattern, term: Term, names: (string | undefined)[]): void {
  if (term.kind !== "call") return;
  pattern.fields.forEach((f, i) => {
    const t = term.args[i];
    if (t === undefined) return;
    if (f.kind === "bind" && t.kind === "var") names[f.slot] ??= t.name;
    if (f.kind === "nested") namePattern(f.pattern, t, names);
  });
}

function nameAggregate(term: Aggregate, steps: readonly Step[], names: (string | undefined)[]): void {
  const agg = findAgg(steps, printTerm(term));
  if (agg === null) return;
  const literals = agg.steps.map((s) => term.body.find((l) => printLiteral(l) === s.text) ?? null);
  nameSlots(agg.steps, literals, names);
  if (agg.target !== null) walkExpr(agg.target, (x) => {
    if (x.kind === "var") names[x.slot] ??= x.name;
  });
}

/** The aggregate plan printed as `text` among the steps' expressions, or null. */
export function findAgg(steps: readonly Step[], text: string): AggPlan | null {
  let found: AggPlan | null = null;
  for (const s of steps) {
    const exprs: PExpr[] = s.kind === "filter" ? [s.left, s.right] : s.kind === "assign" ? [s.expr] : [];
    for (const e of exprs) walkExpr(e, (x) => {
      if (x.kind === "agg" && x.agg.text === text) found ??= x.agg;
    });
  }
  return found;
}

/** Every aggregate term in the literals, outermost first. */
export function aggregatesOf(literals: readonly Literal[]): Aggregate[] {
  const out: Aggregate[] = [];
  const term = (t: Term): void => {
    if (t.kind === "aggregate") out.push(t);
    else if (t.kind === "binary") (term(t.left), term(t.right));
    else if (t.kind === "unary") term(t.operand);
    else if (t.kind === "call") t.args.forEach(term);
  };
  for (const l of literals) {
    if (l.kind === "cmp") (term(l.left), term(l.right));
    else if (l.kind === "atom") l.atom.args.forEach(term);
  }
  return out;
}

export function walkExpr(e: PExpr, f: (e: PExpr) => void): void {
  f(e);
  if (e.kind === "binary") (walkExpr(e.left, f), walkExpr(e.right, f));
  else if (e.kind === "unary") walkExpr(e.operand, f);
  else if (e.kind === "call") e.args.forEach((a) => walkExpr(a, f));
}

function exprNames(e: PExpr, out: Set<string>): void {
  walkExpr(e, (x) => {
    if (x.kind === "var") out.add(x.name);
  });
}
