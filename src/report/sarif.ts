// `calmlog lint --format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Every code of the
// catalog is a rule; every diagnostic a result pointing at a path relative to the repository root.
import { isAbsolute, relative, resolve, sep } from "node:path";
import type * as Sarif from "sarif";
import { hasPosition, type Location } from "../diagnostics/span.js";
import { CODE_LIST } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { LintResult } from "../lint.js";

/** Options for the SARIF document. */
export interface SarifOptions {
  /** Paths are made relative to this directory (the repository root); default: as given. */
  readonly baseDir?: string;
  /** The directory relative paths in the result are relative to (the working directory). */
  readonly cwd?: string;
  /** Include notes; by default only errors and warnings become results, as code scanning shows them. */
  readonly notes?: boolean;
  /** The tool version written in the document. */
  readonly version?: string;
  /** Accepted for symmetry with the other formats; SARIF has no colour. */
  readonly color?: boolean;
}

const SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** The SARIF log as a value. */
export function lintSarif(result: LintResult, options: SarifOptions = {}): Sarif.Log {
  const ruleIndex = new Map(CODE_LIST.map((c, i) => [c.id, i] as const));
  const rules: Sarif.ReportingDescriptor[] = CODE_LIST.map((c) => ({
    id: c.id,
    name: c.name,
    shortDescription: { text: c.short },
    fullDescription: { text: c.full },
    help: { text: c.help ?? c.full },
    defaultConfiguration: { level: c.severity },
  }));
  const location = (span: Location): Sarif.PhysicalLocation => ({
    artifactLocation: { uri: toUri(span.file, options.baseDir, options.cwd) },
    ...(hasPosition(span) ? { region: { startLine: span.line, startColumn: span.column, endLine: span.endLine, endColumn: span.endColumn } } : {}),
  });
  const shown = (d: Diagnostic): boolean => d.severity !== "note" || options.notes === true;
  const results: Sarif.Result[] = result.files.flatMap((f) =>
    [...f.diagnostics.filter(shown).map((d) => ({ d, reason: null as string | null, external: false })), ...f.suppressed.filter((s) => shown(s.diagnostic)).map((s) => ({ d: s.diagnostic, reason: s.reason as string | null, external: s.comment === null }))].map(({ d, reason, external }): Sarif.Result => {
      const text = [d.message, ...d.notes, ...(d.help === null ? [] : [`help: ${d.help}`])].join("\n");
      const r: Sarif.Result = {
        ruleId: d.code,
        ruleIndex: ruleIndex.get(d.code)!,
        level: d.severity,
        message: { text },
        locations: [{ physicalLocation: location(d.span) }],
      };
      // A comment in the rule file is "inSource"; a baseline file beside it is "external".
      if (reason !== null) r.suppressions = [{ kind: external ? "external" : "inSource", justification: reason }];
      if (d.related.length > 0) r.relatedLocations = d.related.map((rel, id) => ({ id, physicalLocation: location(rel.span), message: { text: rel.message } }));
      return r;
    }),
  );
  return {
    $schema: SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "calmlog", ...(options.version === undefined ? {} : { semanticVersion: options.version }), rules } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

/** `calmlog lint --format sarif`, pretty-printed with a final newline. */
export function renderLintSarif(result: LintResult, _sources?: unknown, options: SarifOptions = {}): string {
  return JSON.stringify(lintSarif(result, options), null, 2) + "\n";
}

/** A relative URI reference with forward slashes and percent-encoding. */
function toUri(path: string, baseDir: string | undefined, cwd: string | undefined): string {
  const absolute = isAbsolute(path) ? path : cwd !== undefined ? resolve(cwd, path) : null;
  const rel = baseDir !== undefined && absolute !== null ? relative(baseDir, absolute) : path;
  return rel.split(sep).join("/").split("/").map(encodeURIComponent).join("/");
}
