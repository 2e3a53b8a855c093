// Compiles a fixture under test/invariant/fixtures and runs the confluence checker on it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkInvariants, type InvariantOptions } from "../../src/invariant/check.js";
import type { InvariantResult } from "../../src/invariant/types.js";
import { compile, type Compiled } from "../../src/pipeline.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";

const dir = join(import.meta.dirname, "fixtures");

/** The fixture compiled without errors (the test fails otherwise). */
export function compileFixture(name: string): Compiled & { analysis: NonNullable<Compiled["analysis"]> } {
  const path = join(dir, name);
  const compiled = compile({ path: `test/invariant/fixtures/${name}`, text: readFileSync(path, "utf8") });
  const errors = compiled.diagnostics.items.filter((d) => d.severity === "error");
  if (errors.length > 0 || compiled.analysis === null) {
    throw new Error(`${name} does not compile: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  }
  return compiled as Compiled & { analysis: NonNullable<Compiled["analysis"]> };
}

/** The invariant results and the diagnostics the checker added. */
export function checkFixture(name: string, options: InvariantOptions = {}): { results: InvariantResult[]; diags: Diagnostics; compiled: ReturnType<typeof compileFixture> } {
  const compiled = compileFixture(name);
  const diags = new Diagnostics();
  const results = checkInvariants(compiled.checked, compiled.analysis, diags, options);
  return { results, diags, compiled };
}
