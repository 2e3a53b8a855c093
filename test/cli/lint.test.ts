// `calmlog lint` in-process: formats, exit codes, --max-warnings, -o, several files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./in-process.js";

const FIXTURES = "test/analysis/fixtures";

const lint = (args: string[], cwd = process.cwd()) => cli(["lint", ...args], cwd);

describe("calmlog lint", () => {
  it("exits 0 on a monotonic program and says it is coordination-free", async () => {
    const r = await lint([`${FIXTURES}/reactions.dl`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("coordination-free");
  });

  it("exits 0 with warnings, 1 when they exceed --max-warnings", async () => {
    expect((await lint([`${FIXTURES}/release.dl`])).code).toBe(0);
    expect((await lint([`${FIXTURES}/release.dl`, "--max-warnings", "1"])).code).toBe(0);
    const over = await lint([`${FIXTURES}/release.dl`, "--max-warnings", "0"]);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain("too many warnings (1)");
  });

  it("exits 1 on errors", async () => {
    const r = await lint([`${FIXTURES}/unstratifiable.dl`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("win -> win");
  });

  it("writes pure JSON with --format json, covering several files", async () => {
    const r = await lint(["--format", "json", `${FIXTURES}/release.dl`, `${FIXTURES}/approvals.dl`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { file: string }) => f.file)).toEqual([`${FIXTURES}/release.dl`, `${FIXTURES}/approvals.dl`]);
    expect(doc.warningCount).toBe(1);
  });

  it("writes SARIF with -f sarif", async () => {
    const r = await lint(["-f", "sarif", `${FIXTURES}/workshop.dl`]);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].results[0].ruleId).toBe("CL303");
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(`${FIXTURES}/workshop.dl`);
  });

  it("writes the report to -o atomically, leaving no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-lint-"));
    writeFileSync(join(dir, "report.json"), "old");
    const r = await lint(["-f", "json", "-o", join(dir, "report.json"), `${FIXTURES}/log.dl`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(join(dir, "report.json"), "utf8")).version).toBe(1);
    expect(readdirSync(dir)).toEqual(["report.json"]);
  });

  it("colours only when asked or on a terminal", async () => {
    expect((await lint([`${FIXTURES}/release.dl`])).stdout).not.toContain("\u001b[");
    expect((await lint(["--color", `${FIXTURES}/release.dl`])).stdout).toContain("\u001b[");
    expect((await lint(["--no-color", `${FIXTURES}/release.dl`])).stdout).not.toContain("\u001b[");
  });

  it("rejects bad usage with exit 2 and a hint", async () => {
    for (const args of [[], ["--format", "xml", "a.dl"], ["--max-warnings", "many", "a.dl"], ["--bogus", "a.dl"], ["--replicas", "1", "a.dl"], ["--trials", "x", "a.dl"], ["--max-size", "0", "a.dl"]]) {
      const r = await lint(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("calmlog lint --help");
    }
  });

  it("passes the invariant search options through", async () => {
    const r = await lint(["-f", "json", "--seed", "7", "--trials", "10", "--max-size", "3", `${FIXTURES}/seats-invariant.dl`]);
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout).files[0].invariants[0];
    expect(inv.verdict).toBe("counterexample");
    expect(inv.search).toMatchObject({ seed: 7, trials: expect.any(Number), maxSize: 3 });
  });

  it("exits 1 when a file cannot be read, with the message `calmlog check` gives", async () => {
    const r = await lint(["no/such/file.dl"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("calmlog lint: cannot read no/such/file.dl: no such file\n");
    expect(r.stdout).toBe("");
    const empty = mkdtempSync(join(tmpdir(), "calmlog-empty-"));
    const dir = await lint([empty]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toBe(`calmlog lint: cannot read ${empty}: a folder with no .dl files\n`);
  });

  it("still lints the readable files when one cannot be read, and exits 1", async () => {
    const r = await lint(["-f", "json", "missing.dl", `${FIXTURES}/reactions.dl`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("calmlog lint: cannot read missing.dl: no such file\n");
    expect(JSON.parse(r.stdout).files.map((f: { file: string }) => f.file)).toEqual([`${FIXTURES}/reactions.dl`]);
  });

  it("exits 2 when the report cannot be written", async () => {
    const r = await lint(["-o", join(tmpdir(), "calmlog-no-such-dir", "x", "report.txt"), `${FIXTURES}/reactions.dl`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^calmlog lint: cannot write .*report\.txt: no such file\n$/);
  });
});
