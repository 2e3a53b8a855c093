// The pipeline from a file: read -> C preprocessor (when the file has `#` lines) -> `compile`
// (parse -> check -> plan check -> analyze, in `compile.ts`). Reading is the only Node-specific
// step, so it lives here, outside the browser-safe core.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { check } from "./check/check.js";
import { checkPlans, compile, type Compiled } from "./compile.js";
import { Diagnostics, fileErrorReason, ReadError } from "./diagnostics/diagnostic.js";
import { parse } from "./syntax/parse.js";
import { preprocess, type PreprocessOptions } from "./syntax/preprocess.js";
import { LineIndex } from "./diagnostics/span.js";

export { checkPlans, compile, ReadError, type Compiled };

/**
 * Reads a rule file as the user named it (relative to `cwd`), runs the C preprocessor over it when it
 * has `#` lines (as Soufflé does), and compiles it.
 */
export async function compileFile(path: string, cwd: string, pre: PreprocessOptions = {}): Promise<Compiled> {
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
    return { source: { path, text }, program, checked: check(program, new Diagnostics()), analysis: null, analyzed: null, diagnostics };
  }
  return compile({ path, text: expanded.text });
}
