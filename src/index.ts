// calmlog's public API. The pipeline reads top to bottom: parse -> check -> analyze -> evaluate,
// each a plain function of the previous stage's data and a diagnostics sink. Everything here runs
// in browsers and other runtimes too: no `node:` import, no `process`, no top-level await (checked
// by test/browser/bundle.test.ts). Files and the CLI are in `calmlog/node` (src/node.ts).

// Front end
export { parse } from "./syntax/parse.js";
export { printProgram } from "./syntax/printer.js";
export { normalize, type Clause } from "./syntax/normalize.js";
export type * from "./syntax/ast.js";
export { LineIndex, type SourceFile, type Span } from "./diagnostics/span.js";
export { check } from "./check/check.js";
export type { CheckedProgram, Column, RelationSchema } from "./check/types.js";
export { compile, type Compiled } from "./compile.js";

// Diagnostics and reports
export { Diagnostics, ReadError, UserError, sortDiagnostics, type Diagnostic, type Related, type Severity } from "./diagnostics/diagnostic.js";
export { CODES, CODE_LIST, type Code, type CodeInfo } from "./diagnostics/codes.js";
export { renderDiagnostics } from "./report/text.js";
export { lintProgram, lintPrograms, type LintFile, type LintOptions, type LintResult } from "./lint.js";
export { renderLintText } from "./report/lint-text.js";
export { renderLintJson } from "./report/lint-json.js";

// Analysis
export { analyze } from "./analysis/analyze.js";
export type * from "./analysis/types.js";

// Evaluation
export { Engine, evaluate, type EngineOptions, type RunOptions, type RunStats, type Tuple, type Value } from "./eval/index.js";

// Replicas, epochs and seals
export { Replica, ReplicaSet, type SealRecord } from "./replica/replica.js";
export { ReplicaEvaluator, WithheldError, evaluateReplicas, mergeEngines, type ProgramUnit, type ReplicaReport, type WithheldRelation } from "./replica/evaluate.js";

// Explain: how a fact holds, why it does not, why it is withheld
export * from "./explain/index.js";

// Invariants
export { checkInvariants, counterexampleAsReplicaFacts, type InvariantOptions } from "./invariant/check.js";
export type * from "./invariant/types.js";

// Rule graph and HTML reports
export { graphOfSource, renderDot, renderMermaid, renderSvg, ruleGraph, type RuleGraph } from "./graph/index.js";
export { renderLintHtml } from "./report/html-lint.js";
export { renderEvaluateHtml } from "./report/html-evaluate.js";
