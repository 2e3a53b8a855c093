// Inline acceptance of an intended finding: `// calmlog-ignore CL302: sealed nightly` on the line
// of a warning or the line before it. The finding leaves the counts but stays in the report with
// its reason; errors cannot be accepted, and a comment that accepts nothing is itself a warning.
import type { Span, SourceFile } from "./span.js";
import { CODES, type Code } from "./codes.js";
import { makeDiagnostic, sortDiagnostics, type Diagnostic } from "./diagnostic.js";

/** A finding accepted by a comment (with its place) or by a baseline file (with its path), and the reason given. */
export interface Suppressed {
  readonly diagnostic: Diagnostic;
  readonly reason: string;
  /** The `calmlog-ignore` comment, or null when a baseline accepted it. */
  readonly comment: Span | null;
  /** The baseline file that accepted it, as given on the command line, or null for a comment. */
  readonly baseline?: string | null;
}

interface Comment {
  readonly codes: readonly Code[];
  readonly reason: string;
  readonly span: Span;
  /** Lines it covers: its own, and the next line holding code when the comment stands alone. */
  readonly lines: ReadonlySet<number>;
  used: boolean;
}

const IGNORE = /\/\/\s*calmlog-ignore\b(.*)$/;

/** Reads the `calmlog-ignore` comments of one file; malformed ones become diagnostics. */
function comments(source: SourceFile, problems: Diagnostic[]): Comment[] {
  const lines = source.text.split(/\r\n|\r|\n/);
  const found: Comment[] = [];
  let offset = 0;
  lines.forEach((text, i) => {
    const lineStart = offset;
    offset += text.length + (source.text[offset + text.length] === "\r" && source.text[offset + text.length + 1] === "\n" ? 2 : 1);
    const m = IGNORE.exec(text);
    if (m === null) return;
    const line = i + 1;
    const column = m.index + 1;
    const span: Span = { file: source.path, start: lineStart + m.index, end: lineStart + text.length, line, column, endLine: line, endColumn: text.length + 1 };
    const body = m[1]!.trim();
    const colon = body.indexOf(":");
    const codeText = colon < 0 ? body : body.slice(0, colon);
    const reason = colon < 0 ? "" : body.slice(colon + 1).trim();
    const codes = codeText.split(/[\s,]+/).filter((c) => c !== "");
    const unknown = codes.filter((c) => !(c in CODES));
    if (codes.length === 0 || unknown.length > 0) {
      problems.push(makeDiagnostic("CL408", span, codes.length === 0 ? "`calmlog-ignore` names no code" : `\`calmlog-ignore\` names \`${unknown[0]}\`, which is not a calmlog code`, { help: "name the code to accept, as in `// calmlog-ignore CL302: sealed nightly`" }));
      return;
    }
    if (reason === "") {
      problems.push(makeDiagnostic("CL407", span, `\`calmlog-ignore ${codes.join(", ")}\` gives no reason, so it accepts nothing`));
      return;
    }
    const covered = new Set([line]);
    if (text.slice(0, m.index).trim() === "") {
      // A comment on a line of its own covers the next line that holds code.
      for (let j = i + 1; j < lines.length; j++) {
        const t = lines[j]!.trim();
        if (t === "" || t.startsWith("//")) continue;
        covered.add(j + 1);
        break;
      }
    }
    found.push({ codes: codes as Code[], reason, span, lines: covered, used: false });
  });
  return found;
}

/**
 * Splits one file's diagnostics into kept and accepted. Only warnings and notes of the file itself
 * can be accepted; comment problems (CL407, CL408) join the kept ones.
 */
export function applySuppressions(source: SourceFile, diagnostics: readonly Diagnostic[]): { kept: Diagnostic[]; suppressed: Suppressed[] } {
  const problems: Diagnostic[] = [];
  const list = comments(source, problems);
  const kept: Diagnostic[] = [];
  const suppressed: Suppressed[] = [];
  for (const d of diagnostics) {
    const c = d.severity === "error" || d.span.file !== source.path ? undefined : list.find((c) => c.codes.includes(d.code) && c.lines.has(d.span.line));
    if (c === undefined) kept.push(d);
    else {
      c.used = true;
      suppressed.push({ diagnostic: d, reason: c.reason, comment: c.span });
    }
  }
  for (const c of list) {
    if (!c.used) problems.push(makeDiagnostic("CL408", c.span, `\`calmlog-ignore ${c.codes.join(", ")}\` matches no warning or note on this line or the next${c.codes.some((k) => CODES[k].severity === "error") ? " (errors cannot be ignored)" : ""}`));
  }
  return { kept: sortDiagnostics([...kept, ...problems]), suppressed };
}
