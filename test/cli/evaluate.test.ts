// `calmlog evaluate`: the report, kept state between runs, withheld relations, sealed results
// that stay put, warnings and errors for changed files, JSON against its schema, -D output.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import schema from "../../src/replica/evaluate-schema.json" with { type: "json" };
import { calmlog, workspace } from "./replica-fixture.js";

function twoReplicas() {
  const w = workspace();
  w.put("data/a/epoch-1/edge.facts", "x\ty\ny\tz\n");
  w.put("data/b/epoch-1/edge.facts", "z\tw\n");
  w.put("data/b/epoch-1/blocked.facts", "y\n");
  return w;
}

function json(stdout: string): any {
  return JSON.parse(stdout);
}

describe("calmlog evaluate DIR", () => {
  it("reports per replica, merged lower bounds, and withholds what reads absence", async () => {
    const w = twoReplicas();
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 replica(s) in `data`; no epoch sealed; open: epoch 1");
    expect(r.stdout).toContain("replica `a`: 2 fact(s), 2 new since the last run");
    expect(r.stdout).toMatch(/merged view \(lower bounds[^\n]*\n\s+edge\s+3\n\s+blocked\s+1\n\s+reach\s+6\n/);
    expect(r.stdout).toContain("`ready` reads absence: `!blocked(x)` (tasks.dl:");
    expect(r.stdout).toContain("open fact(s) in epoch 1 wait on it");
    expect(r.stdout).toContain("sealing epoch 1 would release it over those facts (next: `calmlog seal data --epoch 1`)");
    expect(r.stdout).not.toContain("sealed results");
  });

  it("refuses fact files of relations that are not `.input` (CL504): the program alone defines those", async () => {
    const w = twoReplicas();
    w.put("data/b/epoch-1/reach.facts", "q\tr\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL504: `reach.facts` holds facts of `reach`, which is not an `.input` relation");
    expect(r.stderr).toContain("add `.input reach` to the program");

    const adhoc = twoReplicas();
    adhoc.put("solo/edge.facts", "x\ty\n");
    adhoc.put("solo/reach.facts", "q\tr\n");
    const a = await calmlog(adhoc.root, "evaluate", "tasks.dl", "--replica", "solo=solo");
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("`reach.facts` holds facts of `reach`, which is not an `.input` relation");
  });

  it("keeps state between runs: a second run finds nothing new, a new fact continues from there", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(existsSync(join(w.root, "data/.calmlog/state/state.log"))).toBe(true);
    const again = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout);
    expect(again.replicas.map((r: any) => r.newFacts)).toEqual([0, 0]);
    w.append("data/a/epoch-1/edge.facts", "z\tq\n");
    const more = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout);
    const a = more.replicas.find((r: any) => r.name === "a");
    expect(a.newFacts).toBe(1);
    const reach = a.relations.find((x: any) => x.relation === "reach");
    expect(reach.added.map((t: string[]) => t.join("->")).sort()).toEqual(["x->q", "y->q", "z->q"]);
  });

  it("warns (CL501) and keeps facts a replica's files no longer have", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc.diagnostics.map((d: any) => d.code)).toEqual(["CL501"]);
    expect(doc.diagnostics[0].message).toMatch(/replica `a`'s `data\/a\/epoch-1\/edge.facts` lacks 1 fact\(s\) of `edge` in epoch 1/);
    expect(doc.diagnostics[0].help).toMatch(/tombstone/);
    expect(doc.merged.find((m: any) => m.relation === "edge").size).toBe(3);
  });

  it("releases sealed results and keeps them when sealed files change (CL502, CL503)", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1", "--reason", "end of sprint")).code).toBe(0);
    w.put("data/a/epoch-2/edge.facts", "q\tr\n");
    const ok = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(ok.code).toBe(0);
    const sealed = json(ok.stdout).sealed;
    expect(sealed.epoch).toBe(1);
    expect(sealed.reason).toBe("end of sprint");
    expect(sealed.relations).toEqual([{ relation: "ready", size: 2, tuples: [["x"], ["z"]] }]);
    const withheld = json(ok.stdout).withheld;
    expect(withheld).toHaveLength(1);
    expect(withheld[0]).toMatchObject({ relation: "ready", literal: "!blocked(x)", openFacts: 1, openEpochs: [2], release: { from: 2, to: 2 } });

    w.append("data/b/epoch-1/edge.facts", "w\tv\n");
    const late = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/data\/b\/epoch-1\/edge.facts: error CL502: 1 fact\(s\) of `edge` appeared in `data\/b\/epoch-1\/edge.facts` \(replica `b`, epoch 1\) after the epoch was sealed/);
    expect(late.stdout).toContain("sealed results (final as of epoch 1");
    const lateJson = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout);
    expect(lateJson.sealed).toEqual(sealed);

    w.put("data/b/epoch-1/edge.facts", "");
    const changed = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(changed.code).toBe(1);
    const doc = json(changed.stdout);
    expect(doc.diagnostics.map((d: any) => d.code)).toEqual(["CL503"]);
    expect(doc.diagnostics[0].message).toMatch(/`data\/b\/epoch-1\/edge.facts` changed after epoch 1 was sealed: replica `b` lacks 1 fact/);
    expect(doc.sealed).toEqual(sealed);
  });

  it("an errored run does not move the kept state", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    const before = readFileSync(join(w.root, "data/.calmlog/state/state.log"));
    w.append("data/a/epoch-1/edge.facts", "late\tfact\n");
    w.put("data/a/epoch-2/edge.facts", "new\tfact\n");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(1);
    expect(readFileSync(join(w.root, "data/.calmlog/state/state.log")).equals(before)).toBe(true);
  });

  it("rebuilds lost kept state from files that match the seal's digests, and reports damaged state", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    const before = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout).sealed;
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    const rebuilt = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(rebuilt.code).toBe(0);
    expect(json(rebuilt.stdout).diagnostics).toEqual([]);
    expect(json(rebuilt.stdout).sealed).toEqual(before);
    writeFileSync(join(w.root, "data/.calmlog/state/state.log"), "{ broken");
    const damaged = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/error CL504: kept state `data\/\.calmlog\/state\/state\.log` cannot be read .*the state is damaged/);
    expect(damaged.stderr).toContain("data/.calmlog/state/state.log");
  });

  it("on a fresh copy (seal records, no kept state) adopts sealed files whose digests match, and seeds the kept state", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    w.put("data/a/epoch-2/edge.facts", "q\tr\n");
    const settled = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout);
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    const fresh = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(fresh.stderr).toBe("");
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain("epoch 1 sealed; open: epoch 2");
    expect(existsSync(join(w.root, "data/.calmlog/state/state.log"))).toBe(true);
    const again = json((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json")).stdout);
    expect(again.diagnostics).toEqual([]);
    expect(again.replicas.map((r: any) => r.newFacts)).toEqual([0, 0]);
    expect(again.sealed).toEqual(settled.sealed);
    expect(again.merged).toEqual(settled.merged);
    expect(again.withheld).toEqual(settled.withheld);
  });

  it("on a fresh copy reports a sealed file that differs from its seal as CL503 and facts of an unsealed relation as CL502", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    w.put("data/a/epoch-1/edge.facts", "x\ty\ny\tZ\n");
    w.put("data/a/epoch-1/blocked.facts", "q\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(doc.diagnostics.map((d: any) => [d.code, d.file])).toEqual([
      ["CL502", "data/a/epoch-1/blocked.facts"],
      ["CL503", "data/a/epoch-1/edge.facts"],
    ]);
    const changed = doc.diagnostics[1];
    expect(changed.message).toBe(
      "`data/a/epoch-1/edge.facts` does not match the seal of epoch 1: replica `a`'s `edge` holds 2 fact(s) there, the seal 2 with another digest; no facts of `edge` from this file are merged for epoch 1",
    );
    expect(changed.help).toContain("restore `data/a/epoch-1/edge.facts` as it was sealed");
    expect(doc.diagnostics[0].message).toMatch(/1 fact\(s\) of `blocked` appeared in `data\/a\/epoch-1\/blocked.facts` \(replica `a`, epoch 1\) after the epoch was sealed/);
    // Replica b matches its seal and is adopted; a's edge is not, so epoch 1 is not verified.
    expect(doc.sealed).toBeNull();
    expect(doc.merged.find((m: any) => m.relation === "edge").size).toBe(1);
    expect(existsSync(join(w.root, "data/.calmlog"))).toBe(false);

    // Restoring the sealed file (and moving the new fact to an open epoch) makes the copy evaluate cleanly.
    w.put("data/a/epoch-1/edge.facts", "y\tz\nx\ty\n");
    rmSync(join(w.root, "data/a/epoch-1/blocked.facts"));
    w.put("data/a/epoch-2/blocked.facts", "q\n");
    const fixed = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(json(fixed.stdout).diagnostics).toEqual([]);
    expect(fixed.code).toBe(0);
    expect(json(fixed.stdout).sealed.relations).toEqual([{ relation: "ready", size: 2, tuples: [["x"], ["z"]] }]);
  });

  it("on a fresh copy reports a sealed relation whose file is missing once, as incomplete", async () => {
    const w = twoReplicas();
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    rmSync(join(w.root, "data/b/epoch-1/blocked.facts"));
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(doc.diagnostics.map((d: any) => d.code)).toEqual(["CL503"]);
    expect(doc.diagnostics[0].message).toBe("replica `b` holds 0 of the 1 fact(s) of `blocked` sealed in epoch 1");
    expect(doc.diagnostics[0].file).toBe("data/b/epoch-1/blocked.facts");
    expect(doc.diagnostics[0].help).toBe("restore the file as it was sealed (e.g. from version control), and put new facts in an open epoch");
  });

  it("reports invariants: broken in the merged view at once, withheld until a seal, then checked on the sealed results (exit 0)", async () => {
    const w = workspace();
    w.put(
      "shop.dl",
      `// Sales against a fixed stock (a monotone threshold) and shipping before payment (absence).
.decl stock(p: symbol, n: number)
stock("widget", 1).
.decl sale(p: symbol, who: symbol)
.decl shipped(o: symbol)
.decl paid(o: symbol)
.input sale
.input shipped
.input paid
.decl oversold(p: symbol)
oversold(p) :- stock(p, n), s = count : { sale(p, _) }, s > n.
.decl unpaid_shipped(o: symbol)
unpaid_shipped(o) :- shipped(o), !paid(o).
.invariant oversold "no product is sold beyond its stock"
.invariant unpaid_shipped "nothing ships before it is paid"
`,
    );
    w.put("data/a/epoch-1/sale.facts", "widget\tann\n");
    w.put("data/a/epoch-1/shipped.facts", "o1\no2\n");
    w.put("data/b/epoch-1/sale.facts", "widget\tbob\n");
    w.put("data/b/epoch-1/paid.facts", "o1\n");
    const open = await calmlog(w.root, "evaluate", "shop.dl", "data");
    expect(open.stderr).toBe("");
    expect(open.code).toBe(0);
    expect(open.stdout).toContain(
      "invariants (relations that must stay empty)\n" +
        '  invariant `oversold` ("no product is sold beyond its stock") is broken: 1 tuple in the merged view\n' +
        '      "widget"\n' +
        '  invariant `unpaid_shipped` ("nothing ships before it is paid") is withheld: it reads absence or totals, and no epoch is sealed yet\n',
    );
    const openJson = json((await calmlog(w.root, "evaluate", "shop.dl", "data", "--format", "json")).stdout);
    expect(openJson.invariants).toEqual([
      { relation: "oversold", description: "no product is sold beyond its stock", status: "broken", where: "merged", tuples: [["widget"]] },
      { relation: "unpaid_shipped", description: "nothing ships before it is paid", status: "withheld", where: null, tuples: [] },
    ]);
    expect(openJson.summary).toEqual({ errors: 0, warnings: 0, brokenInvariants: 1 });

    await calmlog(w.root, "seal", "data", "--epoch", "1");
    w.put("data/b/epoch-2/paid.facts", "o2\n");
    const sealed = await calmlog(w.root, "evaluate", "shop.dl", "data");
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toContain(
      '  invariant `unpaid_shipped` ("nothing ships before it is paid") is broken: 1 tuple in the sealed results as of epoch 1\n      "o2"\n',
    );
    await calmlog(w.root, "seal", "data", "--epoch", "2");
    const done = await calmlog(w.root, "evaluate", "shop.dl", "data", "--format", "json");
    expect(done.code).toBe(0);
    const doc = json(done.stdout);
    expect(doc.invariants[1]).toEqual({ relation: "unpaid_shipped", description: "nothing ships before it is paid", status: "holds", where: "sealed", tuples: [] });
    expect(doc.summary.brokenInvariants).toBe(1);
  });

  it("JSON output follows the documented schema", async () => {
    const ajv = new Ajv.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const w = twoReplicas();
    const first = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json");
    expect(validate(json(first.stdout)), JSON.stringify(validate.errors)).toBe(true);
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    w.put("data/b/epoch-2/blocked.facts", "x\n");
    w.append("data/a/epoch-1/edge.facts", "late\tfact\n");
    const second = await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "json", "-D", "out");
    const doc = json(second.stdout);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.sealed).not.toBeNull();
    expect(doc.diagnostics.length).toBeGreaterThan(0);
    // A schema that can fail: a wrong shape is rejected.
    expect(validate({ ...doc, sealedEpoch: -1 })).toBe(false);
    expect(validate({ ...doc, invariants: [{ relation: "r", description: null, status: "violated", where: null, tuples: [] }] })).toBe(false);
    expect(validate({ ...doc, invariants: [{ relation: "r", description: null, status: "broken", where: "merged", tuples: [["x", 1]] }] })).toBe(true);
  });

  it("-D writes merged and sealed results, and not what is withheld with no seal", async () => {
    const w = twoReplicas();
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data", "-D", "out");
    expect(r.code).toBe(0);
    expect(readdirSync(join(w.root, "out"))).toEqual(["reach.csv"]);
    expect(r.stdout).toContain("not written (withheld, no sealed epoch yet): `ready`");
    expect(readFileSync(join(w.root, "out/reach.csv"), "utf8").trim().split("\n").sort()).toEqual(["x\ty", "x\tz", "x\tw", "y\tz", "y\tw", "z\tw"].sort());
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    await calmlog(w.root, "evaluate", "tasks.dl", "data", "-D", "out");
    expect(readFileSync(join(w.root, "out/ready.csv"), "utf8")).toBe("x\nz\n");
  });

  it("names layout mistakes and exits 1", async () => {
    const w = workspace();
    w.put("data/epoch-1/edge.facts", "a\tb\n");
    w.put("data/a/notes.txt", "");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL504: `epoch-1` is directly under");
    expect(r.stderr).toContain("replica `a` holds `notes.txt`, but a replica's folder holds only epoch folders");
    const missing = await calmlog(w.root, "evaluate", "tasks.dl", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("replica directory `nope` does not exist");
  });

  it("reports a bad fact line with its file, line and column", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\nonly-one-column\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/data\/a\/epoch-1\/edge.facts:2:\d+: error CL40\d/);
  });
});

