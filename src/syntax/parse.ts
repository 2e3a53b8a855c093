// Source text -> Program. Never throws: every lexical and syntax problem becomes a diagnostic with an
// exact span. After a syntax error the rest of the clause (to the next `.`) or directive is skipped, so one
// mistake gives one message, and the items it touched are left out of the program.
import type { IRecognitionException, IToken } from "chevrotain";
import { EOF, tokenMatcher } from "./chevrotain.js";
import type { ExecutionPlan, Item, Program } from "./ast.js";
import { expandComponents, type SourceItem } from "./components.js";
import { countEndingBy } from "./items.js";
import { addEquivalenceRules } from "./eqrel.js";
import { sharedParser } from "./parser.js";
import { LineIndex, type SourceFile } from "../diagnostics/span.js";
import { AstBuilder, tokenIndexAt, type ItemResult } from "./to-ast.js";
import * as T from "./tokens.js";
import { tokenEnd } from "./tokens.js";
import type { Code } from "../diagnostics/codes.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { ItemCstNode, ProgramCstNode } from "./cst.js";

/** Brackets, prefix operators and `^` nest the recursive-descent parser; deeper than this is refused. */
const MAX_NESTING = 200;
/** Syntax errors reported per file; past them the file says "too many errors" and stops, as compilers do. */
export const MAX_SYNTAX_ERRORS = 100;
/** Operations in one chain (`1 + 1 + ...`, which nests as deep as it is long), with the nesting around it. */
const MAX_CHAIN = 1000;

interface SyntaxProblem {
  readonly code: Code;
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly help?: string;
  /** Where parsing is trusted again; `start` when the problem damages nothing after it. */
  readonly syncEnd: number;
  /** Where the damage begins (items overlapping `[damageFrom, syncEnd)` are left out). */
  readonly damageFrom: number;
}

