// The token vocabulary of rule files. Every token has a `label`, so parser errors read
// ``expected `)` but found `.` ``. Spans use offsets only; line and column come from `LineIndex`.
import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import { bundledPrebuilt } from "./prebuilt.js";

// ---- categories ----------------------------------------------------------------------------

/** Any token that cannot start a clause or directive: what the top level skips after an error. */
export const Stray = createToken({ name: "Stray", pattern: Lexer.NA, label: "a clause or a directive" });
/** `+ - * / %` and the keyword operators `band bor ... lxor` (not `^`, which binds tighter than prefix `-`). */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA, label: "an operator" });
/** Prefix operators `-`, `bnot`, `lnot`. */
export const PrefixOp = createToken({ name: "PrefixOp", pattern: Lexer.NA, label: "a prefix operator" });
/** `= != < <= > >=`. */
export const CompareOp = createToken({
  name: "CompareOp",
  pattern: Lexer.NA,
  label: "a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
});
/** `count sum min max mean`. */
export const AggregateFn = createToken({ name: "AggregateFn", pattern: Lexer.NA, label: "an aggregate (`count`, `sum`, `min`, `max`, `mean`)" });
/** Directive keywords: each starts a new top-level item. */
export const DirectiveKeyword = createToken({ name: "DirectiveKeyword", pattern: Lexer.NA, label: "a directive" });

