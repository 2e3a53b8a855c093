// SARIF output passes the official SARIF 2.1.0 schema (shipped by @microsoft/jest-sarif) and
// carries what GitHub code scanning needs: a rule per code, relative URIs, regions, related locations.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { CODE_LIST } from "../../src/diagnostics/codes.js";
import { lintPrograms } from "../../src/lint.js";
import { lintSarif, renderLintSarif } from "../../src/report/sarif.js";
import { builtResult, cyclicResult } from "./built.js";

const require = createRequire(import.meta.url);
const schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
// The schema is draft-04; ajv 8 reads it once its draft-04 `$schema`/`id` are dropped. One of its
// patterns is not valid under the `u` flag, hence unicodeRegExp: false.
delete schema["$schema"];
delete schema["id"];
const ajv = new Ajv({ strict: false, validateSchema: false, unicodeRegExp: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);

describe("lint SARIF", () => {
  it("validates against the SARIF 2.1.0 schema", () => {
    for (const result of [builtResult(), cyclicResult()]) {
      const doc = JSON.parse(renderLintSarif(result, [], { version: "0.1.0" }));
      validate(doc);
      expect(validate.errors ?? []).toEqual([]);
    }
  });

  it("validates for every example file", () => {
    const dir = new URL("../analysis/fixtures/", import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith(".dl")).sort().map((f) => ({ path: `test/analysis/fixtures/${f}`, text: readFileSync(new URL(f, dir), "utf8") }));
    const log = lintSarif(lintPrograms(sources), { version: "0.1.0", notes: true });
    validate(JSON.parse(JSON.stringify(log)));
    expect(validate.errors ?? []).toEqual([]);
    const ids = new Set(log.runs[0]!.results!.map((r) => r.ruleId));
    for (const code of ["CL301", "CL302", "CL303", "CL304", "CL305"]) expect(ids).toContain(code);
  });

  it("a threshold against a fixed bound says in its result where the bound comes from", () => {
    const path = "test/analysis/fixtures/capacity.dl";
    const log = lintSarif(lintPrograms([{ path, text: readFileSync(new URL("../analysis/fixtures/capacity.dl", import.meta.url), "utf8") }]), { version: "0.1.0", notes: true });
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.ruleId)).toEqual(["CL304", "CL303"]);
    expect(results[0]!.message.text).toContain("the bound `n` comes from `capacity`, which only the program's facts define");
  });

  it("the validator rejects a broken log", () => {
    const doc = lintSarif(builtResult()) as any;
    delete doc.runs[0].tool.driver.name;
    expect(validate(doc)).toBe(false);
  });

  it("has one reporting descriptor per catalog code, with the fields GitHub requires", () => {
    const rules = lintSarif(builtResult()).runs[0]!.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(CODE_LIST.map((c) => c.id));
    for (const r of rules) {
      expect(r.shortDescription?.text).toBeTruthy();
      expect(r.fullDescription?.text).toBeTruthy();
      expect(r.help?.text).toBeTruthy();
      expect(["error", "warning", "note"]).toContain(r.defaultConfiguration?.level);
    }
  });

  it("results point at relative paths with 1-based regions, and CL301 carries related locations", () => {
    const log = lintSarif(cyclicResult(), { baseDir: "/repo" });
    const results = log.runs[0]!.results!;
    const cl301 = results.find((r) => r.ruleId === "CL301")!;
    expect(cl301.level).toBe("error");
    const loc = cl301.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation!.uri).toBe("test.dl");
    expect(loc.region!.startLine).toBeGreaterThanOrEqual(1);
    expect(cl301.relatedLocations!.length).toBeGreaterThan(0);
    expect(results[0]!.ruleIndex).toBe(CODE_LIST.findIndex((c) => c.id === results[0]!.ruleId));
  });

  it("makes absolute paths relative to the base directory, with forward slashes", () => {
    const result = builtResult();
    const moved = { ...result, files: result.files.map((f) => ({ ...f, diagnostics: f.diagnostics.map((d) => ({ ...d, span: { ...d.span, file: "/repo/rules/my rules.dl" } })) })) };
    const uri = lintSarif(moved, { baseDir: "/repo" }).runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri;
    expect(uri).toBe("rules/my%20rules.dl");
  });
});