/** Parses one rule file; problems go to `diags`, and the program holds every item that parsed cleanly. */
export function parse(source: SourceFile, diags: Diagnostics): Program {
  const { path: file, text } = source;
  const index = new LineIndex(text);
  const program = (items: Item[]): Program => ({ kind: "program", file, items, span: index.span(file, 0, text.length) });

  const lexed = T.sharedLexer().tokenize(text);
  let tokens = lexed.tokens;
  const problems: SyntaxProblem[] = [];
  const sync = new Resync(tokens, text);
  const add = (code: Code, start: number, end: number, message: string, syncEnd: number, help?: string, damageFrom = start): void => {
    problems.push({ code, start, end, message, syncEnd, damageFrom, ...(help === undefined ? {} : { help }) });
  };

  // ---- lexical problems --------------------------------------------------------------------
  for (const e of lexed.errors) {
    const bad = text.slice(e.offset, e.offset + e.length);
    const what = [...bad].length === 1 ? "character" : "characters";
    add("CL102", e.offset, e.offset + e.length, `unexpected ${what} \`${bad.replace(/`/g, "'")}\``, sync.after(e.offset));
  }
  for (const t of lexed.groups["invalid"] ?? []) {
    const start = t.startOffset;
    const end = tokenEnd(t);
    if (t.tokenType === T.UnterminatedComment) {
      add("CL102", start, start + 2, "unterminated block comment: this `/*` has no closing `*/`", start);
    } else if (t.tokenType === T.Preprocessor) {
      add(
        "CL104",
        start,
        end,
        `C-preprocessor lines (\`${t.image.split(/\s/)[0]}\`) are Soufflé syntax that calmlog does not support`,
        start,
        "Soufflé runs the C preprocessor over its input; calmlog reads the file as written. Inline the included file or expand the macro.",
      );
    }
  }
  // Unknown directives (with their arguments) and the clause text up to an unterminated string never
  // reach the parser: both would otherwise swallow the next clause during recovery.
  const removed: [number, number][] = [];
  tokens.forEach((t, i) => {
    if (t.tokenType === T.UnknownDirective) {
      removed.push([t.startOffset, sync.after(t.startOffset)]);
      add("CL101", t.startOffset, tokenEnd(t), `unknown directive \`${t.image}\``, t.startOffset, "The directives are `.decl`, `.type`, `.input`, `.output`, `.printsize` and `.invariant`.");
    } else if (t.tokenType === T.UnterminatedString) {
      const from = sync.clauseStart(i);
      removed.push([from, tokenEnd(t)]);
      add("CL102", t.startOffset, tokenEnd(t), "unterminated string: the line ends before the closing `\"`", tokenEnd(t), undefined, from);
    }
  });
  if (removed.length > 0) {
    const ranges = mergeRanges(removed);
    let k = 0;
    tokens = tokens.filter((t) => {
      while (k < ranges.length && ranges[k]![1] <= t.startOffset) k++;
      return !(k < ranges.length && ranges[k]![0] <= t.startOffset);
    });
  }

  // ---- nesting guard (the parser is recursive) -------------------------------------------------
  const tooDeep = findTooDeep(tokens);
  if (tooDeep !== undefined) {
    const t = tokens[tooDeep.at]!;
    if (tooDeep.chain) {
      add("CL101", t.startOffset, tokenEnd(t), `the clause chains more than ${MAX_CHAIN} operations in one term; the rest of the file is not read`, Infinity,
        "Split the term with intermediate variables: `s1 = a + b + c, s2 = s1 + d + e`.");
    } else add("CL101", t.startOffset, tokenEnd(t), `the clause nests more than ${MAX_NESTING} levels deep; the rest of the file is not read`, Infinity);
    let cut = tooDeep.at;
    while (cut > 0 && !tokenMatcher(tokens[cut - 1]!, T.Dot)) cut--;
    tokens = tokens.slice(0, cut);
  }

  // ---- parse ---------------------------------------------------------------------------------
  const builder = new AstBuilder(file, index, tokens, text);
  const parser = sharedParser();
  parser.input = tokens;
  parser.itemHandler = (node) => builder.collect(node as ItemCstNode);
  let cst: ProgramCstNode;
  try {
    cst = parser.program() as ProgramCstNode;
  } finally {
    parser.itemHandler = undefined;
  }
  for (const e of parser.errors) {
    const p = parseErrorProblem(e, tokens, text, sync);
    add("CL101", p.start, p.end, e.message, p.syncEnd);
  }

  const built = builder.program(cst);
  for (const t of built.strays) {
    const prev = lastItemBefore(built.items, t.startOffset);
    const afterDirective = tokenMatcher(t, T.Dot) && prev?.directive === true && /^\s*$/.test(text.slice(prev.end, t.startOffset));
    const message = afterDirective
      ? "a directive does not end with `.`"
      : `expected a clause or a directive but found \`${t.image.replace(/`/g, "'")}\``;
    const help = afterDirective ? "Remove the `.`: only facts and rules end with `.`." : undefined;
    add("CL101", t.startOffset, tokenEnd(t), message, afterDirective ? tokenEnd(t) : sync.after(t.startOffset), help);
  }

  // ---- report, skipping what an earlier error explains ---------------------------------------
  problems.sort((a, b) => a.start - b.start || a.end - b.end);
  const damaged = mergeRanges(problems.filter((p) => p.syncEnd > p.damageFrom).map((p) => [p.damageFrom, p.syncEnd] as const));
  const reported: SyntaxProblem[] = [];
  let quietUntil = -1;
  let lastStart = -1;
  for (const p of problems) {
    if (p.start < quietUntil || p.start === lastStart) continue;
    reported.push(p);
    lastStart = p.start;
    quietUntil = Math.max(quietUntil, p.syncEnd);
  }

  const items: SourceItem[] = [];
  let r = 0;
  for (const result of built.items) {
    while (r < damaged.length && damaged[r]![1] <= result.start) r++;
    const hit = r < damaged.length && damaged[r]![0] < result.end;
    if (result.broken || hit) continue;
    for (const p of result.problems) reported.push({ ...p, syncEnd: p.start, damageFrom: p.start });
    if (!result.problems.some((p) => p.dropsItem)) items.push(...result.items);
  }

  reported.sort((a, b) => a.start - b.start || a.end - b.end);
  for (const [k, p] of reported.entries()) {
    if (k === MAX_SYNTAX_ERRORS) {
      // Later errors are mostly echoes of the first ones; the program is not checked further.
      diags.add("CL409", index.span(file, p.start, p.end), `too many errors in this file (${MAX_SYNTAX_ERRORS} shown, ${reported.length - k} more from here on); stopping`);
      return program([]);
    }
    diags.add(p.code, index.span(file, p.start, p.end), p.message, p.help === undefined ? {} : { help: p.help });
  }
  const attached = attachPlans(items);
  for (const orphan of attached.orphans) {
    diags.add("CL101", orphan.span, "`.plan` belongs right after a rule (`head :- body.`)", { help: "Move the `.plan` under the rule whose joins it orders, or remove it." });
  }
  const pragmas = items.flatMap((i) => (i.kind === "pragma" ? [{ key: i.key, value: i.value, span: i.span }] : []));
  const expanded = expandComponents(attached.items);
  for (const p of expanded.problems) diags.add(p.code, p.span, p.message, { ...(p.related ? { related: p.related } : {}), ...(p.help ? { help: p.help } : {}) });
  const p = { ...program([...addEquivalenceRules(expanded.items)]), ...(pragmas.length > 0 ? { pragmas } : {}) };
  return expanded.uses.length === 0 ? p : { ...p, components: expanded.uses };
}

