// Programs and broken variants of them, to check that two parser configurations parse alike.
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { CalmlogParser } from "../../src/syntax/parser.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");

export function dlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name.startsWith(".")) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? dlFiles(p) : e.name.endsWith(".dl") ? [p] : [];
  });
}

/** A CST as plain text: rule names, child labels, token types, images and offsets. */
export function shape(e: CstElement): unknown {
  if ("tokenType" in e) {
    const t = e as IToken;
    return `${t.tokenType.name}:${t.image}@${t.startOffset}`;
  }
  const n = e as CstNode;
  return [n.name, Object.entries(n.children).map(([k, v]) => [k, v.map(shape)])];
}

export function parseWith(p: CalmlogParser, tokens: IToken[]): string {
  p.input = tokens;
  const cst = p.program();
  return JSON.stringify({ cst: shape(cst), errors: p.errors.map((e) => `${e.name} ${e.message} @${e.token.startOffset}`) });
}

/** Deterministic variants of a token list: one token dropped, one duplicated, two swapped. */
export function broken(tokens: IToken[], seed: number): IToken[][] {
  if (tokens.length < 3) return [];
  let s = seed >>> 0;
  const next = (n: number): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % n);
  const out: IToken[][] = [];
  for (let k = 0; k < 2; k++) {
    const i = next(tokens.length);
    const j = next(tokens.length);
    out.push(tokens.filter((_, x) => x !== i));
    out.push([...tokens.slice(0, i), tokens[i]!, ...tokens.slice(i)]);
    const w = [...tokens];
    [w[i], w[j]] = [w[j]!, w[i]!];
    out.push(w);
  }
  return out;
}
