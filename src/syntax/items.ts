// A fast lexical pass over a rule file: where each top-level item (declaration, directive, rule)
// starts and ends, and which relation and type names it mentions. It feeds the editor features and
// the split of a large file into independent parts. An item is marked unclean when the parser might
// not see it exactly so (a clause without its `.`, unterminated text), and a few constructs (an
// unterminated block comment, components, `choice-domain`) make the whole file unsplittable. After
// an edit, `rescanItems` scans only the changed stretch and reuses the items around it.
import { FUNCTOR_NAMES } from "./ast.js";

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
  /** False when the parser might not see this item exactly so (a missing `)` or `.`, say). */
  readonly clean: boolean;
}

export interface Scan {
  readonly items: readonly SourceItem[];
  /** True when every item is one the parser would see exactly so. */
  readonly clean: boolean;
  /** Offsets of text the parser rejects lexically (a stray character, an unterminated string, `#`). */
  readonly troubles: readonly number[];
  /** Offsets of constructs that keep the file from being split at all (see the module comment). */
  readonly unsplittable: readonly number[];
}

type TokenKind = "ident" | "directive" | "punct" | "string" | "number";
const KIND: Readonly<Record<TokenKind, number>> = { ident: 1, directive: 2, punct: 3, string: 4, number: 5 };
/** Two-character punctuation, coded past the range of single characters. */
const TWO: Readonly<Record<string, number>> = { ":-": 0x10000, "<:": 0x10001, "<=": 0x10002, ">=": 0x10003, "!=": 0x10004 };
const punctCode = (p: string): number => (p.length === 1 ? p.charCodeAt(0) : TWO[p]!);

/** Tokens as parallel arrays: a 1 MB file has hundreds of thousands, and objects would keep the collector busy. */
class Tokens {
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** For punctuation: its code (`punctCode`). */
  codes: Int32Array;
  count = 0;
  constructor(readonly text: string, capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.codes = new Int32Array(capacity);
  }
  push(kind: TokenKind, start: number, end: number, code = 0): void {
    if (this.count === this.kinds.length) {
      const grow = <A extends Uint8Array | Int32Array>(a: A): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a);
        return b;
      };
      this.kinds = grow(this.kinds);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.codes = grow(this.codes);
    }
    this.kinds[this.count] = KIND[kind];
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.codes[this.count] = code;
    this.count++;
  }
  is(j: number, kind: TokenKind, punct?: string): boolean {
    return j < this.count && this.kinds[j] === KIND[kind] && (punct === undefined || this.codes[j] === punctCode(punct));
  }
  textOf(j: number): string {
    return this.kinds[j] === KIND.directive ? this.text.slice(this.starts[j]! + 1, this.ends[j]) : this.text.slice(this.starts[j], this.ends[j]);
  }
}

const DIRECTIVES = new Set(["decl", "type", "number_type", "symbol_type", "input", "output", "printsize", "invariant", "limitsize", "comp", "init", "functor", "plan", "pragma", "override"]);
const FUNCTORS = new Set<string>(FUNCTOR_NAMES);
const NUMBER = /(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[\w?]*/y;
const STRING = /"(?:[^"\\\r\n]|\\.)*"/y;

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 63;
const isIdentChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
const PUNCT = "(),:;=<>!+-*/%^|[]{}";

/** Whether the `.` at `at` starts `.word` right after a non-space character, where the lexer reads no directive (see `UnknownDirective`). */
function gluedDot(text: string, at: number): boolean {
  const next = text.charCodeAt(at + 1);
  return at > 0 && !isSpace(text.charCodeAt(at - 1)) && isIdentStart(next) && next !== 63;
}

interface Lexed {
  readonly tokens: Tokens;
  readonly troubles: number[];
  readonly unsplittable: number[];
  /** Where tokenizing stopped: no token starts in `[from, end)` beyond the last one. */
  readonly end: number;
}

