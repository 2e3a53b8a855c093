// The parser never throws: random text and damaged programs always give a Program, with every
// problem as a diagnostic whose span lies inside the file.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import type { Program } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import { printProgram } from "../../src/syntax/printer.js";
import { program } from "./arbitraries.js";

/** Pieces of the language, so that mutations produce text close to real programs. */
const VOCABULARY = [
  ".decl", ".type", ".input", ".output", ".invariant", ".comp", ".plan", ".pragma", ".functor", ".bogus", "#include",
  "(", ")", "[", "]", "{", "}", ",", ";", ".", ":-", ":", "!", "=", "!=", "<", "<=", "<:", ">", ">=", "|",
  "+", "-", "*", "/", "%", "^", "band", "lnot", "count", "sum", "min", "max", "mean", "true", "false", "_",
  "x", "p", "cat", "strlen", "foo", "$", "@", "1", "0x1F", "2147483648", "1.5", "9u", '"s"', '"open', "/*", "*/", "//", "\n", " ",
];

function parseChecked(text: string): Program {
  const diags = new Diagnostics();
  const result = parse({ path: "fuzz.dl", text }, diags);
  expect(result.kind).toBe("program");
  for (const d of diags.items) {
    expect(d.code).toMatch(/^CL(10[1-4]|10[679]|119|211|21[67])$/);
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(Number.isInteger(d.span.line) && Number.isInteger(d.span.column)).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
  }
  for (const item of result.items) {
    expect(item.span.start).toBeGreaterThanOrEqual(0);
    expect(item.span.end).toBeLessThanOrEqual(text.length);
  }
  return result;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), piece: fc.constantFrom(...VOCABULARY) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("char" as const), at: fc.nat(), piece: fc.string({ minLength: 1, maxLength: 2, unit: "binary" }) }),
);

function mutate(text: string, ms: readonly { kind: string; at: number; piece?: string; length?: number }[]): string {
  let t = text;
  for (const m of ms) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    t = m.kind === "delete" ? t.slice(0, at) + t.slice(at + (m.length ?? 1)) : t.slice(0, at) + (m.piece ?? "") + t.slice(at);
  }
  return t;
}

describe("parse on any input", () => {
  test.prop([fc.string({ maxLength: 200, unit: "binary" })], { numRuns: 300 })("random text", (text) => {
    parseChecked(text);
  });

  test.prop([fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 60 })], { numRuns: 500 })("random token soup", (pieces) => {
    parseChecked(pieces.join(" "));
  });

  test.prop([program, fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 400 })("mutated valid programs", (p, ms) => {
    parseChecked(mutate(printProgram(p), ms));
  });

  test("pathological nesting and lengths", () => {
    for (const text of [
      "(".repeat(20000),
      `p(x) :- ${"!".repeat(20000)}q(x).`,
      `p(x) :- x = ${"-".repeat(20000)}1.`,
      `p(x) :- x = ${Array.from({ length: 5000 }, () => "2").join(" ^ ")}.`,
      `p(x) :- x = ${"count : ".repeat(3000)}q(x).`,
      `p(x) :- x = ${Array.from({ length: 20000 }, () => "1").join(" + ")}.`,
      '"'.repeat(10001),
      "/*".repeat(1000),
      "\u0000\uFFFF\uD800",
    ]) {
      parseChecked(text);
    }
  });
});
