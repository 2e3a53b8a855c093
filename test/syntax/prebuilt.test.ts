// The CLI bundle's parser and lexer skip chevrotain's validations and take what chevrotain derives
// from the grammar (recorded rules, recovery's follow sets, lookahead paths, first characters) from a
// table recorded at build time (src/syntax/prebuilt.ts). They must lex and parse every file, broken
// ones included, exactly as a parser and lexer that run the validations and derive everything: the
// same tokens, the same tree, the same errors, the same recovery.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ILexingResult, IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import type { LookaheadTable } from "../../src/syntax/lookahead.js";
import { CalmlogParser } from "../../src/syntax/parser.js";
import { recordPrebuilt, type PrebuiltGrammar } from "../../src/syntax/prebuilt.js";
import { ALL_TOKENS, makeLexer } from "../../src/syntax/tokens.js";
import { broken, dlFiles, parseWith, ROOT } from "./corpus.js";

function record(): PrebuiltGrammar {
  const lookahead: LookaheadTable = {};
  // As the bundle carries it: through JSON.
  return JSON.parse(JSON.stringify(recordPrebuilt(new CalmlogParser({ lookahead }), lookahead, makeLexer(true)))) as PrebuiltGrammar;
}

/** Lexer output as plain text: every token (skipped and invalid groups too) and every error. */
function lexed(r: ILexingResult): string {
  const token = (t: IToken): string => `${t.tokenType.name}:${t.image}@${t.startOffset}`;
  return JSON.stringify({
    tokens: r.tokens.map(token),
    groups: Object.fromEntries(Object.entries(r.groups).map(([g, ts]) => [g, ts.map(token)])),
    errors: r.errors.map((e) => `${e.offset}+${e.length} ${e.message}`),
  });
}

/** The lexer's first-character table: per character slot, the token names tried there, in order. */
function firstChars(lexer: object): string {
  const table = (lexer as { charCodeToPatternIdxToConfig: Record<string, ({ tokenType: { name: string } }[] | undefined)[]> }).charCodeToPatternIdxToConfig["defaultMode"]!;
  return JSON.stringify(Array.from(table, (configs) => configs?.map((c) => c.tokenType.name) ?? null));
}

describe("the prebuilt parser and lexer", () => {
  const prebuilt = record();
  const validatedParser = new CalmlogParser({ validate: true });
  const shippedParser = new CalmlogParser({ prebuilt });
  const validatedLexer = makeLexer(true);
  const shippedLexer = makeLexer(false, prebuilt.startChars);
  const files = [...dlFiles(join(ROOT, "programs")), ...dlFiles(join(ROOT, "bench")), ...dlFiles(join(ROOT, "test"))];

  it("restores the grammar chevrotain records, field for field", () => {
    expect(prebuilt.rules.length).toBeGreaterThan(30);
    expect(Object.keys(prebuilt.follows).length).toBeGreaterThan(30);
    const again: LookaheadTable = {};
    expect(JSON.stringify(recordPrebuilt(shippedParser, again, makeLexer(true)).rules)).toBe(JSON.stringify(prebuilt.rules));
    expect(shippedParser.getSerializedGastProductions()).toEqual(validatedParser.getSerializedGastProductions());
  });

  it("gives the lexer the first-character table chevrotain derives from the patterns", () => {
    expect(Object.keys(prebuilt.startChars).length).toBeGreaterThan(50);
    expect(firstChars(shippedLexer)).toBe(firstChars(validatedLexer));
    // The hints are lent to one lexer only: the token definitions are left as they were.
    const hinted = (): string[] => ALL_TOKENS.filter((t) => t.START_CHARS_HINT !== undefined).map((t) => t.name);
    const before = hinted();
    makeLexer(false, prebuilt.startChars);
    expect(hinted()).toEqual(before);
    expect(before.length).toBeLessThan(5);
  });

  it("lexes and parses every example, benchmark and test program, and broken variants of them, as the validated parser does", () => {
    expect(files.length).toBeGreaterThan(20);
    let variants = 0;
    for (const [n, file] of files.entries()) {
      const text = readFileSync(file, "utf8");
      expect(lexed(shippedLexer.tokenize(text)) === lexed(validatedLexer.tokenize(text)), file).toBe(true);
      const tokens = validatedLexer.tokenize(text).tokens;
      expect(parseWith(shippedParser, tokens) === parseWith(validatedParser, tokens), file).toBe(true);
      for (const v of broken(tokens, n + 7)) {
        variants++;
        expect(parseWith(shippedParser, v) === parseWith(validatedParser, v), `${file} (broken variant)`).toBe(true);
      }
    }
    expect(variants).toBeGreaterThan(100);
  }, 300_000);

  it("lexes text no program holds as the validated lexer does: stray and non-ASCII characters, open comments and strings", () => {
    const texts = ["a(1) :- b(\u00e9, \u2028x).", "x\u00a0y\ufeff.", "/* open", '"open', "#define X 1\n.decl a(x: number)", "a(1) ~ b(2).", "\u{1F600}(x)."];
    for (const text of texts) expect(lexed(shippedLexer.tokenize(text)), text).toBe(lexed(validatedLexer.tokenize(text)));
  });

  it("is what the parser follows: recovery without the follow sets resynchronises differently", () => {
    const noFollows = new CalmlogParser({ prebuilt: { ...prebuilt, follows: Object.fromEntries(Object.keys(prebuilt.follows).map((k) => [k, []])) } });
    const tokens = validatedLexer.tokenize(readFileSync(join(ROOT, "programs/release/release.dl"), "utf8")).tokens;
    const differs = broken(tokens, 3).some((v) => parseWith(noFollows, v) !== parseWith(validatedParser, v));
    expect(differs).toBe(true);
  });

  it("is what the lexer follows: a token without its first characters is never matched", () => {
    const lexer = makeLexer(false, { ...prebuilt.startChars, Comma: [] });
    expect(lexed(lexer.tokenize("a(1, 2)."))).not.toBe(lexed(validatedLexer.tokenize("a(1, 2).")));
  });

  it("refuses a stale table: an unknown token, a missing rule", () => {
    const [first, ...rest] = prebuilt.rules;
    expect(() => new CalmlogParser({ prebuilt: { ...prebuilt, rules: rest } })).toThrow(/prebuilt grammar is stale/);
    expect(() => new CalmlogParser({ prebuilt: { ...prebuilt, follows: { ...prebuilt.follows, x: ["NoSuchToken"] } } })).toThrow(/unknown token `NoSuchToken`/);
    expect(first).toBeDefined();
  });

  it("is ignored when validating, since the validations need chevrotain's own analysis", () => {
    expect(() => new CalmlogParser({ validate: true, prebuilt: { ...prebuilt, rules: [] } })).not.toThrow();
  });
});
