// The grammar of rule files as one chevrotain CST parser (one shared instance, recovery on).
// Decisions LL(k) cannot make (atom vs. comparison, `min(..)` functor vs. aggregate) use gates that scan
// to the matching bracket; the scan stops at `.` and directives, so it stays within one clause.
import { CstParser, createTokenInstance, EOF, tokenMatcher, type IToken, type TokenType } from "chevrotain";
import { messageProvider } from "./messages.js";
import * as T from "./tokens.js";

const OPENERS: readonly TokenType[] = [T.LParen, T.LBracket, T.LBrace];
const CLOSERS: readonly TokenType[] = [T.RParen, T.RBracket, T.RBrace];

/** The rule-file parser; use the shared `parser` instance. */
export class CalmlogParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      errorMessageProvider: messageProvider,
      maxLookahead: 3,
      nodeLocationTracking: "onlyOffset",
    });
    this.performSelfAnalysis();
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
      if (t.tokenType === EOF || tokenMatcher(t, T.Dot) || tokenMatcher(t, T.DirectiveKeyword)) return -1;
      if (OPENERS.some((o) => tokenMatcher(t, o))) depth++;
      else if (CLOSERS.some((c) => tokenMatcher(t, c))) {
        depth--;
        if (depth === 0) return j;
      }
    }
  }

  private isOperator(t: IToken): boolean {
    return tokenMatcher(t, T.CompareOp) || tokenMatcher(t, T.BinaryOp) || tokenMatcher(t, T.Caret);
  }

  /** `( ... )` in a body is a group unless an operator follows it: `(x + 1) * 2 < y` is a comparison. */
  private parenIsGroup(): boolean {
    const j = this.matchingClose(1);
    return j < 0 || !this.isOperator(this.LA(j + 1));
  }

  /** `name(...)` in a body is an atom unless an operator follows: `strlen(s) > 3` is a comparison. */
  private identIsAtom(): boolean {
    if (!tokenMatcher(this.LA(2), T.LParen)) return false;
    const j = this.matchingClose(2);
    return j < 0 || !this.isOperator(this.LA(j + 1));
  }

  /** `min(a, b)` is the functor; `min(x) : {...}` (a `:` after the parentheses) is the aggregate. */
  private minMaxIsCall(): boolean {
    if (!tokenMatcher(this.LA(2), T.LParen)) return false;
    const j = this.matchingClose(2);
    return j < 0 || !tokenMatcher(this.LA(j + 1), T.Colon);
  }

  program = this.RULE("program", () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.item) }, { ALT: () => this.CONSUME(T.Stray) }]);
    });
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.relationDecl) },
      { ALT: () => this.SUBRULE(this.typeDecl) },
      { ALT: () => this.SUBRULE(this.ioDirective) },
      { ALT: () => this.SUBRULE(this.invariantDirective) },
      { ALT: () => this.SUBRULE(this.clause) },
      { ALT: () => this.SUBRULE(this.componentDecl) },
      { ALT: () => this.SUBRULE(this.componentInit) },
      { ALT: () => this.SUBRULE(this.functorDecl) },
      { ALT: () => this.SUBRULE(this.planDirective) },
      { ALT: () => this.SUBRULE(this.pragmaDirective) },
      { ALT: () => this.SUBRULE(this.overrideDirective) },
    ]);
  });

  // ---- declarations ------------------------------------------------------------------------

  relationDecl = this.RULE("relationDecl", () => {
    this.CONSUME(T.Decl);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Ident) });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attribute) });
    this.CONSUME(T.RParen);
    // A qualifier is a bare name; a name followed by `(` starts the next clause.
    this.MANY2({
      GATE: () => tokenMatcher(this.LA(1), T.ChoiceDomain) || !tokenMatcher(this.LA(2), T.LParen),
      DEF: () => {
        this.OR([{ ALT: () => this.CONSUME2(T.Ident) }, { ALT: () => this.SUBRULE(this.choiceDomain) }]);
      },
    });
  });

  attribute = this.RULE("attribute", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Ident);
  });

  choiceDomain = this.RULE("choiceDomain", () => {
    this.CONSUME(T.ChoiceDomain);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.choiceKey) });
  });

  choiceKey = this.RULE("choiceKey", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ident) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Ident) });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  typeDecl = this.RULE("typeDecl", () => {
    this.CONSUME(T.TypeKw);
    this.CONSUME(T.Ident);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Subtype);
          this.CONSUME2(T.Ident);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Eq);
          this.SUBRULE(this.typeDefinition);
        },
      },
    ]);
  });

  typeDefinition = this.RULE("typeDefinition", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.recordType) },
      { ALT: () => this.AT_LEAST_ONE_SEP({ SEP: T.Pipe, DEF: () => this.SUBRULE(this.typeBranch) }) },
    ]);
  });

  /** Soufflé's record type `[a: T, ...]` (rejected). */
  recordType = this.RULE("recordType", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attribute) });
    this.CONSUME(T.RBracket);
  });

  /** A union member, or with `{...}` Soufflé's ADT branch (rejected). */
  typeBranch = this.RULE("typeBranch", () => {
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attribute) });
      this.CONSUME(T.RBrace);
    });
  });

  ioDirective = this.RULE("ioDirective", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Input) },
      { ALT: () => this.CONSUME(T.Output) },
      { ALT: () => this.CONSUME(T.Printsize) },
      { ALT: () => this.CONSUME(T.Limitsize) },
    ]);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Ident) });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.ioParam) });
      this.CONSUME(T.RParen);
    });
  });

  ioParam = this.RULE("ioParam", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Eq);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME2(T.Ident) },
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
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
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.atom) });
    this.OPTION(() => {
      this.CONSUME(T.Le);
      this.SUBRULE2(this.atom);
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
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(T.RParen);
  });

  disjunction = this.RULE("disjunction", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Semicolon, DEF: () => this.SUBRULE(this.conjunction) });
  });

  conjunction = this.RULE("conjunction", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.bodyUnit) });
  });

  bodyUnit = this.RULE("bodyUnit", () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Bang);
            this.SUBRULE(this.bodyUnit);
          },
        },
        {
          GATE: () => this.parenIsGroup(),
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.disjunction);
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { GATE: () => this.identIsAtom(), ALT: () => this.SUBRULE(this.atom) },
        { ALT: () => this.SUBRULE(this.comparison) },
      ],
    });
  });

  comparison = this.RULE("comparison", () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.CompareOp);
    this.SUBRULE2(this.expression);
  });

  // ---- terms -------------------------------------------------------------------------------

  /** Operands and infix operators in order; precedence is applied when building the AST. */
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.BinaryOp);
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.PrefixOp);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  /** `^` is right-associative and binds tighter than prefix `-`, as in Soufflé. */
  power = this.RULE("power", () => {
    this.SUBRULE(this.primary);
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.unary);
    });
  });

  primary = this.RULE("primary", () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.Wildcard) },
        {
          ALT: () => {
            this.CONSUME(T.Ident);
            this.OPTION(() => {
              this.CONSUME(T.LParen);
              this.OPTION2(() => this.SUBRULE(this.argumentList));
              this.CONSUME(T.RParen);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME2(T.LParen);
            this.SUBRULE(this.expression);
            this.CONSUME2(T.RParen);
          },
        },
        { GATE: () => this.minMaxIsCall(), ALT: () => this.SUBRULE(this.minMaxCall) },
        { ALT: () => this.SUBRULE(this.aggregate) },
        { ALT: () => this.SUBRULE(this.recordInit) },
        { ALT: () => this.SUBRULE(this.branchInit) },
        { ALT: () => this.SUBRULE(this.userFunctorCall) },
      ],
    });
  });

  argumentList = this.RULE("argumentList", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  /** The two-or-more-argument functors `min(a, b)` and `max(a, b)`. */
  minMaxCall = this.RULE("minMaxCall", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Min) }, { ALT: () => this.CONSUME(T.Max) }]);
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
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.SUBRULE(this.disjunction);
          this.CONSUME(T.RBrace);
        },
      },
      { ALT: () => this.SUBRULE(this.atom) },
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
      this.OR([{ ALT: () => this.CONSUME(T.Colon) }, { ALT: () => this.CONSUME(T.Comma) }]);
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
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Ident) });
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
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.functorParam) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Ident);
    this.OPTION({ GATE: () => this.LA(1).image === "stateful", DEF: () => this.CONSUME3(T.Ident) });
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
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.planEntry) });
  });

  planEntry = this.RULE("planEntry", () => {
    this.CONSUME(T.NumberLit);
    this.CONSUME(T.Colon);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.NumberLit) });
    this.CONSUME(T.RParen);
  });

  pragmaDirective = this.RULE("pragmaDirective", () => {
    this.CONSUME(T.Pragma);
    this.CONSUME(T.StringLit);
    this.OPTION(() => this.CONSUME2(T.StringLit));
  });

  overrideDirective = this.RULE("overrideDirective", () => {
    this.CONSUME(T.Override);
    this.CONSUME(T.Ident);
  });
}

/** The one parser instance; set `input`, call `program()`, read `errors`. */
export const parser = new CalmlogParser();
