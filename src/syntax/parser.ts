// The grammar of rule files as one chevrotain CST parser (one shared instance, recovery on).
// Decisions LL(k) cannot make (atom vs. comparison, `min(..)` functor vs. aggregate) use gates that scan
// to the matching bracket; the scan stops at `.` and directives, so it stays within one clause.
import type { AtLeastOneSepMethodOpts, CstNode, DSLMethodOpts, IOrAlt, IToken, Rule, TokenType } from "chevrotain";
import { CstParser, createTokenInstance, EOF, tokenMatcher } from "./chevrotain.js";
import { messageProvider } from "./messages.js";
import { TableLookahead, type LookaheadTable } from "./lookahead.js";
import { bundledPrebuilt, restoreFollows, restoreRules, type PrebuiltGrammar } from "./prebuilt.js";
import * as T from "./tokens.js";

// Alternatives and options are built through these helpers rather than object literals with arrow
// properties: tsx keeps function names, and naming a closure on every rule invocation halves parse speed.
const alt = (ALT: () => unknown): IOrAlt<unknown> => ({ ALT });
const gated = (GATE: () => boolean, ALT: () => unknown): IOrAlt<unknown> => ({ GATE, ALT });
const gatedDef = (GATE: () => boolean, DEF: () => unknown): DSLMethodOpts<unknown> => ({ GATE, DEF });
const sep = (SEP: TokenType, DEF: () => unknown): AtLeastOneSepMethodOpts<unknown> => ({ SEP, DEF });

