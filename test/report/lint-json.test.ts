// The JSON report matches its published schema and says what the analysis found.
import { readdirSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { lintJson, renderLintJson } from "../../src/report/lint-json.js";
import { lintPrograms } from "../../src/lint.js";
import { builtResult, cyclicResult } from "./built.js";

const schema = JSON.parse(readFileSync(new URL("../../src/report/lint-schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

describe("lint JSON", () => {
  it("validates against lint-schema.json", () => {
    for (const result of [builtResult(), cyclicResult()]) {
      const doc = JSON.parse(renderLintJson(result));
      const ok = validate(doc);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("validates for every example file, invariants and errors included", () => {
    const dir = new URL("../analysis/fixtures/", import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith(".dl")).sort().map((f) => ({ path: f, text: readFileSync(new URL(f, dir), "utf8") }));
    sources.push({ path: "broken.dl", text: ".decl a(x: symbol)\na(x) :- b(x)\n" });
    const doc = JSON.parse(renderLintJson(lintPrograms(sources)));
    validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    const invariant = doc.files.find((f: { file: string }) => f.file === "seats-invariant.dl").invariants[0];
    expect(invariant).toMatchObject({ relation: "oversold", verdict: "counterexample" });
    const capacity = doc.files.find((f: { file: string }) => f.file === "capacity.dl");
    expect(capacity.relations.filter((r: { fixed: boolean }) => r.fixed).map((r: { name: string }) => r.name)).toEqual(["capacity", "banned", "seats"]);
    const full = capacity.rules.find((r: { relation: string }) => r.relation === "full");
    expect(full.thresholds[0].fixedBounds).toEqual([{ variable: "n", relation: "capacity" }]);
    const broken = doc.files.find((f: { file: string }) => f.file === "broken.dl");
    expect(broken.summary).toMatchObject({ analyzed: false });
    expect(broken.summary.errors).toBeGreaterThan(0);
  });

  it("the schema rejects a document that breaks it", () => {
    const doc = lintJson(builtResult()) as { files: { relations: { monotonic: unknown }[] }[] };
    doc.files[0]!.relations[0]!.monotonic = "yes";
    expect(validate(doc)).toBe(false);
    expect(validate({ version: 2, errorCount: 0, warningCount: 0, files: [] })).toBe(false);
  });

  it("reports relations, cause chains, uses and thresholds", () => {
    const doc = lintJson(builtResult()) as any;
    const f = doc.files[0];
    expect(doc.version).toBe(1);
    expect(f.summary).toMatchObject({ rules: 4, monotonicRules: 2, relationsNeedingSeal: 3, coordinationPoints: 2, thresholds: 1, stratified: true, analyzed: true, warnings: 2 });
    const notify = f.relations.find((r: any) => r.name === "notify");
    expect(notify).toMatchObject({ monotonic: false, requiresSeal: true, cause: { chain: ["notify", "ready"], kind: "negation", literal: "!blocker(r, _)", text: "notify <- ready <- !blocker(r, _)" } });
    const ready = f.rules.find((r: any) => r.relation === "ready");
    expect(ready.uses).toEqual([expect.objectContaining({ kind: "negation", relation: "blocker", text: "!blocker(r, _)", remedies: ["seal", "authority"] })]);
    const approved = f.rules.find((r: any) => r.relation === "approved");
    expect(approved.monotonic).toBe(true);
    expect(approved.thresholds[0].text).toBe("count : { approval(r, _) }");
    expect(f.diagnostics.map((d: any) => d.code)).toEqual(expect.arrayContaining(["CL302", "CL303", "CL304", "CL305"]));
  });

  it("an unstratifiable program carries the CL301 error and stratified: false", () => {
    const f = (lintJson(cyclicResult()) as any).files[0];
    expect(f.summary.stratified).toBe(false);
    expect(f.diagnostics.filter((d: any) => d.code === "CL301")).toHaveLength(1);
  });
});
