// `calmlog seal --key`: a create-once record per key and epoch, with digests of exactly that key's facts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseKeySeal } from "../../src/replica/keyseal.js";
import { calmlog, workspace } from "./replica-fixture.js";

const RELEASE = `.decl release(r: symbol)
.decl approval(r: symbol, reviewer: symbol)
.decl blocker(r: symbol, issue: symbol)
.input release, approval, blocker
.decl ready(r: symbol)
ready(r) :- release(r), approval(r, _), !blocker(r, _).
.output ready
`;

function release() {
  const w = workspace();
  w.put("rel.dl", RELEASE);
  w.put("data/a/epoch-1/release.facts", "v1\nv2\n");
  w.put("data/a/epoch-1/approval.facts", "v1\tana\nv2\tsean\n");
  w.put("data/b/epoch-1/blocker.facts", "v2\tbug-7\n");
  return w;
}

const records = (root: string): string[] => readdirSync(join(root, "data/seals/keys/epoch-1/release.r"));

describe("calmlog seal --key", () => {
  it("writes one record covering every joined input column, with per-replica digests of that key's facts only", async () => {
    const w = release();
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v2", "--program", "rel.dl");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("sealed key `release.r` = `v2` of epoch 1 (covers `release.r`, `approval.r`, `blocker.r`): 2 replica(s), 3 fact(s)");
    const [file] = records(w.root);
    const rec = parseKeySeal(readFileSync(join(w.root, "data/seals/keys/epoch-1/release.r", file!), "utf8"))!;
    expect(rec.value).toBe("v2");
    expect(rec.replicas.a!.facts).toBe(2);
    expect(rec.replicas.b!.facts).toBe(1);
    // Another key's facts do not change this key's digest.
    const other = release();
    other.put("data/a/epoch-1/release.facts", "v1\nv2\nv3\n");
    await calmlog(other.root, "seal", "data", "--epoch", "1", "--key", "release.r=v2", "--program", "rel.dl");
    const rec2 = parseKeySeal(readFileSync(join(other.root, "data/seals/keys/epoch-1/release.r", records(other.root)[0]!), "utf8"))!;
    expect(rec2.replicas).toEqual(rec.replicas);
  });

  it("several --key at once; each key is sealed once; evaluate still reads the directory", async () => {
    const w = release();
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v1", "--key", "blocker.r=v2", "--program", "rel.dl");
    expect(r.code).toBe(0);
    expect(records(w.root)).toHaveLength(1);
    expect(readdirSync(join(w.root, "data/seals/keys/epoch-1/blocker.r"))).toHaveLength(1);
    const again = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v1", "--program", "rel.dl");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("error CL551: key `release.r` = `v1` of epoch 1 is sealed already");
    const e = await calmlog(w.root, "evaluate", "rel.dl", "data");
    expect(e.stderr).toBe("");
    expect(e.code).toBe(0);
  });

  it("refuses a column that is no partition key, and a key of an epoch sealed as a whole", async () => {
    const w = release();
    const bad = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "approval.reviewer=ana", "--program", "rel.dl");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error CL550: cannot seal key `approval.reviewer`: no stratum that needs a seal is partitioned by `approval.reviewer`; the keys are `release.r`, `approval.r`, `blocker.r`");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "rel.dl")).code).toBe(0);
    const late = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v1", "--program", "rel.dl");
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("error CL551: epoch 1 is sealed as a whole already");
  });

  it("is a usage error without --program or with a malformed key", async () => {
    const w = release();
    const bare = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v1");
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain("--key needs --program PROGRAM.dl");
    const r = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release=v1", "--program", "rel.dl");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--key takes RELATION.ATTRIBUTE=VALUE");
  });
});
