// Where 32-bit arithmetic predictably wraps around (CL319, a warning): a constant expression whose
// exact value does not fit its type, and a recursive rule whose head keeps growing a value read from
// its own cycle (`n + 1`, `a + b`, `x * 2`) with no comparison bounding it. `number` and `unsigned`
// wrap as in Soufflé's default build, so such a program runs but its values silently turn around.
import type { CheckedProgram } from "../check/types.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Literal, PrimitiveType, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { printTerm } from "../syntax/printer.js";
import { forEachSubterm, literalTerms } from "../syntax/visit.js";

const RANGE: Partial<Record<PrimitiveType, readonly [bigint, bigint]>> = {
  number: [-(2n ** 31n), 2n ** 31n - 1n],
  unsigned: [0n, 2n ** 32n - 1n],
};

/** Reports CL319 for each predictable wrap-around; `recursive(head, body)` says whether `body` is in `head`'s cycle. */
export function reportOverflow(checked: CheckedProgram, recursive: (head: string, body: string) => boolean, diags: Diagnostics): void {
  const seen = new Set<string>();
  const once = (key: string): boolean => !seen.has(key) && (seen.add(key), true);
  for (const clause of checked.clauses) {
    const columns = checked.relations.get(clause.head.relation.name)?.columns ?? [];
    constants(clause, columns.map((c) => c.type), diags, once);
    if (clause.body.length > 0) growth(clause, columns.map((c) => c.type), recursive, diags, once);
  }
}

function constants(clause: Clause, headTypes: readonly PrimitiveType[], diags: Diagnostics, once: (k: string) => boolean): void {
  const visit = (t: Term, want: PrimitiveType | null): void => {
    if ((t.kind === "binary" || t.kind === "unary") && exact(t) !== null) {
      const type = literalType(t) ?? want ?? "number";
      const range = RANGE[type];
      const v = exact(t)!;
      if (range !== undefined && (v < range[0] || v > range[1]) && once(`${t.span.file}:${t.span.start}`)) {
        const wrapped = type === "number" ? BigInt.asIntN(32, v) : BigInt.asUintN(32, v);
        diags.add("CL319", t.span, `\`${printTerm(t)}\` is ${v}, which does not fit in a 32-bit \`${type}\`: it wraps around to ${wrapped}`, {
          help: "Write the value you mean (a `float` with a decimal point, if it is that large), or compute it from smaller parts.",
        });
      }
      return;
    }
    if (t.kind === "binary") (visit(t.left, want), visit(t.right, want));
    else if (t.kind === "unary") visit(t.operand, want);
    else if (t.kind === "call") t.args.forEach((a) => visit(a, null));
    else if (t.kind === "aggregate") {
      if (t.target !== null) visit(t.target, null);
      for (const l of t.body) literalTerms(l).forEach((x) => visit(x, null));
    }
  };
  clause.head.args.forEach((a, i) => visit(a, headTypes[i] ?? null));
  for (const l of clause.body) for (const t of literalTerms(l)) visit(t, null);
}

