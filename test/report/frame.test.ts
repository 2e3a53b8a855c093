import { describe, expect, test } from "vitest";
import { fc, test as propTest } from "@fast-check/vitest";
import { codeFrame } from "../../src/report/frame.js";
import { LineIndex, type Span } from "../../src/diagnostics/span.js";

const span = (text: string, start: number, end: number): Span => new LineIndex(text).span("f.dl", start, end);
const at = (text: string, needle: string): Span => {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`no ${needle}`);
  return span(text, i, i + needle.length);
};

const SIX = ["l1", "l2", "l3 target here", "l4", "l5", "l6"].join("\n");

describe("codeFrame", () => {
  test("underlines a one-line span with ^~~ and shows two lines of context", () => {
    expect(codeFrame(SIX, at(SIX, "target"))).toBe(
      ["  1 | l1", "  2 | l2", "> 3 | l3 target here", "    |    ^~~~~~", "  4 | l4", "  5 | l5"].join("\n"),
    );
  });

  test("context 0 shows only the span's line", () => {
    expect(codeFrame(SIX, at(SIX, "target"), { context: 0 })).toBe(["> 3 | l3 target here", "    |    ^~~~~~"].join("\n"));
  });

  test("the first line has no lines above it", () => {
    expect(codeFrame(SIX, at(SIX, "l1"))).toBe(["> 1 | l1", "    | ^~", "  2 | l2", "  3 | l3 target here"].join("\n"));
  });

  test("the last line has no lines below it", () => {
    expect(codeFrame(SIX, at(SIX, "l6"))).toBe(["  4 | l4", "  5 | l5", "> 6 | l6", "    | ^~"].join("\n"));
  });

  test("an empty span at the end of the file points just past the last character", () => {
    const text = "a(1).\nb(2)";
    expect(codeFrame(text, span(text, text.length, text.length))).toBe(["  1 | a(1).", "> 2 | b(2)", "    |     ^"].join("\n"));
  });

  test("an empty span after a final newline points at the empty last line", () => {
    const text = "a(1).\n";
    expect(codeFrame(text, span(text, text.length, text.length))).toBe(["  1 | a(1).", "> 2 |", "    | ^"].join("\n"));
  });

  test("the empty line after a final newline is not shown as context", () => {
    const text = "a(1).\nb(2).\n";
    expect(codeFrame(text, at(text, "b(2)"))).toBe(["  1 | a(1).", "> 2 | b(2).", "    | ^~~~"].join("\n"));
  });

  test("tabs are expanded and the underline follows the expanded columns", () => {
    const text = "\tx(\ty)";
    expect(codeFrame(text, at(text, "y"))).toBe(["> 1 |     x(  y)", "    |         ^"].join("\n"));
  });

  test("a multi-line span marks every line; later lines are underlined with ~ from their first character", () => {
    const text = "a(x) :-\n  b(x,\n    y).\nc(1).";
    const s = span(text, text.indexOf("b(x"), text.indexOf("y).") + 2);
    expect(codeFrame(text, s)).toBe(
      ["  1 | a(x) :-", "> 2 |   b(x,", "    |   ^~~~", "> 3 |     y).", "    |     ~~", "  4 | c(1)."].join("\n"),
    );
  });

  test("a span ending right after a newline ends on the line before", () => {
    const text = "a(1).\nb(2).\n";
    const s = span(text, 0, 6);
    expect(codeFrame(text, s, { context: 0 })).toBe(["> 1 | a(1).", "    | ^~~~~"].join("\n"));
  });

  test("a very long span is shortened around a `:` gutter line", () => {
    const text = Array.from({ length: 10 }, (_, i) => `line${i + 1}`).join("\n");
    const s = span(text, 0, text.length);
    const out = codeFrame(text, s, { context: 0 }).split("\n");
    expect(out).toEqual([
      ">  1 | line1",
      "     | ^~~~~",
      ">  2 | line2",
      "     | ~~~~~",
      "   : |",
      ">  9 | line9",
      "     | ~~~~~",
      "> 10 | line10",
      "     | ~~~~~~",
    ]);
  });

  test("a line wider than 160 columns is shown as a window around the span, cut with `…`", () => {
    const long = `x = ${Array.from({ length: 120 }, (_, i) => `n${i}`).join(" + ")}.`;
    const text = `short\n${long}\n`;
    const frame = codeFrame(text, at(text, "n70 + n71"), { context: 1 });
    const [above, line, marks] = frame.split("\n") as [string, string, string];
    expect(above).toBe("  1 | …");
    expect(line.startsWith("> 2 | …")).toBe(true);
    expect(line.endsWith("…")).toBe(true);
    expect(line.length).toBeLessThanOrEqual("> 2 | ".length + 162);
    // The underline sits under the span's text in the window.
    const col = marks.indexOf("^");
    expect(line.slice(col, col + "n70 + n71".length)).toBe("n70 + n71");
    expect(marks.slice(col)).toBe("^~~~~~~~~");
    // Near the start of the line the window starts at column 1, with no `…` on the left.
    const early = codeFrame(text, at(text, "n1 +"), { context: 0 }).split("\n") as [string, string];
    expect(early[0]!.startsWith("> 2 | x = n0 + n1")).toBe(true);
    expect(early[1]).toBe("    |          ^~~~");
  });

  test("the gutter widens for two-digit line numbers", () => {
    const text = Array.from({ length: 12 }, (_, i) => `l${i + 1}`).join("\n");
    expect(codeFrame(text, at(text, "l10"), { context: 1 })).toBe(["   9 | l9", "> 10 | l10", "     | ^~~", "  11 | l11"].join("\n"));
  });

  test("CRLF line ends are not shown", () => {
    const text = "a(1).\r\nb(2).\r\n";
    expect(codeFrame(text, at(text, "b(2)"), { context: 0 })).toBe(["> 2 | b(2).", "    | ^~~~"].join("\n"));
  });

  test("paint is applied to the gutter and the marker only", () => {
    const out = codeFrame("a(1).", span("a(1).", 2, 3), { paint: (part, t) => `<${part}>${t}</${part}>` });
    expect(out).toBe(["<marker>></marker> <gutter>1 |</gutter> a(1).", "  <gutter>  |</gutter>   <marker>^</marker>"].join("\n"));
  });

  test("offsets that are NaN fall back to the span's line and column", () => {
    const text = "a(1).\nb(2).";
    const s: Span = { file: "f.dl", start: NaN, end: NaN, line: 2, column: 3, endLine: 2, endColumn: 4 };
    expect(codeFrame(text, s, { context: 0 })).toBe(["> 2 | b(2).", "    |   ^"].join("\n"));
  });

  propTest.prop([fc.string({ maxLength: 200 }), fc.nat(), fc.nat()])("never throws and marks at least one line", (text, a, b) => {
    const lo = Math.min(a, b) % (text.length + 1);
    const hi = Math.max(a, b) % (text.length + 1);
    const out = codeFrame(text, span(text, Math.min(lo, hi), Math.max(lo, hi)));
    expect(out.split("\n").some((l) => l.startsWith(">"))).toBe(true);
    expect(out).toMatch(/[\^~]/);
  });
});
