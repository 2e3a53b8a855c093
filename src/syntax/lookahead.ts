// The parser's lookahead from paths computed once, when the CLI is bundled: chevrotain's LL(k)
// strategy derives every alternation's and option's lookahead paths from the grammar on each
// start, about half the time it takes to build the parser. `scripts/bundle-cli.mjs` records the
// paths through this strategy and bakes them into the bundle; a path missing from the table is
// computed as chevrotain does, so a table never makes the parser wrong, only slower.
import type { ILookaheadStrategy, ILookaheadValidationError, IOrAlt, IToken, OptionalProductionType, Rule, TokenType } from "chevrotain";
import { getLookaheadPaths, LLkLookaheadStrategy } from "./chevrotain.js";

/** Lookahead paths by `rule/production/occurrence`: per alternative, its paths of token names. */
export type LookaheadTable = Record<string, string[][][]>;

type Path = readonly TokenType[];
type Parser = { LA_FAST(i: number): IToken };

const categories = (t: TokenType): readonly number[] => t.categoryMatches ?? [];
const index = (t: TokenType): number => t.tokenTypeIdx!;

/** Whether `token` is of type `type` or of one of its categories' members (chevrotain's `tokenMatcher`). */
function matches(token: IToken, type: TokenType): boolean {
  return token.tokenTypeIdx === type.tokenTypeIdx || type.categoryMatchesMap?.[token.tokenTypeIdx] === true;
}

/** The first alternative one of whose paths the next tokens follow; undefined when none. */
function choose(parser: Parser, alts: readonly (readonly Path[])[], gates: readonly (((this: unknown) => boolean) | undefined)[] | null): number | undefined {
  for (let a = 0; a < alts.length; a++) {
    const gate = gates?.[a];
    if (gate !== undefined && gate.call(parser) === false) continue;
    next: for (const path of alts[a]!) {
      for (let i = 0; i < path.length; i++) if (!matches(parser.LA_FAST(i + 1), path[i]!)) continue next;
      return a;
    }
  }
  return undefined;
}

/** Lookahead from a table of paths, filling it with the paths it has to compute. */
export class TableLookahead implements ILookaheadStrategy {
  private readonly llk: InstanceType<typeof LLkLookaheadStrategy>;
  private byName: Map<string, TokenType> | null = null;

  constructor(
    maxLookahead: number,
    private readonly tokens: readonly TokenType[],
    /** Read for known paths, written for computed ones. */
    readonly table: LookaheadTable,
  ) {
    this.llk = new LLkLookaheadStrategy({ maxLookahead });
  }

  validate(options: { rules: Rule[]; tokenTypes: TokenType[]; grammarName: string }): ILookaheadValidationError[] {
    return this.llk.validate(options);
  }

  private paths(rule: Rule, prodType: OptionalProductionType | "Alternation", occurrence: number, maxLookahead: number): Path[][] {
    const key = `${rule.name}/${prodType}/${occurrence}`;
    const known = this.table[key];
    if (known !== undefined) {
      this.byName ??= new Map(this.tokens.map((t) => [t.name, t]));
      const type = (name: string): TokenType => {
        const t = this.byName!.get(name);
        if (t === undefined) throw new Error(`lookahead table names an unknown token \`${name}\``);
        return t;
      };
      return known.map((alt) => alt.map((path) => path.map(type)));
    }
    const computed = getLookaheadPaths({ occurrence, rule, prodType, maxLookahead });
    this.table[key] = computed.map((alt) => alt.map((path) => path.map((t) => t.name)));
    return computed;
  }

  buildLookaheadForAlternation(options: { prodOccurrence: number; rule: Rule; maxLookahead: number; hasPredicates: boolean; dynamicTokensEnabled: boolean }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const alts = this.paths(options.rule, "Alternation", options.prodOccurrence, options.maxLookahead);
    if (options.hasPredicates) {
      return function (this: Parser, orAlts?: IOrAlt<unknown>[]) {
        return choose(this, alts, orAlts?.map((o) => o.GATE as ((this: unknown) => boolean) | undefined) ?? null);
      };
    }
    // The common case: one token decides; a table from token index to alternative (first wins).
    if (!options.dynamicTokensEnabled && alts.every((alt) => alt.every((p) => p.length === 1))) {
      const choice: number[] = [];
      alts.forEach((alt, a) => {
        for (const [t] of alt) for (const idx of [index(t!), ...categories(t!)]) choice[idx] ??= a;
      });
      return function (this: Parser) {
        return choice[this.LA_FAST(1).tokenTypeIdx];
      };
    }
    return function (this: Parser) {
      return choose(this, alts, null);
    };
  }

  buildLookaheadForOptional(options: { prodOccurrence: number; prodType: OptionalProductionType; rule: Rule; maxLookahead: number; dynamicTokensEnabled: boolean }): () => boolean {
    // The first alternative holds the paths into the production, the second those past it.
    const inside = this.paths(options.rule, options.prodType, options.prodOccurrence, options.maxLookahead)[0]!;
    if (!options.dynamicTokensEnabled && inside.every((p) => p.length === 1)) {
      const enter: boolean[] = [];
      for (const [t] of inside) for (const idx of [index(t!), ...categories(t!)]) enter[idx] = true;
      return function (this: Parser) {
        return enter[this.LA_FAST(1).tokenTypeIdx] === true;
      };
    }
    const alts = [inside];
    return function (this: Parser) {
      return choose(this, alts, null) === 0;
    };
  }
}
