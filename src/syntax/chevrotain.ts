// chevrotain's values for every module of calmlog, so one copy is loaded; a static import keeps
// this module free of `node:` imports and top-level await (browsers, bundlers and `require`).
// The package's entry loads lodash-es module by module (about 0.3 s before the first line is
// parsed); the CLI is bundled with chevrotain inside (`scripts/bundle-cli.mjs`) and the tests point
// `chevrotain` at the single-file bundle that ships in the same package (about 15 ms).
export {
  Alternation,
  Alternative,
  CstParser,
  createToken,
  createTokenInstance,
  createSyntaxDiagramsCode,
  EOF,
  getLookaheadPaths,
  Lexer,
  LLkLookaheadStrategy,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  tokenMatcher,
} from "chevrotain";
