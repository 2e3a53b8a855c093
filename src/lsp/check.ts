// Checks an open document as `calmlog lint` checks a file. A small file is linted whole. A large one
// is split into independent parts (items linked by the relation and type names they share), each
// linted alone and remembered by its text, so an edit re-lints only the part it touches. A part is
// linted as its items in order, each on its own line at its own column, and its spans are mapped
// back. A syntax error stays local: the items around it are kept together as one stretch of the
// file (a window) and parsed as written, and the window grows until the parser is back in step at
// its last item. As in a whole-file lint, an error anywhere stops the analysis everywhere. When the
// split could still differ from the parser's view (components, messages drawing on names from the
// whole file), the file is linted whole instead.
import { analyze } from "../analysis/analyze.js";
import { check } from "../check/check.js";
import { checkPlans } from "../compile.js";
import { checkInvariants } from "../invariant/check.js";
import { buildLintFile, lintProgram, type LintFile, type LintOptions, type LintRelation } from "../lint.js";
import { Diagnostics, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { applySuppressions } from "../diagnostics/suppress.js";
import { PRIMITIVE_TYPES } from "../syntax/ast.js";
import { MAX_SYNTAX_ERRORS, parse } from "../syntax/parse.js";
import { hasPosition, LineIndex, type Location, type Span } from "../diagnostics/span.js";
import { countEndingBy, rescanItems, scanItems, type Scan, type SourceItem } from "../syntax/items.js";

/** Files at least this long (in UTF-16 code units) are checked part by part. */
export const DEFAULT_SPLIT_THRESHOLD = 64 * 1024;

const PRIMITIVE: ReadonlySet<string> = new Set(PRIMITIVE_TYPES);

/** Codes whose message or help draws on names from the whole file, so a part alone could word them differently. */
const WHOLE_FILE_CODES = new Set(["CL201", "CL207", "CL208"]);

/** Rounds of growing the windows around syntax errors before the file is linted whole. */
const MAX_WINDOW_ROUNDS = 4;

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
  /** The lint with its analysis, before `calmlog-ignore` comments (those are read from the whole document). */
  readonly file: LintFile;
  /** The diagnostics of parsing and checking: what a whole-file lint reports of this part when some part has an error. */
  readonly early: readonly Diagnostic[];
  /** What the plan check added (a whole-file lint skips it when parsing or checking found an error anywhere). */
  readonly plans: readonly Diagnostic[];
  readonly hasErrors: boolean;
  /** Whether parsing or checking (before the plan check) found an error. */
  readonly earlyErrors: boolean;
  readonly syntaxErrors: boolean;
  /** `start:end` of each top-level item the parser kept. */
  readonly kept: ReadonlySet<string>;
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
  /** The previous check of this document: its scan is updated around the edit instead of redone. */
  readonly previous?: DocumentCheck | null;
}

