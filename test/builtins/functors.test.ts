// Every row of the builtins table is known to the parser, checker, planner, generated code, explain's
// interpreter and the invariant prover, and the generated code computes what the row's semantics say
// on random inputs. Inputs are drawn from the row's argument types, so a new row needs no new test.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { applyBuiltin, argTypes, BUILTIN_NAMES, BUILTINS, builtin, type Builtin, type BuiltinName, type BuiltinType } from "../../src/builtins/functors.js";
import { UserError } from "../../src/diagnostics/diagnostic.js";
import { Engine } from "../../src/eval/index.js";
import { EngineModel, Explainer, InputIndex } from "../../src/index.js";
import { compile } from "../../src/pipeline.js";
import { FUNCTOR_NAMES, type Term } from "../../src/syntax/ast.js";
import { compileText } from "../eval/helpers.js";
import { storedType } from "../../src/check/types.js";

type V = string | number;

const arbOf = (t: BuiltinType): fc.Arbitrary<V> => {
  switch (t) {
    case "symbol":
      return fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("12", "-7", "0x1F", "0b101", " 3 ", "1.5", "", "+4", "héllo", "🙂x"));
    case "number":
      return fc.oneof(fc.integer({ min: -3, max: 8 }), fc.integer({ min: -2147483648, max: 2147483647 }));
    case "unsigned":
      return fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 4294967295 }));
    case "float":
      return fc.oneof(fc.constantFrom(0.5, -2.75, 3, 1e10), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((x) => (Object.is(x, -0) ? 0 : x)));
  }
};

/** The argument types to try a row with: each accepted type once, all arguments alike for `min`/`max`/`range`. */
function signatures(b: Builtin): BuiltinType[][] {
  const n = b.min === 0 ? 0 : b.variadic ? Math.min(b.min + 1, 3) : b.min;
  const first = n === 0 ? [] : argTypes(b, 0);
  if (b.result === "args") return first.map((t) => Array.from({ length: n }, () => t)).filter((ts) => !(b.generator && ts[0] === "float"));
  if (n === 0) return [[]];
  return first.map((t) => Array.from({ length: n }, (_, i) => (i === 0 ? t : argTypes(b, i)[0]!)));
}

function resultType(b: Builtin, args: readonly BuiltinType[]): BuiltinType {
  return b.result === "args" ? args[0]! : b.result;
}

/** `out(a0, ..., y) :- in(a0, ...), y = f(a0, ...).` for one row and signature. */
function program(name: string, args: readonly BuiltinType[], result: BuiltinType): string {
  const cols = args.map((t, i) => `a${i}: ${t}`);
  const vars = args.map((_, i) => `a${i}`);
  return [
    `.decl in(${[...cols, "k: number"].join(", ")})`,
    `.decl out(${[...cols, `y: ${result}`].join(", ")})`,
    `.input in`,
    `out(${[...vars, "y"].join(", ")}) :- in(${[...vars, "_"].join(", ")}), y = ${name}(${vars.join(", ")}).`,
  ].join("\n");
}

/** What the row's semantics give for one input: its values, or null when it faults. */
function expected(name: BuiltinName, b: Builtin, row: readonly V[], args: readonly BuiltinType[], result: BuiltinType): V[] | null {
  try {
    if (b.generator) {
      const r = BUILTINS.range.impls;
      const [f, t, s0] = row as number[];
      const s = s0 ?? r.step(f!, t!);
      const out: number[] = [];
      for (let k = 0, x = f!; r.inside(x, t!, s, k) && k < 50; k++, x = r.at(f!, s, k)) out.push(x);
      return out;
    }
    return [applyBuiltin(name, row, args, result)];
  } catch {
    return null;
  }
}

const key = (t: readonly unknown[]): string => JSON.stringify(t);

