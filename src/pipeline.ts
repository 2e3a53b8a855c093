// The pipeline from a file: read -> C preprocessor (when the file has `#` lines) -> `compile`
// (parse -> check -> plan check -> analyze, in `compile.ts`). Reading is the only Node-specific
// step, so it lives here, outside the browser-safe core.
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { check } from "./check/check.js";
import { checkPlans, compile, type Compiled } from "./compile.js";
import { Diagnostics, fileErrorReason, ReadError } from "./diagnostics/diagnostic.js";
import { parse } from "./syntax/parse.js";
import { expandIncludes, preprocess, type PreprocessOptions } from "./syntax/preprocess.js";
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
  const expanded = expandSource(path, text, cwd, pre);
  if ("failed" in expanded) {
    const program = parse({ path, text: "" }, new Diagnostics());
    return { source: { path, text }, program, checked: check(program, new Diagnostics()), analysis: null, analyzed: null, diagnostics: expanded.failed, analysisFrom: expanded.failed.items.length };
  }
  return compile({ path, text: expanded.text });
}

/**
 * What Soufflé reads of a rule file: the C preprocessor's output (when the file has `#` lines or
 * `__LINE__`), with the files its `.include` directives name appended. `check`, `lint` and `run`
 * all read a file through here. A failure is a CL108 at the first `#` or `.include` line.
 */
export function expandSource(path: string, text: string, cwd: string, pre: PreprocessOptions = {}): { readonly text: string } | { readonly failed: Diagnostics } {
  const full = resolve(cwd, path);
  const options = { ...pre, includeDirs: (pre.includeDirs ?? []).map((d) => resolve(cwd, d)) };
  const reader = {
    read(name: string, fromDir: string): { path: string; text: string } | null {
      for (const dir of [fromDir, ...options.includeDirs]) {
        const candidate = resolve(dir, name);
        if (existsSync(candidate) && statSync(candidate).isFile()) return { path: candidate, text: readFileSync(candidate, "utf8") };
      }
      return null;
    },
  };
  let expanded = preprocess(full, path, text, options);
  // `.include` is Soufflé's own directive: it is read with or without the preprocessor.
  if (!("error" in expanded)) {
    expanded = expandIncludes(full, expanded.text, reader, (p, t) => preprocess(p, p, t, options), dirname);
  }
  if (!("error" in expanded)) return { text: expanded.text };
  const diagnostics = new Diagnostics();
  const named = /^`\.include "([^"]*)"`/.exec(expanded.error)?.[1];
  const where = named !== undefined && text.includes(`"${named}"`) ? new RegExp(`^[ \\t]*\\.include[ \\t]+"${named.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}".*$`, "m") : /^[ \t]*(?:#|\.include\b).*$/m;
  const line = where.exec(text);
  const at = line?.index ?? 0;
  diagnostics.add("CL108", new LineIndex(text).span(path, at, at + (line?.[0].length ?? 0)), expanded.error, {
    help: expanded.error.startsWith("`.include") ? "Check the file name, or pass its folder with `-I DIR`." : "Install `mcpp` (Debian: `apt-get install mcpp`), or expand the `#` lines by hand.",
  });
  return { failed: diagnostics };
}
