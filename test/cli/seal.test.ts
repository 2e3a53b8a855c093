// `calmlog seal`: in order, once each, a durable record with a digest per replica (CL505 otherwise).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

describe("calmlog seal", () => {
  it("needs the kept state of a first evaluate", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL505: `data` has no kept state yet");
    expect(r.stderr).toContain("run `calmlog evaluate PROGRAM.dl data` first");
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
