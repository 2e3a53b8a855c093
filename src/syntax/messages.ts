// Parser error messages in the user's words: ``expected `)` but found `.` ``, never token-type names.
// Rules with many alternatives get a description of what belongs there instead of a token list.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";

/** How a token type reads in a message (its label, e.g. `` `(` `` or "a name"). */
export function describeType(t: TokenType): string {
  if (t === EOF) return "end of file";
  return t.LABEL ?? t.name;
}

/** How a token instance reads in a message: its text in backticks, or "end of file". */
export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return "end of file";
  const image = t.image.length > 40 ? `${t.image.slice(0, 40)}...` : t.image;
  return `\`${image.replace(/`/g, "'")}\``;
}

/** What a rule with alternatives expects, when a list of first tokens would not help. */
const RULE_EXPECTS: Readonly<Record<string, string>> = {
  item: "a clause or a directive",
  bodyUnit: "a literal (an atom, a comparison, `true` or `false`)",
  operand: "a term",
  typeDecl: "`<:` or `=`",
  typeDefinition: "a type name or `[`",
  ioParam: "a value (a string, a name or a number)",
  ioDirective: "`.input`, `.output` or `.printsize`",
  aggregate: "`{` or an atom after the aggregate's `:`",
  choiceKey: "a name or `(`",
};

function list(types: readonly TokenType[]): string {
  const names = [...new Set(types.map(describeType))];
  if (names.length <= 1) return names[0] ?? "something else";
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** The custom error message provider the parser is built with. */
export const messageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (ruleName === "clause" && expected.name === "Dot") {
      return `expected \`.\` to end the clause but found ${describeToken(actual)}`;
    }
    return `expected ${describeType(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a clause or a directive but found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const found = actual[0] ? describeToken(actual[0]) : "end of file";
    const wanted = RULE_EXPECTS[ruleName];
    if (wanted !== undefined) return `expected ${wanted} but found ${found}`;
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((p) => p[0])).filter((t): t is TokenType => t !== undefined);
    return `expected ${list(firsts)} but found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const found = actual[0] ? describeToken(actual[0]) : "end of file";
    const wanted = RULE_EXPECTS[ruleName];
    if (wanted !== undefined) return `expected ${wanted} but found ${found}`;
    const firsts = expectedIterationPaths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined);
    return `expected ${list(firsts)} but found ${found}`;
  },
};
