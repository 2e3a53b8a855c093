import { describe, expect, it } from "vitest";
import { makeDiagnostic } from "../../src/diagnostics/diagnostic.js";
import { hasPosition, LineIndex, wholeFile } from "../../src/diagnostics/span.js";
import { renderDiagnostics } from "../../src/report/text.js";

describe("Location", () => {
  it("says a whole file has no position, and a span at offset 0 has one", () => {
    expect(hasPosition(wholeFile("facts/edge.facts"))).toBe(false);
    const empty = new LineIndex("").span("p.dl", 0, 0);
    expect(hasPosition(empty)).toBe(true);
  });

  it("renders a whole file without line, column or frame, and an empty span at the start with both", () => {
    const text = "edge(1, 2).\n";
    const file = renderDiagnostics([makeDiagnostic("CL403", wholeFile("p.dl"), "cannot read `p.dl`")], [{ path: "p.dl", text }], { color: false });
    expect(file.split("\n")[0]).toBe("p.dl: error CL403: cannot read `p.dl`");
    expect(file).not.toContain("edge(1, 2)");
    const at = renderDiagnostics([makeDiagnostic("CL101", new LineIndex(text).span("p.dl", 0, 0), "expected `.`")], [{ path: "p.dl", text }], { color: false });
    expect(at.split("\n")[0]).toBe("p.dl:1:1: error CL101: expected `.`");
    expect(at).toContain("> 1 | edge(1, 2).");
  });
});
