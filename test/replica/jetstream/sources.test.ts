// The same generated facts laid out as a replica directory and published to a JetStream replica
// set must give the same report: lower bounds, merged view, sealed results (equal to one
// evaluation of the sealed facts), the same seal digests, and the same late-fact and
// digest-mismatch findings.
import { fc, test } from "@fast-check/vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { Diagnostics } from "../../../src/diagnostics/diagnostic.js";
import { engineOver, type ProgramUnit, type ReplicaReport } from "../../../src/replica/evaluate.js";
import { tupleKey, type Tuple } from "../../../src/replica/tuple-keys.js";
import { parseNatsUrl, type NatsAddress } from "../../../src/replica/jetstream/address.js";
import { JetStreamSet, sealKey } from "../../../src/replica/jetstream/client.js";
import { JetStreamSource } from "../../../src/replica/jetstream/source.js";
import { DirectorySource, type ReplicaSource } from "../../../src/replica/source.js";
import { sealJson } from "../../../src/replica/store.js";
import { openReplicas } from "../../../src/replica/workflow.js";
import type { SealRecord } from "../../../src/replica/replica.js";
import { factArb, programArb, unitOf, type GenFact } from "../programs.js";
import { startNats, type NatsServer } from "./server.js";

const NAMES = ["r0", "r1", "r2"];
const AT = "2026-01-01T00:00:00.000Z";

let server: NatsServer;
let sets = 0;
beforeAll(async () => {
  server = await startNats();
});
afterAll(async () => {
  await server.stop();
});

interface Placed {
  readonly fact: GenFact;
  readonly replica: number;
  readonly epoch: number;
}

const placedArb = fc.record({ fact: factArb, replica: fc.integer({ min: 0, max: 2 }), epoch: fc.integer({ min: 1, max: 2 }) });

function grouped(placed: readonly Placed[]): Map<string, Tuple[]> {
  const out = new Map<string, Tuple[]>();
  for (const p of placed) {
    const k = `${NAMES[p.replica]}\t${p.epoch}\t${p.fact.relation}`;
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(p.fact.tuple);
  }
  return out;
}

function writeDirectory(dir: string, placed: readonly Placed[]): void {
  for (const name of NAMES) mkdirSync(join(dir, name, "epoch-1"), { recursive: true });
  for (const [k, tuples] of grouped(placed)) {
    const [replica, epoch, relation] = k.split("\t");
    mkdirSync(join(dir, replica!, `epoch-${epoch}`), { recursive: true });
    writeFileSync(join(dir, replica!, `epoch-${epoch}`, `${relation}.facts`), tuples.map((t) => t.join("\t")).join("\n") + "\n");
  }
}

async function publish(set: JetStreamSet, placed: readonly Placed[], epochs: readonly number[]): Promise<void> {
  for (const [k, tuples] of grouped(placed)) {
    const [replica, epoch, relation] = k.split("\t");
    await set.publishFacts(replica!, Number(epoch), relation!, tuples.map(tupleKey));
  }
  // Every replica (those without facts too) says it delivered each epoch, as the directory's
  // empty `epoch-1` folders make every replica known there.
  for (const name of NAMES) for (const e of epochs) await set.publishDone(name, e, 0, "sha256:-");
}

/** reconcile -> seal epochs 1..sealed in order -> evaluate -> commit, as `seal` and `evaluate` do. */
async function run(unit: ProgramUnit, source: ReplicaSource, seal: number): Promise<{ report: ReplicaReport; codes: string[]; records: SealRecord[] }> {
  const diags = new Diagnostics();
  const ws = await openReplicas(source, { unit, diagnostics: diags });
  expect(ws).not.toBeNull();
  await ws!.reconcile();
  const records: SealRecord[] = [];
  for (let e = 1; e <= seal; e++) {
    const out = await ws!.seal(e, { sealedAt: AT, reason: null });
    if (out.ok) records.push(out.record);
  }
  const report = ws!.evaluate();
  await ws!.commit();
  return { report, codes: diags.items.map((d) => d.code).sort(), records };
}

/** What must agree between sources: everything but where the facts came from. */
function comparable(report: ReplicaReport): unknown {
  return JSON.parse(JSON.stringify(report, (key, value) => (key === "file" || key === "location" ? undefined : value)));
}

async function openSet(): Promise<JetStreamSet> {
  const address = parseNatsUrl(`${server.url}/p${process.pid}x${sets++}`) as NatsAddress;
  return JetStreamSet.open(address, { create: true });
}