/** Splits `text[from, to)` into tokens (a token started before `to` is read whole), noting what the parser would reject. */
function tokenize(text: string, from = 0, to = text.length): Lexed {
  const tokens = new Tokens(text, ((to - from) >> 2) + 16);
  const troubles: number[] = [];
  const unsplittable: number[] = [];
  let i = from;
  const n = text.length;
  const stop = Math.min(n, to);
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
  while (i < stop) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 63) {
      let e = i + 1;
      for (;;) {
        const d = text.charCodeAt(e);
        if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 95 || d === 63) e++;
        // A qualified name (`graph.edge`, tokens.ts's `Ident`): a dot with a name right after it
        // continues the name, so `x.decl` is one name to the parser, never a name and a directive.
        else if (d === 46 && isIdentStart(text.charCodeAt(e + 1))) e += 2;
        else break;
      }
      if (c === 99 && text.startsWith("choice-domain", i)) unsplittable.push(i);
      tokens.push("ident", i, e);
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
        unsplittable.push(i);
        i = n;
        break;
      }
      i = e + 2;
      continue;
    }
    if (c === 35) {
      // `#` preprocessor lines are rejected by the parser.
      troubles.push(i);
      const e = text.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 34) {
      const s = sticky(STRING);
      if (s === null) {
        troubles.push(i);
        const e = text.indexOf("\n", i);
        i = e < 0 ? n : e;
        continue;
      }
      tokens.push("string", i, i + s.length);
      i += s.length;
      continue;
    }
    if (c >= 48 && c <= 57) {
      const s = sticky(NUMBER)!;
      tokens.push("number", i, i + s.length);
      i += s.length;
      continue;
    }
    if (c === 46) {
      if (isIdentStart(next) && next !== 63) {
        const e = identEnd(i + 1);
        const word = text.slice(i + 1, e);
        if (DIRECTIVES.has(word)) {
          tokens.push("directive", i, e);
          i = e;
          continue;
        }
        // An unknown `.word` after white space is a directive the parser rejects.
        if (i === 0 || isSpace(text.charCodeAt(i - 1))) troubles.push(i);
      }
      tokens.push("punct", i, i + 1, 46);
      i++;
      continue;
    }
    if ((c === 58 && next === 45) || (c === 60 && next === 58) || ((c === 60 || c === 62 || c === 33) && next === 61)) {
      tokens.push("punct", i, i + 2, TWO[text.slice(i, i + 2)]!);
      i += 2;
      continue;
    }
    const ch = text[i]!;
    if (PUNCT.includes(ch)) {
      tokens.push("punct", i, i + 1, c);
      i++;
      continue;
    }
    // A character that starts no token.
    troubles.push(i);
    i++;
  }
  return { tokens, troubles, unsplittable, end: i };
}

/** Scans `text` into top-level items. Never throws. */
export function scanItems(text: string): Scan {
  const lexed = tokenize(text);
  const scanned = scanTokens(lexed.tokens, lexed.unsplittable);
  return makeScan(scanned.items, lexed.troubles, lexed.unsplittable);
}

function makeScan(items: readonly SourceItem[], troubles: readonly number[], unsplittable: readonly number[]): Scan {
  // Offsets in order, however they were found.
  const byOffset = (a: number, b: number): number => a - b;
  troubles = [...troubles].sort(byOffset);
  unsplittable = [...unsplittable].sort(byOffset);
  return { items, troubles, unsplittable, clean: troubles.length === 0 && unsplittable.length === 0 && items.every((i) => i.clean) };
}

/**
 * The items of `tk` in order. `stopAt(start, k)`, asked before each item, ends the scan there
 * (`stopped` then holds that item's first token); directives the splitter cannot follow are noted in `unsplittable`.
 */
