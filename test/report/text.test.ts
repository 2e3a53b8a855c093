import { describe, expect, test } from "vitest";
import { makeDiagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics, summaryLine } from "../../src/report/text.js";
import { LineIndex, type Span } from "../../src/diagnostics/span.js";

const TEXT = ".decl edge(x: number, y: number)\nedge(1, 2, 3).\n";
const index = new LineIndex(TEXT);
const at = (needle: string, from = 0): Span => {
  const i = TEXT.indexOf(needle, from);
  return index.span("g.dl", i, i + needle.length);
};
const sources = new Map([["g.dl", TEXT]]);

const arity = makeDiagnostic("CL202", at("edge(1, 2, 3)"), "`edge` has 2 columns but this atom gives 3", {
  related: [{ span: at("edge"), message: "`edge` is declared here" }],
  notes: ["a note"],
});
const single = makeDiagnostic("CL206", at("x"), "variable `x` occurs only once in this rule");

describe("renderDiagnostics", () => {
  test("prints location, severity and code, the frame, help, notes, related places and a summary", () => {
    expect(renderDiagnostics([arity], sources, { color: false })).toBe(
      [
        "g.dl:2:1: error CL202: `edge` has 2 columns but this atom gives 3",
        "  1 | .decl edge(x: number, y: number)",
        "> 2 | edge(1, 2, 3).",
        "    | ^~~~~~~~~~~~~",
        "  = help: Match the number of columns in the `.decl`.",
        "  = note: a note",
        "g.dl:1:7: note: `edge` is declared here",
        "> 1 | .decl edge(x: number, y: number)",
        "    |       ^~~~",
        "",
        "1 error",
        "",
      ].join("\n"),
    );
  });

  test("sorts by position and counts errors and warnings", () => {
    const out = renderDiagnostics([arity, single], sources, { color: false });
    expect(out.indexOf("g.dl:1:12: warning CL206")).toBeGreaterThanOrEqual(0);
    expect(out.indexOf("g.dl:1:12: warning CL206")).toBeLessThan(out.indexOf("g.dl:2:1: error CL202"));
    expect(out.trimEnd().split("\n").at(-1)).toBe("1 error, 1 warning");
  });

  test("accepts sources as files and a sink-like object", () => {
    const out = renderDiagnostics({ items: [single] }, [{ path: "g.dl", text: TEXT }], { color: false });
    expect(out).toContain("> 1 | .decl edge");
  });

  test("a file without source text gets the header but no frame", () => {
    const out = renderDiagnostics([arity], new Map(), { color: false });
    expect(out).not.toContain("|");
    expect(out).toContain("g.dl:2:1: error CL202");
  });

  test("no diagnostics render as nothing", () => {
    expect(renderDiagnostics([], sources, { color: true })).toBe("");
  });

  test("colour is ANSI when asked and absent otherwise", () => {
    expect(renderDiagnostics([arity], sources, { color: true })).toMatch(/\u001b\[31m/);
    expect(renderDiagnostics([arity], sources, { color: false })).not.toMatch(/\u001b\[/);
  });

  test("coloured output has the same text once the escapes are removed", () => {
    const plain = renderDiagnostics([arity, single], sources, { color: false });
    // eslint-disable-next-line no-control-regex
    const stripped = renderDiagnostics([arity, single], sources, { color: true }).replace(/\u001b\[\d+m/g, "");
    expect(stripped).toBe(plain);
  });
});

describe("summaryLine", () => {
  test("pluralises and leaves out zero counts", () => {
    expect(summaryLine([arity, arity, single])).toBe("2 errors, 1 warning");
    expect(summaryLine([single])).toBe("1 warning");
    expect(summaryLine([])).toBe("no problems");
  });
});
