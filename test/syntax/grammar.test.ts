// The files in grammar/ stay in step with the parser: the railroad diagrams and the typed CST are
// regenerated in memory and compared, the EBNF names the parser's rules, and the TextMate grammar
// tokenizes a sample the way an editor should colour it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as vsctm from "vscode-textmate";
import { cstTypes, diagramsHtml } from "../../grammar/artifacts.js";
import { CalmlogParser, sharedParser } from "../../src/syntax/parser.js";
import { makeLexer } from "../../src/syntax/tokens.js";

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const read = (p: string): string => readFileSync(root(p), "utf8");

describe("chevrotain's validations, which the shared parser and lexer skip to start faster", () => {
  test("the grammar has no ambiguity, left recursion or other defect chevrotain reports", () => {
    expect(() => new CalmlogParser({ validate: true })).not.toThrow();
  });

  test("every token definition is valid and the lexer keeps its first-character optimisation", () => {
    expect(() => makeLexer(true)).not.toThrow();
  });
});

describe("generated files", () => {
  test("grammar/diagrams.html is up to date (run `npm run grammar`)", () => {
    expect(read("grammar/diagrams.html") === diagramsHtml()).toBe(true);
  });

  test("grammar/diagrams.html loads nothing from the network", () => {
    const html = read("grammar/diagrams.html");
    expect(html).not.toMatch(/<(script|link)\b[^>]*\b(src|href)=/i);
    expect(html).toContain("window.serializedGrammar");
    expect(html).toContain("railroad-diagrams.js");
  });

  test("src/syntax/cst.ts is up to date (run `npm run grammar`)", () => {
    expect(read("src/syntax/cst.ts") === cstTypes()).toBe(true);
  });
});

describe("grammar/calmlog.ebnf", () => {
  const ebnf = read("grammar/calmlog.ebnf");
  const defined = [...ebnf.matchAll(/^([a-z][A-Za-z]*)\s*::=/gm)].map((m) => m[1]!);

  test("defines exactly the parser's rules, each once", () => {
    const rules = Object.keys(sharedParser().getGAstProductions());
    expect([...defined].sort()).toEqual([...rules].sort());
    expect(new Set(defined).size).toBe(defined.length);
  });

  test("every nonterminal it uses is defined or a token", () => {
    const body = ebnf
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\[[^\]]*\]/g, "")
      .replace(/'[^']*'|"[^"]*"/g, "");
    const used = new Set([...body.matchAll(/\b([a-z][A-Za-z]*)\b/g)].map((m) => m[1]!));
    const tokens = new Set([...ebnf.matchAll(/^([A-Z][A-Za-z]*)\s*::=/gm)].map((m) => m[1]!));
    const undefinedNames = [...used].filter((n) => !defined.includes(n) && !tokens.has(n));
    expect(undefinedNames).toEqual([]);
  });
});

