// `publish`, `seal` and `evaluate` against a real JetStream server on 127.0.0.1: the same report
// and digests as the folder layout, sealing once every replica delivered, racing sealers, follow
// mode, and clear errors for a server that is down, a set that does not exist, stray messages.
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { main } from "../../src/cli/main.js";
import { calmlog } from "./replica-fixture.js";
import { startNats, type NatsServer } from "../replica/jetstream/server.js";
import { copyCommitted } from "../committed.js";

let server: NatsServer;
let root: string;
let n = 0;
beforeAll(async () => {
  server = await startNats();
  root = mkdtempSync(join(tmpdir(), "calmlog-js-"));
  // Kept state of the sets goes to a cache folder; keep it inside the test's temporary folder.
  process.env["XDG_CACHE_HOME"] = join(root, "cache");
  copyCommitted("programs/release", join(root, "release"));
});
afterAll(async () => {
  await server.stop();
});

const PROGRAM = "release/release.dl";
const setUrl = (): string => `${server.url}/s${n++}`;

/** Publishes the release example's replica folders, marking epoch 1 delivered by both replicas. */
async function publishRelease(url: string): Promise<void> {
  for (const r of ["dublin", "madrid"]) {
    for (const e of [1, 2]) {
      const dir = `release/replicas/${r}/epoch-${e}`;
      const files = ["approval", "blocker", "resolved", "release"].map((rel) => `${dir}/${rel}.facts`).filter((f) => {
        try {
          readFileSync(join(root, f));
          return true;
        } catch {
          return false;
        }
      });
      const args = ["publish", PROGRAM, url, "--replica", r, "--epoch", String(e), ...files, ...(e === 1 ? ["--done"] : [])];
      const out = await calmlog(root, ...args);
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
    }
  }
}

