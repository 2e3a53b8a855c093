// The source interface: a directory lists its replicas and fact units with fingerprints, reads
// rows, and creates each seal record once; the workflow reads through any source the same way.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { DirectorySource } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import type { SealRecord } from "../../src/replica/replica.js";
import type { Tuple } from "../../src/replica/tuple-keys.js";
import { compile } from "../../src/pipeline.js";
import { MemorySource } from "./memory-source.js";

function put(dir: string, rel: string, text: string): void {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

const edgeSchema = { name: "edge", columns: [{ name: "a", type: "symbol" as const }, { name: "b", type: "symbol" as const }] };

describe("DirectorySource", () => {
  it("lists units with fingerprints that change when a file is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-source-"));
    put(dir, "a/epoch-1/edge.facts", "x\ty\n");
    put(dir, "b/epoch-2/edge.facts", "y\tz\n");
    const source = new DirectorySource(dir);
    const listing = (await source.list({ inputs: new Set(["edge"]) }, new Diagnostics()))!;
    expect(listing.replicas).toEqual(["a", "b"]);
    expect(listing.units.map((u) => [u.replica, u.epoch, u.relation])).toEqual([["a", 1, "edge"], ["b", 2, "edge"]]);
    const rows: Tuple[] = [];
    for await (const batch of source.read(listing.units[0]!, edgeSchema)) rows.push(...batch);
    expect(rows).toEqual([["x", "y"]]);
    put(dir, "a/epoch-1/edge.facts", "x\ty\nq\tr\n");
    const again = (await source.list({ inputs: new Set(["edge"]) }, new Diagnostics()))!;
    expect(again.units[0]!.fingerprint).not.toBe(listing.units[0]!.fingerprint);
    expect(again.units[1]!.fingerprint).toBe(listing.units[1]!.fingerprint);
  });

  it("creates a seal record once; a second writer learns the record that won", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-source-"));
    const source = new DirectorySource(dir);
    const record: SealRecord = { epoch: 1, sealedAt: "2026-01-01T00:00:00.000Z", reason: "first", replicas: {} };
    const first = await source.createSeal(record);
    const second = await source.createSeal({ ...record, reason: "second" });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.created === false && second.existing?.reason).toBe("first");
    expect(JSON.parse(readFileSync(join(dir, "seals", "epoch-1.json"), "utf8")).reason).toBe("first");
    expect((await source.createKeySeal({ id: "cart/k1", text: "{}\n" })).created).toBe(true);
    expect((await source.createKeySeal({ id: "cart/k1", text: "{\"x\":1}\n" })).created).toBe(false);
    expect(await source.readKeySeals()).toEqual([{ id: "cart/k1", text: "{}\n" }]);
  });
});

describe("the replica workflow over any source", () => {
  it("evaluates and seals facts that never touch the disk", async () => {
    const compiled = compile({ path: "p.dl", text: ".decl edge(a: symbol, b: symbol)\n.input edge\n.decl reach(a: symbol, b: symbol)\nreach(x, y) :- edge(x, y).\nreach(x, z) :- reach(x, y), edge(y, z).\n.decl root(a: symbol)\nroot(x) :- edge(x, _), !reach(_, x).\n" });
    const unit = { checked: compiled.checked, analysis: compiled.analysis! };
    const source = new MemorySource({ a: { 1: { edge: [["x", "y"]] } }, b: { 1: { edge: [["y", "z"]] } } });
    const ws = (await openReplicas(source, { unit }))!;
    expect(await ws.reconcile()).toBe(true);
    let report = ws.evaluate();
    expect(report.merged.find((m) => m.relation === "reach")!.size).toBe(3);
    expect(report.withheld.map((w) => w.relation)).toEqual(["root"]);
    const sealed = await ws.seal(1, { reason: "test", sealedAt: "2026-01-01T00:00:00.000Z" });
    expect(sealed.ok).toBe(true);
    expect(source.seals).toHaveLength(1);
    report = ws.evaluate();
    expect(report.sealed!.relations.find((r) => r.relation === "root")!.tuples).toEqual([["x"]]);
  });
});

describe("the library entry", () => {
  it("runs the README's workflow example over a directory", async () => {
    const api = await import("../../src/node.js");
    const dir = mkdtempSync(join(tmpdir(), "calmlog-source-"));
    put(dir, "data/a/epoch-1/edge.facts", "x\ty\n");
    const { checked, analysis } = api.compile({ path: "p.dl", text: ".decl edge(a: symbol, b: symbol)\n.input edge\n.decl reach(a: symbol, b: symbol)\nreach(x, y) :- edge(x, y).\n" });
    const ws = await api.openReplicas(new api.DirectorySource(join(dir, "data")), { unit: { checked, analysis: analysis! } });
    expect(ws).not.toBeNull();
    try {
      expect(await ws!.reconcile()).toBe(true);
      expect(ws!.evaluate().merged.find((m) => m.relation === "reach")!.size).toBe(1);
      expect(await ws!.commit()).toBe(true);
    } finally {
      ws!.close();
    }
  });
});
