// Shared test helpers: parse with a fresh sink, and compare ASTs without their spans.
import { expect } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import type { Program } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";

const SPAN_KEYS = new Set(["span", "nameSpan", "opSpan", "valueSpan"]);

/** A deep copy without span fields, for comparing ASTs by structure. */
export function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x !== null && typeof x === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (!SPAN_KEYS.has(k)) out[k] = strip(v);
    return out;
  }
  return x;
}

/** Parses text that must have no diagnostics at all. */
export function parseClean(text: string): Program {
  const diags = new Diagnostics();
  const program = parse({ path: "test.dl", text }, diags);
  expect(diags.items.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`)).toEqual([]);
  return program;
}

/** The items of a clean parse, without spans. */
export function itemsOf(text: string): unknown[] {
  return strip(parseClean(text).items) as unknown[];
}

/** Diagnostics of a parse as `CODE line:col-endLine:endCol message`. */
export function diagnosticsOf(text: string): { program: Program; lines: string[] } {
  const diags = new Diagnostics();
  const program = parse({ path: "test.dl", text }, diags);
  const lines = diags.sorted().map((d) => `${d.code} ${d.span.line}:${d.span.column}-${d.span.endLine}:${d.span.endColumn} ${d.message}`);
  return { program, lines };
}
