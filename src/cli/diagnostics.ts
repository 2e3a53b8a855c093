// How every command prints diagnostics on stderr: the one text renderer, with the texts of the
// rule files already read and, on demand, of any other file a diagnostic points into (a fact file's
// bad line gets its code frame under `run`, `evaluate` and `explain` alike).
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/span.js";
import { renderDiagnostics } from "../report/text.js";
import { useColor, type CliContext } from "./context.js";

/** Files larger than this get no code frame: reading them whole for one line is not worth it. */
const FRAME_FILE_LIMIT = 256 * 1024 * 1024;

/** Source texts: `known` first, then files read from disk relative to `cwd` (each once; unreadable ones give no frame). */
export function diskSources(cwd: string, known: Iterable<SourceFile> | ReadonlyMap<string, string> = []): (file: string) => string | undefined {
  const texts = new Map<string, string | undefined>(known instanceof Map ? known : [...(known as Iterable<SourceFile>)].map((s) => [s.path, s.text] as const));
  return (file) => {
    if (texts.has(file)) return texts.get(file);
    let text: string | undefined;
    try {
      const path = resolve(cwd, file);
      const info = statSync(path);
      if (info.isFile() && info.size <= FRAME_FILE_LIMIT) text = readFileSync(path, "utf8");
    } catch {
      // No code frame then.
    }
    texts.set(file, text);
    return text;
  };
}

/** The diagnostics as the text report every command writes to stderr (colour as the stream and environment say, unless `color` decides). */
export function diagnosticsText(ctx: CliContext, diagnostics: readonly Diagnostic[], known: Iterable<SourceFile> | ReadonlyMap<string, string> = [], color: boolean | null = null): string {
  return renderDiagnostics(diagnostics, diskSources(ctx.cwd, known), { color: color ?? useColor(ctx.stderr, ctx.env ?? process.env), cwd: ctx.cwd });
}
