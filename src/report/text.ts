// The human-readable diagnostic report: `file:line:col: severity CODE: message`, a code frame,
// help, notes, related places, then a summary line. ANSI colour only via styleText, only when asked.
import { styleText, type Style as AnsiStyle } from "./style.js";
import { hasPosition, type Location, type SourceFile } from "../diagnostics/span.js";
import { sortDiagnostics, type Diagnostic, type Severity } from "../diagnostics/diagnostic.js";
import { codeFrame, type FramePart } from "./frame.js";

type Style = AnsiStyle;

/** Source texts by path: a map, or the files as read. */
export type SourceTexts = ReadonlyMap<string, string> | readonly SourceFile[];

const SEVERITY_STYLE: Record<Severity, Style> = {
  error: ["bold", "red"],
  warning: ["bold", "yellow"],
  note: ["bold", "cyan"],
};

/** Renders diagnostics sorted by position, each with its code frame, then `2 errors, 1 warning`. Empty input gives "". */
export function renderDiagnostics(
  diags: readonly Diagnostic[] | { readonly items: readonly Diagnostic[] },
  sources: SourceTexts,
  opts: { readonly color: boolean },
): string {
  const list = sortDiagnostics("items" in diags ? diags.items : diags);
  if (list.length === 0) return "";
  const texts = toMap(sources);
  const paint = (style: Style, text: string): string => (opts.color && text.length > 0 ? styleText(style, text) : text);
  const blocks = list.map((d) => renderOne(d, texts, paint));
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

function renderOne(d: Diagnostic, texts: ReadonlyMap<string, string>, paint: (style: Style, text: string) => string): string {
  const markerStyle = SEVERITY_STYLE[d.severity];
  const out: string[] = [];
  out.push(`${paint("bold", location(d.span))} ${paint(markerStyle, `${d.severity} ${d.code}`)}: ${paint("bold", d.message)}`);
  const frame = frameFor(d.span, texts, 2, markerStyle, paint);
  if (frame !== null) out.push(frame);
  if (d.help) out.push(`  ${paint(["bold", "cyan"], "= help:")} ${d.help}`);
  for (const note of d.notes) out.push(`  ${paint("bold", "= note:")} ${note}`);
  for (const r of d.related) {
    out.push(`${paint("bold", location(r.span))} ${paint(SEVERITY_STYLE.note, "note")}: ${r.message}`);
    const small = frameFor(r.span, texts, 0, SEVERITY_STYLE.note, paint);
    if (small !== null) out.push(small);
  }
  return out.join("\n");
}

function location(span: Location): string {
  return hasPosition(span) ? `${span.file}:${span.line}:${span.column}:` : `${span.file}:`;
}

function frameFor(span: Location, texts: ReadonlyMap<string, string>, context: number, markerStyle: Style, paint: (style: Style, text: string) => string): string | null {
  const text = texts.get(span.file);
  if (text === undefined || !hasPosition(span)) return null;
  const part = (p: FramePart, s: string): string => paint(p === "marker" ? markerStyle : "gray", s);
  return codeFrame(text, span, { context, paint: part });
}

function toMap(sources: SourceTexts): ReadonlyMap<string, string> {
  if (sources instanceof Map) return sources as ReadonlyMap<string, string>;
  return new Map((sources as readonly SourceFile[]).map((s) => [s.path, s.text] as const));
}
