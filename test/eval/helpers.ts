// Compiles rule text for tests and fails loudly (with every diagnostic) when it does not compile.
import type { Analysis } from "../../src/analysis/types.js";
import type { CheckedProgram } from "../../src/check/types.js";
import { compile } from "../../src/pipeline.js";
import { UserError } from "../../src/diagnostics/diagnostic.js";

/** The checked program and its analysis; throws with the diagnostics when there are errors. */
export function compileText(text: string, path = "test.dl"): { checked: CheckedProgram; analysis: Analysis } {
  const c = compile({ path, text });
  const errors = c.diagnostics.items.filter((d) => d.severity === "error");
  if (errors.length > 0 || c.analysis === null) {
    throw new Error(`program does not compile:\n${errors.map((d) => `${d.span.line}:${d.span.column} ${d.code} ${d.message}`).join("\n")}\n${text}`);
  }
  return { checked: c.checked, analysis: c.analysis };
}

/** The UserError `f` throws (any other error is rethrown; none fails the test). */
export function userErrorOf(f: () => unknown): UserError {
  try {
    f();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error("expected a UserError");
}
