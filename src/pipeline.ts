// The pipeline in one place, top to bottom: read -> parse -> check -> analyze. Each stage takes
// the previous stage's data and the diagnostics sink; later stages run only on an error-free program.
import { readFile } from "node:fs/promises";
import { analyze } from "./analysis/analyze.js";
import type { Analysis } from "./analysis/types.js";
import { check } from "./check/check.js";
import type { CheckedProgram } from "./check/types.js";
import { Diagnostics, fileErrorReason, ReadError } from "./report/diagnostic.js";
import { PlanError, planClause } from "./plan/plan.js";

export { ReadError };
import type { Program } from "./syntax/ast.js";
import { parse } from "./syntax/parse.js";
import { preprocess, type PreprocessOptions } from "./syntax/preprocess.js";
import { LineIndex } from "./syntax/span.js";
import type { SourceFile } from "./syntax/span.js";

/** A program carried through the front end; `analysis` is null when an earlier stage found errors. */
export interface Compiled {
  readonly source: SourceFile;
  readonly program: Program;
  readonly checked: CheckedProgram;
  readonly analysis: Analysis | null;
  readonly diagnostics: Diagnostics;
}

/**
 * Plans every clause of an error-free program and reports what the planner rejects, so `check`
 * and `lint` reject exactly what `run` and `evaluate` would (one checker, the same codes).
 */
export function checkPlans(checked: CheckedProgram, diagnostics: Diagnostics): void {
  if (diagnostics.hasErrors()) return;
  for (const clause of checked.clauses) {
    try {
      planClause(clause, checked.relations);
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
  const analysis = diagnostics.hasErrors() ? null : analyze(checked, diagnostics);
  return { source, program, checked, analysis: analysis && analysis.stratified ? analysis : null, diagnostics };
}

/**
 * Reads a rule file as the user named it (relative to `cwd`), runs the C preprocessor over it when it
 * has `#` lines (as Soufflé does), and compiles it.
 */
export async function compileFile(path: string, cwd: string, pre: PreprocessOptions = {}): Promise<Compiled> {
  const { resolve } = await import("node:path");
  let text: string;
  const full = resolve(cwd, path);
  try {
    text = await readFile(full, "utf8");
  } catch (err) {
    throw new ReadError(path, fileErrorReason(err));
  }
  const expanded = preprocess(full, path, text, { ...pre, includeDirs: (pre.includeDirs ?? []).map((d) => resolve(cwd, d)) });
  if ("error" in expanded) {
    const diagnostics = new Diagnostics();
    const line = /^[ \t]*#.*$/m.exec(text);
    const at = line?.index ?? 0;
    diagnostics.add("CL108", new LineIndex(text).span(path, at, at + (line?.[0].length ?? 0)), expanded.error, {
      help: "Install `mcpp` (Debian: `apt-get install mcpp`), or expand the `#` lines by hand.",
    });
    const program = parse({ path, text: "" }, new Diagnostics());
    return { source: { path, text }, program, checked: check(program, new Diagnostics()), analysis: null, diagnostics };
  }
  return compile({ path, text: expanded.text });
}
