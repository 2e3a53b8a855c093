// Lint as a CI gate: `calmlog-ignore` comments accept intended warnings (with their reason shown),
// `--quiet`, SARIF paths relative to `--base-dir`, notes only when asked for.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./in-process.js";

const lint = (args: string[], cwd: string) => cli(["lint", ...args], cwd);

const RULES = `.decl release(r: symbol)
.input release
.decl blocker(r: symbol, why: symbol)
.input blocker
.decl ready(r: symbol)
// calmlog-ignore CL302: sealed nightly by the release job
ready(r) :- release(r), !blocker(r, _).
.output ready
`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-lintci-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("calmlog-ignore", () => {
  it("accepts the warning so --max-warnings 0 passes, and shows the reason", async () => {
    const dir = workspace({ "rules.dl": RULES });
    const r = await lint(["--max-warnings", "0", "rules.dl"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("accepted by calmlog-ignore (not counted)");
    expect(r.stdout).toContain("reason: sealed nightly by the release job");
    const json = JSON.parse((await lint(["-f", "json", "rules.dl"], dir)).stdout);
    expect(json.warningCount).toBe(0);
    expect(json.files[0].suppressed).toMatchObject([{ code: "CL302", reason: "sealed nightly by the release job", line: 7, comment: { line: 6 } }]);
  });

  it("without the comment the same file fails --max-warnings 0", async () => {
    const dir = workspace({ "rules.dl": RULES.replace(/^\/\/ calmlog-ignore.*\n/m, "") });
    const r = await lint(["--max-warnings", "0", "rules.dl"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("too many warnings (1)");
  });

  it("a comment without a reason accepts nothing and is a warning itself", async () => {
    const dir = workspace({ "rules.dl": RULES.replace(": sealed nightly by the release job", "") });
    const json = JSON.parse((await lint(["-f", "json", "rules.dl"], dir)).stdout);
    expect(json.files[0].suppressed).toEqual([]);
    expect(json.files[0].diagnostics.map((d: { code: string }) => d.code).sort()).toEqual(["CL302", "CL407"]);
  });

  it("a comment that matches nothing is CL408, and errors cannot be ignored", async () => {
    const dir = workspace({ "rules.dl": RULES.replace("CL302", "CL303"), "err.dl": ".decl a(x: number)\n// calmlog-ignore CL201: no\na(x) :- b(x).\n" });
    const json = JSON.parse((await lint(["-f", "json", "rules.dl", "err.dl"], dir)).stdout);
    expect(json.files[0].diagnostics.map((d: { code: string }) => d.code).sort()).toEqual(["CL302", "CL408"]);
    const err = json.files[1].diagnostics.map((d: { code: string; message: string }) => `${d.code} ${d.message}`);
    expect(err.some((m: string) => m.startsWith("CL201"))).toBe(true);
    expect(err.some((m: string) => m.startsWith("CL408") && m.includes("errors cannot be ignored"))).toBe(true);
  });

  it("SARIF marks an accepted finding as suppressed in source, with the reason as justification", async () => {
    const dir = workspace({ "rules.dl": RULES });
    const sarif = JSON.parse((await lint(["-f", "sarif", "rules.dl"], dir)).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "CL302");
    expect(result.suppressions).toEqual([{ kind: "inSource", justification: "sealed nightly by the release job" }]);
  });
});

describe("lint options for CI", () => {
  it("--quiet prints errors only", async () => {
    const dir = workspace({ "warn.dl": RULES.replace(/^\/\/ calmlog-ignore.*\n/m, ""), "err.dl": ".decl a(x: number)\na(x) :- b(x).\n" });
    const warnOnly = await lint(["--quiet", "warn.dl"], dir);
    expect(warnOnly.code).toBe(0);
    expect(warnOnly.stdout).toBe("");
    const both = await lint(["--quiet", "warn.dl", "err.dl"], dir);
    expect(both.code).toBe(1);
    expect(both.stdout).toContain("err.dl:2:9: error CL201");
    expect(both.stdout).not.toContain("CL302");
  });

  it("SARIF paths are relative to --base-dir, and to the git root by default", async () => {
    const dir = workspace({ "sub/rules.dl": RULES.replace(/^\/\/ calmlog-ignore.*\n/m, ""), ".git/HEAD": "ref: refs/heads/main\n" });
    const uri = (out: string) => JSON.parse(out).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
    expect(uri((await lint(["-f", "sarif", "rules.dl"], join(dir, "sub"))).stdout)).toBe("sub/rules.dl");
    expect(uri((await lint(["-f", "sarif", "--base-dir", ".", "rules.dl"], join(dir, "sub"))).stdout)).toBe("rules.dl");
  });

  it("SARIF leaves notes out unless --sarif-notes asks for them", async () => {
    const capacity = ".decl capacity(w: symbol, n: number)\ncapacity(\"a\", 2).\n.decl sale(w: symbol, b: symbol)\n.input sale\n.decl full(w: symbol)\nfull(w) :- capacity(w, n), count : { sale(w, _) } >= n.\n";
    const dir = workspace({ "c.dl": capacity });
    const levels = (out: string) => JSON.parse(out).runs[0].results.map((r: { level: string }) => r.level);
    expect(levels((await lint(["-f", "sarif", "c.dl"], dir)).stdout)).not.toContain("note");
    expect(levels((await lint(["-f", "sarif", "--sarif-notes", "c.dl"], dir)).stdout)).toContain("note");
  });

  it("--replicas, --trials and --max-size have upper bounds instead of exhausting memory", async () => {
    const dir = workspace({ "c.dl": RULES });
    const r = await lint(["--replicas", "1000000000", "c.dl"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--replicas is at most 10000, not `1000000000`");
  });
});
