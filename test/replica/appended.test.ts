// Reading only what was appended to a fact file: a file that only grew is parsed from where the
// last clean run stopped, and anything else (an edit before that point, text added to an
// unfinished last line, a sealed epoch, a bad line) gives exactly what reading it whole gives.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { readLog } from "../../src/replica/log.js";
import { DirectorySource, readFileAppended } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { FactStore } from "../../src/replica/rows.js";
import { unitOf } from "./programs.js";

const PROGRAM = `
.decl e(a: symbol, b: symbol)
.decl reach(a: symbol, b: symbol)
.input e
.output reach
reach(x, y) :- e(x, y).
reach(x, z) :- reach(x, y), e(y, z).
`;

function put(dir: string, rel: string, text: string): void {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

async function run(dir: string) {
  const diags = new Diagnostics();
  const ws = (await openReplicas(new DirectorySource(dir), { unit: unitOf(PROGRAM), programText: PROGRAM, diagnostics: diags }))!;
  try {
    const ok = await ws.reconcile();
    if (!ok) return { ok, read: ws.factsRead, diags: diags.items, report: null };
    const report = ws.evaluate();
    await ws.commit();
    return { ok, read: ws.factsRead, diags: diags.items, report };
  } finally {
    ws.close();
  }
}

/** What a run on a copy of `dir` without kept state gives: the facts read whole. */
async function fresh(dir: string) {
  const copy = mkdtempSync(join(tmpdir(), "calmlog-appended-fresh-"));
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, ".calmlog"), { recursive: true, force: true });
  return run(copy);
}

function results(r: Awaited<ReturnType<typeof run>>) {
  return { replicas: r.report!.replicas.map((x) => [x.name, x.facts, x.relations.map((y) => [y.relation, y.size])]), merged: r.report!.merged };
}

function chain(from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) out += `n${i}\tn${i + 1}\n`;
  return out;
}

function marksOf(dir: string) {
  const log = readLog(join(dir, ".calmlog", "state", "state.log"), { metaOnly: true })!;
  return log.meta!.units;
}

