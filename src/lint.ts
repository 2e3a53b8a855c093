// Lint orchestration: the pipeline's `compile`, the invariant verdicts and `calmlog-ignore`, giving
// the data every lint format renders: per file, the written rules, relations, strata, the
// coordination points (one per non-monotonic literal) and all diagnostics. Renderers only read it.
import { fixedBoundNote, formatCause, inEvaluationOrder, insideCycle, withheldWith } from "./analysis/analyze.js";
import { pointPartition, type PointPartition } from "./analysis/partition.js";
import { printClause } from "./syntax/printer.js";
import { remediesOf } from "./analysis/remedies.js";
import type { Analysis, Cause, NonMonotonicUse, Remedy, Stratum, ThresholdUse } from "./analysis/types.js";
import type { CheckedProgram } from "./check/types.js";
import { checkInvariants, type InvariantOptions } from "./invariant/check.js";
import type { InvariantResult } from "./invariant/types.js";
import { compile } from "./compile.js";
import type { Rule } from "./syntax/ast.js";
import type { SourceFile, Span } from "./diagnostics/span.js";
import { Diagnostics, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import { applySuppressions, type Suppressed } from "./diagnostics/suppress.js";

/** Options for the invariant search (trials, size, seed, replicas), passed to the confluence checker. */
export type LintOptions = InvariantOptions;

/** A rule as written, for one of its heads: its disjuncts merged. */
export interface LintRule {
  readonly relation: string;
  /** The whole rule. */
  readonly span: Span;
  readonly monotonic: boolean;
  readonly uses: readonly NonMonotonicUse[];
  readonly thresholds: readonly ThresholdUse[];
  readonly stratum: number;
  /** Clause ids this entry covers. */
  readonly clauses: readonly number[];
}

/** One non-monotonic literal: where the program has to coordinate. */
export interface CoordinationPoint {
  readonly use: NonMonotonicUse;
  /** Head relations of the rules holding the literal. */
  readonly heads: readonly string[];
  /** The heads and every relation that reads them, in stratum order: all withheld until the seal. */
  readonly withheld: readonly string[];
  readonly remedies: readonly Remedy[];
  /** Clause ids holding the literal. */
  readonly clauses: readonly number[];
  /** The first clause holding it, as source: `ready(r) :- release(r), !blocker(r, _).` */
  readonly clauseText: string;
  /** The whole written rule holding that clause. */
  readonly ruleSpan: Span;
  /** The key a seal may name alone, or the literal that prevents one. */
  readonly partition: PointPartition;
}

/** An aggregate accepted as a monotone threshold, with the rules reading it. */
export interface LintThreshold extends ThresholdUse {
  readonly heads: readonly string[];
  /** Why each bound read from a fixed relation cannot move (the CL304 notes past the reason). */
  readonly boundNotes: readonly string[];
}

export interface LintRelation {
  readonly name: string;
  readonly monotonic: boolean;
  readonly requiresSeal: boolean;
  readonly stratum: number;
  readonly isInput: boolean;
  /** True when replicas cannot change it (not `.input`, derived only from the program's facts). */
  readonly fixed: boolean;
  readonly reads: readonly string[];
  readonly cause: Cause | null;
  /** `notify <- ready <- !blocker(r, _)`, or null when monotonic. */
  readonly causeText: string | null;
  readonly span: Span;
}

export interface LintSummary {
  readonly rules: number;
  readonly monotonicRules: number;
  readonly relations: number;
  readonly relationsNeedingSeal: number;
  readonly strata: number;
  readonly coordinationPoints: number;
  readonly thresholds: number;
  /** False when a negation or aggregation sits inside a recursive cycle (CL301). */
  readonly stratified: boolean;
  /** False when syntax or semantic errors kept the analysis from running. */
  readonly analyzed: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
  /** Findings accepted by `calmlog-ignore` comments. */
  readonly suppressed: number;
}

/** The lint result for one rule file (an independent program). */
export interface LintFile {
  readonly file: string;
  readonly summary: LintSummary;
  readonly rules: readonly LintRule[];
  readonly relations: readonly LintRelation[];
  readonly strata: readonly Stratum[];
  readonly coordination: readonly CoordinationPoint[];
  readonly thresholds: readonly LintThreshold[];
  readonly invariants: readonly InvariantResult[];
  /** Sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Warnings and notes accepted by a `// calmlog-ignore CODE: reason` comment; not counted. */
  readonly suppressed: readonly Suppressed[];
}

export interface LintResult {
  readonly files: readonly LintFile[];
  readonly errorCount: number;
  readonly warningCount: number;
}

/** The pipeline's `compile`, then invariants, for one file. Diagnostics are collected, never thrown. */
export function lintProgram(source: SourceFile, options: LintOptions = {}): LintFile {
  const { checked, analysis, analyzed, diagnostics } = compile(source);
  const invariants = analysis !== null ? checkInvariants(checked, analysis, diagnostics, options) : [];
  const { kept, suppressed } = applySuppressions(source, diagnostics.items);
  return buildLintFile(source.path, checked, analyzed, invariants, kept, suppressed);
}

/** Lints several files, each an independent program, into one result. */
export function lintPrograms(sources: readonly SourceFile[], options: LintOptions = {}): LintResult {
  return combine(sources.map((s) => lintProgram(s, options)));
}

/** One result from per-file results. */
export function combine(files: readonly LintFile[]): LintResult {
  return {
    files,
    errorCount: files.reduce((n, f) => n + f.summary.errors, 0),
    warningCount: files.reduce((n, f) => n + f.summary.warnings, 0),
  };
}

/** Assembles the lint data of one file from its stages' results. */
export function buildLintFile(
  file: string,
  checked: CheckedProgram,
  analysis: Analysis | null,
  invariants: readonly InvariantResult[],
  diags: Diagnostics | readonly Diagnostic[],
  suppressed: readonly Suppressed[] = [],
): LintFile {
  const diagnostics = sortDiagnostics("items" in diags ? diags.items : diags);
  const count = (s: Diagnostic["severity"]): number => diagnostics.filter((d) => d.severity === s).length;
  const rules = analysis === null ? [] : writtenRules(analysis);
  const relations: LintRelation[] =
    analysis === null
      ? []
      : analysis.strata.flatMap((s) =>
          s.relations.map((name) => {
            const info = analysis.relations.get(name)!;
            return {
              name,
              monotonic: info.monotonic,
              requiresSeal: info.requiresSeal,
              stratum: info.stratum,
              isInput: info.isInput,
              fixed: info.fixed,
              reads: info.reads,
              cause: info.cause,
              causeText: info.cause === null ? null : formatCause(info.cause),
              span: checked.relations.get(name)!.decl.span,
            };
          }),
        );
  const coordination = analysis === null ? [] : coordinationPoints(analysis);
  const thresholds = analysis === null ? [] : thresholdReads(analysis);
  return {
    file,
    summary: {
      rules: rules.length,
      monotonicRules: rules.filter((r) => r.monotonic).length,
      relations: relations.length,
      relationsNeedingSeal: relations.filter((r) => r.requiresSeal).length,
      strata: analysis?.strata.length ?? 0,
      coordinationPoints: coordination.length,
      thresholds: thresholds.length,
      stratified: analysis?.stratified ?? false,
      analyzed: analysis !== null,
      errors: count("error"),
      warnings: count("warning"),
      notes: count("note"),
      suppressed: suppressed.length,
    },
    rules,
    relations,
    strata: analysis?.strata ?? [],
    coordination,
    thresholds,
    invariants,
    diagnostics,
    suppressed,
  };
}

/** One entry per written rule and head; facts are not rules. */
function writtenRules(analysis: Analysis): LintRule[] {
  const byRule = new Map<Rule, Map<string, LintRule>>();
  const out: LintRule[] = [];
  for (const info of analysis.rules) {
    if (info.clause.rule.body === null) continue;
    let heads = byRule.get(info.clause.rule);
    if (heads === undefined) byRule.set(info.clause.rule, (heads = new Map()));
    const prev = heads.get(info.relation);
    const merged: LintRule = prev === undefined
      ? { relation: info.relation, span: info.clause.rule.span, monotonic: info.monotonic, uses: info.uses, thresholds: info.thresholds, stratum: info.stratum, clauses: [info.clause.id] }
      : {
          ...prev,
          monotonic: prev.monotonic && info.monotonic,
          uses: unique([...prev.uses, ...info.uses]),
          thresholds: unique([...prev.thresholds, ...info.thresholds]),
          clauses: [...prev.clauses, info.clause.id],
        };
    if (prev === undefined) out.push(merged);
    else out[out.indexOf(prev)] = merged;
    heads.set(info.relation, merged);
  }
  return out;
}

/** Literals by span: the same literal reached through several disjuncts is one. */
function unique<T extends { span: Span }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = `${x.span.start}:${x.span.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One coordination point per non-monotonic literal, in source order. */
function coordinationPoints(analysis: Analysis): CoordinationPoint[] {
  const points = new Map<string, { use: NonMonotonicUse; heads: string[]; clauses: number[] }>();
  for (const rule of analysis.rules) {
    for (const use of rule.uses) {
      if (insideCycle(analysis, rule.clause.id, use)) continue;
      const k = `${use.span.file}:${use.span.start}:${use.span.end}:${use.kind}`;
      const p = points.get(k);
      if (p === undefined) points.set(k, { use, heads: [rule.relation], clauses: [rule.clause.id] });
      else {
        if (!p.heads.includes(rule.relation)) p.heads.push(rule.relation);
        p.clauses.push(rule.clause.id);
      }
    }
  }
  return [...points.values()]
    .sort((a, b) => a.use.span.start - b.use.span.start)
    .map((p) => ({
      use: p.use,
      heads: p.heads,
      withheld: inEvaluationOrder(analysis, new Set(p.heads.flatMap((h) => withheldWith(analysis, h)))),
      remedies: remediesOf(p.use),
      clauses: p.clauses,
      clauseText: printClause(analysis.rules[p.clauses[0]!]!.clause),
      ruleSpan: analysis.rules[p.clauses[0]!]!.clause.rule.span,
      partition: pointPartition(analysis, p.heads),
    }));
}

/** Aggregates accepted as monotone thresholds, one per literal. */
function thresholdReads(analysis: Analysis): LintThreshold[] {
  const byPos = new Map<string, LintThreshold & { heads: string[] }>();
  for (const rule of analysis.rules) {
    for (const t of rule.thresholds) {
      const k = `${t.span.start}:${t.span.end}`;
      const prev = byPos.get(k);
      if (prev === undefined) byPos.set(k, { ...t, heads: [rule.relation], boundNotes: t.fixedBounds.map((b) => fixedBoundNote(analysis, b)) });
      else if (!prev.heads.includes(rule.relation)) prev.heads.push(rule.relation);
    }
  }
  return [...byPos.values()].sort((a, b) => a.span.start - b.span.start);
}
