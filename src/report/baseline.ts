// A baseline accepts known findings without touching the rule files (`calmlog lint --baseline FILE`).
// Each entry names a code, the file, the rule as written (white space folded) and the text the
// finding points at, never a line number, so edits elsewhere in the file leave it valid. Accepted
// findings leave the counts, as with `calmlog-ignore` comments, and are listed with their reason.
import { scanItems } from "../syntax/items.js";
import type { SourceFile, Span } from "../diagnostics/span.js";
import { LineIndex } from "../diagnostics/span.js";
import { makeDiagnostic, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { combine, type LintFile, type LintResult } from "../lint.js";
import type { Suppressed } from "../diagnostics/suppress.js";

/** What identifies a finding across edits. */
export interface BaselineKey {
  readonly code: string;
  /** The rule file, relative to the baseline file's folder, with `/`. */
  readonly file: string;
  /** The clause or directive holding the finding, white space folded. */
  readonly rule: string;
  /** The text the finding points at, white space folded. */
  readonly at: string;
}

export interface BaselineEntry extends BaselineKey {
  readonly reason: string;
}

export interface Baseline {
  readonly version: 1;
  readonly entries: readonly BaselineEntry[];
}

const fold = (s: string): string => s.replace(/\s+/g, " ").trim();
const keyText = (k: BaselineKey): string => JSON.stringify([k.code, k.file, k.rule, k.at]);

/** How a baseline names a rule file: its path relative to the baseline file's folder, with `/`. */
export type FileName = (path: string) => string;

/** The key of each finding of one file. */
function keyer(source: SourceFile, fileName: FileName): (d: Diagnostic) => BaselineKey {
  const items = scanItems(source.text).items;
  const file = fileName(source.path);
  return (d) => {
    const item = items.find((i) => i.start <= d.span.start && d.span.start < Math.max(i.end, i.start + 1));
    return { code: d.code, file, rule: item === undefined ? "" : fold(source.text.slice(item.start, item.end)), at: fold(source.text.slice(d.span.start, d.span.end)) };
  };
}

/** Reads a baseline file; a problem is a CL249 diagnostic at its place in the file. */
export function parseBaseline(path: string, text: string): Baseline | Diagnostic {
  const lines = new LineIndex(text);
  const at = (offset: number): Span => lines.span(path, offset, offset);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(err instanceof Error ? err.message : "");
    return makeDiagnostic("CL249", at(m === null ? 0 : Number(m[1])), `the baseline is not JSON: ${err instanceof Error ? err.message.replace(/ in JSON at position \d+.*$/, "") : String(err)}`);
  }
  const root = data as { version?: unknown; entries?: unknown };
  if (typeof data !== "object" || data === null || root.version !== 1 || !Array.isArray(root.entries)) {
    return makeDiagnostic("CL249", at(0), "the baseline must be an object with `\"version\": 1` and an `entries` list");
  }
  const entries: BaselineEntry[] = [];
  for (const [i, e] of (root.entries as unknown[]).entries()) {
    const entry = e as Record<string, unknown>;
    const missing = ["code", "file", "rule", "at", "reason"].find((k) => typeof entry?.[k] !== "string");
    if (missing !== undefined) {
      // The entry's place: the i-th `{` after `"entries"` is close enough to find it.
      let offset = text.indexOf('"entries"');
      for (let k = 0; k <= i && offset >= 0; k++) offset = text.indexOf("{", offset + 1);
      return makeDiagnostic("CL249", at(Math.max(0, offset)), `baseline entry ${i + 1} has no \`${missing}\` string`);
    }
    entries.push({ code: entry["code"] as string, file: entry["file"] as string, rule: entry["rule"] as string, at: entry["at"] as string, reason: entry["reason"] as string });
  }
  return { version: 1, entries };
}

/**
 * Accepts the warnings and notes a baseline names (errors are never accepted). Returns the result
 * with them moved to `suppressed`, and the entries that matched nothing.
 */
export function applyBaseline(result: LintResult, sources: readonly SourceFile[], baseline: Baseline, fileName: FileName, path: string): { result: LintResult; unused: BaselineEntry[] } {
  const byKey = new Map(baseline.entries.map((e) => [keyText(e), e]));
  const used = new Set<string>();
  const files = result.files.map((f): LintFile => {
    const source = sources.find((s) => s.path === f.file);
    if (source === undefined) return f;
    const key = keyer(source, fileName);
    const kept: Diagnostic[] = [];
    const accepted: Suppressed[] = [];
    for (const d of f.diagnostics) {
      const k = d.severity === "error" ? null : keyText(key(d));
      const entry = k === null ? undefined : byKey.get(k);
      if (entry === undefined) kept.push(d);
      else {
        used.add(k!);
        accepted.push({ diagnostic: d, reason: entry.reason, comment: null, baseline: path });
      }
    }
    if (accepted.length === 0) return f;
    const count = (s: Diagnostic["severity"]): number => kept.filter((d) => d.severity === s).length;
    const suppressed = [...f.suppressed, ...accepted];
    return { ...f, diagnostics: sortDiagnostics(kept), suppressed, summary: { ...f.summary, warnings: count("warning"), notes: count("note"), suppressed: suppressed.length } };
  });
  return { result: combine(files), unused: baseline.entries.filter((e) => !used.has(keyText(e))) };
}

/**
 * A baseline accepting every warning of `result` (notes are left out: they do not count). Reasons
 * of entries already in `previous` are kept; new ones get `reason`.
 */
export function buildBaseline(result: LintResult, sources: readonly SourceFile[], fileName: FileName, previous: Baseline | null, reason: string): Baseline {
  const old = new Map((previous?.entries ?? []).map((e) => [keyText(e), e]));
  const seen = new Set<string>();
  const entries: BaselineEntry[] = [];
  for (const f of result.files) {
    const source = sources.find((s) => s.path === f.file);
    if (source === undefined) continue;
    const key = keyer(source, fileName);
    for (const d of f.diagnostics) {
      if (d.severity !== "warning") continue;
      const k = key(d);
      const text = keyText(k);
      if (seen.has(text)) continue;
      seen.add(text);
      entries.push({ ...k, reason: old.get(text)?.reason ?? reason });
    }
  }
  return { version: 1, entries };
}

/** The baseline as the file holds it: one entry per line group, stable order. */
export function renderBaseline(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2) + "\n";
}
