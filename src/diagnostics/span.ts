// A span names a range of one source file; line and column are 1-based, `end` is exclusive.
// Spans are plain data so every later stage (checks, lint, SARIF) can point back at source.
// A diagnostic points at a `Location`: a span, or a whole file with no position in it.

/** A range of source text. Offsets are UTF-16 code units, as JavaScript strings count them. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  /** Only a `WholeFile` sets this; a span always has a position. */
  readonly wholeFile?: undefined;
}

/**
 * A file, folder or other named input with no position in it (a replica folder, a fact file that
 * cannot be read, a command-line value). Its offsets and line/column are those of the file's start,
 * for sorting and for editors; renderers print no line or column and no code frame for it.
 */
export interface WholeFile extends Omit<Span, "wholeFile"> {
  readonly wholeFile: true;
}

/** Where a diagnostic points. */
export type Location = Span | WholeFile;

/** A location naming `file` (as the user named it) and no position in it. */
export function wholeFile(file: string): WholeFile {
  return { file, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1, wholeFile: true };
}

/** Whether a location points into the text (and so has a line, a column and a code frame). */
export function hasPosition(location: Location): location is Span {
  return location.wholeFile !== true;
}

/** A source file as read: its path (as the user named it) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** Maps offsets to line/column for one file; built once per file. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    // A line ends at `\n`, `\r\n`, or a lone `\r` (old Mac files), as editors count lines.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }
  /** 1-based line and column of an offset (clamped to the text). */
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo]! + 1 };
  }
  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const s = this.starts[line - 1];
    if (s === undefined) return "";
    const e = this.starts[line] ?? this.text.length + 1;
    return this.text.slice(s, e - 1).replace(/\r$/, "");
  }
  get lineCount(): number {
    return this.starts.length;
  }
  /** A span from offsets. */
  span(file: string, start: number, end: number): Span {
    const a = this.position(start);
    const b = this.position(end);
    return { file, start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
}

/** The smallest span covering both (they must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return {
    file: a.file,
    start: first.start,
    end: last.end,
    line: first.line,
    column: first.column,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}