/** The exact value of an integer expression of literals (null when it has a variable, a float, or an operator other than + - * ^ << and negation). */
function exact(t: Term): bigint | null {
  switch (t.kind) {
    case "number":
      return t.type === "float" || !Number.isInteger(t.value) ? null : BigInt(t.value);
    case "unary": {
      const a = t.op === "-" ? exact(t.operand) : null;
      return a === null ? null : -a;
    }
    case "binary": {
      const a = exact(t.left);
      const b = a === null ? null : exact(t.right);
      if (a === null || b === null) return null;
      switch (t.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "^":
          return b >= 0n && b <= 64n ? a ** b : null;
        case "bshl":
          return b >= 0n && b < 32n ? a << b : null;
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

/** `unsigned` when a literal of the expression is written as one, else null (the context decides). */
function literalType(t: Term): PrimitiveType | null {
  let type: PrimitiveType | null = null;
  forEachSubterm(t, (s) => {
    if (s.kind === "number" && s.type === "unsigned") type = "unsigned";
  });
  return type;
}

function growth(clause: Clause, headTypes: readonly PrimitiveType[], recursive: (head: string, body: string) => boolean, diags: Diagnostics, once: (k: string) => boolean): void {
  const head = clause.head.relation.name;
  // Variables read from the rule's own cycle.
  const cyclic = new Set<string>();
  for (const l of clause.body) {
    if (l.kind === "atom" && !l.negated && recursive(head, l.atom.relation.name)) for (const a of l.atom.args) if (a.kind === "var") cyclic.add(a.name);
  }
  if (cyclic.size === 0) return;
  // Variables a comparison bounds (`n + 1 <= 12`, `i < 40`): the rule stops there, so no prediction.
  const bounded = new Set<string>();
  const assigned = new Map<string, Term>();
  for (const l of clause.body) {
    if (l.kind !== "cmp") continue;
    if (l.op === "=" && !l.negated) {
      if (l.left.kind === "var" && l.right.kind !== "var") assigned.set(l.left.name, l.right);
      if (l.right.kind === "var" && l.left.kind !== "var") assigned.set(l.right.name, l.left);
      continue;
    }
    if (l.op === "<" || l.op === "<=" || l.op === ">" || l.op === ">=") for (const n of varNames(l)) bounded.add(n);
  }
  clause.head.args.forEach((arg, i) => {
    const type = headTypes[i];
    if (type !== "number" && type !== "unsigned") return;
    const expr = arg.kind === "var" ? assigned.get(arg.name) : arg;
    if (expr === undefined || !grows(expr, cyclic)) return;
    const names = new Set<string>();
    forEachSubterm(expr, (s) => s.kind === "var" && names.add(s.name));
    if (arg.kind === "var") names.add(arg.name);
    if ([...names].some((n) => bounded.has(n))) return;
    if (!once(`${expr.span.file}:${expr.span.start}`)) return;
    const max = type === "number" ? "2147483647" : "4294967295";
    diags.add("CL319", expr.span, `\`${printTerm(expr)}\` grows with each round of the recursion through \`${head}\` and nothing bounds it: past ${max} it wraps around (32-bit \`${type}\`)`, {
      notes: ["calmlog computes `number` and `unsigned` in 32 bits, wrapping around as Soufflé's default build does; the rule keeps deriving larger values until they turn around."],
      help: `Bound the value in the body (e.g. \`${[...names].find((n) => cyclic.has(n)) ?? "x"} < 1000000\`), run it with \`calmlog run --64\` for 64-bit numbers (as Soufflé built with -DRAM_DOMAIN_SIZE=64), or give the column a \`float\` type if the values are meant to grow large.`,
    });
  });
}

/** Whether `t` grows a value of the cycle: `v + c` (c > 0), `v * c` (|c| >= 2), `v ^ c`, `v << c`, or two cycle values added or multiplied. */
function grows(t: Term, cyclic: ReadonlySet<string>): boolean {
  if (t.kind !== "binary") return false;
  const isCyclic = (x: Term): boolean => (x.kind === "var" && cyclic.has(x.name)) || grows(x, cyclic);
  const c = (x: Term): bigint | null => exact(x);
  const [l, r] = [t.left, t.right];
  switch (t.op) {
    case "+":
      return (isCyclic(l) && (isCyclic(r) || (c(r) ?? 0n) > 0n)) || (isCyclic(r) && (c(l) ?? 0n) > 0n);
    case "*": {
      const big = (x: Term): boolean => {
        const v = c(x);
        return v !== null && (v >= 2n || v <= -2n);
      };
      return (isCyclic(l) && (isCyclic(r) || big(r))) || (isCyclic(r) && big(l));
    }
    case "^":
    case "bshl":
      return isCyclic(l) && (c(r) ?? 0n) >= 1n;
    default:
      return false;
  }
}

function varNames(l: Literal): string[] {
  const out: string[] = [];
  for (const t of literalTerms(l)) forEachSubterm(t, (s) => s.kind === "var" && out.push(s.name));
  return out;
}