function withoutSource(json: string): unknown {
  const doc = JSON.parse(json) as Record<string, unknown>;
  delete doc["source"];
  for (const s of (doc["seals"] as Record<string, unknown>[] | undefined) ?? []) delete s["sealedAt"];
  const sealed = doc["sealed"] as Record<string, unknown> | null;
  if (sealed) delete sealed["sealedAt"];
  return JSON.parse(JSON.stringify(doc).replaceAll(/release\/replicas\/[a-z]+\/epoch-[0-9]+\/[a-z]+\.facts|nats:\/\/[^"]+/g, "LOCATION").replaceAll(/out-(js|dir)\//g, "OUT/"));
}

describe("calmlog with a JetStream replica set", () => {
  it("gives the same report, -D outputs and seal digests as the same facts in folders", async () => {
    const url = setUrl();
    await publishRelease(url);
    const sealed = await calmlog(root, "seal", url, "--epoch", "1", "--program", PROGRAM, "--reason", "review of v2.0 closed");
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    const folderSeal = JSON.parse(readFileSync(join(root, "release/replicas/seals/epoch-1.json"), "utf8")) as { replicas: Record<string, { digest: string }> };
    for (const [name, r] of Object.entries(folderSeal.replicas)) expect(sealed.stdout).toContain(`${name}: `), expect(sealed.stdout).toContain(r.digest);

    // A fresh copy of the folders, so neither side has kept state from an earlier run.
    const copy = mkdtempSync(join(tmpdir(), "calmlog-js-dir-"));
    cpSync(join(root, "release"), join(copy, "release"), { recursive: true, filter: (src) => !src.includes(".calmlog") });
    // Both sides have kept state from an earlier run (the seal's, the first evaluate's).
    expect((await calmlog(copy, "evaluate", PROGRAM, "release/replicas")).code).toBe(0);
    const viaStream = await calmlog(root, "evaluate", PROGRAM, url, "--format", "json", "-D", "out-js");
    const viaFolder = await calmlog(copy, "evaluate", PROGRAM, "release/replicas", "--format", "json", "-D", "out-dir");
    expect(viaStream.code).toBe(0);
    expect(viaFolder.code).toBe(0);
    expect(withoutSource(viaStream.stdout)).toEqual(withoutSource(viaFolder.stdout));
    expect(JSON.parse(viaStream.stdout).source).toEqual({ kind: "jetstream", url });
    for (const rel of ["ready.csv", "approved.csv"]) {
      expect(readFileSync(join(root, "out-js", rel), "utf8")).toBe(readFileSync(join(copy, "out-dir", rel), "utf8"));
    }
  });

  it("seals only once every replica delivered the epoch, and refuses facts published into it afterwards", async () => {
    const url = setUrl();
    await calmlog(root, "publish", PROGRAM, url, "--replica", "dublin", "--epoch", "1", "release/replicas/dublin/epoch-1/approval.facts", "--done");
    await calmlog(root, "publish", PROGRAM, url, "--replica", "madrid", "--epoch", "1", "release/replicas/madrid/epoch-1/release.facts");
    const early = await calmlog(root, "seal", url, "--epoch", "1", "--program", PROGRAM);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("error CL505");
    expect(early.stderr).toContain("replica `madrid` has not delivered it");
    expect((await calmlog(root, "publish", PROGRAM, url, "--replica", "madrid", "--epoch", "1", "--done")).code).toBe(0);
    expect((await calmlog(root, "seal", url, "--epoch", "1", "--program", PROGRAM)).code).toBe(0);
    const late = await calmlog(root, "publish", PROGRAM, url, "--replica", "madrid", "--epoch", "1", "release/replicas/madrid/epoch-1/blocker.facts");
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("error CL533: epoch 1 of");
  });

  it("decides a seal once when two sealers race: the other exits 1 saying it is sealed", async () => {
    const url = setUrl();
    await publishRelease(url);
    const results = await Promise.all([0, 1, 2].map((i) => calmlog(root, "seal", url, "--epoch", "1", "--program", PROGRAM, "--state", `sealer-${n}-${i}`)));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error CL505: .*(already sealed|sealed meanwhile)/);
    }
  });

  it("reports a message that is not a fact of an `.input` relation (CL532) and carries on", async () => {
    const url = setUrl();
    await publishRelease(url);
    const nc = await connect({ servers: `127.0.0.1:${server.port}` });
    const js = jetstream(nc);
    const set = url.slice(url.lastIndexOf("/") + 1);
    await js.publish(`calmlog.${set}.dublin.1.ready`, '["v9"]');
    await js.publish(`calmlog.${set}.dublin`, "hello");
    await nc.close();
    const r = await calmlog(root, "evaluate", PROGRAM, url);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning CL532");
    expect(r.stderr).toContain("`ready` is not an `.input` relation");
    expect(r.stderr).toContain("name no replica and epoch");
  });

  it("says so, with its code and no stack trace, when the server is down or the set does not exist", async () => {
    const down = await calmlog(root, "evaluate", PROGRAM, "nats://127.0.0.1:1/x");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^nats:\/\/127\.0\.0\.1:1\/x: error CL530: cannot reach the NATS server/);
    expect(down.stderr).not.toContain("    at ");
    const missing = await calmlog(root, "evaluate", PROGRAM, `${server.url}/never-published`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error CL531: replica set `never-published` does not exist");
    const bad = await calmlog(root, "evaluate", PROGRAM, `${server.url}/a.b`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("may hold only letters, digits");
  });

  it("--follow reports new lower bounds as facts arrive and the sealed results when the seal appears", async () => {
    const url = setUrl();
    await calmlog(root, "publish", PROGRAM, url, "--replica", "madrid", "--epoch", "1", "release/replicas/madrid/epoch-1/release.facts", "--done");
    const abort = new AbortController();
    let stdout = "";
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 300 && !stdout.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toContain(text);
    };
    const following = main(["evaluate", PROGRAM, url, "--follow"], {
      cwd: root,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => undefined },
      env: { NO_COLOR: "1" },
      signal: abort.signal,
    } as never);
    await waitFor("1 replica(s) in");
    await calmlog(root, "publish", PROGRAM, url, "--replica", "dublin", "--epoch", "1", "release/replicas/dublin/epoch-1/approval.facts", "--done");
    await waitFor("2 replica(s) in");
    await calmlog(root, "seal", url, "--epoch", "1", "--program", PROGRAM);
    await waitFor("epoch 1 sealed");
    abort.abort();
    expect(await following).toBe(0);
  });
});
