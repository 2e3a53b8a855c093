// The CLI bundle's parser takes its lookahead paths from a table recorded at build time
// (src/syntax/lookahead.ts). It must parse every file, broken ones included, exactly as the parser
// that derives the paths from the grammar: the same tree, the same errors, the same recovery.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CstElement, CstNode, IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import type { LookaheadTable } from "../../src/syntax/lookahead.js";
import { CalmlogParser } from "../../src/syntax/parser.js";
import { lexer } from "../../src/syntax/tokens.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

function dlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name.startsWith(".")) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? dlFiles(p) : e.name.endsWith(".dl") ? [p] : [];
  });
}

/** A CST as plain text: rule names, child labels, token types, images and offsets. */
function shape(e: CstElement): unknown {
  if ("tokenType" in e) {
    const t = e as IToken;
    return `${t.tokenType.name}:${t.image}@${t.startOffset}`;
  }
  const n = e as CstNode;
  return [n.name, Object.entries(n.children).map(([k, v]) => [k, v.map(shape)])];
}

function parseWith(p: CalmlogParser, tokens: IToken[]): string {
  p.input = tokens;
  const cst = p.program();
  return JSON.stringify({ cst: shape(cst), errors: p.errors.map((e) => `${e.name} ${e.message} @${e.token.startOffset}`) });
}

/** Deterministic variants of a token list: one token dropped, one duplicated, two swapped. */
function broken(tokens: IToken[], seed: number): IToken[][] {
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

describe("lookahead from a recorded table", () => {
  const recorded: LookaheadTable = {};
  new CalmlogParser({ lookahead: recorded });
  // As the bundle carries it: through JSON.
  const table = JSON.parse(JSON.stringify(recorded)) as LookaheadTable;
  const derived = new CalmlogParser();
  const fromTable = new CalmlogParser({ lookahead: table });
  const files = [...dlFiles(join(ROOT, "programs")), ...dlFiles(join(ROOT, "bench")), ...dlFiles(join(ROOT, "test"))];

  it("records every alternation and option of the grammar, and needs nothing more when read back", () => {
    const keys = Object.keys(recorded);
    expect(keys.some((k) => k.includes("/Alternation/"))).toBe(true);
    expect(keys.some((k) => k.includes("/Repetition"))).toBe(true);
    expect(Object.keys(table).sort()).toEqual(keys.sort());
  });

  it("parses every example, benchmark and test program, and broken variants of them, as the derived lookahead does", () => {
    expect(files.length).toBeGreaterThan(20);
    let variants = 0;
    for (const [n, file] of files.entries()) {
      const tokens = lexer.tokenize(readFileSync(file, "utf8")).tokens;
      expect(parseWith(fromTable, tokens) === parseWith(derived, tokens), file).toBe(true);
      for (const v of broken(tokens, n + 1)) {
        variants++;
        expect(parseWith(fromTable, v) === parseWith(derived, v), `${file} (broken variant)`).toBe(true);
      }
    }
    expect(variants).toBeGreaterThan(100);
  }, 300_000);

  it("is what the parser follows: a table whose paths are all empty parses nothing", () => {
    const empty = Object.fromEntries(Object.entries(recorded).map(([k, alts]) => [k, alts.map(() => [])]));
    const text = readFileSync(join(ROOT, "programs/release/release.dl"), "utf8");
    const tokens = lexer.tokenize(text).tokens;
    const ok = JSON.parse(parseWith(new CalmlogParser({ lookahead: empty }), tokens)) as { errors: string[] };
    expect((JSON.parse(parseWith(derived, tokens)) as { errors: string[] }).errors).toEqual([]);
    expect(ok.errors.length).toBeGreaterThan(0);
  });

  it("names an unknown token in a stale table", () => {
    const key = Object.keys(recorded).find((k) => recorded[k]!.some((alt) => alt.some((p) => p.length > 0)))!;
    const stale = { ...table, [key]: [[["NoSuchToken"]]] };
    expect(() => new CalmlogParser({ lookahead: stale })).toThrow(/unknown token `NoSuchToken`/);
  });
});
