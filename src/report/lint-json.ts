// `calmlog lint --format json`: a stable, documented schema (`lint-schema.json`, version 1).
// Fields are only ever added; positions are 1-based, end columns exclusive, as in SARIF.
import { keyName, sealableNote } from "../analysis/partition.js";
import type { Location } from "../diagnostics/span.js";
import { diagnosticJson } from "./diagnostic-json.js";
import type { LintFile, LintResult } from "../lint.js";

/** The schema version written in every document. */
export const LINT_JSON_VERSION = 1;

interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function pos(span: Location): Position {
  return { line: span.line, column: span.column, endLine: span.endLine, endColumn: span.endColumn };
}

/** The JSON document as a value (what `renderLintJson` prints). */
export function lintJson(result: LintResult): unknown {
  return {
    version: LINT_JSON_VERSION,
    errorCount: result.errorCount,
    warningCount: result.warningCount,
    files: result.files.map(fileJson),
  };
}

/** `calmlog lint --format json`, pretty-printed with a final newline. */
export function renderLintJson(result: LintResult, _sources?: unknown, _options?: { color?: boolean }): string {
  return JSON.stringify(lintJson(result), null, 2) + "\n";
}

function fileJson(f: LintFile): unknown {
  return {
    file: f.file,
    summary: f.summary,
    rules: f.rules.map((r) => ({
      relation: r.relation,
      file: r.span.file,
      ...pos(r.span),
      monotonic: r.monotonic,
      stratum: r.stratum,
      uses: r.uses.map((u) => ({ kind: u.kind, relation: u.relation, text: u.text, ...pos(u.span), reason: u.reason, remedies: u.remedies ?? [] })),
      thresholds: r.thresholds.map((t) => ({ relation: t.relation, text: t.text, ...pos(t.span), reason: t.reason, fixedBounds: t.fixedBounds })),
    })),
    relations: f.relations.map((r) => ({
      name: r.name,
      monotonic: r.monotonic,
      requiresSeal: r.requiresSeal,
      stratum: r.stratum,
      input: r.isInput,
      fixed: r.fixed,
      reads: r.reads,
      cause:
        r.cause === null
          ? null
          : { chain: r.cause.chain.map((s) => s.relation), kind: r.cause.use.kind, literal: r.cause.use.text, text: r.causeText, line: r.cause.use.span.line, column: r.cause.use.span.column },
    })),
    strata: f.strata.map((s) => ({ index: s.index, relations: s.relations, recursive: s.recursive, monotonic: s.monotonic })),
    coordination: f.coordination.map((c) => ({
      kind: c.use.kind,
      relation: c.use.relation,
      text: c.use.text,
      ...pos(c.use.span),
      heads: c.heads,
      withheld: c.withheld,
      reason: c.use.reason,
      remedies: c.remedies,
      partition: {
        sealable: c.partition.sealable,
        key: c.partition.sealable ? keyName(c.partition.inputs[0]!) : null,
        columns: c.partition.sealable ? c.partition.inputs.map(keyName) : [],
        blocker: c.partition.sealable
          ? null
          : { relation: c.partition.blocker.relation, text: c.partition.blocker.text, line: c.partition.blocker.span.line, column: c.partition.blocker.span.column, reason: c.partition.blocker.reason },
        text: sealableNote(c.partition),
      },
    })),
    invariants: f.invariants.map((i) => ({
      relation: i.relation,
      description: i.description,
      ...pos(i.span),
      verdict: i.verdict,
      reason: i.reason,
      condition: i.condition,
      method: i.method,
      solver: i.solver === null ? null : { result: i.solver.result, note: i.solver.note },
      checkNeedsSeal: i.checkNeedsSeal,
      counterexample:
        i.counterexample === null
          ? null
          : {
              base: i.counterexample.base,
              replicaA: i.counterexample.replicaA,
              replicaB: i.counterexample.replicaB,
              violation: i.counterexample.violation,
              support: i.counterexample.support,
              explanation: i.counterexample.explanation,
            },
      escrow: i.escrow,
      search: i.search === null ? null : { trials: i.search.trials, maxSize: i.search.maxSize, seed: i.search.seed },
    })),
    diagnostics: f.diagnostics.map((d) => diagnosticJson(d)),
    suppressed: f.suppressed.map((s) => ({
      code: s.diagnostic.code,
      severity: s.diagnostic.severity,
      message: s.diagnostic.message,
      file: s.diagnostic.span.file,
      ...pos(s.diagnostic.span),
      reason: s.reason,
      ...(s.comment !== null ? { comment: { line: s.comment.line, column: s.comment.column } } : { baseline: s.baseline ?? "" }),
    })),
  };
}
