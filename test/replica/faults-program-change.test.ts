// A program change over the same replica directory: program B drops a relation program A read.
// The kept facts of the dropped relation stay kept (B neither reads nor loses them), they and the
// relation's files are reported once per run as a note (CL516), never as errors, and A finds them again.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "../cli/replica-fixture.js";

const B = `.decl edge(a: symbol, b: symbol)
.decl reach(a: symbol, b: symbol)
.input edge
.output reach
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
`;

describe("a program that drops a relation, over the same directory", () => {
  it("keeps the dropped relation's facts, notes them once (CL516) and gives them back to a program that reads them", async () => {
    const w = workspace();
    w.put("b.dl", B);
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/a/epoch-1/blocked.facts", "x\nq\n");
    w.put("data/b/epoch-1/edge.facts", "y\tz\n");
    const a = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("replica `a`: 3 fact(s), 3 new since the last run");

    // B does not declare `blocked`; its file stays in the folder.
    const b = await calmlog(w.root, "evaluate", "b.dl", "data", "-f", "json");
    expect(b.code).toBe(0);
    const doc = JSON.parse(b.stdout) as { diagnostics: { code: string; severity: string; message: string }[] };
    expect(doc.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(["note CL516"]);
    expect(doc.diagnostics[0]!.message).toBe(
      "`blocked` is not an `.input` relation of this program: its 2 kept fact(s) (replica `a`) stay in the kept state, unchanged, and its file(s) `data/a/epoch-1/blocked.facts` are left unread",
    );
    const text = await calmlog(w.root, "evaluate", "b.dl", "data");
    expect(text.code).toBe(0);
    expect(text.stderr.match(/CL516/g)).toHaveLength(1);
    expect(text.stderr).not.toMatch(/error|CL201|CL501|CL504/);

    // The file is gone and a new B run appends: the kept facts still stay.
    w.put("data/a/epoch-1/blocked.facts", "");
    w.put("data/b/epoch-1/edge.facts", "y\tz\nz\tw\n");
    const b2 = await calmlog(w.root, "evaluate", "b.dl", "data");
    expect(b2.code).toBe(0);
    expect(b2.stdout).toMatch(/merged view[^]*reach +6\n/);

    // A reads them again: both facts of `blocked` are there (the emptied file lacks them: CL501, kept).
    const back = await calmlog(w.root, "evaluate", "tasks.dl", "data", "-f", "json");
    const report = JSON.parse(back.stdout) as { merged: { relation: string; size: number }[]; diagnostics: { code: string }[] };
    expect(report.merged.find((m) => m.relation === "blocked")?.size).toBe(2);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["CL501"]);
    expect(readFileSync(join(w.root, "data/.calmlog/state/state.log")).length).toBeGreaterThan(0);
  });

  it("still refuses a file of a relation no program declared (a typo) with CL504", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
    w.put("data/a/epoch-1/edges.facts", "x\ty\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL504: `edges.facts` names relation `edges`, which the program does not declare");
  });
});
