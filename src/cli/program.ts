// The program of a replica command: compiled, or its errors printed (exit 1 follows).
import { compileFile } from "../pipeline.js";
import { renderDiagnostics } from "../report/text.js";
import type { ProgramUnit } from "../replica/evaluate.js";
import { useColor, type CliContext } from "./context.js";

/** Compiles `path`; on errors prints them to stderr and returns null. */
export async function loadProgram(path: string, ctx: CliContext): Promise<ProgramUnit | null> {
  const compiled = await compileFile(path, ctx.cwd);
  if (compiled.diagnostics.hasErrors() || compiled.analysis === null) {
    ctx.stderr.write(renderDiagnostics(compiled.diagnostics.sorted().filter((d) => d.severity === "error"), [compiled.source], { color: useColor(ctx.stderr, ctx.env) }));
    return null;
  }
  return { checked: compiled.checked, analysis: compiled.analysis };
}
