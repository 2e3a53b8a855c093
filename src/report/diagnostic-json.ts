// The one JSON shape of a diagnostic, shared by `check`, `lint`, `evaluate` and every other
// command's JSON document: positions 1-based, end columns exclusive (as in SARIF), and `null`
// positions for a location that is a whole file.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hasPosition, type Location } from "../diagnostics/span.js";
import { shownPath } from "./text.js";

/** Where, in JSON: a file and a range, or a file and `null`s. */
export interface LocationJson {
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly endLine: number | null;
  readonly endColumn: number | null;
}

/** A diagnostic in JSON (the `diagnostic` definition of `lint-schema.json` and `evaluate-schema.json`). */
export interface DiagnosticJson extends LocationJson {
  readonly code: string;
  readonly severity: Diagnostic["severity"];
  readonly message: string;
  readonly help: string | null;
  readonly notes: readonly string[];
  readonly related: readonly ({ readonly message: string } & LocationJson)[];
}

/** Options: `cwd` shows absolute paths inside it relative to it, as the text renderer does. */
export interface DiagnosticJsonOptions {
  readonly cwd?: string;
}

/** A location in JSON. */
export function locationJson(location: Location, options: DiagnosticJsonOptions = {}): LocationJson {
  const file = options.cwd === undefined ? location.file : shownPath(location.file, options.cwd);
  if (!hasPosition(location)) return { file, line: null, column: null, endLine: null, endColumn: null };
  return { file, line: location.line, column: location.column, endLine: location.endLine, endColumn: location.endColumn };
}

/** A diagnostic in JSON, with its fields always in this order. */
export function diagnosticJson(d: Diagnostic, options: DiagnosticJsonOptions = {}): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...locationJson(d.span, options),
    help: d.help,
    notes: d.notes,
    related: d.related.map((r) => ({ message: r.message, ...locationJson(r.span, options) })),
  };
}