/** Gives each `.plan` to the rule just before it (in component bodies too); a `.plan` after anything else is an orphan. */
function attachPlans(items: readonly SourceItem[]): { items: SourceItem[]; orphans: ExecutionPlan[] } {
  const out: SourceItem[] = [];
  const orphans: ExecutionPlan[] = [];
  for (const item of items) {
    if (item.kind === "plan") {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.kind === "rule" && prev.body !== null && prev.plan === undefined) out[out.length - 1] = { ...prev, plan: item.plan };
      else orphans.push(item.plan);
    } else if (item.kind === "component") {
      const inner = attachPlans(item.body);
      orphans.push(...inner.orphans);
      out.push({ ...item, body: inner.items });
    } else out.push(item);
  }
  return { items: out, orphans };
}

/** Where parsing is trusted again after a problem at an offset: past the next `.`, or at the next directive. */
class Resync {
  constructor(
    private readonly tokens: readonly IToken[],
    private readonly text: string,
  ) {}

  after(offset: number): number {
    const { tokens } = this;
    const i = tokenIndexAt(tokens, offset);
    const inDirective = this.inDirective(i);
    for (let j = i; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (tokenMatcher(t, T.Dot)) return tokenEnd(t);
      if (j > i && tokenMatcher(t, T.DirectiveKeyword)) return t.startOffset;
      // Directives have no terminator: a name at the start of a line begins the next clause.
      if (inDirective && j > i && tokenMatcher(t, T.Ident) && this.startsLine(j)) return t.startOffset;
    }
    return Infinity;
  }

  /** Offset where the clause holding token `i` begins on that token's line (after a `.` or at the line start). */
  clauseStart(i: number): number {
    let j = i;
    while (j > 0 && !tokenMatcher(this.tokens[j - 1]!, T.Dot) && !this.startsLine(j)) j--;
    return this.tokens[j]!.startOffset;
  }

  /** Whether the token at `i` is the first on its line. */
  startsLine(i: number): boolean {
    const prev = this.tokens[i - 1];
    const t = this.tokens[i];
    if (prev === undefined || t === undefined) return true;
    return /[\n\r]/.test(this.text.slice(tokenEnd(prev), t.startOffset));
  }