/** Lints `text` as the file `path`. */
export function checkDocument(path: string, text: string, cache: PartCache, options: CheckOptions = {}): DocumentCheck {
  const previous = options.previous ?? null;
  const scan = previous === null ? scanItems(text) : rescanItems(previous.text, previous.scan, text);
  const lines = new LineIndex(text);
  const threshold = options.splitThreshold ?? DEFAULT_SPLIT_THRESHOLD;
  if (scan.unsplittable.length === 0 && text.length >= threshold && scan.items.length > 1) {
    const parts = checkParts(path, text, scan, lines, cache, options.lint ?? {});
    cache.settle();
    if (parts !== null) return parts;
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

/** Lints one part as `lintProgram` lints a file, keeping what the split needs: the early diagnostics and the items kept. */
function lintPart(path: string, text: string, options: LintOptions): PartResult {
  const diags = new Diagnostics();
  const program = parse({ path, text }, diags);
  const checked = check(program, diags);
  const early = [...diags.items];
  const earlyErrors = diags.hasErrors();
  checkPlans(checked, diags);
  const plans = diags.items.slice(early.length);
  const hasErrors = diags.hasErrors();
  const syntaxErrors = early.some((d) => d.code.startsWith("CL1") && d.severity === "error");
  const analysis = hasErrors ? null : analyze(checked, diags);
  const invariants = analysis !== null && analysis.stratified ? checkInvariants(checked, analysis, diags, options) : [];
  const kept = new Set(program.items.map((i) => `${i.span.start}:${i.span.end}`));
  return { file: buildLintFile(path, checked, analysis, invariants, diags), early, plans, hasErrors, earlyErrors, syntaxErrors, kept };
}

/** A stretch of the document linted as one piece: one item, or a window of items around a syntax error. */
interface Unit {
  /** Item indexes, inclusive. */
  readonly first: number;
  readonly last: number;
  readonly start: number;
  readonly end: number;
  readonly relations: readonly { readonly name: string }[];
  readonly types: readonly string[];
  readonly kind: SourceItem["kind"] | "window";
}

/** Groups items (or units) that share a relation or type name (union-find), in source order. */
export function independentParts(items: readonly Pick<Unit, "relations" | "types">[]): number[][] {
  const parent = new Int32Array(items.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const relationOwner = new Map<string, number>();
  const typeOwner = new Map<string, number>();
  const link = (owner: Map<string, number>, key: string, i: number): void => {
    const o = owner.get(key);
    if (o === undefined) owner.set(key, i);
    else {
      const a = find(o);
      const b = find(i);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    for (const r of item.relations) link(relationOwner, r.name, i);
    for (const t of item.types) if (!PRIMITIVE.has(t)) link(typeOwner, t, i);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < items.length; i++) {
    const root = find(i);
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [i]);
    else g.push(i);
  }
  return [...groups.values()];
}

/** Where a unit sits in its part's text and in the document. */
interface Placement {
  readonly localStart: number;
  readonly start: number;
}

/** Item index ranges `[first, last]`, sorted and merged. */
type Windows = [number, number][];

function mergeWindows(windows: Windows): Windows {
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const out: Windows = [];
  for (const [a, b] of sorted) {
    const top = out[out.length - 1];
    if (top !== undefined && a <= top[1] + 1) top[1] = Math.max(top[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The index of the first item ending after `offset` (the item holding it, or the next one). */
function itemIndexAt(items: readonly SourceItem[], offset: number): number {
  return Math.min(countEndingBy(items, offset), items.length - 1);
}

/** The window around item `i`: its neighbours too, as recovery may reach back to its line's start and on to the next clause. */
const around = (i: number, count: number): [number, number] => [Math.max(0, i - 1), Math.min(count - 1, i + 1)];

function unitsOf(text: string, scan: Scan, windows: Windows): Unit[] {
  const units: Unit[] = [];
  const items = scan.items;
  let w = 0;
  for (let i = 0; i < items.length; ) {
    const win = windows[w];
    if (win !== undefined && win[0] === i) {
      const relations: { name: string }[] = [];
      const types: string[] = [];
      for (let j = win[0]; j <= win[1]; j++) {
        relations.push(...items[j]!.relations);
        types.push(...items[j]!.types);
      }
      // A window takes the text before its first item too (a stray character or an unterminated string may sit
      // there), and the rest of the file when it reaches the last item.
      const start = win[0] === 0 ? 0 : items[win[0] - 1]!.end;
      const end = win[1] === items.length - 1 ? text.length : items[win[1]]!.end;
      units.push({ first: win[0], last: win[1], start, end, relations, types, kind: "window" });
      i = win[1] + 1;
      w++;
      continue;
    }
    const item = items[i]!;
    units.push({ first: i, last: i, start: item.start, end: item.end, relations: item.relations, types: item.types, kind: item.kind });
    i++;
  }
  return units;
}

function checkParts(path: string, text: string, scan: Scan, lines: LineIndex, cache: PartCache, lint: LintOptions): DocumentCheck | null {
  const items = scan.items;
  const count = items.length;
  let windows: Windows = [];
  for (let i = 0; i < count; i++) if (!items[i]!.clean) windows.push(around(i, count));
  for (const o of scan.troubles) windows.push(around(itemIndexAt(items, o), count));
  windows = mergeWindows(windows);
  let linted = 0;
  for (let round = 0; round < MAX_WINDOW_ROUNDS; round++) {
    const units = unitsOf(text, scan, windows);
    const groups = independentParts(units);
    const results: { result: PartResult; placements: Placement[]; group: number[] }[] = [];
    const grow: Windows = [];
    let syntaxErrors = 0;
    for (const group of groups) {
      const { local, placements } = partText(text, lines, units, group);
      let result = cache.get(local);
      if (result === undefined) {
        result = lintPart(path, local, lint);
        cache.set(local, result);
        linted++;
      }
      if (result.file.diagnostics.some((d) => WHOLE_FILE_CODES.has(d.code) || d.code === "CL409")) return null;
      results.push({ result, placements, group });
      if (!result.hasErrors) continue;
      const toDocument = offsetMapper(placements);
      const windowOf = (o: number): Unit | undefined => {
        for (const u of group) if (units[u]!.kind === "window" && units[u]!.start <= o && o <= units[u]!.end) return units[u];
        return undefined;
      };
      for (const d of result.early) {
        if (!d.code.startsWith("CL1")) continue;
        syntaxErrors++;
        const at = toDocument(d.span.start);
        const win = windowOf(at);
        // An error outside every window (the scanner saw a clean item) gets a window of its own.
        if (win === undefined) grow.push(around(itemIndexAt(items, at), count));
        // One in a window's last item means the parser may not be back in step there: grow it.
        else if (win.last < count - 1 && at >= items[win.last]!.start) grow.push([win.first, win.last + 1]);
      }
      // The parser is back in step after a window when it kept the window's last item as written.
      for (const u of group) {
        const unit = units[u]!;
        if (unit.kind !== "window" || unit.last === count - 1) continue;
        const last = items[unit.last]!;
        const p = placements.find((x) => x.start === unit.start)!;
        const localStart = p.localStart + (last.start - unit.start);
        if (!result.kept.has(`${localStart}:${localStart + (last.end - last.start)}`)) grow.push([unit.first, unit.last + 1]);
      }
    }
    if (syntaxErrors >= MAX_SYNTAX_ERRORS) return null;
    if (grow.length > 0) {
      windows = mergeWindows([...windows, ...grow]);
      continue;
    }
    return assemble(path, text, scan, lines, results, linted, groups.length);
  }
  return null;
}

/** A part's text: its units in order, each on its own line at its own column (on its own line number when the part has an invariant). */
function partText(text: string, lines: LineIndex, units: readonly Unit[], group: readonly number[]): { local: string; placements: Placement[] } {
  // A part with an invariant keeps its items on their own lines: its messages may cite line numbers.
  const exactLines = group.some((i) => units[i]!.kind === "invariant");
  const placements: Placement[] = [];
  const pieces: string[] = [];
  let localLength = 0;
  let localLine = 1;
  let localColumn = 1;
  for (const i of group) {
    const unit = units[i]!;
    const pos = lines.position(unit.start);
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
    placements.push({ localStart: localLength, start: unit.start });
    const body = text.slice(unit.start, unit.end);
    pieces.push(pad, body);
    localLength += body.length;
    const end = lines.position(unit.end);
    localLine += end.line - pos.line;
    localColumn = end.column;
  }
  return { local: pieces.join(""), placements };
}

/** The parts' lints, mapped into the document; without analysis when any part has an error, as a whole-file lint. */
function assemble(path: string, text: string, scan: Scan, lines: LineIndex, results: readonly { result: PartResult; placements: Placement[] }[], linted: number, parts: number): DocumentCheck {
  const anyErrors = results.some((r) => r.result.hasErrors);
  const anyEarlyErrors = results.some((r) => r.result.earlyErrors);
  const anySyntaxErrors = results.some((r) => r.result.syntaxErrors);
  /** A part's diagnostics as a whole-file lint words them when some part has an error. */
  const stopped = (r: PartResult): readonly Diagnostic[] => [
    // A syntax error anywhere leaves out "never defined" (CL213, CL215): items it broke are missing.
    ...(anySyntaxErrors && !r.syntaxErrors ? r.early.filter((d) => d.code !== "CL213" && d.code !== "CL215") : r.early),
    ...(anyEarlyErrors ? [] : r.plans),
  ];
  const diagnostics: Diagnostic[] = [];
  const relations = new Map<string, LintRelation>();
  const coordination: LintFile["coordination"][number][] = [];
  for (const { result, placements } of results) {
    const map = spanMapper(placements, lines);
    for (const d of anyErrors ? stopped(result) : result.file.diagnostics) diagnostics.push({ ...d, span: map(d.span), related: d.related.map((r) => ({ ...r, span: map(r.span) })) });
    if (anyErrors) continue;
    for (const r of result.file.relations) relations.set(r.name, r);
    for (const c of result.file.coordination) coordination.push({ ...c, use: { ...c.use, span: map(c.use.span) }, ruleSpan: map(c.ruleSpan) });
  }
  coordination.sort((a, b) => a.use.span.start - b.use.span.start);
  // `calmlog-ignore` comments sit between items, so they are read from the whole document.
  const kept = text.includes("calmlog-ignore") ? applySuppressions({ path, text }, diagnostics).kept : sortDiagnostics(diagnostics);
  return { text, scan, lines, diagnostics: kept, relations, coordination, mode: "parts", linted, parts };
}

/** Maps an offset of a part's text to the document: it moves with the unit it falls in. */
function offsetMapper(placements: readonly Placement[]): (o: number) => number {
  return (o) => {
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
}

/** Maps a span of a part's text to the document: each end moves with the unit it falls in. */
function spanMapper(placements: readonly Placement[], lines: LineIndex): { (s: Span): Span; (s: Location): Location } {
  const offset = offsetMapper(placements);
  return ((s: Location): Location => {
    if (!hasPosition(s)) return s;
    const start = offset(s.start);
    // An end just past a unit belongs to that unit, not the next one.
    const end = s.end > s.start ? offset(s.end - 1) + 1 : start;
    return lines.span(s.file, start, end);
  }) as { (s: Span): Span; (s: Location): Location };
}
