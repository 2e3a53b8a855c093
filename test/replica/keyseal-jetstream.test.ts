// Key seals on a JetStream replica set (a real nats-server on 127.0.0.1): `seal nats://... --key`
// writes a create-once record with the stream position it covers; `evaluate` releases the key as
// over a directory; a fact of the sealed key published later is CL552 and kept out (also for a
// reader with no kept state), while facts of other keys are fine.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calmlog } from "../cli/replica-fixture.js";
import { startNats, type NatsServer } from "./jetstream/server.js";

const RELEASE = `.decl release(r: symbol)
.decl approval(r: symbol, who: symbol)
.decl blocker(r: symbol, issue: symbol)
.input release, approval, blocker
.decl ready(r: symbol)
ready(r) :- release(r), approval(r, _), !blocker(r, _).
.output ready
`;

let server: NatsServer;
let root: string;
beforeAll(async () => {
  server = await startNats();
  root = mkdtempSync(join(tmpdir(), "calmlog-keys-js-"));
  process.env["XDG_CACHE_HOME"] = join(root, "cache");
  writeFileSync(join(root, "rel.dl"), RELEASE);
  const files: Record<string, string> = { "a/release.facts": "v1\nv2\n", "b/approval.facts": "v1\tana\nv2\tsean\n", "b/blocker.facts": "v2\tbug-1\n", "late-v1/blocker.facts": "v1\tbug-9\n", "late-v2/blocker.facts": "v2\tbug-2\n" };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
});
afterAll(async () => {
  await server.stop();
});

type Report = { sealed: { relations: { relation: string; tuples: unknown[][] }[] } | null; keys: { final: { value: string }[]; waiting: { value: string }[] }[]; diagnostics: { code: string; message: string }[] };

async function evaluate(url: string, state: string): Promise<{ code: number; doc: Report }> {
  const r = await calmlog(root, "evaluate", "rel.dl", url, "--format", "json", "--state", state);
  return { code: r.code, doc: JSON.parse(r.stdout) as Report };
}

describe("key seals on JetStream", () => {
  it("release the sealed key, refuse it twice, and keep later facts of the key out as CL552", async () => {
    const url = `${server.url}/keys`;
    const pub = async (replica: string, file: string): Promise<void> => {
      const r = await calmlog(root, "publish", "rel.dl", url, "--replica", replica, "--epoch", "1", file);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    };
    await pub("a", "a/release.facts");
    await pub("b", "b/approval.facts");
    await pub("b", "b/blocker.facts");
    // No end-of-epoch marker is needed for a key seal.
    const s = await calmlog(root, "seal", url, "--epoch", "1", "--key", "release.r=v1", "--program", "rel.dl");
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    expect(s.stdout).toContain("sealed key `release.r` = `v1` of epoch 1 (covers `release.r`, `approval.r`, `blocker.r`): 2 replica(s), 2 fact(s)");
    const again = await calmlog(root, "seal", url, "--epoch", "1", "--key", "release.r=v1", "--program", "rel.dl");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("CL551");

    const first = await evaluate(url, "state-1");
    expect(first.doc.diagnostics).toEqual([]);
    expect(first.doc.sealed!.relations.find((x) => x.relation === "ready")!.tuples).toEqual([["v1"]]);
    expect(first.doc.keys[0]!.final.map((f) => f.value)).toEqual(["v1"]);
    expect(first.doc.keys[0]!.waiting.map((f) => f.value)).toEqual(["v2"]);

    // A blocker of v2 (not sealed) is fine; one of v1 (sealed) is late.
    await pub("b", "late-v2/blocker.facts");
    const fine = await evaluate(url, "state-1");
    expect(fine.code).toBe(0);
    expect(fine.doc.diagnostics).toEqual([]);
    await pub("b", "late-v1/blocker.facts");
    for (const state of ["state-1", "state-fresh"]) {
      const late = await evaluate(url, state);
      expect(late.code, state).toBe(1);
      const d = late.doc.diagnostics.find((x) => x.code === "CL552");
      expect(d?.message, state).toContain("1 fact(s) of `blocker` with key `release.r` = `v1` were published on `calmlog.keys.b.1.blocker` (replica `b`, epoch 1) after the key was sealed at ");
      expect(late.doc.sealed!.relations.find((x) => x.relation === "ready")!.tuples, state).toEqual([["v1"]]);
    }
  });
});
