// The frame every HTML report shares: one self-contained page (inline CSS, inline SVG, no script,
// no font, image or stylesheet from the network), escaping, code frames and small tables.
import { hasPosition, type Location } from "../diagnostics/span.js";
import { codeFrame } from "./frame.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** Text for HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Backticked names in a message as `<code>`, the rest escaped. */
export function prose(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

const CSS = `
:root { color-scheme: light; --seal: #fcd34d; --free: #dcfce7; --red: #dc2626; --muted: #64748b; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, sans-serif; margin: 0; color: #0f172a; background: #f8fafc; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { border-bottom: 1px solid var(--line); background: #fff; max-width: none; }
header h1 { margin: 0 0 4px; font-size: 20px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
pre.frame { background: #0f172a; color: #e2e8f0; padding: 8px 12px; border-radius: 6px; overflow-x: auto; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
.card.coordination { border-left: 5px solid var(--red); }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 600; background: #e2e8f0; }
.badge.seal, .badge.withheld { background: var(--seal); }
.badge.free, .badge.holds, .badge.proved { background: var(--free); }
.badge.broken, .badge.counterexample, .badge.error { background: #fecaca; }
.badge.code { background: #fee2e2; color: #991b1b; }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0; background: #fff; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.graph { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0; }
.stats div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
ul.tight { margin: 4px 0; padding-left: 20px; }
`;

/** A whole page: `<!DOCTYPE html>`, inline style, the header and the main content. */
export function htmlPage(title: string, header: string, main: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="calmlog">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    `<header>${header}</header>`,
    `<main>${main}</main>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** The code frame of `span` in `text` as a `<pre>`, or nothing when the text is not at hand. */
export function frameHtml(text: string | undefined, span: Location, context = 1): string {
  if (text === undefined || !hasPosition(span)) return "";
  return `<pre class="frame">${esc(codeFrame(text, span, { context }))}</pre>`;
}

/** A table from a header row and rows of HTML cells (already escaped); numeric columns by index. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Diagnostics with their code frames. */
export function diagnosticsHtml(diagnostics: readonly Diagnostic[], texts: ReadonlyMap<string, string>): string {
  if (diagnostics.length === 0) return `<p class="muted">No diagnostics.</p>`;
  return diagnostics
    .map((d) => {
      const where = hasPosition(d.span) ? `${d.span.file}:${d.span.line}:${d.span.column}` : d.span.file;
      const parts = [`<div class="card"><span class="badge ${d.severity === "error" ? "error" : ""}">${esc(d.severity)} ${esc(d.code)}</span> <code>${esc(where)}</code>: ${prose(d.message)}`];
      parts.push(frameHtml(texts.get(d.span.file), d.span));
      if (d.help) parts.push(`<div><strong>help:</strong> ${prose(d.help)}</div>`);
      if (d.notes.length > 0) parts.push(`<ul class="tight">${d.notes.map((n) => `<li>${prose(n)}</li>`).join("")}</ul>`);
      parts.push("</div>");
      return parts.join("\n");
    })
    .join("\n");
}