describe("the builtins table", () => {
  test("the parser's functor names are the table's rows, in order", () => {
    expect(FUNCTOR_NAMES).toEqual(BUILTIN_NAMES);
  });

  test.each(BUILTIN_NAMES.map((n) => [n]))("`%s`: the checker knows its arity", (name) => {
    const b: Builtin = BUILTINS[name];
    const n = b.min === 0 ? 1 : b.min - 1;
    const args = Array.from({ length: n }, () => (argTypes(b, 0)?.[0] === "symbol" ? '"a"' : "1"));
    const c = compile({ path: "t.dl", text: `.decl r(x: number)\nr(1) :- ${name}(${args.join(", ")}) = ${name}(${args.join(", ")}).` });
    expect(c.diagnostics.items.map((d) => d.code)).toContain("CL211");
  });

  for (const name of BUILTIN_NAMES) {
    const b: Builtin = BUILTINS[name];
    for (const args of signatures(b)) {
      const result = resultType(b, args);
      const text = program(name, args, result);
      // Range arguments stay small, so a range has few values.
      const values = (t: BuiltinType) => (b.generator ? fc.integer({ min: t === "unsigned" ? 0 : -6, max: 6 }) : arbOf(t));
      const rows = fc.uniqueArray(fc.tuple(...args.map(values)), { minLength: 1, maxLength: 8, selector: key });

      test.prop([rows], { numRuns: 15 })(`\`${name}(${args.join(", ")})\`: generated code computes the row's semantics`, (input) => {
        const { checked, analysis } = compileText(text);
        const engine = new Engine(checked, analysis);
        const facts = input.map((r, k) => [...r, k]);
        engine.insert("in", facts);
        if (b.calm === "order-dependent") {
          // `autoinc()`: one distinct number per input, 0 upwards, in an order the rules choose.
          engine.run();
          expect(engine.tuples("out").map((t) => t[t.length - 1]).sort((x, y) => (x as number) - (y as number))).toEqual(input.map((_, i) => i));
          return;
        }
        const want = input.map((r) => expected(name, b, r, args, result));
        if (want.some((w) => w === null)) {
          // A fault (division by zero, `to_number("x")`, `ord("")`) stops the run with CL405, as documented.
          expect(() => engine.run()).toThrow(UserError);
          return;
        }
        engine.run();
        const got = engine.tuples("out").map(key).sort();
        const all = input.flatMap((r, i) => want[i]!.map((y) => key([...r, y])));
        expect(got).toEqual([...new Set(all)].sort());

        // Explain's interpreter recomputes the same value for a derived tuple, and refuses a wrong one.
        const inputs = new InputIndex();
        inputs.add("in", facts, (i) => ({ file: "in.facts", line: i + 1 }));
        const explainer = new Explainer({ checked, analysis }, new EngineModel(engine), inputs, () => text);
        // (Explain does not find a fact holding the empty symbol: left out here.)
        const t = engine.tuples("out").find((u) => !u.includes(""));
        if (t === undefined) return;
        expect(explainer.why("out", t)?.kind).toBe("rule");
        const y = t[t.length - 1]!;
        const wrong = typeof y === "string" ? `${y}?` : result === "unsigned" && y === 4294967295 ? 0 : y === 2147483647 ? 0 : y + 1;
        if (!engine.tuples("out").some((u) => key(u) === key([...t.slice(0, -1), wrong]))) expect(explainer.why("out", [...t.slice(0, -1), wrong])).toBeNull();
      });
    }
  }

  test.each(BUILTIN_NAMES.map((n) => [n]))("`%s`: the invariant prover types its result from the row, through the checked program's inference", (name) => {
    const b = builtin(name)!;
    const types = Array.from({ length: b.min }, (_, i) => argTypes(b, i)[0]!);
    const result = b.result === "args" ? types[0]! : b.result;
    const vars = types.map((_, i) => `a${i}`);
    const body = vars.length === 0 ? "" : `in(${vars.join(", ")}), `;
    const text = `${vars.length === 0 ? "" : `.decl in(${vars.map((v, i) => `${v}: ${types[i]}`).join(", ")})\n.input in\n`}.decl out(y: ${result})\n.output out\nout(y) :- ${body}y = ${name}(${vars.join(", ")}).\n`;
    const { checked } = compileText(text);
    const eq = checked.clauses[0]!.body.at(-1)!;
    const call = (eq.kind === "cmp" ? eq.right : null) as Term;
    expect(call.kind).toBe("call");
    expect(storedType(checked.types[0]!, call)).toBe(result);
  });
});
