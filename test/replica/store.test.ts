// The on-disk layout: clear layout errors, files reconciled with the kept state (CL501-CL503),
// state generations that survive an interrupted write, seal records written once.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { tupleKey } from "../../src/replica/tuple-keys.js";
import { Replica, ReplicaSet } from "../../src/replica/replica.js";
import { readSeals, readState, reconcile, scanLayout, STATE_DIR, writeSeal, writeState, type FileFacts } from "../../src/replica/store.js";
import { writeFileAtomic } from "../../src/util/atomic-write.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "calmlog-store-"));
}

function put(dir: string, rel: string, text: string): void {
  const path = join(dir, rel);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

function fileFacts(entries: [replica: string, epoch: number, relation: string, tuples: (string | number)[][]][]): FileFacts {
  const out: FileFacts = new Map();
  for (const [replica, epoch, relation, tuples] of entries) {
    if (!out.has(replica)) out.set(replica, new Map());
    const epochs = out.get(replica)!;
    if (!epochs.has(epoch)) epochs.set(epoch, new Map());
    epochs.get(epoch)!.set(relation, { keys: new Set(tuples.map(tupleKey)), files: [`${replica}/epoch-${epoch}/${relation}.facts`] });
  }
  return out;
}

describe("scanLayout", () => {
  it("finds replicas, epochs and fact files, skipping seals and hidden folders", () => {
    const dir = tmp();
    put(dir, "a/epoch-1/edge.facts", "1\t2\n");
    put(dir, "a/epoch-2/edge.jsonl", "[2,3]\n");
    put(dir, "b/epoch-1/edge.facts", "");
    put(dir, "seals/epoch-1.json", "{}");
    put(dir, ".calmlog/state/CURRENT", "g1\n");
    put(dir, "README.md", "notes");
    const diags = new Diagnostics();
    const layout = scanLayout(dir, new Set(["edge"]), diags);
    expect(diags.items).toEqual([]);
    expect(layout!.replicas).toEqual(["a", "b"]);
    expect(layout!.files.map((f) => [f.replica, f.epoch, f.relation])).toEqual([["a", 1, "edge"], ["a", 2, "edge"], ["b", 1, "edge"]]);
  });

  it("names each layout mistake with its path and what was expected", () => {
    const dir = tmp();
    put(dir, "epoch-1/edge.facts", "");
    put(dir, "a/epoch-01/edge.facts", "");
    put(dir, "a/epoch-1/edge.txt", "");
    put(dir, "a/epoch-1/nosuch.facts", "");
    const diags = new Diagnostics();
    scanLayout(dir, new Set(["edge"]), diags);
    const messages = diags.items.map((d) => `${d.code} ${d.message}`).sort();
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/^CL504 `edge.txt` is not a fact file; an epoch folder holds `<relation>.facts`/);
    expect(messages[1]).toMatch(/^CL504 `epoch-1` is directly under .*epochs belong inside a replica's folder/);
    expect(messages[2]).toMatch(/^CL504 `nosuch.facts` names relation `nosuch`, which the program does not declare/);
    expect(messages[3]).toMatch(/^CL504 replica `a` holds `epoch-01`, but a replica's folder holds only epoch folders/);
    expect(diags.items.every((d) => d.severity === "error" && d.span.file.startsWith(dir))).toBe(true);
  });

  it("reports a missing directory and an empty one", () => {
    const diags = new Diagnostics();
    expect(scanLayout(join(tmp(), "nope"), new Set(), diags)).toBeNull();
    expect(diags.items[0]!.message).toMatch(/does not exist/);
    const empty = new Diagnostics();
    scanLayout(tmp(), new Set(), empty);
    expect(empty.items[0]!.message).toMatch(/holds no replica folders/);
  });
});

describe("reconcile", () => {
  const at = "2026-01-01T00:00:00.000Z";
  const kept = ReplicaSet.empty().insert("a", "edge", [[1, 2], [2, 3]], 1).set.insert("a", "edge", [[5, 6]], 2).set;

  it("merges new facts into open epochs and keeps facts the files lack (CL501)", () => {
    const diags = new Diagnostics();
    const next = reconcile("D", kept, fileFacts([["a", 1, "edge", [[1, 2], [9, 9]]], ["a", 2, "edge", [[5, 6]]]]), diags);
    expect(next.replica("a")!.tuples("edge", 1)).toEqual([[1, 2], [2, 3], [9, 9]]);
    expect(diags.items.map((d) => d.code)).toEqual(["CL501"]);
    expect(diags.items[0]!.message).toMatch(/replica `a`.*lacks 1 fact\(s\) of `edge` in epoch 1/);
    expect(diags.items[0]!.help).toMatch(/tombstone/);
  });

  it("refuses late facts (CL502) and changed sealed files (CL503), leaving sealed facts as they were", () => {
    const sealed = kept.seal(1, { sealedAt: at });
    if (!sealed.ok) throw new Error(sealed.message);
    const late = new Diagnostics();
    const n1 = reconcile("D", sealed.set, fileFacts([["a", 1, "edge", [[1, 2], [2, 3], [7, 7]]], ["a", 2, "edge", [[5, 6]]]]), late);
    expect(late.items.map((d) => d.code)).toEqual(["CL502"]);
    expect(late.items[0]!.message).toMatch(/1 fact\(s\) of `edge` appeared in `a\/epoch-1\/edge.facts` \(replica `a`, epoch 1\) after the epoch was sealed/);
    expect(n1.replica("a")!.tuples("edge", 1)).toEqual([[1, 2], [2, 3]]);
    const changed = new Diagnostics();
    const n2 = reconcile("D", sealed.set, fileFacts([["a", 1, "edge", [[1, 2], [3, 3]]], ["a", 2, "edge", [[5, 6]]]]), changed);
    expect(changed.items.map((d) => d.code)).toEqual(["CL503"]);
    expect(changed.items[0]!.message).toMatch(/changed after epoch 1 was sealed: replica `a` lacks 1 fact\(s\) of `edge` the seal holds and has 1 it does not/);
    expect(n2.equals(sealed.set)).toBe(true);
    const newcomer = new Diagnostics();
    reconcile("D", sealed.set, fileFacts([["a", 1, "edge", [[1, 2], [2, 3]]], ["a", 2, "edge", [[5, 6]]], ["z", 1, "edge", [[0, 0]]]]), newcomer);
    expect(newcomer.items.map((d) => d.code)).toEqual(["CL502"]);
    expect(newcomer.items[0]!.message).toMatch(/the seal does not cover replica `z`/);
  });
});

describe("kept state", () => {
  it("round-trips facts and schema, and switches generations", () => {
    const dir = tmp();
    const set = ReplicaSet.of([Replica.empty("a").insert("edge", [[1, "x"]], 1).insert("edge", [[2, "y"]], 3), Replica.empty("b")]);
    const g1 = writeState(dir, set, { edge: ["number", "symbol"] }, null);
    const back = readState(dir, new Diagnostics())!;
    expect(back.generation).toBe(g1);
    expect(back.set.equals(set)).toBe(true);
    expect(back.schema).toEqual({ edge: ["number", "symbol"] });
    const more = set.insert("a", "edge", [[3, "z"]], 3).set;
    const g2 = writeState(dir, more, back.schema, g1);
    expect(g2).toBe(g1 + 1);
    expect(readState(dir, new Diagnostics())!.set.equals(more)).toBe(true);
    expect(readdirSync(join(dir, STATE_DIR)).sort()).toEqual(["CURRENT", `g${g2}`]);
  });

  it("an interrupted write leaves the previous generation current", () => {
    const dir = tmp();
    const set = ReplicaSet.of([Replica.empty("a").insert("edge", [[1, 2]], 1)]);
    writeState(dir, set, { edge: ["number", "number"] }, null);
    // A crash after writing part of the next generation: a temporary folder, no rename.
    put(dir, `${STATE_DIR}/.g2.tmp-1-abcd/a/epoch-1/edge.jsonl`, "[9,9]\n");
    expect(readState(dir, new Diagnostics())!.set.equals(set)).toBe(true);
    const g = writeState(dir, set.insert("a", "edge", [[3, 4]], 1).set, { edge: ["number", "number"] }, 1);
    expect(readState(dir, new Diagnostics())!.generation).toBe(g);
  });
});

describe("files", () => {
  it("writes atomically and a seal only once", () => {
    const dir = tmp();
    const path = join(dir, "x.txt");
    writeFileAtomic(path, "one");
    writeFileAtomic(path, "two");
    expect(readFileSync(path, "utf8")).toBe("two");
    expect(readdirSync(dir)).toEqual(["x.txt"]);
    const record = { epoch: 1, sealedAt: "2026-01-01T00:00:00.000Z", reason: "r", replicas: { a: { digest: "sha256:00", facts: 0, relations: {} } } };
    writeSeal(dir, record);
    expect(() => writeSeal(dir, record)).toThrow(/refusing to replace/);
    const diags = new Diagnostics();
    expect(readSeals(dir, diags)).toEqual([record]);
    put(dir, "seals/epoch-2.json", "{ not json");
    readSeals(dir, diags);
    expect(diags.items.map((d) => d.code)).toEqual(["CL505"]);
    expect(existsSync(join(dir, "seals", "epoch-1.json"))).toBe(true);
  });
});
