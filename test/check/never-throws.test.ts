import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { check } from "../../src/check/check.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../src/report/text.js";
import { parse } from "../../src/syntax/parse.js";

const SEED = [
  ".type Id <: symbol",
  ".type U = Id | symbol",
  ".decl edge(x: Id, y: Id)",
  ".decl path(x: Id, y: Id)",
  ".decl n(x: Id, c: number)",
  ".input edge(IO=file, delimiter=\",\")",
  ".output path",
  ".invariant path",
  'edge("a", "b").',
  "path(x, y) :- edge(x, y).",
  "path(x, z) :- path(x, y), edge(y, z) ; edge(x, z), !path(z, x).",
  "n(x, c) :- edge(x, _), c = count : { edge(x, y), y != x }, c > 1 + 2 * strlen(x).",
  "n(x, s) :- edge(x, y), s = sum to_number(y) : { edge(x, y) }, s = max(1, s).",
].join("\n");

const ALPHABET = [..."abxyz_(),.:-!=<>;{}\"0123456789 \n+*/", ".decl ", ".type ", ".input ", "count", "sum", "cat(", ":-", "<:", "|"];

/** The seed program with a few random edits: most results are almost valid, which reaches the checks. */
const mutated = fc
  .array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...ALPHABET)), { maxLength: 6 })
  .map((edits) => {
    let text = SEED;
    for (const [pos, del, ins] of edits) {
      const at = pos % (text.length + 1);
      text = text.slice(0, at) + ins + text.slice(at + del);
    }
    return text;
  });

function runs(text: string): void {
  const diags = new Diagnostics();
  const program = parse({ path: "p.dl", text }, diags);
  const checked = check(program, diags);
  expect(checked.program).toBe(program);
  for (const d of diags.items) {
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.message.length).toBeGreaterThan(0);
  }
  // Checks never report the same thing twice at one place.
  const keys = diags.items.filter((d) => d.code >= "CL2" && d.code < "CL3").map((d) => `${d.code}@${d.span.start}-${d.span.end}:${d.message}`);
  expect(new Set(keys).size).toBe(keys.length);
  const out = renderDiagnostics(diags.items, new Map([["p.dl", text]]), { color: false });
  expect(out.length > 0).toBe(diags.items.length > 0);
}

describe("check never throws", () => {
  test.prop([mutated], { numRuns: 300 })("on mutations of a valid program", (text) => runs(text));
  test.prop([fc.string({ maxLength: 120 })], { numRuns: 200 })("on random text", (text) => runs(text));
  test.prop([fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }).map((p) => p.join(""))], { numRuns: 300 })("on random token soup", (text) => runs(text));
});