describe("a directory and a JetStream set holding the same facts", () => {
  test.prop([programArb, fc.array(placedArb, { maxLength: 12 }), fc.integer({ min: 0, max: 2 })], { numRuns: 15 })(
    "give the same report, digests and sealed results, equal to one evaluation of the sealed facts",
    async (text, placed, seal) => {
      const unit = unitOf(text);
      const dir = mkdtempSync(join(tmpdir(), "calmlog-src-"));
      writeDirectory(dir, placed);
      const set = await openSet();
      try {
        await publish(set, placed, [1, 2]);
        const a = await run(unit, new DirectorySource(dir), seal);
        const b = await run(unit, new JetStreamSource(set, mkdtempSync(join(tmpdir(), "calmlog-js-state-"))), seal);
        expect(b.codes).toEqual(a.codes);
        expect(b.records.map((r) => sealJson(r))).toEqual(a.records.map((r) => sealJson(r)));
        expect(comparable(b.report)).toEqual(comparable(a.report));
        // Sealed results are one evaluation of the sealed facts.
        if (b.report.sealed !== null) {
          const sealedFacts = new Map<string, Set<string>>();
          for (const p of placed) {
            if (p.epoch > b.report.sealed.epoch) continue;
            if (!sealedFacts.has(p.fact.relation)) sealedFacts.set(p.fact.relation, new Set());
            sealedFacts.get(p.fact.relation)!.add(tupleKey(p.fact.tuple));
          }
          const central = engineOver(unit, sealedFacts);
          for (const r of b.report.sealed.relations) expect(r.tuples.map(tupleKey).sort()).toEqual(central.tuples(r.relation).map(tupleKey).sort());
        }
      } finally {
        await set.close();
      }
    },
  );

  test.prop([programArb, fc.array(placedArb, { minLength: 1, maxLength: 10 }), fc.array(factArb, { minLength: 1, maxLength: 3 })], { numRuns: 10 })(
    "report late facts in a sealed epoch alike, and keep them out of the sealed results",
    async (text, placed, late) => {
      const unit = unitOf(text);
      const set = await openSet();
      try {
        await publish(set, placed, [1]);
        const before = await run(unit, new JetStreamSource(set, mkdtempSync(join(tmpdir(), "calmlog-js-state-"))), 1);
        await set.publishFacts("r0", 1, late[0]!.relation, late.filter((f) => f.relation === late[0]!.relation).map((f) => tupleKey(f.tuple)));
        const after = await run(unit, new JetStreamSource(set, mkdtempSync(join(tmpdir(), "calmlog-js-state-"))), 0);
        const held = new Set(placed.filter((p) => p.replica === 0 && p.epoch === 1).map((p) => `${p.fact.relation}${tupleKey(p.fact.tuple)}`));
        const fresh = late.some((f) => f.relation === late[0]!.relation && !held.has(`${f.relation}${tupleKey(f.tuple)}`));
        expect(after.codes.includes("CL502")).toBe(fresh);
        expect(after.report.sealedEpoch).toBe(1);
        expect(after.report.sealed).toEqual(before.report.sealed);
      } finally {
        await set.close();
      }
    },
  );
});

describe("a seal record whose digest the set's facts do not match", () => {
  test.prop([programArb, fc.array(placedArb, { minLength: 1, maxLength: 8 })], { numRuns: 5 })("is CL503, as for a directory", async (text, placed) => {
    const unit = unitOf(text);
    const inEpoch1 = placed.filter((p) => p.epoch === 1);
    fc.pre(inEpoch1.length > 0);
    const set = await openSet();
    const dir = mkdtempSync(join(tmpdir(), "calmlog-src-"));
    try {
      await publish(set, placed, [1]);
      writeDirectory(dir, placed);
      const honest = await run(unit, new DirectorySource(dir), 1);
      const record = honest.records[0]!;
      const name = Object.keys(record.replicas).find((r) => record.replicas[r]!.facts > 0)!;
      const forged: SealRecord = {
        ...record,
        replicas: { ...record.replicas, [name]: { ...record.replicas[name]!, relations: Object.fromEntries(Object.entries(record.replicas[name]!.relations).map(([k, v]) => [k, { ...v, digest: "sha256:0" }])) } },
      };
      await set.createEntry(sealKey(1), sealJson(forged));
      const b = await run(unit, new JetStreamSource(set, mkdtempSync(join(tmpdir(), "calmlog-js-state-"))), 0);
      expect(b.codes).toContain("CL503");
    } finally {
      await set.close();
    }
  });
});
