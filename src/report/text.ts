// The one human-readable rendering of diagnostics, used by every command: `file:line:col: severity
// CODE: message` (`file: ...` for a whole file), a code frame when the file's text is at hand, help,
// notes, related places, then a summary line. ANSI colour only via styleText, only when asked.
import { styleText, type Style as AnsiStyle } from "./style.js";
import { hasPosition, type Location, type SourceFile } from "../diagnostics/span.js";
import { sortDiagnostics, type Diagnostic, type Severity } from "../diagnostics/diagnostic.js";
import { codeFrame, type FramePart } from "./frame.js";

type Style = AnsiStyle;

/** Source texts by path: a map, the files as read, or a lookup (e.g. one that reads fact files from disk on demand). */
export type SourceTexts = ReadonlyMap<string, string> | readonly SourceFile[] | ((file: string) => string | undefined);

/** How to render: colour or not; `cwd` shows absolute paths inside it relative to it. */
export interface RenderOptions {
  readonly color: boolean;
  readonly cwd?: string;
}

const SEVERITY_STYLE: Record<Severity, Style> = {
  error: ["bold", "red"],
  warning: ["bold", "yellow"],
  note: ["bold", "cyan"],
};

/** Renders diagnostics sorted by position, each with its code frame, then `2 errors, 1 warning`. Empty input gives "". */
export function renderDiagnostics(
  diags: readonly Diagnostic[] | { readonly items: readonly Diagnostic[] },
  sources: SourceTexts,
  opts: RenderOptions,
): string {
  const list = sortDiagnostics("items" in diags ? diags.items : diags);
  if (list.length === 0) return "";
  const texts = lookup(sources);
  const paint = (style: Style, text: string): string => (opts.color && text.length > 0 ? styleText(style, text) : text);
  const show = (file: string): string => (opts.cwd === undefined ? file : shownPath(file, opts.cwd));
  const blocks = list.map((d) => renderOne(d, texts, paint, show));
  return `${blocks.join("\n\n")}\n\n${paint("bold", summaryLine(list))}\n`;
}

/** `2 errors, 1 warning`; parts with a zero count are left out; "no problems" for none. */
export function summaryLine(diags: readonly Diagnostic[]): string {
  const count = (s: Severity) => diags.filter((d) => d.severity === s).length;
  const parts = (["error", "warning", "note"] as const)
    .map((s) => [s, count(s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${n === 1 ? "" : "s"}`);
  return parts.length === 0 ? "no problems" : parts.join(", ");
}

type Texts = (file: string) => string | undefined;

function renderOne(d: Diagnostic, texts: Texts, paint: (style: Style, text: string) => string, show: (file: string) => string): string {
  const markerStyle = SEVERITY_STYLE[d.severity];
  const out: string[] = [];
  out.push(`${paint("bold", location(d.span, show))} ${paint(markerStyle, `${d.severity} ${d.code}`)}: ${paint("bold", d.message)}`);
  const frame = frameFor(d.span, texts, 2, markerStyle, paint);
  if (frame !== null) out.push(frame);
  if (d.help) out.push(`  ${paint(["bold", "cyan"], "= help:")} ${d.help}`);
  for (const note of d.notes) out.push(`  ${paint("bold", "= note:")} ${note}`);
  for (const r of d.related) {
    out.push(`${paint("bold", location(r.span, show))} ${paint(SEVERITY_STYLE.note, "note")}: ${r.message}`);
    const small = frameFor(r.span, texts, 0, SEVERITY_STYLE.note, paint);
    if (small !== null) out.push(small);
  }
  return out.join("\n");
}

function location(span: Location, show: (file: string) => string): string {
  return hasPosition(span) ? `${show(span.file)}:${span.line}:${span.column}:` : `${show(span.file)}:`;
}

/** A path as the user would write it: relative to `cwd` when inside it (no `node:path`, so it runs in a browser too). */
export function shownPath(path: string, cwd: string): string {
  const absolute = path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
  if (!absolute) return path;
  const base = cwd.replace(/[\\/]+$/, "");
  if (path === base) return ".";
  const sep = path.charAt(base.length);
  return path.startsWith(base) && (sep === "/" || sep === "\\") ? path.slice(base.length + 1) : path;
}

function frameFor(span: Location, texts: Texts, context: number, markerStyle: Style, paint: (style: Style, text: string) => string): string | null {
  if (!hasPosition(span)) return null;
  const text = texts(span.file);
  if (text === undefined) return null;
  const part = (p: FramePart, s: string): string => paint(p === "marker" ? markerStyle : "gray", s);
  return codeFrame(text, span, { context, paint: part });
}

function lookup(sources: SourceTexts): Texts {
  if (typeof sources === "function") return sources;
  const map = sources instanceof Map ? (sources as ReadonlyMap<string, string>) : new Map((sources as readonly SourceFile[]).map((s) => [s.path, s.text] as const));
  return (file) => map.get(file);
}