function scanTokens(tk: Tokens, unsplittable: number[], stopAt?: (start: number, k: number) => boolean): { items: SourceItem[]; stopped: number | null } {
  const n = tk.count;
  let clean = true;
  const items: SourceItem[] = [];
  let k = 0;
  const is = (j: number, kind: TokenKind, punct?: string): boolean => tk.is(j, kind, punct);
  const occ = (j: number, role: Role): Occurrence => ({ name: tk.textOf(j), start: tk.starts[j]!, end: tk.ends[j]!, role });
  const push = (kind: ItemKind, first: number, last: number, relations: Occurrence[], types: string[] = [], extra: Partial<Pick<SourceItem, "typeName" | "attributes">> = {}): void => {
    items.push({ kind, start: tk.starts[first]!, end: tk.ends[last]!, relations, types, typeName: extra.typeName ?? null, attributes: extra.attributes ?? [], clean });
  };
  const DIRECTIVE = KIND.directive;
  while (k < n) {
    if (stopAt !== undefined && stopAt(tk.starts[k]!, k)) return { items, stopped: k };
    clean = true;
    const first = k;
    const word = tk.kinds[k] === DIRECTIVE ? tk.textOf(k) : null;
    if (word === "decl") {
      const relations: Occurrence[] = [];
      const types: string[] = [];
      const attributes: { name: string; type: string }[] = [];
      k++;
      while (is(k, "ident")) {
        relations.push(occ(k, "decl"));
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
        attributes.push({ name: tk.textOf(k), type: tk.textOf(k + 2) });
        types.push(tk.textOf(k + 2));
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
    if (word === "type") {
      k++;
      if (!is(k, "ident")) {
        clean = false;
        push("type", first, first, []);
        continue;
      }
      const name = { name: tk.textOf(k), start: tk.starts[k]!, end: tk.ends[k]! };
      const types = [name.name];
      k++;
      if (is(k, "punct", "<:") && is(k + 1, "ident")) {
        types.push(tk.textOf(k + 1));
        k += 2;
      } else if (is(k, "punct", "=") && is(k + 1, "ident")) {
        k++;
        for (;;) {
          types.push(tk.textOf(k));
          k++;
          if (is(k, "punct", "|") && is(k + 1, "ident")) k++;
          else break;
        }
        if (is(k, "punct", "{") || is(k, "punct", "[")) clean = false;
      } else clean = false;
      push("type", first, k - 1, [], types, { typeName: name });
      continue;
    }
    if (word === "input" || word === "output" || word === "printsize") {
      const relations: Occurrence[] = [];
      k++;
      while (is(k, "ident")) {
        relations.push(occ(k, "directive"));
        k++;
        if (is(k, "punct", "(")) {
          while (k < n && !is(k, "punct", ")") && tk.kinds[k] !== DIRECTIVE) k++;
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
    if (word === "invariant") {
      const relations: Occurrence[] = [];
      k++;
      if (is(k, "ident")) {
        relations.push(occ(k, "directive"));
        k++;
        if (is(k, "string")) k++;
      } else clean = false;
      push("invariant", first, Math.max(first, k - 1), relations);
      continue;
    }
    if (word !== null) {
      // Soufflé directives calmlog rejects or expands (components): the parser decides where they end.
      clean = false;
      unsplittable.push(tk.starts[first]!);
      k++;
      while (k < n && tk.kinds[k] !== DIRECTIVE && !is(k, "punct", ".")) k++;
      if (is(k, "punct", ".")) k++;
      push("other", first, k - 1, []);
      continue;
    }
    // A rule or fact: up to the `.` at depth 0.
    // `.word` right after a token is a `.` and a name to the parser, but an unknown directive when read
    // alone on its own line: such an item is linted only with the text before it.
    if (is(k, "punct", ".") && gluedDot(tk.text, tk.starts[k]!)) clean = false;
    const relations: Occurrence[] = [];
    let depth = 0;
    let inBody = false;
    let closed = false;
    const PUNCT_KIND = KIND.punct;
    const IDENT_KIND = KIND.ident;
    const IF = TWO[":-"]!;
    while (k < n) {
      const kind = tk.kinds[k]!;
      if (kind === DIRECTIVE) break;
      if (kind === PUNCT_KIND) {
        const c = tk.codes[k]!;
        if (c === 40 || c === 123 || c === 91) depth++;
        else if (c === 41 || c === 125 || c === 93) depth--;
        else if (c === IF && depth === 0) inBody = true;
        else if (c === 46 && depth <= 0) {
          closed = true;
          k++;
          break;
        }
      } else if (kind === IDENT_KIND && k + 1 < n && tk.kinds[k + 1] === PUNCT_KIND && tk.codes[k + 1] === 40) {
        const name = tk.textOf(k);
        if (!FUNCTORS.has(name)) relations.push({ name, start: tk.starts[k]!, end: tk.ends[k]!, role: inBody ? "body" : "head" });
      }
      k++;
    }
    if (!closed || depth !== 0) clean = false;
    push("rule", first, Math.max(first, k - 1), relations);
  }
  return { items, stopped: null };
}

/** Tokens read past a candidate stop before it is trusted (the scanner looks two tokens ahead). */
const LOOKAHEAD = 3;

/**
 * The scan of `text`, from the scan `old` of `oldText`: items before the changed stretch are kept,
 * the stretch is scanned again from the item before it, and once a new item starts where an old one
 * did (past the change), the old items from there on are reused, moved by the change in length.
 * Equal to `scanItems(text)`.
 */
export function rescanItems(oldText: string, old: Scan, text: string): Scan {
  if (oldText === text) return old;
  const shortest = Math.min(oldText.length, text.length);
  let prefix = 0;
  while (prefix < shortest && oldText.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shortest - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const delta = text.length - oldText.length;
  const changedEnd = text.length - suffix;
  const items = old.items;
  // Scanning restarts two items before the first one reaching the change: an item's end may look ahead.
  const a = Math.max(0, lowerBound(items, prefix, (i) => i.end) - 2);
  const restart = a > 0 ? items[a]!.start : 0;
  // Old item starts past the change, in new coordinates, where the scan may rejoin the old one.
  const firstAfter = lowerBound(items, changedEnd - delta, (i) => i.start);
  for (let reach = 8; ; reach *= 8) {
    const limitItem = firstAfter + reach;
    const to = limitItem < items.length ? items[limitItem]!.start + delta : text.length;
    const lexed = tokenize(text, restart, to);
    const unsplittable = [...lexed.unsplittable];
    let rejoin = -1;
    const scanned = scanTokens(lexed.tokens, unsplittable, (start, k) => {
      // An old item is reused only if the character before it is unchanged too: it decides how `.word` lexes.
      if (start <= changedEnd || k + LOOKAHEAD > lexed.tokens.count) return false;
      const j = lowerBound(items, start - delta, (i) => i.start);
      if (j < items.length && items[j]!.start === start - delta) {
        rejoin = j;
        return true;
      }
      return false;
    });
    if (rejoin < 0 && to < text.length) continue;
    const stop = rejoin < 0 ? text.length : items[rejoin]!.start + delta;
    const within = (o: number): boolean => o >= restart && o < stop;
    const moved = rejoin < 0 ? [] : delta === 0 ? items.slice(rejoin) : items.slice(rejoin).map((i) => moveItem(i, delta));
    const keep = (offsets: readonly number[], fresh: readonly number[]): number[] => [
      ...offsets.filter((o) => o < restart),
      ...fresh.filter(within),
      ...(rejoin < 0 ? [] : offsets.filter((o) => o >= items[rejoin]!.start).map((o) => o + delta)),
    ];
    return makeScan([...items.slice(0, a), ...scanned.items, ...moved], keep(old.troubles, lexed.troubles), keep(old.unsplittable, unsplittable));
  }
}

/** The first index whose key is at least `value` (items are in source order). */
function lowerBound(items: readonly SourceItem[], value: number, key: (i: SourceItem) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function moveItem(i: SourceItem, delta: number): SourceItem {
  return {
    ...i,
    start: i.start + delta,
    end: i.end + delta,
    relations: i.relations.map((o) => ({ ...o, start: o.start + delta, end: o.end + delta })),
    typeName: i.typeName === null ? null : { ...i.typeName, start: i.typeName.start + delta, end: i.typeName.end + delta },
  };
}

/** How many of `spans` (in order, not overlapping) end at or before `offset`: the index of the first one ending after it. */
export function countEndingBy(spans: readonly { readonly end: number }[], offset: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