  private inDirective(i: number): boolean {
    if (this.tokens[i] !== undefined && tokenMatcher(this.tokens[i]!, T.DirectiveKeyword)) return true;
    for (let j = i - 1; j >= 0 && j >= i - 2000; j--) {
      const t = this.tokens[j]!;
      if (tokenMatcher(t, T.Dot)) return false;
      if (tokenMatcher(t, T.DirectiveKeyword)) return true;
    }
    return false;
  }
}

/** Span and resync point of a parser error; EOF and recovered tokens fall back to the previous token's end. */
function parseErrorProblem(e: IRecognitionException, tokens: readonly IToken[], text: string, sync: Resync): { start: number; end: number; syncEnd: number } {
  const t = e.token;
  if (t.tokenType === EOF || !Number.isFinite(t.startOffset)) {
    const prev = (e as { previousToken?: IToken }).previousToken;
    const at = prev !== undefined && Number.isFinite(tokenEnd(prev)) ? tokenEnd(prev) : lastEnd(tokens);
    return { start: at, end: at, syncEnd: Infinity };
  }
  const start = t.startOffset;
  const end = tokenEnd(t);
  // A new directive, or a name opening a line after a clause that lacks its `.`, starts afresh.
  if (tokenMatcher(t, T.DirectiveKeyword)) return { start, end, syncEnd: start };
  const i = tokenIndexAt(tokens, start);
  const missingDot = e.name === "MismatchedTokenException" && e.message.startsWith("expected `.` to end the clause");
  if (missingDot && tokenMatcher(t, T.Ident) && sync.startsLine(i)) return { start, end, syncEnd: start };
  void text;
  return { start, end, syncEnd: sync.after(start) };
}

function lastEnd(tokens: readonly IToken[]): number {
  const last = tokens[tokens.length - 1];
  return last === undefined ? 0 : tokenEnd(last);
}

function lastItemBefore(items: readonly ItemResult[], offset: number): ItemResult | undefined {
  return items[countEndingBy(items, offset) - 1];
}

function mergeRanges(ranges: (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * The first token nesting deeper than `MAX_NESTING`, or ending a chain of operations deeper than
 * `MAX_CHAIN` (each bracket level counts the operators since its last `,` or `;`, a closed bracket's with them), if any.
 */
function findTooDeep(tokens: readonly IToken[]): { at: number; chain: boolean } | undefined {
  let depth = 0;
  let prefixRun = 0;
  let carets = 0;
  /** Binary operators in the current term, per bracket level; `chained` is their sum. */
  const ops: number[] = [0];
  let chained = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const tt = t.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) {
      depth++;
      ops.push(0);
    } else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) {
      depth = Math.max(0, depth - 1);
      // A closed bracket's chain stays part of the term around it: it hangs that much deeper.
      if (ops.length > 1) ops[ops.length - 2]! += ops.pop()!;
    } else if (tt === T.Dot) {
      depth = 0;
      carets = 0;
      ops.length = 1;
      ops[0] = 0;
      chained = 0;
    } else if (tt === T.Caret) carets++;
    else if (tt === T.Comma || tt === T.Semicolon || tt === T.If) {
      chained -= ops[ops.length - 1]!;
      ops[ops.length - 1] = 0;
    } else if (tokenMatcher(t, T.BinaryOp)) {
      ops[ops.length - 1]!++;
      chained++;
    }
    if (tt === T.Bang || tt === T.Minus || tt === T.Bnot || tt === T.Lnot || tokenMatcher(t, T.AggregateFn)) prefixRun++;
    else prefixRun = 0;
    if (depth + prefixRun + carets > MAX_NESTING) return { at: i, chain: false };
    if (depth + prefixRun + carets + chained > MAX_CHAIN) return { at: i, chain: true };
  }
  return undefined;
}