describe("calmlog evaluate --replica", () => {
  it("treats ad-hoc fact sets as one open epoch, and as a closed one with --sealed", async () => {
    const w = workspace();
    w.put("one/edge.facts", "x\ty\n");
    w.put("two/edge.facts", "y\tz\n");
    w.put("two/blocked.facts", "y\n");
    const open = json((await calmlog(w.root, "evaluate", "tasks.dl", "--replica", "a=one", "--replica", "b=two", "--format", "json")).stdout);
    expect(open.source).toEqual({ kind: "replicas", sealed: false });
    expect(open.sealed).toBeNull();
    expect(open.withheld.map((x: any) => x.relation)).toEqual(["ready"]);
    expect(open.merged.find((m: any) => m.relation === "reach").size).toBe(3);
    const closed = json((await calmlog(w.root, "evaluate", "tasks.dl", "--replica", "a=one", "--replica", "b=two", "--sealed", "--format", "json")).stdout);
    expect(closed.sealed.relations).toEqual([{ relation: "ready", size: 1, tuples: [["x"]] }]);
    expect(closed.withheld).toEqual([]);
    expect(existsSync(join(w.root, "one/.calmlog"))).toBe(false);
  });

  it("rejects inconsistent arguments with usage errors", async () => {
    const w = workspace();
    expect((await calmlog(w.root, "evaluate", "tasks.dl")).stderr).toContain("missing DIR (or --replica NAME=FACTSDIR)");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--replica", "a=x")).code).toBe(2);
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "--replica", "a")).stderr).toContain("--replica takes NAME=FACTSDIR");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data", "--format", "xml")).stderr).toContain("unknown format `xml`");
    expect((await calmlog(w.root, "evaluate", "missing.dl", "data")).stderr).toContain("cannot read `missing.dl`: no such file");
    writeFileSync(join(w.root, "bad.dl"), ".decl p(a: number)\np(x) :- q(x).\n");
    const bad = await calmlog(w.root, "evaluate", "bad.dl", "--replica", "a=.");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("CL201");
  });
});
