// Diagnostics are data: every stage adds to a sink and carries on; nothing a user wrote is thrown.
// One type serves `check`, `lint`, `run` and `evaluate`, and every renderer reads it.
import type { Location } from "./span.js";
import { CODES, type Code } from "./codes.js";

export type Severity = "error" | "warning" | "note";

/** A second place that explains the first ("declared here"). */
export interface Related {
  readonly span: Location;
  readonly message: string;
}

/** One finding, with a stable code from `diagnostics/codes.ts`. */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** Where it is: a span of source text, or a whole file with no position (`hasPosition` tells). */
  readonly span: Location;
  readonly related: readonly Related[];
  readonly notes: readonly string[];
  /** What to do about it, when there is something to do. */
  readonly help: string | null;
}

/** Optional parts of a diagnostic. */
export interface DiagnosticExtras {
  readonly related?: readonly Related[];
  readonly notes?: readonly string[];
  readonly help?: string | null;
  /** Overrides the catalog's default severity (e.g. a warning promoted by a flag). */
  readonly severity?: Severity;
}

/** Collects diagnostics in the order they are found; `sorted()` gives them by position. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  /** Adds a diagnostic with the catalog's severity for `code` (unless overridden). */
  add(code: Code, span: Location, message: string, extras: DiagnosticExtras = {}): Diagnostic {
    const d: Diagnostic = {
      code,
      severity: extras.severity ?? CODES[code].severity,
      message,
      span,
      related: extras.related ?? [],
      notes: extras.notes ?? [],
      help: extras.help ?? CODES[code].help ?? null,
    };
    this.items.push(d);
    return d;
  }

  push(...ds: readonly Diagnostic[]): void {
    this.items.push(...ds);
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** By file, then position, then code: the order every report prints. */
  sorted(): Diagnostic[] {
    return sortDiagnostics(this.items);
  }
}

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start - b.span.start ||
      a.span.end - b.span.end ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/**
 * A user's mistake found deep inside evaluation (division by zero, overflow, a bad fact file).
 * It is thrown to unwind the join loop and caught at the command boundary, where it becomes output.
 */
export class UserError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
    this.name = "UserError";
  }
}

/** A rule file could not be read; the message says why in the user's words. Commands report it as a mistake in their input (exit 1). */
export class ReadError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`cannot read \`${path}\`: ${reason}`);
    this.name = "ReadError";
  }
}

/** Builds a diagnostic without a sink, e.g. to throw as a `UserError`. */
export function makeDiagnostic(code: Code, span: Location, message: string, extras: DiagnosticExtras = {}): Diagnostic {
  const sink = new Diagnostics();
  return sink.add(code, span, message, extras);
}

/** Why a file could not be read or written, in the user's words. */
export function fileErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}
