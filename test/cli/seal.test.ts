// `calmlog seal`: in order, once each, a durable record with a digest per replica (CL505 otherwise).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLog } from "../../src/replica/log.js";
import { calmlog, workspace } from "./replica-fixture.js";

describe("calmlog seal", () => {
  it("without kept state or --program refuses, and the help line says exactly what to run", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--reason", "nightly close");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL505: `data` has no kept state yet, so calmlog does not know its relations' column types");
    // `tasks.dl` is the one program next to `data`, so the help names it.
    expect(r.stderr).toContain('help: name the program: `calmlog seal data --epoch 1 --reason "nightly close" --program tasks.dl` (or run `calmlog evaluate tasks.dl data` once first)');
    expect(existsSync(join(w.root, "data/seals"))).toBe(false);
    w.put("other.dl", "");
    const two = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(two.stderr).toContain("help: name the program: `calmlog seal data --epoch 1 --program PROGRAM.dl`");
  });

  it("--program reads the files with the program's types, so no evaluate is needed first", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/b/epoch-1/blocked.facts", "x\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "tasks.dl");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("sealed epoch 1: 2 replica(s), 2 fact(s)");
    const state = readLog(join(w.root, "data/.calmlog/state/state.log"))!.header;
    expect(state.schema.edge).toEqual(["symbol", "symbol"]);
    const e = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(e.stderr).toBe("");
    expect(e.stdout).toContain("replica `a`: 1 fact(s), 0 new since the last run");
    expect(e.stdout).toContain("sealed results (final as of epoch 1");

    // Typed by the program: a number column reads `007` as 7, and a bad value is an error, not a guess.
    w.put("typed.dl", ".decl score(who: symbol, n: number)\n.input score\n");
    w.put("scores/a/epoch-1/score.facts", "ann\t007\n");
    const typed = await calmlog(w.root, "seal", "scores", "--epoch", "1", "--program", "typed.dl");
    expect(typed.code).toBe(0);
    const record = JSON.parse(readFileSync(join(w.root, "scores/seals/epoch-1.json"), "utf8"));
    expect(record.replicas.a.facts).toBe(1);
    w.put("scores/a/epoch-2/score.facts", "bob\tseven\n");
    const bad = await calmlog(w.root, "seal", "scores", "--epoch", "2", "--program", "typed.dl");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/scores\/a\/epoch-2\/score.facts:1:\d+: error CL402/);
    expect(existsSync(join(w.root, "scores/seals/epoch-2.json"))).toBe(false);
  });

  it("--program on a fresh copy holding an earlier seal adopts the sealed files by digest and seals the next epoch", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/a/epoch-2/edge.facts", "y\tz\n");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "tasks.dl")).code).toBe(0);
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    const r = await calmlog(w.root, "seal", "data", "--epoch", "2", "--program", "tasks.dl");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    w.append("data/a/epoch-1/edge.facts", "late\tone\n");
    const late = await calmlog(w.root, "seal", "data", "--epoch", "3", "--program", "tasks.dl");
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("error CL503: `data/a/epoch-1/edge.facts` does not match the seal of epoch 1");
  });

  it("reads files with the `.input` delimiter the kept state records, with or without --program", async () => {
    const w = workspace();
    w.put("csv.dl", '.decl edge(a: symbol, b: number)\n.input edge(delimiter=",")\n');
    w.put("data/a/epoch-1/edge.facts", "x,1\ny,2\n");
    expect((await calmlog(w.root, "evaluate", "csv.dl", "data")).code).toBe(0);
    const state = readLog(join(w.root, "data/.calmlog/state/state.log"))!.header;
    expect(state.formats).toEqual({ edge: { delimiter: "," } });
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("sealed epoch 1: 1 replica(s), 2 fact(s)");
    w.put("data/a/epoch-2/edge.facts", "z,3\n");
    rmSync(join(w.root, "data/.calmlog"), { recursive: true });
    const p = await calmlog(w.root, "seal", "data", "--epoch", "2", "--program", "csv.dl");
    expect(p.stderr).toBe("");
    expect(p.stdout).toContain("sealed epoch 2: 1 replica(s), 1 fact(s)");
    expect((await calmlog(w.root, "evaluate", "csv.dl", "data")).stderr).toBe("");
  });

  it("skips the header line of files whose `.input` says headers=true, with or without --program", async () => {
    const w = workspace();
    w.put("hdr.dl", '.decl edge(a: symbol, b: symbol)\n.input edge(headers=true)\n.decl seen(a: symbol)\n.output seen\nseen(a) :- edge(a, _).\n');
    w.put("data/a/epoch-1/edge.facts", "src\tdst\nx\ty\n");
    const e = await calmlog(w.root, "evaluate", "hdr.dl", "data", "--format", "json");
    expect(e.stderr).toBe("");
    expect(e.stdout).toContain('"x"');
    expect(e.stdout).not.toContain('"src"');
    const state = readLog(join(w.root, "data/.calmlog/state/state.log"))!.header;
    expect(state.formats).toEqual({ edge: { headers: true } });
    w.put("data/a/epoch-2/edge.facts", "src\tdst\nz\tw\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("sealed epoch 1: 1 replica(s), 1 fact(s)");
    const p = await calmlog(w.root, "seal", "data", "--epoch", "2", "--program", "hdr.dl");
    expect(p.stderr).toBe("");
    expect(p.stdout).toContain("sealed epoch 2: 1 replica(s), 1 fact(s)");
  });

  it("reports a program that does not compile", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("bad.dl", ".decl p(a: number)\np(x) :- q(x).\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "bad.dl");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("CL201");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "nope.dl")).stderr).toContain("cannot read `nope.dl`: no such file");
  });

  it("seals in order, once each, and records digests, time and reason", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/b/epoch-2/edge.facts", "y\tz\n");
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    const early = await calmlog(w.root, "seal", "data", "--epoch", "2");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("error CL505: cannot seal epoch 2: epoch 1 is not sealed yet, and epochs are sealed in order");
    expect(early.stderr).toContain("help: seal epoch 1 first: `calmlog seal data --epoch 1`");

    // A fact added after the last evaluate is still covered: the seal reads the files.
    w.append("data/a/epoch-1/edge.facts", "x\tq\n");
    const one = await calmlog(w.root, "seal", "data", "--epoch", "1", "--reason", "nightly close");
    expect(one.stderr).toBe("");
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("sealed epoch 1: 2 replica(s), 2 fact(s) (nightly close)");
    expect(one.stdout).toContain("wrote `data/seals/epoch-1.json`");
    expect(one.stdout).toContain("epoch(s) 2 stay open");
    const record = JSON.parse(readFileSync(join(w.root, "data/seals/epoch-1.json"), "utf8"));
    expect(record).toMatchObject({ format: "calmlog-seal/1", epoch: 1, reason: "nightly close" });
    expect(Object.keys(record.replicas)).toEqual(["a", "b"]);
    expect(record.replicas.a.facts).toBe(2);
    expect(record.replicas.a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.replicas.b).toMatchObject({ facts: 0, relations: {} });
    expect(Number.isNaN(Date.parse(record.sealedAt))).toBe(false);
    expect(readdirSync(join(w.root, "data/seals"))).toEqual(["epoch-1.json"]);

    const twice = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("error CL505: epoch 1 is already sealed");
    expect(JSON.parse(readFileSync(join(w.root, "data/seals/epoch-1.json"), "utf8"))).toEqual(record);
    expect((await calmlog(w.root, "seal", "data", "--epoch", "2")).code).toBe(0);
    // The sealed epoch now evaluates cleanly.
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
  });

  it("refuses to seal over late facts in an earlier sealed epoch", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    await calmlog(w.root, "seal", "data", "--epoch", "1");
    w.append("data/a/epoch-1/edge.facts", "late\tone\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL502");
    expect(existsSync(join(w.root, "data/seals/epoch-2.json"))).toBe(false);
  });

  it("rejects bad arguments", async () => {
    const w = workspace();
    expect((await calmlog(w.root, "seal", "data")).stderr).toContain("missing --epoch N");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "0")).stderr).toContain("--epoch takes a positive integer, got `0`");
    expect((await calmlog(w.root, "seal", "--epoch", "1")).stderr).toContain("missing DIR");
  });
});
