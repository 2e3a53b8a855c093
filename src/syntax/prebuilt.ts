// What chevrotain derives from the grammar and the token definitions on every start, computed once
// when the CLI is bundled (scripts/bundle-cli.mjs) and read back by the bundle's parser and lexer:
// the recorded grammar (the parser calls every rule once in a recording mode to learn its shape),
// the follow sets that error recovery resynchronises on, the lookahead paths, and the characters each
// token can start with. Each is a pure function of the grammar text, so a prebuilt parser parses,
// recovers and reports exactly as one that derives them (test/syntax/prebuilt.test.ts checks this
// against a parser that runs chevrotain's validations).
import type { IProduction, Lexer, Rule as GastRule, TokenType } from "chevrotain";
import { Alternation, Alternative, NonTerminal, Option, Repetition, RepetitionMandatory, RepetitionMandatoryWithSeparator, RepetitionWithSeparator, Rule, Terminal } from "./chevrotain.js";
import type { LookaheadTable } from "./lookahead.js";

/** A recorded grammar node: its class, its own fields in creation order (tokens by name), its children. */
type Node = [kind: string, fields: Record<string, unknown>, children?: Node[]];

/** Everything the bundle's parser and lexer take instead of deriving it. */
export interface PrebuiltGrammar {
  readonly lookahead: LookaheadTable;
  /** The recorded rules, in definition order. */
  readonly rules: Node[];
  /** Recovery's follow sets: `rule + index + "_~IN~_" + rule` to token names. */
  readonly follows: Record<string, string[]>;
  /** Per token with a pattern, the character codes a match can start with (chevrotain's `start_chars_hint`). */
  readonly startChars: Record<string, number[]>;
}

const CLASSES: Record<string, new (...args: never[]) => object> = {
  Rule,
  NonTerminal,
  Alternative,
  Option,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  Repetition,
  RepetitionWithSeparator,
  Alternation,
  Terminal,
};
/** Fields holding a token type (stored by name), and the one holding a rule (found again by name). */
const TOKEN_FIELDS = new Set(["terminalType", "separator"]);
const LINK = "referencedRule";
const CHILDREN = "_definition";

function kindOf(node: object): string {
  for (const [name, cls] of Object.entries(CLASSES)) if (Object.getPrototypeOf(node) === cls.prototype) return name;
  throw new Error(`prebuilt grammar: unknown node class \`${node.constructor.name}\``);
}

function recordNode(node: object): Node {
  const fields: Record<string, unknown> = {};
  let children: Node[] | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === LINK) fields[key] = null;
    else if (TOKEN_FIELDS.has(key)) fields[key] = (value as TokenType).name;
    else if (key === CHILDREN && Array.isArray(value)) {
      fields[key] = null;
      children = (value as object[]).map(recordNode);
    } else if (value === undefined || value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
    else throw new Error(`prebuilt grammar: field \`${key}\` of a \`${kindOf(node)}\` is not plain data`);
  }
  return children === undefined ? [kindOf(node), fields] : [kindOf(node), fields, children];
}

/** The `start_chars_hint` chevrotain's lexer derived for each token (build time: reads the lexer's own table). */
function recordStartChars(lexer: InstanceType<typeof Lexer>): Record<string, number[]> {
  const internal = lexer as unknown as { canModeBeOptimized: Record<string, boolean>; charCodeToPatternIdxToConfig: Record<string, ({ tokenType: TokenType }[] | undefined)[]> };
  if (internal.canModeBeOptimized["defaultMode"] !== true) return {};
  const byToken: Record<string, number[]> = {};
  internal.charCodeToPatternIdxToConfig["defaultMode"]!.forEach((configs, index) => {
    // Codes past 255 share a slot per 255 codes (chevrotain's `charCodeToOptimizedIndex`); any code of the slot stands for it.
    const code = index < 256 ? index : Math.max(256, (index - 255) * 255);
    for (const { tokenType } of configs ?? []) (byToken[tokenType.name] ??= []).push(code);
  });
  return byToken;
}

/** Records what `parser` (built without a prebuilt grammar, with `lookahead` filled) and `lexer` derived. */
export function recordPrebuilt(parser: object, lookahead: LookaheadTable, lexer: InstanceType<typeof Lexer>): PrebuiltGrammar {
  const p = parser as unknown as { gastProductionsCache: Record<string, GastRule>; resyncFollows: Record<string, TokenType[]> };
  return {
    lookahead,
    rules: Object.values(p.gastProductionsCache).map(recordNode),
    follows: Object.fromEntries(Object.entries(p.resyncFollows).map(([k, tokens]) => [k, tokens.map((t) => t.name)])),
    startChars: recordStartChars(lexer),
  };
}

function tokenNamed(byName: ReadonlyMap<string, TokenType>, name: string): TokenType {
  const t = byName.get(name);
  if (t === undefined) throw new Error(`prebuilt grammar names an unknown token \`${name}\``);
  return t;
}

/** The rules of `prebuilt` as chevrotain's grammar objects, non-terminals linked to their rules. */
export function restoreRules(prebuilt: PrebuiltGrammar, tokens: readonly TokenType[]): GastRule[] {
  const byName = new Map(tokens.map((t) => [t.name, t]));
  const links: InstanceType<typeof NonTerminal>[] = [];
  const build = ([kind, fields, children]: Node): IProduction => {
    const cls = CLASSES[kind];
    if (cls === undefined) throw new Error(`prebuilt grammar names an unknown node class \`${kind}\``);
    // Fields are set in their recorded order, so each node gets the shape chevrotain's constructor gives it.
    const node = Object.create(cls.prototype) as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (key === CHILDREN) node[key] = (children ?? []).map(build);
      else if (TOKEN_FIELDS.has(key)) node[key] = tokenNamed(byName, value as string);
      else node[key] = value;
    }
    if (node instanceof NonTerminal) links.push(node);
    return node as unknown as IProduction;
  };
  const rules = prebuilt.rules.map(build) as GastRule[];
  const byRule = new Map(rules.map((r) => [r.name, r]));
  for (const n of links) {
    const rule = byRule.get(n.nonTerminalName);
    if (rule === undefined) throw new Error(`prebuilt grammar names an unknown rule \`${n.nonTerminalName}\``);
    n.referencedRule = rule;
  }
  return rules;
}

/** Recovery's follow sets with token types. */
export function restoreFollows(prebuilt: PrebuiltGrammar, tokens: readonly TokenType[]): Record<string, TokenType[]> {
  const byName = new Map(tokens.map((t) => [t.name, t]));
  return Object.fromEntries(Object.entries(prebuilt.follows).map(([k, names]) => [k, names.map((n) => tokenNamed(byName, n))]));
}

// The CLI bundle defines this as the grammar analysis recorded when it was built (scripts/bundle-cli.mjs), as JSON text.
declare const __CALMLOG_PREBUILT__: string | undefined;

let bundled: PrebuiltGrammar | undefined;

/** The bundle's prebuilt grammar; undefined outside the CLI bundle (the library and the tests derive everything). */
export function bundledPrebuilt(): PrebuiltGrammar | undefined {
  if (typeof __CALMLOG_PREBUILT__ === "undefined") return undefined;
  return (bundled ??= JSON.parse(__CALMLOG_PREBUILT__) as PrebuiltGrammar);
}