/** The rule-file parser; use the shared `parser` instance. */
export class CalmlogParser extends CstParser {
  /**
   * `validate` runs chevrotain's grammar validations (ambiguities, left recursion, ...); the test
   * suite does, so the shared instance skips them and starts faster. `prebuilt` is what chevrotain's
   * self-analysis derives from the grammar, recorded at build time (src/syntax/prebuilt.ts); it is
   * ignored when validating, since the validations need the analysis run.
   */
  constructor(options: { readonly validate?: boolean; readonly lookahead?: LookaheadTable; readonly prebuilt?: PrebuiltGrammar } = {}) {
    const lookahead = options.prebuilt?.lookahead ?? options.lookahead;
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      skipValidations: options.validate !== true,
      errorMessageProvider: messageProvider,
      maxLookahead: 3,
      // `lookahead`: paths known in advance (the CLI bundle's), filled with those computed here.
      ...(lookahead === undefined ? {} : { lookaheadStrategy: new TableLookahead(3, [...T.ALL_TOKENS, EOF], lookahead) }),
    });
    if (options.prebuilt !== undefined && options.validate !== true) this.restoreSelfAnalysis(options.prebuilt);
    else this.performSelfAnalysis();
  }

  /**
   * `performSelfAnalysis` without its derivations: the recorded grammar and the follow sets come
   * from `prebuilt`, and only the lookahead functions are built (from its paths). chevrotain 11's
   * fields, set as its own `performSelfAnalysis` sets them.
   */
  private restoreSelfAnalysis(prebuilt: PrebuiltGrammar): void {
    const self = this as unknown as {
      selfAnalysisDone: boolean;
      definedRulesNames: string[];
      gastProductionsCache: Record<string, Rule>;
      resyncFollows: Record<string, TokenType[]>;
      lookaheadStrategy: { initialize?(options: { rules: Rule[] }): void };
      preComputeLookaheadFunctions(rules: Rule[]): void;
    };
    self.selfAnalysisDone = true;
    toFastProperties(this);
    const tokens = [...T.ALL_TOKENS, EOF];
    const rules = restoreRules(prebuilt, tokens);
    const names = rules.map((r) => r.name).join();
    if (names !== self.definedRulesNames.join()) throw new Error(`prebuilt grammar is stale: it has the rules ${names}, the parser ${self.definedRulesNames.join()}`);
    for (const rule of rules) self.gastProductionsCache[rule.name] = rule;
    self.resyncFollows = restoreFollows(prebuilt, tokens);
    self.lookaheadStrategy.initialize?.({ rules });
    self.preComputeLookaheadFunctions(rules);
  }

  /**
   * A token inserted by single-token recovery sits, zero-width, right after the previous token
   * (chevrotain's default has NaN offsets, which no span can use).
   */
  protected override getTokenToInsert(tokType: TokenType): IToken {
    const prev = this.LA(0);
    const at = Number.isFinite(T.tokenEnd(prev)) ? T.tokenEnd(prev) : 0;
    const token = createTokenInstance(tokType, "", at, at - 1, NaN, NaN, NaN, NaN);
    token.isInsertedInRecovery = true;
    return token;
  }

  /** Index `j` such that `LA(j)` closes the bracket opened at `LA(i)`, or -1 when the clause ends first. */
  private matchingClose(i: number): number {
    let depth = 0;
    for (let j = i; ; j++) {
      const t = this.LA(j);
      const tt = t.tokenType;
      if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) depth++;
      else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) {
        depth--;
        if (depth <= 0) return depth === 0 ? j : -1;
      } else if (tt === EOF || tt === T.Dot || tokenMatcher(t, T.DirectiveKeyword)) return -1;
    }
  }

  private isOperator(t: IToken): boolean {
    return tokenMatcher(t, T.CompareOp) || tokenMatcher(t, T.BinaryOp) || t.tokenType === T.Caret;
  }

  /** `( ... )` in a body is a group unless an operator follows it: `(x + 1) * 2 < y` is a comparison. */
  private parenIsGroup(): boolean {
    if (this.LA(1).tokenType !== T.LParen) return false;
    const j = this.matchingClose(1);
    return j < 0 || !this.isOperator(this.LA(j + 1));
  }

  /** `name(...)` in a body is an atom unless an operator follows: `strlen(s) > 3` is a comparison. */
  private identIsAtom(): boolean {
    if (this.LA(1).tokenType !== T.Ident || this.LA(2).tokenType !== T.LParen) return false;
    const j = this.matchingClose(2);
    return j < 0 || !this.isOperator(this.LA(j + 1));
  }

  /** `min(a, b)` is the functor; `min(x) : {...}` (a `:` after the parentheses) is the aggregate. */
  private minMaxIsCall(): boolean {
    const first = this.LA(1).tokenType;
    if ((first !== T.Min && first !== T.Max) || this.LA(2).tokenType !== T.LParen) return false;
    const j = this.matchingClose(2);
    return j < 0 || this.LA(j + 1).tokenType !== T.Colon;
  }

  program = this.RULE("program", () => {
    this.MANY(() => {
      this.OR((this.programAlts ??= [alt(() => this.topItem()), alt(() => this.CONSUME(T.Stray))]));
    });
  });

  private programAlts: IOrAlt<unknown>[] | undefined;

  /**
   * Called with each top-level item's CST as soon as it is parsed. Building the AST right away lets
   * the item's parse tree die young, which the garbage collector handles far more cheaply.
   */
  itemHandler: ((node: CstNode) => void) | undefined;

  private topItem(): void {
    const node = this.SUBRULE(this.item);
    if (!this.RECORDING_PHASE && this.itemHandler !== undefined) this.itemHandler(node);
  }
  private itemAlts: IOrAlt<unknown>[] | undefined;

  item = this.RULE("item", () => {
    this.OR((this.itemAlts ??= [
      alt(() => this.SUBRULE(this.relationDecl)),
      alt(() => this.SUBRULE(this.typeDecl)),
      alt(() => this.SUBRULE(this.ioDirective)),
      alt(() => this.SUBRULE(this.invariantDirective)),
      alt(() => this.SUBRULE(this.clause)),
      alt(() => this.SUBRULE(this.componentDecl)),
      alt(() => this.SUBRULE(this.componentInit)),
      alt(() => this.SUBRULE(this.functorDecl)),
      alt(() => this.SUBRULE(this.planDirective)),
      alt(() => this.SUBRULE(this.pragmaDirective)),
      alt(() => this.SUBRULE(this.overrideDirective)),
      alt(() => this.SUBRULE(this.latticeDecl)),
    ]));
  });

  // ---- declarations ------------------------------------------------------------------------

  relationDecl = this.RULE("relationDecl", () => {
    this.CONSUME(T.Decl);
    this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.CONSUME(T.Ident)));
    this.CONSUME(T.LParen);
    this.MANY_SEP(sep(T.Comma, () => this.SUBRULE(this.attribute)));
    this.CONSUME(T.RParen);
    // A qualifier is a bare name; a name followed by `(` starts the next clause.
    this.MANY2(
      gatedDef(
        () => tokenMatcher(this.LA(1), T.ChoiceDomain) || !tokenMatcher(this.LA(2), T.LParen),
        () => this.OR([alt(() => this.CONSUME2(T.Ident)), alt(() => this.SUBRULE(this.choiceDomain))]),
      ),
    );
  });

  attribute = this.RULE("attribute", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Ident);
  });

  choiceDomain = this.RULE("choiceDomain", () => {
    this.CONSUME(T.ChoiceDomain);
    this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.SUBRULE(this.choiceKey)));
  });

  choiceKey = this.RULE("choiceKey", () => {
    this.OR([
      alt(() => this.CONSUME(T.Ident)),
      alt(() => {
        this.CONSUME(T.LParen);
        this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.CONSUME2(T.Ident)));
        this.CONSUME(T.RParen);
      }),
    ]);
  });

  /** `.type A <: B`, `.type A = ...`, and Soufflé's deprecated `.type A`, `.number_type A`, `.symbol_type A`. */
  typeDecl = this.RULE("typeDecl", () => {
    this.OR([alt(() => this.CONSUME(T.TypeKw)), alt(() => this.CONSUME(T.NumberType)), alt(() => this.CONSUME(T.SymbolType))]);
    this.CONSUME(T.Ident);
    this.OPTION(() =>
      this.OR2([
        alt(() => {
          this.CONSUME(T.Subtype);
          this.CONSUME2(T.Ident);
        }),
        alt(() => {
          this.CONSUME(T.Eq);
          this.SUBRULE(this.typeDefinition);
        }),
      ]),
    );
  });

  typeDefinition = this.RULE("typeDefinition", () => {
    this.OR([
      alt(() => this.SUBRULE(this.recordType)),
      alt(() => this.AT_LEAST_ONE_SEP(sep(T.Pipe, () => this.SUBRULE(this.typeBranch)))),
    ]);
  });

  /** Soufflé's record type `[a: T, ...]` (rejected). */
  recordType = this.RULE("recordType", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP(sep(T.Comma, () => this.SUBRULE(this.attribute)));
    this.CONSUME(T.RBracket);
  });

  /** A union member, or with `{...}` Soufflé's ADT branch (rejected). */
  typeBranch = this.RULE("typeBranch", () => {
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY_SEP(sep(T.Comma, () => this.SUBRULE(this.attribute)));
      this.CONSUME(T.RBrace);
    });
  });

  ioDirective = this.RULE("ioDirective", () => {
    this.OR([
      alt(() => this.CONSUME(T.Input)),
      alt(() => this.CONSUME(T.Output)),
      alt(() => this.CONSUME(T.Printsize)),
      alt(() => this.CONSUME(T.Limitsize)),
    ]);
    this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.CONSUME(T.Ident)));
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP(sep(T.Comma, () => this.SUBRULE(this.ioParam)));
      this.CONSUME(T.RParen);
    });
  });

  ioParam = this.RULE("ioParam", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Eq);
    this.OR([
      alt(() => this.CONSUME(T.StringLit)),
      alt(() => this.CONSUME2(T.Ident)),
      alt(() => this.CONSUME(T.NumberLit)),
      alt(() => this.CONSUME(T.True)),
      alt(() => this.CONSUME(T.False)),
    ]);
  });

  invariantDirective = this.RULE("invariantDirective", () => {
    this.CONSUME(T.Invariant);
    this.CONSUME(T.Ident);
    this.OPTION(() => this.CONSUME(T.StringLit));
  });

  // ---- clauses -----------------------------------------------------------------------------

  /** A fact, a rule (several heads allowed), or Soufflé's subsumption `a(x) <= a(y) :- ...` (rejected). */
  clause = this.RULE("clause", () => {
    this.SUBRULE(this.atom);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.atom);
    });
    this.OPTION(() => {
      this.CONSUME(T.Le);
      this.SUBRULE3(this.atom);
    });
    this.OPTION2(() => {
      this.CONSUME(T.If);
      this.SUBRULE(this.disjunction);
    });
    this.CONSUME(T.Dot);
  });

  atom = this.RULE("atom", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression);
      });
    });
    this.CONSUME(T.RParen);
  });

  disjunction = this.RULE("disjunction", () => {
    this.SUBRULE(this.conjunction);
    this.MANY(() => {
      this.CONSUME(T.Semicolon);
      this.SUBRULE2(this.conjunction);
    });
  });

  conjunction = this.RULE("conjunction", () => {
    this.SUBRULE(this.bodyUnit);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.bodyUnit);
    });
  });

  bodyUnit = this.RULE("bodyUnit", () => {
    this.OR({ IGNORE_AMBIGUITIES: true, DEF: (this.bodyUnitAlts ??= this.bodyUnits()) });
  });

  private bodyUnitAlts: IOrAlt<unknown>[] | undefined;
  private bodyUnits(): IOrAlt<unknown>[] {
    return [
      alt(() => {
        this.CONSUME(T.Bang);
        this.SUBRULE(this.bodyUnit);
      }),
      gated(() => this.parenIsGroup(), () => {
        this.CONSUME(T.LParen);
        this.SUBRULE(this.disjunction);
        this.CONSUME(T.RParen);
      }),
      alt(() => this.CONSUME(T.True)),
      alt(() => this.CONSUME(T.False)),
      gated(() => this.identIsAtom(), () => this.SUBRULE(this.atom)),
      alt(() => this.SUBRULE(this.comparison)),
    ];
  }

  comparison = this.RULE("comparison", () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.CompareOp);
    this.SUBRULE2(this.expression);
  });

  // ---- terms -------------------------------------------------------------------------------

  /** Operands and infix operators in order; precedence is applied when building the AST. */
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.CONSUME(T.BinaryOp);
      this.SUBRULE2(this.operand);
    });
  });

  /**
   * Prefix operators, a primary term, and an optional `^` exponent. `^` is right-associative and binds
   * tighter than prefix `-`, as in Soufflé: `-x ^ 2` is `-(x ^ 2)`. One rule, so a term costs two CST nodes.
   */
  operand = this.RULE("operand", () => {
    this.MANY(() => this.CONSUME(T.PrefixOp));
    this.OR({ IGNORE_AMBIGUITIES: true, DEF: (this.primaryAlts ??= this.primaries()) });
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.operand);
    });
  });

  private primaryAlts: IOrAlt<unknown>[] | undefined;
  private primaries(): IOrAlt<unknown>[] {
    return [
      alt(() => this.CONSUME(T.NumberLit)),
      alt(() => this.CONSUME(T.StringLit)),
      alt(() => this.CONSUME(T.Wildcard)),
      alt(() => {
        this.CONSUME(T.Ident);
        this.OPTION2(() => {
          this.CONSUME(T.LParen);
          this.OPTION3(() => this.SUBRULE(this.argumentList));
          this.CONSUME(T.RParen);
        });
      }),
      alt(() => {
        this.CONSUME2(T.LParen);
        this.SUBRULE(this.expression);
        this.CONSUME2(T.RParen);
      }),
      gated(() => this.minMaxIsCall(), () => this.SUBRULE(this.minMaxCall)),
      alt(() => this.SUBRULE(this.aggregate)),
      alt(() => this.SUBRULE(this.recordInit)),
      alt(() => this.SUBRULE(this.branchInit)),
      alt(() => this.SUBRULE(this.userFunctorCall)),
    ];
  }

  argumentList = this.RULE("argumentList", () => {
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expression);
    });
  });

  /** The two-or-more-argument functors `min(a, b)` and `max(a, b)`. */
  minMaxCall = this.RULE("minMaxCall", () => {
    this.OR([alt(() => this.CONSUME(T.Min)), alt(() => this.CONSUME(T.Max))]);
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(T.RParen);
  });

  /** `count : { body }`, `sum x : { body }`, and the short form `count : atom`. */
  aggregate = this.RULE("aggregate", () => {
    this.CONSUME(T.AggregateFn);
    this.OPTION(() => this.SUBRULE(this.expression));
    this.CONSUME(T.Colon);
    this.OR([
      alt(() => {
        this.CONSUME(T.LBrace);
        this.SUBRULE(this.disjunction);
        this.CONSUME(T.RBrace);
      }),
      alt(() => this.SUBRULE(this.atom)),
    ]);
  });

  /** Soufflé's record `[a, b]` (rejected). */
  recordInit = this.RULE("recordInit", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(T.RBracket);
  });

  /** Soufflé's ADT constructor `$C(a, b)` and counter `$` (rejected). */
  branchInit = this.RULE("branchInit", () => {
    this.CONSUME(T.Dollar);
    this.OPTION(() => {
      this.CONSUME(T.Ident);
      this.OPTION2(() => {
        this.CONSUME(T.LParen);
        this.OPTION3(() => this.SUBRULE(this.argumentList));
        this.CONSUME(T.RParen);
      });
    });
  });

  /** Soufflé's user-defined functor call `@f(a, b)` (rejected). */
  userFunctorCall = this.RULE("userFunctorCall", () => {
    this.CONSUME(T.At);
    this.CONSUME(T.Ident);
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(T.RParen);
  });

  // ---- Soufflé directives that are recognised and rejected ---------------------------------

  componentDecl = this.RULE("componentDecl", () => {
    this.CONSUME(T.Comp);
    this.SUBRULE(this.componentType);
    this.MANY(() => {
      this.OR([alt(() => this.CONSUME(T.Colon)), alt(() => this.CONSUME(T.Comma))]);
      this.SUBRULE2(this.componentType);
    });
    this.CONSUME(T.LBrace);
    this.MANY2(() => this.SUBRULE(this.item));
    this.CONSUME(T.RBrace);
  });

  componentType = this.RULE("componentType", () => {
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.Lt);
      this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.CONSUME2(T.Ident)));
      this.CONSUME(T.Gt);
    });
  });

  componentInit = this.RULE("componentInit", () => {
    this.CONSUME(T.Init);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.componentType);
  });

  functorDecl = this.RULE("functorDecl", () => {
    this.CONSUME(T.Functor);
    this.CONSUME(T.Ident);
    this.CONSUME(T.LParen);
    this.MANY_SEP(sep(T.Comma, () => this.SUBRULE(this.functorParam)));
    this.CONSUME(T.RParen);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Ident);
    this.OPTION(gatedDef(() => this.LA(1).image === "stateful", () => this.CONSUME3(T.Ident)));
  });

  functorParam = this.RULE("functorParam", () => {
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.CONSUME2(T.Ident);
    });
  });

  planDirective = this.RULE("planDirective", () => {
    this.CONSUME(T.Plan);
    this.AT_LEAST_ONE_SEP(sep(T.Comma, () => this.SUBRULE(this.planEntry)));
  });

  planEntry = this.RULE("planEntry", () => {
    this.CONSUME(T.NumberLit);
    this.CONSUME(T.Colon);
    this.CONSUME(T.LParen);
    this.MANY_SEP(sep(T.Comma, () => this.CONSUME2(T.NumberLit)));
    this.CONSUME(T.RParen);
  });

  pragmaDirective = this.RULE("pragmaDirective", () => {
    this.CONSUME(T.Pragma);
    this.CONSUME(T.StringLit);
    this.OPTION(() => this.CONSUME2(T.StringLit));
  });

  latticeDecl = this.RULE("latticeDecl", () => {
    this.CONSUME(T.LatticeDecl);
  });

  overrideDirective = this.RULE("overrideDirective", () => {
    this.CONSUME(T.Override);
    this.CONSUME(T.Ident);
  });
}

/**
 * Lets V8 treat the parser as a prototype-like object with fast properties, as chevrotain's
 * `performSelfAnalysis` does first (without it, parsing is several times slower).
 */
function toFastProperties(object: object): void {
  function Fake(): void {}
  Fake.prototype = object;
  const instance = new (Fake as unknown as new () => { bar?: unknown })();
  const access = (): string => typeof instance.bar;
  access();
  access();
}

let shared: CalmlogParser | undefined;

/** The one parser instance, built on first use; set `input`, call `program()`, read `errors`. */
export function sharedParser(): CalmlogParser {
  const prebuilt = bundledPrebuilt();
  return (shared ??= new CalmlogParser(prebuilt === undefined ? {} : { prebuilt }));
}
