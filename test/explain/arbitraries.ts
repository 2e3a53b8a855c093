// Random stratified programs over small integer facts, as the engine's differential test draws them:
// recursion, comparisons (with arithmetic), negation and aggregates, in four levels of derived relations.
import { fc } from "@fast-check/vitest";

export const INPUTS = [
  { name: "a", arity: 2 },
  { name: "b", arity: 2 },
  { name: "c", arity: 1 },
];
export const DERIVED = [
  { name: "p", arity: 2 },
  { name: "q", arity: 1 },
  { name: "r", arity: 2 },
  { name: "s", arity: 1 },
];
const VARS = ["x", "y", "z", "w"];

type Arg = { kind: "var"; v: number } | { kind: "const"; c: number } | { kind: "wild" };
const argArb: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map((v) => ({ kind: "var" as const, v })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((c) => ({ kind: "const" as const, c })) },
  { weight: 1, arbitrary: fc.constant({ kind: "wild" as const }) },
);
const atomArb = fc.record({ rel: fc.nat(100), args: fc.array(argArb, { minLength: 2, maxLength: 2 }) });
const ruleArb = fc.record({
  atoms: fc.array(atomArb, { minLength: 1, maxLength: 3 }),
  head: fc.array(fc.nat(100), { minLength: 2, maxLength: 2 }),
  cmp: fc.option(fc.record({ l: fc.nat(100), r: fc.oneof(fc.nat(100).map((v) => ({ v })), fc.integer({ min: 0, max: 3 }).map((c) => ({ c }))), op: fc.constantFrom("<", "<=", ">", ">=", "=", "!="), neg: fc.boolean(), plus: fc.boolean() })),
  negation: fc.option(fc.record({ rel: fc.nat(100), args: fc.array(fc.oneof(fc.nat(100).map((v) => ({ v })), fc.constant(null)), { minLength: 2, maxLength: 2 }) })),
  aggregate: fc.option(fc.record({ rel: fc.nat(100), op: fc.constantFrom("count", "sum", "min", "max"), group: fc.nat(100), inHead: fc.boolean() })),
});
export const programArb = fc.array(fc.array(ruleArb, { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 4 });
const tupleArb = (arity: number) => fc.array(fc.integer({ min: 0, max: 3 }), { minLength: arity, maxLength: arity });
export const factsArb = fc.record({
  a: fc.array(tupleArb(2), { maxLength: 8 }),
  b: fc.array(tupleArb(2), { maxLength: 8 }),
  c: fc.array(tupleArb(1), { maxLength: 4 }),
});

/** Builds a stratified, grounded program: relation i reads relations <= i positively and < i under negation or aggregation. */
export type Rules = typeof programArb extends fc.Arbitrary<infer T> ? T : never;

export function programText(rules: Rules): string {
  const lines: string[] = [];
  for (const r of [...INPUTS, ...DERIVED]) lines.push(`.decl ${r.name}(${Array.from({ length: r.arity }, (_, i) => `c${i}: number`).join(", ")})`);
  for (const r of INPUTS) lines.push(`.input ${r.name}`);
  DERIVED.forEach((d, level) => {
    const readable = [...INPUTS, ...DERIVED.slice(0, level + 1)];
    const lower = [...INPUTS, ...DERIVED.slice(0, level)];
    for (const rule of rules[level]!) {
      const body: string[] = [];
      const bound = new Set<string>();
      for (const atom of rule.atoms) {
        const rel = readable[atom.rel % readable.length]!;
        const args = atom.args.slice(0, rel.arity).map((a) => (a.kind === "var" ? VARS[a.v]! : a.kind === "const" ? String(a.c) : "_"));
        for (const a of args) if (VARS.includes(a)) bound.add(a);
        body.push(`${rel.name}(${args.join(", ")})`);
      }
      const vars = [...bound];
      const pick = (n: number): string | null => (vars.length === 0 ? null : vars[n % vars.length]!);
      if (rule.cmp !== null) {
        const l = pick(rule.cmp.l);
        const r = "v" in rule.cmp.r ? pick(rule.cmp.r.v) : String(rule.cmp.r.c);
        if (l !== null && r !== null) {
          const text = `${rule.cmp.plus ? `${l} + 1` : l} ${rule.cmp.op} ${r}`;
          body.push(rule.cmp.neg ? `!(${text})` : text);
        }
      }
      if (rule.negation !== null) {
        const rel = lower[rule.negation.rel % lower.length]!;
        const args = rule.negation.args.slice(0, rel.arity).map((a) => (a !== null && vars.length > 0 ? pick(a.v)! : "_"));
        body.push(`!${rel.name}(${args.join(", ")})`);
      }
      const headVars = [...vars];
      if (rule.aggregate !== null && vars.length > 0) {
        const rel = lower[rule.aggregate.rel % lower.length]!;
        const g = pick(rule.aggregate.group)!;
        const inner = rel.arity === 2 ? `${rel.name}(${g}, t)` : `${rel.name}(t)`;
        const target = rule.aggregate.op === "count" ? "" : " t";
        body.push(`n = ${rule.aggregate.op}${target} : { ${inner} }`);
        if (rule.aggregate.inHead) headVars.push("n");
      }
      const head = DERIVED[level]!;
      const headArgs = rule.head.slice(0, head.arity).map((h) => (headVars.length === 0 ? "0" : headVars[h % headVars.length]!));
      lines.push(`${head.name}(${headArgs.join(", ")}) :- ${body.join(", ")}.`);
    }
  });
  return lines.join("\n") + "\n";
}