// ---- skipped and rejected text -------------------------------------------------------------

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
/** `/*` without `*\/`: reported as a lexical error; it swallows the rest of the file. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "invalid",
  line_breaks: true,
});
/** A C-preprocessor line (`#include`, `#define`): Soufflé runs `cpp`, calmlog does not. */
export const Preprocessor = createToken({ name: "Preprocessor", pattern: /#[^\n\r]*/, group: "invalid" });

// ---- directives ----------------------------------------------------------------------------

function directive(name: string, word: string): TokenType {
  return createToken({
    name,
    pattern: new RegExp(`\\.${word}(?![\\w?])`),
    label: `\`.${word}\``,
    categories: [DirectiveKeyword],
  });
}

export const Decl = directive("Decl", "decl");
export const TypeKw = directive("TypeKw", "type");
// Soufflé's deprecated type declarations: `.number_type A` is `.type A <: number`.
export const NumberType = directive("NumberType", "number_type");
export const SymbolType = directive("SymbolType", "symbol_type");
export const Input = directive("Input", "input");
export const Output = directive("Output", "output");
export const Printsize = directive("Printsize", "printsize");
export const Invariant = directive("Invariant", "invariant");
// Soufflé's other directives (`.functor` is recognised only to be rejected with a clear message).
export const Limitsize = directive("Limitsize", "limitsize");
export const Comp = directive("Comp", "comp");
export const Init = directive("Init", "init");
export const Functor = directive("Functor", "functor");
export const Plan = directive("Plan", "plan");
export const Pragma = directive("Pragma", "pragma");
export const Override = directive("Override", "override");

/**
 * `.word` that is no known directive. Only recognised where a directive could start (at the start
 * of the file or after white space), so `a(1).b(2).` still lexes as two facts.
 */
export const UnknownDirective = createToken({
  name: "UnknownDirective",
  pattern: {
    exec: (text: string, offset: number): RegExpExecArray | null => {
      if (offset > 0 && !/\s/.test(text[offset - 1]!)) return null;
      const re = /\.[A-Za-z_][\w?]*/y;
      re.lastIndex = offset;
      return re.exec(text);
    },
  },
  start_chars_hint: ["."],
  line_breaks: false,
  label: "a directive",
  // `parse` reports it and removes it, with its arguments, before parsing.
  categories: [DirectiveKeyword],
});

/**
 * Where the bracketed group opening at `open` (`(`, `[` or `{`) closes, as an exclusive offset, or -1
 * when it does not: brackets of all three kinds nest, strings and comments are skipped.
 */
function groupEnd(text: string, open: number): number {
  const closing: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== "\n"; i++) if (text[i] === "\\") i++;
      if (text[i] !== '"') return -1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const e = text.indexOf("*/", i + 2);
      if (e < 0) return -1;
      i = e + 1;
    } else if (c in closing) stack.push(closing[c]!);
    else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/** A match of `text[offset, end)`, as chevrotain's custom patterns return it. */
function matched(text: string, offset: number, end: number): RegExpExecArray {
  const m = [text.slice(offset, end)] as unknown as RegExpExecArray;
  m.index = offset;
  m.input = text;
  return m;
}

/**
 * Soufflé 2.5's annotations, `@[key = tokens]` before an item, attribute or head and `@![...]`
 * inside a rule: metadata for tools, with no meaning to evaluation, so skipped like comments.
 */
export const Annotation = createToken({
  name: "Annotation",
  pattern: {
    exec: (text: string, offset: number): RegExpExecArray | null => {
      if (text[offset] !== "@") return null;
      const open = text[offset + 1] === "!" ? offset + 2 : offset + 1;
      if (text[open] !== "[") return null;
      const end = groupEnd(text, open);
      return end < 0 ? null : matched(text, offset, end);
    },
  },
  start_chars_hint: ["@"],
  line_breaks: true,
  group: Lexer.SKIPPED,
});

/**
 * Soufflé 2.5's `.lattice T<> { Bottom -> ..., Lub -> ..., Glb -> ... }`, read whole: calmlog accepts
 * the declaration (a note, CL119); a relation with a lattice column (`x: T<>`) is a syntax error.
 */
export const LatticeDecl = createToken({
  name: "LatticeDecl",
  pattern: {
    exec: (text: string, offset: number): RegExpExecArray | null => {
      const head = /\.lattice(?![\w?])[^{.]*\{/y;
      head.lastIndex = offset;
      const m = head.exec(text);
      if (m === null) return null;
      const end = groupEnd(text, offset + m[0].length - 1);
      return end < 0 ? null : matched(text, offset, end);
    },
  },
  start_chars_hint: ["."],
  line_breaks: true,
  label: "`.lattice`",
  categories: [DirectiveKeyword],
});

// ---- punctuation and operators ---------------------------------------------------------------

function punct(name: string, image: string, categories: TokenType[] = []): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return createToken({ name, pattern: new RegExp(escaped), label: `\`${image}\``, categories: [Stray, ...categories] });
}

export const If = punct("If", ":-");
export const Subtype = punct("Subtype", "<:");
export const Le = punct("Le", "<=", [CompareOp]);
export const Ge = punct("Ge", ">=", [CompareOp]);
export const Ne = punct("Ne", "!=", [CompareOp]);
export const Lt = punct("Lt", "<", [CompareOp]);
export const Gt = punct("Gt", ">", [CompareOp]);
export const Eq = punct("Eq", "=", [CompareOp]);
export const Bang = punct("Bang", "!");
export const Colon = punct("Colon", ":");
export const Comma = punct("Comma", ",");
export const Semicolon = punct("Semicolon", ";");
export const Dot = punct("Dot", ".");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");
export const Pipe = punct("Pipe", "|");
export const Plus = punct("Plus", "+", [BinaryOp]);
export const Minus = punct("Minus", "-", [BinaryOp, PrefixOp]);
export const Star = punct("Star", "*", [BinaryOp]);
export const Slash = punct("Slash", "/", [BinaryOp]);
export const Percent = punct("Percent", "%", [BinaryOp]);
export const Caret = punct("Caret", "^");
export const At = punct("At", "@");
export const Dollar = punct("Dollar", "$");

// ---- literals and names --------------------------------------------------------------------

/**
 * Every numeric spelling in one token: decimal, `0x1F`, `0b101`, a `u` suffix, `1.5`, `2e3`, an IPv4 address `10.0.0.1`.
 * Trailing word characters are swallowed (`12abc`) so a malformed literal is one CL103, not two tokens.
 */
export const NumberLit = createToken({
  name: "NumberLit",
  pattern: /(?:\d+\.\d+\.\d+\.\d+|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[\w?]*/,
  label: "a number",
  categories: [Stray],
});
export const StringLit = createToken({
  name: "StringLit",
  pattern: /"(?:[^"\\\r\n]|\\.)*"/,
  label: "a string",
  categories: [Stray],
});
/** A string that reaches the end of its line: a lexical error, parsed as a string to avoid cascades. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  label: "a string",
  categories: [StringLit, Stray],
});

/** A name, qualified with dots as component instances make them (`graph.edge`): no space around a dot. */
export const Ident = createToken({ name: "Ident", pattern: /[A-Za-z_?][\w?]*(?:\.[A-Za-z_?][\w?]*)*/, label: "a name" });

function keyword(name: string, word: string, categories: TokenType[] = []): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word),
    label: `\`${word}\``,
    longer_alt: Ident,
    categories: [Stray, ...categories],
  });
}

