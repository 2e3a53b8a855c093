// Compiles a program that must have no errors, evaluates it, and gives each relation's rows as
// sorted TSV lines: the shape the language tests compare against Soufflé's outputs.
import { expect } from "vitest";
import { evaluate } from "../../src/eval/index.js";
import { formatRelation } from "../../src/io/write.js";
import { compile } from "../../src/pipeline.js";

export function runProgram(text: string): (relation: string) => string[] {
  const c = compile({ path: "t.dl", text });
  const errors = c.diagnostics.items.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`)).toEqual([]);
  const engine = evaluate(c.checked, c.analysis!, {});
  return (r) => formatRelation(c.checked.relations.get(r)!, [...engine.tuples(r)], "tsv").split("\n").filter((l) => l !== "").sort();
}
