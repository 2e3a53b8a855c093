// Every command renders a diagnostic through the one text renderer and the one JSON shape: the same
// bad fact line gets the same code frame under `run` and `evaluate`, and `check`, `lint` and
// `evaluate` give a diagnostic the same JSON fields.
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

/** The lines of the first diagnostic block after its `file:` prefix. */
function block(stderr: string, file: string): string[] {
  const start = stderr.indexOf(`${file}:`);
  expect(start, stderr).toBeGreaterThanOrEqual(0);
  return stderr.slice(start + file.length + 1).split("\n\n")[0]!.split("\n");
}

describe("one renderer for every command", () => {
  it("frames a bad fact line (CL401) the same under `run` and `evaluate`", async () => {
    const w = workspace();
    const facts = "x\ty\nyz\n";
    w.put("facts/edge.facts", facts);
    w.put("facts/blocked.facts", "");
    w.put("data/a/epoch-1/edge.facts", facts);
    const run = await calmlog(w.root, "run", "tasks.dl", "-F", "facts", "-D", "out");
    const evaluate = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(run.code).toBe(1);
    expect(evaluate.code).toBe(1);
    const a = block(run.stderr, "facts/edge.facts");
    const b = block(evaluate.stderr, "data/a/epoch-1/edge.facts");
    expect(a[0]).toMatch(/^2:\d+: error CL401: /);
    expect(a.some((l) => l.startsWith("> 2 | yz"))).toBe(true);
    expect(b).toEqual(a);
  });

  it("gives a whole-file diagnostic no line or column in text, and nulls in JSON", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/nosuch.facts", "x\n");
    const text = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    const json = await calmlog(w.root, "evaluate", "tasks.dl", "data", "-f", "json");
    const d = (JSON.parse(json.stdout) as { diagnostics: Record<string, unknown>[] }).diagnostics[0]!;
    expect(d).toMatchObject({ file: "data/a/epoch-1/nosuch.facts", line: null, column: null, endLine: null, endColumn: null });
    expect(text.stderr).toContain(`data/a/epoch-1/nosuch.facts: ${d["severity"]} ${d["code"]}: `);
  });

  it("gives a diagnostic the same JSON fields under `check`, `lint` and `evaluate`", async () => {
    const w = workspace();
    w.put("bad.dl", ".decl p(x: number)\np(1, 2).\n");
    w.put("data/a/epoch-1/edge.facts", "xy\n");
    const fields = (stdout: string, pick: (doc: any) => unknown[]): string[][] => pick(JSON.parse(stdout)).map((d) => Object.keys(d as object));
    const check = fields((await calmlog(w.root, "check", "bad.dl", "-f", "json")).stdout, (doc) => doc.diagnostics);
    const lint = fields((await calmlog(w.root, "lint", "bad.dl", "-f", "json")).stdout, (doc) => doc.files[0].diagnostics);
    const evaluate = fields((await calmlog(w.root, "evaluate", "tasks.dl", "data", "-f", "json")).stdout, (doc) => doc.diagnostics);
    const shape = ["code", "severity", "message", "file", "line", "column", "endLine", "endColumn", "help", "notes", "related"];
    for (const keys of [...check, ...lint, ...evaluate]) expect(keys).toEqual(shape);
    expect(check.length * lint.length * evaluate.length).toBeGreaterThan(0);
  });
});