export const Wildcard = keyword("Wildcard", "_");
export const True = keyword("True", "true");
export const False = keyword("False", "false");
export const Count = keyword("Count", "count", [AggregateFn]);
export const Sum = keyword("Sum", "sum", [AggregateFn]);
export const Min = keyword("Min", "min", [AggregateFn]);
export const Max = keyword("Max", "max", [AggregateFn]);
export const Mean = keyword("Mean", "mean", [AggregateFn]);
export const Bshru = keyword("Bshru", "bshru", [BinaryOp]);
export const Bshr = keyword("Bshr", "bshr", [BinaryOp]);
export const Bshl = keyword("Bshl", "bshl", [BinaryOp]);
export const Band = keyword("Band", "band", [BinaryOp]);
export const Bor = keyword("Bor", "bor", [BinaryOp]);
export const Bxor = keyword("Bxor", "bxor", [BinaryOp]);
export const Bnot = keyword("Bnot", "bnot", [PrefixOp]);
export const Land = keyword("Land", "land", [BinaryOp]);
export const Lor = keyword("Lor", "lor", [BinaryOp]);
export const Lxor = keyword("Lxor", "lxor", [BinaryOp]);
export const Lnot = keyword("Lnot", "lnot", [PrefixOp]);
/** Soufflé's `choice-domain` relation qualifier (rejected). */
export const ChoiceDomain = createToken({
  name: "ChoiceDomain",
  pattern: /choice-domain(?![\w?])/,
  label: "`choice-domain`",
  categories: [Stray],
});

/** Exclusive end offset of a token (chevrotain's `endOffset` is inclusive and optional); NaN when unknown. */
export function tokenEnd(t: { startOffset: number; endOffset?: number; image: string }): number {
  return (t.endOffset ?? t.startOffset + t.image.length - 1) + 1;
}

/** Lexer order: first match wins, so longer spellings come before their prefixes. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  Preprocessor,
  Decl,
  TypeKw,
  Input,
  Output,
  Printsize,
  Invariant,
  Limitsize,
  NumberType,
  SymbolType,
  Comp,
  Init,
  Functor,
  Plan,
  Pragma,
  Override,
  LatticeDecl,
  UnknownDirective,
  If,
  Subtype,
  Le,
  Ge,
  Ne,
  Lt,
  Gt,
  Eq,
  Bang,
  Colon,
  Comma,
  Semicolon,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Pipe,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Caret,
  Annotation,
  At,
  Dollar,
  NumberLit,
  StringLit,
  UnterminatedString,
  ChoiceDomain,
  Wildcard,
  True,
  False,
  Count,
  Sum,
  Min,
  Max,
  Mean,
  Bshru,
  Bshr,
  Bshl,
  Band,
  Bor,
  Bxor,
  Bnot,
  Land,
  Lor,
  Lxor,
  Lnot,
  Ident,
  // categories (never matched directly)
  Stray,
  BinaryOp,
  PrefixOp,
  CompareOp,
  AggregateFn,
  DirectiveKeyword,
];

/**
 * A lexer of every token; `validate` checks the token definitions (the test suite does, the shared
 * lexer skips it). `startChars` gives, per token, the characters a match can start with, as
 * chevrotain derives them by parsing each pattern (src/syntax/prebuilt.ts records them at build
 * time); they are handed to chevrotain as `start_chars_hint` for this lexer only.
 */
export function makeLexer(validate: boolean, startChars?: Readonly<Record<string, readonly number[]>>): InstanceType<typeof Lexer> {
  const options = { positionTracking: "onlyOffset", ensureOptimizations: validate, skipValidations: !validate } as const;
  if (startChars === undefined || validate) return new Lexer(ALL_TOKENS, options);
  const hinted = ALL_TOKENS.filter((t) => t.PATTERN !== Lexer.NA && t.START_CHARS_HINT === undefined && startChars[t.name] !== undefined);
  // Every token needs its characters, or chevrotain turns the first-character table off altogether.
  if (hinted.length + ALL_TOKENS.filter((t) => t.PATTERN === Lexer.NA || t.START_CHARS_HINT !== undefined).length !== ALL_TOKENS.length) return new Lexer(ALL_TOKENS, options);
  for (const t of hinted) t.START_CHARS_HINT = [...startChars[t.name]!];
  try {
    return new Lexer(ALL_TOKENS, options);
  } finally {
    for (const t of hinted) delete t.START_CHARS_HINT;
  }
}

let shared: InstanceType<typeof Lexer> | undefined;

/** The one lexer, built on first use. Spans use offsets only; line and column come from `LineIndex` when rendering. */
export function sharedLexer(): InstanceType<typeof Lexer> {
  return (shared ??= makeLexer(false, bundledPrebuilt()?.startChars));
}
