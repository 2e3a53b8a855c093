// A baseline file accepts known coordination points so `--max-warnings 0` can gate a build: entries
// are keyed by code, file, rule text and flagged text (not lines), so edits elsewhere keep them;
// the reason shows in every format, and SARIF marks the results suppressed (external).
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { cli } from "./in-process.js";

const lint = (args: string[], cwd: string) => cli(["lint", ...args], cwd);

const RULES = `.decl release(r: symbol)
.input release
.decl blocker(r: symbol, why: symbol)
.input blocker
.decl ready(r: symbol)
ready(r) :- release(r), !blocker(r, _).
.decl late(r: symbol, n: number)
late(r, n) :- release(r), n = count : { blocker(r, _) }.
.output ready, late
`;

const schema = JSON.parse(readFileSync(new URL("../../src/report/lint-schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-baseline-"));
  writeFileSync(join(dir, "rules.dl"), RULES);
  return dir;
}

describe("lint --baseline", () => {
  it("writes every warning with the reason, and then accepts them so --max-warnings 0 passes", async () => {
    const dir = workspace();
    const before = await lint(["--max-warnings", "0", "rules.dl"], dir);
    expect(before.code).toBe(1);
    const written = await lint(["rules.dl", "--write-baseline", "ci/calmlog-baseline.json", "--reason", "sealed nightly by the release job", "--max-warnings", "0"], dir);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain("wrote 2 accepted warning(s) to ci/calmlog-baseline.json");
    const baseline = JSON.parse(readFileSync(join(dir, "ci/calmlog-baseline.json"), "utf8")) as { version: number; entries: Record<string, string>[] };
    expect(baseline.version).toBe(1);
    expect(baseline.entries).toEqual([
      { code: "CL302", file: "../rules.dl", rule: "ready(r) :- release(r), !blocker(r, _).", at: "!blocker(r, _)", reason: "sealed nightly by the release job" },
      { code: "CL303", file: "../rules.dl", rule: "late(r, n) :- release(r), n = count : { blocker(r, _) }.", at: expect.any(String), reason: "sealed nightly by the release job" },
    ]);

    const text = await lint(["--max-warnings", "0", "--baseline", "ci/calmlog-baseline.json", "rules.dl"], dir);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("accepted by the baseline (not counted)");
    expect(text.stdout).toContain("reason: sealed nightly by the release job (baseline ci/calmlog-baseline.json)");

    const json = await lint(["--format", "json", "--baseline", "ci/calmlog-baseline.json", "rules.dl"], dir);
    const doc = JSON.parse(json.stdout) as { warningCount: number; files: { summary: { warnings: number; suppressed: number }; suppressed: { code: string; reason: string; baseline?: string; comment?: unknown }[] }[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.warningCount).toBe(0);
    expect(doc.files[0]!.summary.suppressed).toBe(2);
    expect(doc.files[0]!.suppressed.map((s) => [s.code, s.reason, s.baseline, s.comment])).toEqual([
      ["CL302", "sealed nightly by the release job", "ci/calmlog-baseline.json", undefined],
      ["CL303", "sealed nightly by the release job", "ci/calmlog-baseline.json", undefined],
    ]);

    const sarif = await lint(["--format", "sarif", "--baseline", "ci/calmlog-baseline.json", "rules.dl"], dir);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; suppressions?: { kind: string; justification: string }[] }[] }[] }).runs[0]!.results;
    expect(results.filter((r) => r.ruleId === "CL302" || r.ruleId === "CL303").map((r) => r.suppressions)).toEqual([
      [{ kind: "external", justification: "sealed nightly by the release job" }],
      [{ kind: "external", justification: "sealed nightly by the release job" }],
    ]);
  });

  it("keeps matching after edits elsewhere and reformatting, and counts a new coordination point", async () => {
    const dir = workspace();
    await lint(["rules.dl", "--write-baseline", "baseline.json"], dir);
    // Lines above, the rule reflowed over two lines: still the same finding.
    const moved = "// a new header\n\n" + RULES.replace("ready(r) :- release(r), !blocker(r, _).", "ready(r) :-\n    release(r),  !blocker(r, _).");
    writeFileSync(join(dir, "rules.dl"), moved);
    const same = await lint(["--max-warnings", "0", "--baseline", "baseline.json", "rules.dl"], dir);
    expect(same.stderr).toBe("");
    expect(same.code).toBe(0);
    // A second negation in the rule is a different finding (and the old entry no longer matches its rule).
    writeFileSync(join(dir, "rules.dl"), moved.replace("!blocker(r, _).", "!blocker(r, _), !late(r, _)."));
    const changed = await lint(["--max-warnings", "0", "--baseline", "baseline.json", "rules.dl"], dir);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain("too many warnings");
    expect(changed.stderr).toContain("1 baseline entry in baseline.json match nothing now (first: CL302 in rules.dl: `!blocker(r, _)`)");
  });

  it("keeps the reasons already written when the baseline is written again", async () => {
    const dir = workspace();
    await lint(["rules.dl", "--write-baseline", "b.json", "--reason", "first reason"], dir);
    writeFileSync(join(dir, "rules.dl"), RULES + ".decl gone(r: symbol)\ngone(r) :- release(r), !ready(r).\n.output gone\n");
    await lint(["rules.dl", "--write-baseline", "b.json", "--reason", "second reason"], dir);
    const entries = (JSON.parse(readFileSync(join(dir, "b.json"), "utf8")) as { entries: { at: string; reason: string }[] }).entries;
    expect(entries.map((e) => [e.at, e.reason])).toEqual([
      ["!blocker(r, _)", "first reason"],
      [expect.any(String), "first reason"],
      ["!ready(r)", "second reason"],
    ]);
  });

  it("rejects a baseline that is not one, with its place (CL249), and a missing one", async () => {
    const dir = workspace();
    writeFileSync(join(dir, "bad.json"), '{ "version": 1, "entries": [\n  { "code": "CL302", "file": "rules.dl" }\n] }\n');
    const bad = await lint(["--baseline", "bad.json", "rules.dl"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("CL249");
    expect(bad.stderr).toContain("bad.json:2:3");
    expect(bad.stderr).toContain("baseline entry 1 has no `rule` string");
    writeFileSync(join(dir, "broken.json"), '{ "version": 1, "entries": [ }');
    const broken = await lint(["--baseline", "broken.json", "rules.dl"], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("the baseline is not JSON");
    const missing = await lint(["--baseline", "nope.json", "rules.dl"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read baseline nope.json: no such file");
    // Errors are never accepted.
    writeFileSync(join(dir, "rules.dl"), RULES + "oops(x) :- release(x).\n");
    await lint(["rules.dl", "--write-baseline", "errs.json"], dir);
    expect((await lint(["--baseline", "errs.json", "rules.dl"], dir)).code).toBe(1);
  });

  it("asks for --write-baseline with --reason (usage error)", async () => {
    const dir = workspace();
    expect((await lint(["--reason", "x", "rules.dl"], dir)).code).toBe(2);
  });
});
