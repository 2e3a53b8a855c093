// A code frame in the style of @babel/code-frame: gutter, the span underlined `^~~~`, at most two
// lines of context. Pure text in, text out; colour is applied only through the caller's `paint`.
import { LineIndex, type Span } from "../diagnostics/span.js";

/** The parts of a frame a caller may colour. */
export type FramePart = "gutter" | "marker";

export interface FrameOptions {
  /** Lines of context above and below the span (0-2; default 2). */
  readonly context?: number;
  /** Colours a part of the frame; the identity for plain output. */
  readonly paint?: (part: FramePart, text: string) => string;
  /** Columns per tab stop when expanding tabs (default 4). */
  readonly tabWidth?: number;
}

/** Spans longer than this many lines show their first and last lines around a `...`. */
const MAX_SPAN_LINES = 6;
/** Lines wider than this are shown as a window of this many columns around the span's start. */
const MAX_WIDTH = 160;
/** Columns the window keeps left of the span's start. */
const LEFT_CONTEXT = 60;

/** The last file's line index: a report frames many spans of one file, and building it reads the whole text. */
let cached: { index: LineIndex; tabWidth: number; expanded: Map<number, { text: string; columns: number[] }> } | null = null;
function lineIndex(text: string): LineIndex {
  if (cached === null || cached.index.text !== text) cached = { index: new LineIndex(text), tabWidth: -1, expanded: new Map() };
  return cached.index;
}

/** A line of the cached file with tabs expanded, once per line: a long line framed many times costs one pass. */
function expandedLine(index: LineIndex, line: number, tabWidth: number): { text: string; columns: number[] } {
  if (cached === null || cached.index !== index) return expandTabs(index.lineText(line), tabWidth);
  if (cached.tabWidth !== tabWidth) cached = { ...cached, tabWidth, expanded: new Map() };
  let e = cached.expanded.get(line);
  if (e === undefined) cached.expanded.set(line, (e = expandTabs(index.lineText(line), tabWidth)));
  return e;
}

/** Renders the lines of `text` around `span` with the span underlined; no trailing newline. */
export function codeFrame(text: string, span: Span, opts: FrameOptions = {}): string {
  const index = lineIndex(text);
  const context = Math.max(0, Math.min(2, opts.context ?? 2));
  const paint = opts.paint ?? ((_: FramePart, s: string) => s);
  const tabWidth = opts.tabWidth ?? 4;

  const at = (offset: number, line: number, column: number) => (Number.isFinite(offset) ? index.position(offset) : { line, column });
  const start = clampPos(index, at(span.start, span.line, span.column));
  let end = clampPos(index, at(span.end, span.endLine, span.endColumn));
  if (end.line < start.line || (end.line === start.line && end.column < start.column)) end = start;
  // A span that ends just after a newline ends, for the reader, at the end of the line before.
  if (end.line > start.line && end.column === 1) end = { line: end.line - 1, column: index.lineText(end.line - 1).length + 1 };

  const first = Math.max(1, start.line - context);
  // The empty "line" after a final newline is not worth showing as context.
  const lastLine = index.lineCount > 1 && index.lineText(index.lineCount) === "" ? index.lineCount - 1 : index.lineCount;
  const last = Math.max(end.line, Math.min(lastLine, end.line + context));
  const width = String(last).length;
  const out: string[] = [];
  const elide = end.line - start.line + 1 > MAX_SPAN_LINES;
  // Every line of the frame with tabs expanded, once.
  const lines = Array.from({ length: last - first + 1 }, (_, i) => expandedLine(index, first + i, tabWidth));
  const expanded = (line: number) => lines[line - first]!;
  // One horizontal window for the whole frame, so the underline stays under its text.
  let left = 0;
  if (lines.some((l) => l.text.length > MAX_WIDTH)) {
    const startLine = expanded(start.line);
    left = Math.max(0, visual(startLine.columns, startLine.text.length, start.column) - 1 - LEFT_CONTEXT);
  }
  const windowed = (text: string): string => {
    if (left === 0 && text.length <= MAX_WIDTH) return text;
    const cut = text.slice(left, left + MAX_WIDTH);
    // A line cut on the left starts with `…` (a line wholly left of the window is only that).
    return `${left > 0 && text.length > 0 ? "…" : ""}${cut}${text.length > left + MAX_WIDTH ? "…" : ""}`;
  };
  const shift = left > 0 ? left - 1 : 0;

  for (let line = first; line <= last; line++) {
    if (elide && line > start.line + 1 && line < end.line - 1) {
      if (line === start.line + 2) out.push(`  ${paint("gutter", `${":".padStart(width)} |`)}`);
      continue;
    }
    const inSpan = line >= start.line && line <= end.line;
    const raw = index.lineText(line);
    const { text: shown, columns } = expanded(line);
    const number = String(line).padStart(width);
    const gutter = inSpan ? `${paint("marker", ">")} ${paint("gutter", `${number} |`)}` : `  ${paint("gutter", `${number} |`)}`;
    const visible = windowed(shown);
    out.push(visible.length > 0 ? `${gutter} ${visible}` : gutter);
    if (!inSpan) continue;

    const from = line === start.line ? start.column : firstNonBlank(raw);
    const to = line === end.line ? end.column : raw.length + 1;
    const visFrom = visual(columns, shown.length, from);
    let visTo = visual(columns, shown.length, Math.min(to, raw.length + 1));
    if (line === start.line && line === end.line && visTo <= visFrom) visTo = visFrom + 1;
    if (line !== start.line && visTo <= visFrom) continue;
    if (visTo <= visFrom) visTo = visFrom + 1;
    // Within the window: the columns it cuts away on the left are gone, and the mark stops at its right edge.
    const a = Math.max(1, visFrom - shift);
    const b = Math.min(visTo - shift, (left > 0 ? 1 : 0) + MAX_WIDTH + 1);
    if (left > 0 && visTo - shift <= 1) continue;
    const head = line === start.line && visFrom - shift >= 1 ? "^" : "~";
    const mark = head + "~".repeat(Math.max(0, b - a - 1));
    out.push(`  ${paint("gutter", `${" ".repeat(width)} |`)} ${" ".repeat(a - 1)}${paint("marker", mark)}`);
  }
  return out.join("\n");
}

function clampPos(index: LineIndex, p: { line: number; column: number }): { line: number; column: number } {
  const line = Math.max(1, Math.min(index.lineCount, Math.floor(p.line) || 1));
  const column = Math.max(1, Math.min(index.lineText(line).length + 1, Math.floor(p.column) || 1));
  return { line, column };
}

function firstNonBlank(raw: string): number {
  const m = /\S/.exec(raw);
  return m === null ? raw.length + 1 : m.index + 1;
}

/** The line with tabs expanded, and the 1-based visual column where each character starts. */
function expandTabs(raw: string, tabWidth: number): { text: string; columns: number[] } {
  const columns: number[] = [];
  let text = "";
  for (const ch of raw) {
    for (let k = 0; k < ch.length; k++) columns.push(text.length + 1);
    if (ch === "\t") text += " ".repeat(tabWidth - (text.length % tabWidth));
    else text += ch;
  }
  return { text, columns };
}

/** The visual column of a 1-based character column (past the end counts on from the line's end). */
function visual(columns: readonly number[], shownLength: number, column: number): number {
  return columns[column - 1] ?? shownLength + 1 + (column - 1 - columns.length);
}