describe("grammar/calmlog.tmLanguage.json", () => {
  const raw = read("grammar/calmlog.tmLanguage.json");

  test("is a TextMate grammar for `.dl` files", () => {
    const json = JSON.parse(raw) as { scopeName: string; fileTypes: string[]; patterns: unknown[] };
    expect(json.scopeName).toBe("source.calmlog");
    expect(json.fileTypes).toEqual(["dl"]);
    expect(json.patterns.length).toBeGreaterThan(0);
  });

  /** Tokenizes `source` and returns, per token text, the most specific scope. */
  async function tokenize(source: string): Promise<[string, string][]> {
    return (await tokenizeLines(source)).map(([, text, scope]) => [text, scope]);
  }

  /** Tokenizes `source` and returns each token's 1-based line, text and most specific scope. */
  async function tokenizeLines(source: string): Promise<[number, string, string][]> {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scope: string) => (scope === "source.calmlog" ? vsctm.parseRawGrammar(raw, "calmlog.tmLanguage.json") : null),
    });
    const grammar = await registry.loadGrammar("source.calmlog");
    if (grammar === null) throw new Error("grammar did not load");
    const out: [number, string, string][] = [];
    let stack = vsctm.INITIAL;
    for (const [i, line] of source.split("\n").entries()) {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (text.trim() !== "") out.push([i + 1, text.trim(), t.scopes[t.scopes.length - 1]!]);
      }
      stack = r.ruleStack;
    }
    return out;
  }

  test("tokenizes a sample the way it reads", async () => {
    const tokens = await tokenize(
      [
        "// stock must not be oversold",
        ".decl sold(item: symbol, n: number) btree",
        ".type Item <: symbol",
        '.input sold(IO=file, filename="sold.facts")',
        '.invariant oversold "sold <= stock"',
        "/* a block",
        "   comment */",
        'oversold(i) :- stock(i, s), t = sum n : { sold(i, n) }, t > s, !ok(i), x = max(t, 0x1F) band 3, y = "a\\n\\q".',
        ".comp C {}",
        ".number_type Count",
        ".lattice L<> { Bottom -> 0 }",
      ].join("\n"),
    );
    const scopeOf = (text: string): string | undefined => tokens.find(([t]) => t === text)?.[1];
    expect(scopeOf("// stock must not be oversold")).toBe("comment.line.double-slash.calmlog");
    expect(scopeOf(".decl")).toBe("keyword.control.directive.calmlog");
    expect(scopeOf("sold")).toBe("entity.name.function.relation.calmlog");
    expect(scopeOf("item")).toBe("variable.parameter.attribute.calmlog");
    expect(scopeOf("symbol")).toBe("support.type.calmlog");
    expect(scopeOf("btree")).toBe("storage.modifier.qualifier.calmlog");
    expect(scopeOf("Item")).toBe("entity.name.type.calmlog");
    expect(scopeOf(".input")).toBe("keyword.control.directive.calmlog");
    expect(scopeOf(".invariant")).toBe("keyword.control.directive.calmlog");
    expect(scopeOf("comment")).toBe("comment.block.calmlog");
    expect(scopeOf("*/")).toBe("comment.block.calmlog");
    expect(scopeOf(":-")).toBe("keyword.operator.rule.calmlog");
    expect(scopeOf("sum")).toBe("keyword.other.aggregate.calmlog");
    expect(scopeOf("max")).toBe("support.function.builtin.calmlog");
    expect(scopeOf("0x1F")).toBe("constant.numeric.hex.calmlog");
    expect(scopeOf("band")).toBe("keyword.operator.word.calmlog");
    expect(scopeOf("!")).toBe("keyword.operator.negation.calmlog");
    expect(scopeOf(">")).toBe("keyword.operator.comparison.calmlog");
    expect(scopeOf("\\n")).toBe("constant.character.escape.calmlog");
    expect(scopeOf("\\q")).toBe("invalid.illegal.escape.calmlog");
    expect(scopeOf("t")).toBe("variable.other.calmlog");
    expect(scopeOf(".")).toBe("punctuation.terminator.clause.calmlog");
    // Soufflé's other directives read as directives, including its deprecated type declarations.
    expect(scopeOf(".comp")).toBe("keyword.control.directive.calmlog");
    expect(scopeOf(".number_type")).toBe("keyword.control.directive.calmlog");
    expect(scopeOf("Count")).toBe("entity.name.type.calmlog");
    expect(scopeOf(".lattice")).toBe("keyword.control.directive.calmlog");
  });

  /** The scope of `text` on `line` (its first occurrence there). */
  const scopeAt = (tokens: [number, string, string][], line: number, text: string): string | undefined => tokens.find(([l, t]) => l === line && t === text)?.[2];

  test("a `.decl` split over several lines keeps its scopes, and the clause after it is a rule again", async () => {
    const tokens = await tokenizeLines(
      [
        ".decl edge(",
        "  from: symbol,  // where it starts",
        "  to:",
        "    number",
        ") btree",
        "path(x, y) :- edge(x, y).",
        ".decl",
        "  reach, hop(n: number)",
        "done(n) :- hop(n).",
      ].join("\n"),
    );
    expect(scopeAt(tokens, 1, ".decl")).toBe("keyword.control.directive.calmlog");
    expect(scopeAt(tokens, 1, "edge")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 2, "from")).toBe("variable.parameter.attribute.calmlog");
    expect(scopeAt(tokens, 2, "symbol")).toBe("support.type.calmlog");
    expect(scopeAt(tokens, 2, "// where it starts")).toBe("comment.line.double-slash.calmlog");
    expect(scopeAt(tokens, 3, "to")).toBe("variable.parameter.attribute.calmlog");
    expect(scopeAt(tokens, 4, "number")).toBe("support.type.calmlog");
    expect(scopeAt(tokens, 5, "btree")).toBe("storage.modifier.qualifier.calmlog");
    expect(scopeAt(tokens, 6, "path")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 6, "x")).toBe("variable.other.calmlog");
    expect(scopeAt(tokens, 6, ":-")).toBe("keyword.operator.rule.calmlog");
    expect(scopeAt(tokens, 8, "reach")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 8, "hop")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 8, "n")).toBe("variable.parameter.attribute.calmlog");
    expect(scopeAt(tokens, 9, "done")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 9, "n")).toBe("variable.other.calmlog");
  });

  test("a `.decl` whose `)` is missing ends at the next directive", async () => {
    const tokens = await tokenizeLines([".decl a(x: number", ".output a", "b(x) :- a(x)."].join("\n"));
    expect(scopeAt(tokens, 2, ".output")).toBe("keyword.control.directive.calmlog");
    expect(scopeAt(tokens, 2, "a")).toBe("entity.name.function.relation.calmlog");
  });

  test("relation names after `.output`, `.input`, `.printsize` and `.invariant` are relations, not variables", async () => {
    const tokens = await tokenizeLines(
      [
        ".output path",
        ".output a, b // both",
        ".input edge",
        '.input stock(IO=file, filename="stock.facts", delimiter=",")',
        ".printsize path",
        '.invariant oversold "sold <= stock"',
        "x(a) :- y(a).",
      ].join("\n"),
    );
    expect(scopeAt(tokens, 1, "path")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 2, "a")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 2, "b")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 2, "// both")).toBe("comment.line.double-slash.calmlog");
    expect(scopeAt(tokens, 3, "edge")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 4, "stock")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 4, "IO")).toBe("variable.parameter.io.calmlog");
    expect(scopeAt(tokens, 4, "file")).toBe("string.unquoted.calmlog");
    expect(scopeAt(tokens, 4, "stock.facts")).toBe("string.quoted.double.calmlog");
    expect(scopeAt(tokens, 5, "path")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 6, ".invariant")).toBe("keyword.control.directive.calmlog");
    expect(scopeAt(tokens, 6, "oversold")).toBe("entity.name.function.relation.calmlog");
    expect(scopeAt(tokens, 6, "sold <= stock")).toBe("string.quoted.double.calmlog");
    expect(scopeAt(tokens, 7, "a")).toBe("variable.other.calmlog");
  });
});
