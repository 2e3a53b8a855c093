// A three-node JetStream cluster on loopback: three replica processes publish while one node is
// killed and restarted. Nothing a publisher saw acknowledged is lost, the seal is decided once
// among racing sealers, and the sealed results equal one evaluation of the sealed facts.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type NatsServer } from "./server.js";

const SCRIPT = join(import.meta.dirname, "../../cli/run-cli.mjs");
// tsx's loader by absolute URL: the processes run in a temporary folder without node_modules.
const TSX = import.meta.resolve("tsx");
const PROGRAM = `// Reachability is monotonic; a node with no way out reads absence, so it waits for a seal.
.decl edge(a: symbol, b: symbol)
.input edge
.decl reach(a: symbol, b: symbol)
.output reach
.decl sink(a: symbol)
.output sink
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
sink(y) :- edge(_, y), !edge(y, _).
`;

let nodes: NatsServer[] = [];
let root: string;
beforeAll(async () => {
  nodes = await startCluster();
  root = mkdtempSync(join(tmpdir(), "calmlog-cluster-"));
  writeFileSync(join(root, "graph.dl"), PROGRAM);
});
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

function calmlog(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, SCRIPT, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, XDG_CACHE_HOME: join(root, "cache") } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs a publish until it exits 0 (a node may be down mid-way); a re-send is deduplicated. */
async function publishUntilAcknowledged(...args: string[]): Promise<number> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const r = await calmlog(...args);
    if (r.code === 0) return attempt;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/CL530/);
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`publish ${args.join(" ")} never succeeded`);
}

describe("a three-node JetStream cluster", () => {
  // A cluster on a busy machine can miss a leader election now and then; a retry starts over on a
  // new replica set (every assertion still holds for the attempt that counts).
  let attempt = 0;
  it("loses nothing acknowledged while a node is killed and restarted, and decides the seal once", { timeout: 300_000, retry: 2 }, async () => {
    attempt++;
    if (attempt > 1) for (const n of nodes) await n.restart();
    const url = `nats://${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}/graph${attempt}`;
    const replicas = ["eu", "us", "ap"];
    const expected = new Set<string>();
    for (const [i, r] of replicas.entries()) {
      mkdirSync(join(root, r), { recursive: true });
      for (let part = 0; part < 3; part++) {
        const lines: string[] = [];
        // Shallow graphs: every reach is at most two edges long, so evaluation stays small.
        for (let k = 0; k < 1500; k++) {
          const edges = [[`a${i}-${part}-${k}`, `b${(k * 7 + i) % 500}`]];
          if (k < 100) edges.push([`b${(k * 5 + part) % 500}`, `c${(k + i) % 50}`]);
          for (const [a, b] of edges) {
            lines.push(`${a}\t${b}`);
            expected.add(`${a}\t${b}`);
          }
        }
        mkdirSync(join(root, r, `p${part}`), { recursive: true });
        writeFileSync(join(root, r, `p${part}`, "edge.facts"), lines.join("\n") + "\n");
      }
    }
    // The first publish makes the stream; the cluster must have elected a leader by then.
    await publishUntilAcknowledged("publish", "graph.dl", url, "--replica", "eu", "--epoch", "1", "eu/p0/edge.facts");
    // Kill the second node once the replicas publish, and bring it back while they still do.
    let acked = 0;
    const chaos = (async () => {
      while (acked < 1) await new Promise((res) => setTimeout(res, 50));
      await nodes[1]!.kill();
      while (acked < 4) await new Promise((res) => setTimeout(res, 50));
      await nodes[1]!.restart();
    })();
    const publishers = replicas.map(async (r) => {
      for (let part = 0; part < 3; part++) {
        await publishUntilAcknowledged("publish", "graph.dl", url, "--replica", r, "--epoch", "1", `${r}/p${part}/edge.facts`);
        acked++;
      }
      await publishUntilAcknowledged("publish", "graph.dl", url, "--replica", r, "--epoch", "1", "--done");
    });
    await Promise.all([...publishers, chaos]);

    // Three sealers as on three machines, each with its own local state.
    const sealers = await Promise.all([0, 1, 2].map((i) => calmlog("seal", url, "--epoch", "1", "--program", "graph.dl", "--state", `sealer${attempt}-${i}`)));
    const won = sealers.filter((s) => s.code === 0);
    expect(won, sealers.map((s) => s.stderr).join("\n")).toHaveLength(1);
    for (const lost of sealers.filter((s) => s.code !== 0)) expect(lost.stderr).toMatch(/CL505/);

    // Sealed results over the stream equal one `run` over the union of every published fact.
    const ev = await calmlog("evaluate", "graph.dl", url, "-D", "out-stream");
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toContain("epoch 1 sealed");
    mkdirSync(join(root, "union"), { recursive: true });
    writeFileSync(join(root, "union", "edge.facts"), [...expected].join("\n") + "\n");
    const run = await calmlog("run", "graph.dl", "-F", "union", "-D", "out-union");
    expect(run.code, run.stderr).toBe(0);
    for (const rel of ["reach", "sink"]) {
      const lines = (f: string): string[] => readFileSync(join(root, f, `${rel}.csv`), "utf8").split("\n").filter(Boolean).sort();
      expect(lines("out-stream")).toEqual(lines("out-union"));
    }
  });
});
