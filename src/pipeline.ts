// The pipeline from a file: read -> C preprocessor (when the file has `#` lines) -> `compile`
// (parse -> check -> plan check -> analyze, in `compile.ts`). Reading is the only Node-specific
// step, so it lives here, outside the browser-safe core.
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { check } from "./check/check.js";
import { checkPlans, compile, withMagicSets, type Compiled } from "./compile.js";
import { Diagnostics, fileErrorReason, ReadError, type Diagnostic } from "./diagnostics/diagnostic.js";
import { parse } from "./syntax/parse.js";
import { expandIncludes, preprocess, type IncludedPart, type PreprocessOptions } from "./syntax/preprocess.js";
import { LineIndex, type SourceFile, type Span } from "./diagnostics/span.js";

export { checkPlans, compile, ReadError, withMagicSets, type Compiled };

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
  const compiled = compile({ path, text: expanded.text });
  if (expanded.included.length === 0) return compiled;
  const items = compiled.diagnostics.items;
  items.splice(0, items.length, ...relocate(items, expanded.included));
  return { ...compiled, included: expanded.included };
}

/** A file that `.include` brought in, as diagnostics name it (relative to the working folder when inside it). */
export interface IncludedSource extends SourceFile {
  /** Its text's place in the expanded text. */
  readonly part: IncludedPart;
}

/** Moves each span that lies in an `.include`d file's text to that file, with its own lines and columns. */
export function relocate(diagnostics: readonly Diagnostic[], included: readonly IncludedSource[]): Diagnostic[] {
  return relocateSpans([...diagnostics], included);
}

/**
 * `value` with every span in it (at any depth: diagnostics, a lint file's rules, points and
 * relations) that lies in an `.include`d file's text moved to that file, with its own lines and
 * columns; spans of `file` only, when given. Plain objects and arrays are copied, the rest kept.
 */
export function relocateSpans<T>(value: T, included: readonly IncludedSource[], file?: string): T {
  if (included.length === 0) return value;
  const indexes = new Map<IncludedSource, LineIndex>();
  const move = (span: Span): Span => {
    if (file !== undefined && span.file !== file) return span;
    const inc = included.find((i) => span.start >= i.part.offset && span.start <= i.part.offset + i.part.text.length);
    if (inc === undefined) return span;
    let index = indexes.get(inc);
    if (index === undefined) indexes.set(inc, (index = new LineIndex(inc.text)));
    const start = span.start - inc.part.offset;
    return index.span(inc.path, start, Math.min(inc.text.length, Math.max(start, span.end - inc.part.offset)));
  };
  const copies = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (copies.has(v)) return copies.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      for (const x of v) out.push(walk(x));
      return out;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.file === "string" && typeof o.start === "number" && typeof o.end === "number" && typeof o.endColumn === "number") {
      const moved = o.wholeFile === true ? o : move(o as unknown as Span);
      copies.set(v, moved);
      return moved;
    }
    const out: Record<string, unknown> = {};
    copies.set(v, out);
    for (const [k, x] of Object.entries(o)) out[k] = walk(x);
    return out;
  };
  return walk(value) as T;
}

/**
 * What Soufflé reads of a rule file: the C preprocessor's output (when the file has `#` lines or
 * `__LINE__`), with the files its `.include` directives name appended. `check`, `lint` and `run`
 * all read a file through here. A failure is a CL108 at the first `#` or `.include` line.
 */
export function expandSource(path: string, text: string, cwd: string, pre: PreprocessOptions = {}): { readonly text: string; readonly included: readonly IncludedSource[] } | { readonly failed: Diagnostics } {
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
  if (!("error" in expanded)) {
    const shown = (p: string): string => {
      const r = relative(cwd, p);
      return r.startsWith("..") || isAbsolute(r) ? p : r;
    };
    return { text: expanded.text, included: (expanded.parts ?? []).map((part) => ({ path: shown(part.path), text: part.text, part })) };
  }
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
