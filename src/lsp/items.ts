// A fast lexical pass over a rule file: where each top-level item (declaration, directive, rule)
// starts and ends, and which relation and type names it mentions. It feeds the editor features and
// the split of a large file into independent parts; `clean` is false whenever the split might not
// match the parser's (unknown directives, unterminated text, a clause without its `.`), and then
// the caller checks the file whole.
import { FUNCTOR_NAMES } from "../syntax/ast.js";

/** How an item mentions a relation. */
export type Role = "decl" | "head" | "body" | "directive";

/** A relation name as written. `end` is exclusive. */
export interface Occurrence {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly role: Role;
}

export type ItemKind = "decl" | "type" | "io" | "invariant" | "rule" | "other";

/** One top-level item: `start` is its first character, `end` one past its last. */
export interface SourceItem {
  readonly kind: ItemKind;
  readonly start: number;
  readonly end: number;
  readonly relations: readonly Occurrence[];
  /** Type names it declares or uses (`.type` and attribute types). */
  readonly types: readonly string[];
  /** For `.type`: the declared name and where it is written. */
  readonly typeName: { readonly name: string; readonly start: number; readonly end: number } | null;
  /** For `.decl`: the attributes, `name: type`. */
  readonly attributes: readonly { readonly name: string; readonly type: string }[];
}

export interface Scan {
  readonly items: readonly SourceItem[];
  /** True when every item is one the parser would see exactly so. */
  readonly clean: boolean;
}

type TokenKind = "ident" | "directive" | "punct" | "string" | "number";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const DIRECTIVES = new Set(["decl", "type", "input", "output", "printsize", "invariant", "limitsize", "comp", "init", "functor", "plan", "pragma", "override"]);
const FUNCTORS = new Set<string>(FUNCTOR_NAMES);
const NUMBER = /(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[\w?]*/y;
const STRING = /"(?:[^"\\\r\n]|\\.)*"/y;

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 63;
const isIdentChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
const PUNCT = "(),:;=<>!+-*/%^|[]{}";

/** Splits `text` into tokens; `clean` turns false on text the parser would reject lexically. */
function tokenize(text: string): { tokens: Token[]; clean: boolean } {
  const tokens: Token[] = [];
  let clean = true;
  let i = 0;
  const n = text.length;
  const sticky = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m === null ? null : m[0];
  };
  const identEnd = (from: number): number => {
    let j = from;
    while (j < n && isIdentChar(text.charCodeAt(j))) j++;
    return j;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      const e = identEnd(i + 1);
      if (c === 99 && text.startsWith("choice-domain", i)) clean = false;
      tokens.push({ kind: "ident", text: text.slice(i, e), start: i, end: e });
      i = e;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    // `//` and `/*` comments
    if (c === 47 && next === 47) {
      const e = text.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && next === 42) {
      const e = text.indexOf("*/", i + 2);
      if (e < 0) {
        clean = false;
        break;
      }
      i = e + 2;
      continue;
    }
    if (c === 35) {
      // `#` preprocessor lines are rejected by the parser.
      clean = false;
      const e = text.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 34) {
      const s = sticky(STRING);
      if (s === null) {
        clean = false;
        const e = text.indexOf("\n", i);
        i = e < 0 ? n : e;
        continue;
      }
      tokens.push({ kind: "string", text: s, start: i, end: i + s.length });
      i += s.length;
      continue;
    }
    if (c >= 48 && c <= 57) {
      const s = sticky(NUMBER)!;
      tokens.push({ kind: "number", text: s, start: i, end: i + s.length });
      i += s.length;
      continue;
    }
    if (c === 46) {
      if (isIdentStart(next) && next !== 63) {
        const e = identEnd(i + 1);
        const word = text.slice(i + 1, e);
        if (DIRECTIVES.has(word)) {
          tokens.push({ kind: "directive", text: word, start: i, end: e });
          i = e;
          continue;
        }
        // An unknown `.word` after white space is a directive the parser rejects.
        if (i === 0 || isSpace(text.charCodeAt(i - 1))) clean = false;
      }
      tokens.push({ kind: "punct", text: ".", start: i, end: i + 1 });
      i++;
      continue;
    }
    if ((c === 58 && next === 45) || (c === 60 && next === 58) || ((c === 60 || c === 62 || c === 33) && next === 61)) {
      tokens.push({ kind: "punct", text: text.slice(i, i + 2), start: i, end: i + 2 });
      i += 2;
      continue;
    }
    const ch = text[i]!;
    if (PUNCT.includes(ch)) {
      tokens.push({ kind: "punct", text: ch, start: i, end: i + 1 });
      i++;
      continue;
    }
    // A character that starts no token.
    clean = false;
    i++;
  }
  return { tokens, clean };
}

