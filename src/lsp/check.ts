// Checks an open document as `calmlog lint` checks a file. A small file is linted whole. A large one
// is split into independent parts (items linked by the relation and type names they share), each
// linted alone and remembered by its text, so an edit re-lints only the part it touches. A part is
// linted as its items in order, each on its own line at its own column, and its spans are mapped
// back; when the split could differ from the parser's view (syntax errors, name suggestions drawn
// from the whole file), the file is linted whole instead.
import { lintProgram, type LintFile, type LintOptions, type LintRelation } from "../lint.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { PRIMITIVE_TYPES } from "../syntax/ast.js";
import { hasPosition, LineIndex, type Location, type Span } from "../diagnostics/span.js";
import { scanItems, type Scan, type SourceItem } from "./items.js";

/** Files at least this long (in UTF-16 code units) are checked part by part. */
export const DEFAULT_SPLIT_THRESHOLD = 64 * 1024;

const PRIMITIVE: ReadonlySet<string> = new Set(PRIMITIVE_TYPES);

/** Codes whose message or help draws on names from the whole file, so a part alone could word them differently. */
const WHOLE_FILE_CODES = new Set(["CL201", "CL207", "CL208"]);

/** What the editor features read about one check. */
export interface DocumentCheck {
  readonly text: string;
  readonly scan: Scan;
  readonly lines: LineIndex;
  /** Every diagnostic, with spans in this text, sorted as `calmlog lint` sorts them. */
  readonly diagnostics: readonly Diagnostic[];
  /** Relations the analysis reached, by name (none when errors stopped it). */
  readonly relations: ReadonlyMap<string, LintRelation>;
  /** Coordination points (non-monotonic literals), spans in this text. */
  readonly coordination: LintFile["coordination"];
  /** "whole": one lint of the file; "parts": independent parts, strata numbered within each part. */
  readonly mode: "whole" | "parts";
  /** How many parts were linted afresh (the rest came from the cache). */
  readonly linted: number;
  readonly parts: number;
}

/** A part's lint, in the coordinates of its own text. */
interface PartResult {
  readonly file: LintFile;
}

/** Remembers the lint of each part by its text; one per open document. */
export class PartCache {
  private entries = new Map<string, PartResult>();
  private used = new Map<string, PartResult>();

  get(key: string): PartResult | undefined {
    const hit = this.entries.get(key) ?? this.used.get(key);
    if (hit !== undefined) this.used.set(key, hit);
    return hit;
  }

  set(key: string, value: PartResult): void {
    this.used.set(key, value);
  }

  /** Keeps only the parts the last check used. */
  settle(): void {
    this.entries = this.used;
    this.used = new Map();
  }
}

export interface CheckOptions {
  readonly lint?: LintOptions;
  /** Files at least this long are checked part by part (default `DEFAULT_SPLIT_THRESHOLD`). */
  readonly splitThreshold?: number;
}

/** Lints `text` as the file `path`. */
export function checkDocument(path: string, text: string, cache: PartCache, options: CheckOptions = {}): DocumentCheck {
  const scan = scanItems(text);
  const lines = new LineIndex(text);
  const threshold = options.splitThreshold ?? DEFAULT_SPLIT_THRESHOLD;
  if (scan.clean && text.length >= threshold && scan.items.length > 1) {
    const parts = checkParts(path, text, scan, lines, cache, options.lint ?? {});
    if (parts !== null) {
      cache.settle();
      return parts;
    }
  }
  const file = lintProgram({ path, text }, options.lint ?? {});
  return {
    text,
    scan,
    lines,
    diagnostics: file.diagnostics,
    relations: new Map(file.relations.map((r) => [r.name, r])),
    coordination: file.coordination,
    mode: "whole",
    linted: 1,
    parts: 1,
  };
}

