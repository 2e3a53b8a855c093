// The text report, snapshotted per example file (plain), plus the parts every report must have.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintPrograms } from "../../src/lint.js";
import { renderLintText } from "../../src/report/lint-text.js";
import type { SourceFile } from "../../src/diagnostics/span.js";

function source(name: string): SourceFile {
  return { path: `test/analysis/fixtures/${name}.dl`, text: readFileSync(new URL(`../analysis/fixtures/${name}.dl`, import.meta.url), "utf8") };
}

function report(names: string[], color = false): string {
  const sources = names.map(source);
  return renderLintText(lintPrograms(sources), sources, { color });
}

describe("lint text report", () => {
  it.each(["reactions", "usernames", "workshop", "release", "wishlist", "approvals", "unstratifiable", "seats-invariant", "capacity"])("%s", async (name) => {
    await expect(report([name])).toMatchFileSnapshot(`__snapshots__/lint-text/${name}.txt`);
  });

  it("gives each coordination point its frame, dependency, consequence and options", () => {
    const text = report(["release"]);
    expect(text).toContain("coordination point 1 of 1");
    expect(text).toContain("`ready` depends on the absence of `blocker`");
    expect(text).toContain("`ready` and every relation that reads it (`notify`) are withheld until then");
    expect(text).toMatch(/> +7 \| ready\(r\) :- release\(r\), !blocker\(r, _\)\./);
    expect(text).toContain("seal an epoch");
    expect(text).toContain("a threshold rewrite only helps aggregates");
    expect(text).toContain("notify <- ready <- !blocker(r, _)");
  });

  it("says each thing once: no `rule:` line when the frame shows the whole rule, no second `depends on`", () => {
    const text = report(["release"]);
    expect(text).not.toContain("rule:");
    expect(text).not.toContain("depends on:");
    expect(text.match(/depends on the absence of `blocker`/g)).toHaveLength(1);
  });

  it("prints the `rule:` line when the rule spans more lines than the frame shows", () => {
    const text = report(["capacity"]);
    expect(text).toMatch(/> +26 \|   s = count : \{ sale\(w, _\) \}\./);
    expect(text).toContain("rule:         left(w, n - s) :- capacity(w, n), s = count : { sale(w, _) }.");
  });

  it("marks fixed relations and says where a fixed bound comes from", () => {
    const text = report(["capacity"]);
    expect(text).toMatch(/^ {2}capacity +monotonic +\d+ +\(fixed\)$/m);
    expect(text).toMatch(/^ {2}sale +monotonic +\d+ +\(input\)$/m);
    expect(text).toContain("the bound `n` comes from `capacity`, which only the program's facts define, so it cannot move as facts arrive");
    expect(text).toContain("coordination point 1 of 1");
  });

  it("gives each invariant its verdict, reason and counterexample story", () => {
    const text = report(["seats-invariant"]);
    expect(text).toMatch(/`oversold` \(no workshop sells more seats than it has\): counterexample/);
    expect(text).toContain("counterexample:");
    expect(text).toMatch(/replica A inserts sale/);
    // The invariant's own diagnostic is shown in its section, not again among the diagnostics.
    expect(text).not.toContain("CL602");
  });

  it("reports several files and a total", async () => {
    const text = report(["release", "workshop"]);
    expect(text).toContain("test/analysis/fixtures/release.dl");
    expect(text).toContain("test/analysis/fixtures/workshop.dl");
    expect(text).toContain("2 files: 0 errors, 2 warnings");
  });

  it("colours only when asked", () => {
    expect(report(["release"], false)).not.toContain("\u001b[");
    expect(report(["release"], true)).toContain("\u001b[");
  });
});