/** Scans `text` into top-level items. Never throws. */
export function scanItems(text: string): Scan {
  const lexed = tokenize(text);
  const tokens = lexed.tokens;
  let clean = lexed.clean;
  const items: SourceItem[] = [];
  let k = 0;
  const at = (j: number): Token | undefined => tokens[j];
  const is = (j: number, kind: TokenKind, t?: string): boolean => {
    const x = tokens[j];
    return x !== undefined && x.kind === kind && (t === undefined || x.text === t);
  };
  const occ = (t: Token, role: Role): Occurrence => ({ name: t.text, start: t.start, end: t.end, role });
  const push = (kind: ItemKind, first: number, last: number, relations: Occurrence[], types: string[] = [], extra: Partial<Pick<SourceItem, "typeName" | "attributes">> = {}): void => {
    items.push({ kind, start: tokens[first]!.start, end: tokens[last]!.end, relations, types, typeName: extra.typeName ?? null, attributes: extra.attributes ?? [] });
  };
  while (k < tokens.length) {
    const first = k;
    const t = tokens[k]!;
    if (t.kind === "directive" && t.text === "decl") {
      const relations: Occurrence[] = [];
      const types: string[] = [];
      const attributes: { name: string; type: string }[] = [];
      k++;
      while (is(k, "ident")) {
        relations.push(occ(tokens[k]!, "decl"));
        k++;
        if (is(k, "punct", ",")) k++;
        else break;
      }
      if (!is(k, "punct", "(")) {
        clean = false;
        push("decl", first, Math.max(first, k - 1), relations, types);
        continue;
      }
      k++;
      while (is(k, "ident") && is(k + 1, "punct", ":") && is(k + 2, "ident")) {
        attributes.push({ name: tokens[k]!.text, type: tokens[k + 2]!.text });
        types.push(tokens[k + 2]!.text);
        k += 3;
        if (is(k, "punct", ",")) k++;
        else break;
      }
      if (!is(k, "punct", ")")) {
        clean = false;
        push("decl", first, Math.max(first, k - 1), relations, types, { attributes });
        continue;
      }
      k++;
      // Qualifiers: bare names; a name followed by `(` starts the next clause.
      while (is(k, "ident") && !is(k + 1, "punct", "(")) k++;
      push("decl", first, k - 1, relations, types, { attributes });
      continue;
    }
    if (t.kind === "directive" && t.text === "type") {
      k++;
      const name = at(k);
      if (name === undefined || name.kind !== "ident") {
        clean = false;
        push("type", first, first, []);
        continue;
      }
      const types = [name.text];
      k++;
      if (is(k, "punct", "<:") && is(k + 1, "ident")) {
        types.push(tokens[k + 1]!.text);
        k += 2;
      } else if (is(k, "punct", "=") && is(k + 1, "ident")) {
        k++;
        for (;;) {
          types.push(tokens[k]!.text);
          k++;
          if (is(k, "punct", "|") && is(k + 1, "ident")) k++;
          else break;
        }
        if (is(k, "punct", "{") || is(k, "punct", "[")) clean = false;
      } else clean = false;
      push("type", first, k - 1, [], types, { typeName: { name: name.text, start: name.start, end: name.end } });
      continue;
    }
    if (t.kind === "directive" && (t.text === "input" || t.text === "output" || t.text === "printsize")) {
      const relations: Occurrence[] = [];
      k++;
      while (is(k, "ident")) {
        relations.push(occ(tokens[k]!, "directive"));
        k++;
        if (is(k, "punct", "(")) {
          while (k < tokens.length && !is(k, "punct", ")") && at(k)!.kind !== "directive") k++;
          if (!is(k, "punct", ")")) clean = false;
          else k++;
        }
        if (is(k, "punct", ",")) k++;
        else break;
      }
      if (relations.length === 0) clean = false;
      push("io", first, Math.max(first, k - 1), relations);
      continue;
    }
    if (t.kind === "directive" && t.text === "invariant") {
      const relations: Occurrence[] = [];
      k++;
      if (is(k, "ident")) {
        relations.push(occ(tokens[k]!, "directive"));
        k++;
        if (is(k, "string")) k++;
      } else clean = false;
      push("invariant", first, Math.max(first, k - 1), relations);
      continue;
    }
    if (t.kind === "directive") {
      // Soufflé directives calmlog rejects: the parser's recovery decides where they end.
      clean = false;
      k++;
      while (k < tokens.length && at(k)!.kind !== "directive" && !is(k, "punct", ".")) k++;
      if (is(k, "punct", ".")) k++;
      push("other", first, k - 1, []);
      continue;
    }
    // A rule or fact: up to the `.` at depth 0.
    const relations: Occurrence[] = [];
    let depth = 0;
    let inBody = false;
    let closed = false;
    while (k < tokens.length) {
      const x = tokens[k]!;
      if (x.kind === "directive") break;
      if (x.kind === "punct") {
        if (x.text === "(" || x.text === "{" || x.text === "[") depth++;
        else if (x.text === ")" || x.text === "}" || x.text === "]") depth--;
        else if (x.text === ":-" && depth === 0) inBody = true;
        else if (x.text === "." && depth <= 0) {
          closed = true;
          k++;
          break;
        }
      } else if (x.kind === "ident" && is(k + 1, "punct", "(") && !FUNCTORS.has(x.text)) {
        relations.push(occ(x, inBody ? "body" : "head"));
      }
      k++;
    }
    if (!closed || depth !== 0) clean = false;
    push("rule", first, Math.max(first, k - 1), relations);
  }
  return { items, clean };
}