/** Groups items that share a relation or type name (union-find), in source order. */
export function independentParts(items: readonly SourceItem[]): number[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  const link = (key: string, i: number): void => {
    const o = owner.get(key);
    if (o === undefined) owner.set(key, i);
    else {
      const a = find(o);
      const b = find(i);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  };
  items.forEach((item, i) => {
    for (const r of item.relations) link(`r:${r.name}`, i);
    for (const t of item.types) if (!PRIMITIVE.has(t)) link(`t:${t}`, i);
  });
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [i]);
    else g.push(i);
  });
  return [...groups.values()];
}

/** Where an item sits in its part's text and in the document. */
interface Placement {
  readonly localStart: number;
  readonly localLine: number;
  readonly start: number;
  readonly line: number;
}

function checkParts(path: string, text: string, scan: Scan, lines: LineIndex, cache: PartCache, lint: LintOptions): DocumentCheck | null {
  const diagnostics: Diagnostic[] = [];
  const relations = new Map<string, LintRelation>();
  const coordination: LintFile["coordination"][number][] = [];
  const groups = independentParts(scan.items);
  let linted = 0;
  for (const group of groups) {
    // A part with an invariant keeps its items on their own lines: its messages may cite line numbers.
    const exactLines = group.some((i) => scan.items[i]!.kind === "invariant");
    const placements: Placement[] = [];
    const pieces: string[] = [];
    let localLength = 0;
    let localLine = 1;
    let localColumn = 1;
    for (const i of group) {
      const item = scan.items[i]!;
      const pos = lines.position(item.start);
      let pad = "";
      if (exactLines) {
        if (pos.line > localLine) {
          pad = "\n".repeat(pos.line - localLine);
          localLine = pos.line;
          localColumn = 1;
        }
        if (pos.column > localColumn) pad += " ".repeat(pos.column - localColumn);
      } else {
        if (localLength > 0) {
          pad = "\n";
          localLine++;
        }
        if (pos.column > 1) pad += " ".repeat(pos.column - 1);
      }
      localLength += pad.length;
      placements.push({ localStart: localLength, localLine, start: item.start, line: pos.line });
      const body = text.slice(item.start, item.end);
      pieces.push(pad, body);
      localLength += body.length;
      const end = lines.position(item.end);
      localLine += end.line - pos.line;
      localColumn = end.column;
    }
    const local = pieces.join("");
    let result = cache.get(local);
    if (result === undefined) {
      result = { file: lintProgram({ path, text: local }, lint) };
      cache.set(local, result);
      linted++;
    }
    if (result.file.diagnostics.some((d) => d.code.startsWith("CL1") || WHOLE_FILE_CODES.has(d.code))) return null;
    const map = spanMapper(placements, lines);
    for (const d of result.file.diagnostics) diagnostics.push({ ...d, span: map(d.span), related: d.related.map((r) => ({ ...r, span: map(r.span) })) });
    for (const r of result.file.relations) relations.set(r.name, r);
    for (const c of result.file.coordination) coordination.push({ ...c, use: { ...c.use, span: map(c.use.span) }, ruleSpan: map(c.ruleSpan) });
  }
  coordination.sort((a, b) => a.use.span.start - b.use.span.start);
  return { text, scan, lines, diagnostics: sortDiagnostics(diagnostics), relations, coordination, mode: "parts", linted, parts: groups.length };
}

/** Maps a span of a part's text to the document: each end moves with the item it falls in. */
function spanMapper(placements: readonly Placement[], lines: LineIndex): { (s: Span): Span; (s: Location): Location } {
  const offset = (o: number): number => {
    let lo = 0;
    let hi = placements.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (placements[mid]!.localStart <= o) lo = mid;
      else hi = mid - 1;
    }
    const p = placements[lo]!;
    return o - p.localStart + p.start;
  };
  return ((s: Location): Location => {
    if (!hasPosition(s)) return s;
    const start = offset(s.start);
    // An end just past an item belongs to that item, not the next one.
    const end = s.end > s.start ? offset(s.end - 1) + 1 : start;
    return lines.span(s.file, start, end);
  }) as { (s: Span): Span; (s: Location): Location };
}
