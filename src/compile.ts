// The pipeline in one place, top to bottom: parse -> check -> analyze, on text already in memory.
// Each stage takes the previous stage's data and the diagnostics sink; later stages run only on an
// error-free program. Reading files is Node's business (`pipeline.ts`, `calmlog/node`).
import { analyze } from "./analysis/analyze.js";
import type { Analysis } from "./analysis/types.js";
import { check } from "./check/check.js";
import { inferTypes } from "./check/infer.js";
import type { CheckedProgram } from "./check/types.js";
import { Diagnostics } from "./diagnostics/diagnostic.js";
import { PlanError, planClause } from "./plan/plan.js";
import { magicSets } from "./plan/magic.js";
import type { Program } from "./syntax/ast.js";
import { parse } from "./syntax/parse.js";
import type { SourceFile } from "./diagnostics/span.js";
import { noteInstantiations, type ComponentUse } from "./syntax/components.js";

/** A program carried through the front end; `analysis` is null when an earlier stage found errors or it does not stratify. */
export interface Compiled {
  readonly source: SourceFile;
  readonly program: Program;
  readonly checked: CheckedProgram;
  readonly analysis: Analysis | null;
  /** The analysis whenever it ran, a program that does not stratify included (`lint` reports on it). */
  readonly analyzed: Analysis | null;
  readonly diagnostics: Diagnostics;
  /** Files that `.include` appended to the source, which spans in the diagnostics may name. */
  readonly included?: readonly SourceFile[];
  /** Where the analysis's diagnostics start in `diagnostics.items` (`check` keeps only its errors). */
  readonly analysisFrom: number;
}

/**
 * Plans every clause of an error-free program and reports what the planner rejects, so `check`
 * and `lint` reject exactly what `run` and `evaluate` would (one checker, the same codes).
 */
export function checkPlans(checked: CheckedProgram, diagnostics: Diagnostics): void {
  if (diagnostics.hasErrors()) return;
  for (const clause of checked.clauses) {
    try {
      planClause(clause, checked.relations, checked.types[clause.id]!);
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      diagnostics.add(err.code, err.span, err.message, err.help === undefined ? {} : { help: err.help });
    }
  }
}

/** parse -> check -> plan check -> analyze on source text already in memory. */
export function compile(source: SourceFile, diagnostics = new Diagnostics()): Compiled {
  const program = parse(source, diagnostics);
  const checked = check(program, diagnostics);
  checkPlans(checked, diagnostics);
  const frontEnd = diagnostics.items.length;
  const analysis = diagnostics.hasErrors() ? null : analyze(checked, diagnostics);
  // A finding inside a component body also points at the `.init` that instantiated it; the front
  // end's and the analysis's findings are noted apart, so `analysisFrom` still divides them.
  let analysisFrom = frontEnd;
  if (program.components !== undefined) {
    const uses = program.components as readonly ComponentUse[];
    const front = noteInstantiations(diagnostics.items.slice(0, frontEnd), uses);
    const rest = noteInstantiations(diagnostics.items.slice(frontEnd), uses);
    diagnostics.items.splice(0, diagnostics.items.length, ...front, ...rest);
    analysisFrom = front.length;
  }
  return { source, program, checked, analysis: analysis && analysis.stratified ? analysis : null, analyzed: analysis, diagnostics, analysisFrom };
}

/**
 * The program with Soufflé's magic-set transformation applied to `names` (or every eligible
 * relation): its clauses are new, so they are typed by the one inference as checked ones are.
 */
export function withMagicSets(checked: CheckedProgram, names: "*" | readonly string[], exclude: readonly string[] = []): CheckedProgram {
  const out = magicSets(checked, names, exclude);
  return out === checked ? checked : { ...out, types: out.clauses.map((c) => inferTypes(c, out.relations)) };
}
