// The CLI bundle's parser takes its lookahead paths from a table recorded at build time
// (src/syntax/lookahead.ts). It must parse every file, broken ones included, exactly as the parser
// that derives the paths from the grammar: the same tree, the same errors, the same recovery.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LookaheadTable } from "../../src/syntax/lookahead.js";
import { CalmlogParser } from "../../src/syntax/parser.js";
import { sharedLexer } from "../../src/syntax/tokens.js";
import { broken, dlFiles, parseWith, ROOT } from "./corpus.js";

const lexer = sharedLexer();

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
