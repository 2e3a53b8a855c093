// Every program of the invariant benchmark (bench/invariants) gets the verdict its header expects,
// and every counterexample it reports replays through `evaluate`. Timing is the benchmark's business.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { loadCases, runCase, showVerdict } from "../../bench/invariant-cases.js";
import { z3Started } from "../../src/invariant/z3.js";
import { lintProgram } from "../../src/lint.js";

describe("Z3 loads lazily", () => {
  test("linting a program without invariants does not start Z3", () => {
    const text = readFileSync(new URL("../../programs/release/release.dl", import.meta.url), "utf8").replace(/^\.invariant.*$/gm, "");
    const f = lintProgram({ path: "release.dl", text });
    expect(f.invariants).toEqual([]);
    expect(z3Started()).toBe(false);
  });
});

const cases = loadCases();

test("the benchmark has at least 25 programs, each naming its source and that source's verdict", () => {
  expect(cases.length).toBeGreaterThanOrEqual(25);
  for (const c of cases) {
    expect(c.source.length).toBeGreaterThan(10);
    expect(c.sourceVerdict.length).toBeGreaterThan(3);
  }
});

describe("benchmark verdicts", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    for (const o of runCase(c)) {
      expect(`${o.relation}: ${showVerdict(o.result)}`).toBe(`${o.relation}: ${showVerdict(o.expected)}`);
      if (o.result.verdict === "counterexample" || o.result.verdict === "escrow") expect(o.replays).toBe(true);
      expect(o.result.method).not.toBeNull();
    }
  }, 120_000);
});