describe("reading appended facts", () => {
  it("parses only the lines appended to a grown open-epoch file, and ends where a whole read ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 40));
    put(dir, "b/epoch-1/e.facts", chain(100, 120));
    expect((await run(dir)).read).toBe(60);
    const file = join(dir, "a/epoch-1/e.facts");
    const mark = marksOf(dir)["a\t1\te"]!.readTo![file]!;
    expect(mark.bytes).toBe(readFileSync(file).length);

    appendFileSync(file, chain(40, 45) + "n120\tn0\n");
    const second = await run(dir);
    // The 6 appended lines, not the 46 the file holds.
    expect(second.read).toBe(6);
    expect(second.diags.map((d) => d.code)).toEqual([]);
    expect(second.report!.replicas.find((r) => r.name === "a")!.newFacts).toBe(6);
    expect(results(second)).toEqual(results(await fresh(dir)));
    expect(marksOf(dir)["a\t1\te"]!.readTo![file]!.bytes).toBe(readFileSync(file).length);
  });

  it("reads a file whole when a byte before the mark changed, even at the same length, and reports what it lacks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-edit-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    await run(dir);
    const file = join(dir, "a/epoch-1/e.facts");
    // `n3 n4` becomes `n3 n9`: same length, another fact; then a line is appended.
    writeFileSync(file, readFileSync(file, "utf8").replace("n3\tn4\n", "n3\tn9\n") + "n50\tn51\n");
    const second = await run(dir);
    expect(second.read).toBe(21);
    expect(second.diags.map((d) => d.code)).toEqual(["CL501"]);
    const a = second.report!.merged.find((m) => m.relation === "reach")!;
    expect(a.tuples.some((t) => t[0] === "n3" && t[1] === "n9")).toBe(true);
    expect(a.tuples.some((t) => t[0] === "n50" && t[1] === "n51")).toBe(true);
    // The kept fact stays (a replica's state only grows).
    expect(a.tuples.some((t) => t[0] === "n3" && t[1] === "n4")).toBe(true);
  });

  it("reads a file whole when text is added to its unfinished last line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-line-"));
    put(dir, "a/epoch-1/e.facts", "n0\tn1\nn1\tn2");
    await run(dir);
    const file = join(dir, "a/epoch-1/e.facts");
    appendFileSync(file, "x\nn7\tn8\n");
    const second = await run(dir);
    expect(second.read).toBe(3);
    // `n1 n2` became `n1 n2x`: the kept `n1 n2` is lacking from the file.
    expect(second.diags.map((d) => d.code)).toEqual(["CL501"]);
    const reach = second.report!.merged.find((m) => m.relation === "reach")!;
    expect(reach.tuples.some((t) => t[0] === "n1" && t[1] === "n2x")).toBe(true);
  });

  it("names the file's own line for a bad appended line, and keeps nothing of the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-bad-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 10));
    await run(dir);
    const before = readFileSync(join(dir, ".calmlog", "state", "state.log"));
    appendFileSync(join(dir, "a/epoch-1/e.facts"), "n10\tn11\nonly-one-column\n");
    const second = await run(dir);
    expect(second.ok).toBe(false);
    const d = second.diags.find((x) => x.code === "CL401")!;
    expect(d).toBeDefined();
    expect(d.span.line).toBe(12);
    expect(d.message).toContain("line 12");
    expect(readFileSync(join(dir, ".calmlog", "state", "state.log")).equals(before)).toBe(true);
  });

  it("reads a grown file of a sealed epoch whole, so the seal check sees every fact (CL503)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-sealed-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 10));
    put(dir, "a/epoch-2/e.facts", chain(20, 25));
    await run(dir);
    const diags = new Diagnostics();
    const ws = (await openReplicas(new DirectorySource(dir), { unit: unitOf(PROGRAM), programText: PROGRAM, diagnostics: diags }))!;
    expect(await ws.reconcile()).toBe(true);
    expect((await ws.seal(1)).ok).toBe(true);
    ws.close();
    appendFileSync(join(dir, "a/epoch-1/e.facts"), "n90\tn91\n");
    const third = await run(dir);
    expect(third.read).toBe(11);
    expect(third.diags.map((d) => d.code)).toContain("CL502");
    const copy = await fresh(dir);
    expect(copy.diags.map((d) => d.code)).toContain("CL503");
  });

  it("reads the appended lines straight into codes, with the file's delimiter and no header line", async () => {
    const text = `.decl e(a: symbol, n: number)
.decl big(a: symbol)
.input e(delimiter=",", headers=true)
.output big
big(a) :- e(a, n), n > 5.
`;
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-codes-"));
    put(dir, "a/epoch-1/e.facts", "a,n\nx,1\ny,9\n");
    const once = async (d: string) => {
      const diags = new Diagnostics();
      const ws = (await openReplicas(new DirectorySource(d), { unit: unitOf(text), programText: text, diagnostics: diags }))!;
      try {
        expect(await ws.reconcile()).toBe(true);
        const report = ws.evaluate();
        await ws.commit();
        return { read: ws.factsRead, codes: diags.items.map((x) => x.code), merged: report.merged };
      } finally {
        ws.close();
      }
    };
    expect((await once(dir)).read).toBe(2);
    appendFileSync(join(dir, "a/epoch-1/e.facts"), "z,7\nw,2\n");
    const second = await once(dir);
    expect(second.read).toBe(2);
    expect(second.codes).toEqual([]);
    const copy = mkdtempSync(join(tmpdir(), "calmlog-appended-codes-fresh-"));
    cpSync(dir, copy, { recursive: true });
    rmSync(join(copy, ".calmlog"), { recursive: true, force: true });
    expect(second.merged).toEqual((await once(copy)).merged);
    expect(second.merged.find((m) => m.relation === "big")!.size).toBe(2);

    // The reader gives codes of the value table it is handed, and rows without one.
    const schema = unitOf(text).checked.relations.get("e")!;
    const file = join(dir, "a/epoch-1/e.facts");
    const mark = readFileAppended(file, schema, undefined).mark!;
    appendFileSync(file, "v,3\n");
    const store = new FactStore(new Map([["e", ["symbol", "number"]]]));
    const read = readFileAppended(file, schema, mark, store.values);
    expect(read).toMatchObject({ appended: true, rows: [] });
    expect([...read.codes!].map((c, i) => (i % 2 === 0 ? store.values.decode("symbol", c) : c))).toEqual(["v", 3]);
    expect(readFileAppended(file, schema, mark)).toMatchObject({ appended: true, rows: [["v", 3]] });
  });

  it("readFileAppended: the mark covers the bytes read, and a shorter or different file is read whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-appended-unit-"));
    const file = join(dir, "e.facts");
    const schema = unitOf(PROGRAM).checked.relations.get("e")!;
    writeFileSync(file, "a\tb\nc\td\n");
    const first = readFileAppended(file, schema, undefined);
    expect(first).toMatchObject({ appended: false, rows: [["a", "b"], ["c", "d"]] });
    appendFileSync(file, "e\tf\n");
    const second = readFileAppended(file, schema, first.mark!);
    expect(second).toMatchObject({ appended: true, rows: [["e", "f"]] });
    // Nothing new: an empty tail.
    expect(readFileAppended(file, schema, second.mark!)).toMatchObject({ appended: true, rows: [] });
    writeFileSync(file, "a\tb\n");
    expect(readFileAppended(file, schema, second.mark!)).toMatchObject({ appended: false, rows: [["a", "b"]] });
    writeFileSync(file, "a\tX\nc\td\ne\tf\ng\th\n");
    expect(readFileAppended(file, schema, second.mark!)).toMatchObject({ appended: false, rows: [["a", "X"], ["c", "d"], ["e", "f"], ["g", "h"]] });
  });
});
