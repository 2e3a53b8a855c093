// JetStream replica sets against the same facts in folders, whole process each:
//   npm run bench:jetstream -- [--orders N] [--runs N]
// Generates the orders set (programs/orders/generate.mjs; --orders 360000 gives about 1M facts over
// 3 replicas and 2 epochs), starts a nats-server on 127.0.0.1 with a temporary store, then measures
//   publish    three replica processes publishing their files at once (facts/s, pipelined batches)
//   first      time from starting `evaluate --follow` to its first report (the first lower bound)
//   evaluate   `evaluate` over the stream against `evaluate` over the folders (fresh state each)
// Wall time and peak memory come from /usr/bin/time when present (else wall time only).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startNats } from "../test/replica/jetstream/server.js";
import { buildIfStale } from "./build.js";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "calmlog.js");
const PROGRAM = join(ROOT, "programs", "orders", "orders.dl");
const { values } = parseArgs({ options: { orders: { type: "string", default: "360000" }, runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);

interface Measured {
  readonly seconds: number;
  readonly mb: number | null;
  readonly stdout: string;
}

const TIME = existsSync("/usr/bin/time");

/** Runs `node bin/calmlog.js ARGS` and measures wall time and peak memory (max RSS). */
function measure(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const cmd = TIME ? "/usr/bin/time" : process.execPath;
    const argv = TIME ? ["-f", "%M", process.execPath, BIN, ...args] : [BIN, ...args];
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`calmlog ${args.join(" ")} exited ${code}:\n${stderr}`));
      const kb = TIME ? Number(stderr.trim().split("\n").at(-1)) : NaN;
      resolve({ seconds, mb: Number.isFinite(kb) ? kb / 1024 : null, stdout });
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (m: number | null): string => (m === null ? "n/a" : `${m.toFixed(0)} MB`);

function countFacts(dir: string): number {
  let n = 0;
  for (const r of readdirSync(dir)) {
    if (r.startsWith(".") || r === "seals") continue;
    for (const e of readdirSync(join(dir, r))) for (const f of readdirSync(join(dir, r, e))) n += readFileSync(join(dir, r, e, f), "utf8").split("\n").filter(Boolean).length;
  }
  return n;
}

buildIfStale();
const work = mkdtempSync(join(tmpdir(), "calmlog-bench-js-"));
const data = join(work, "replicas");
execFileSync(process.execPath, [join(ROOT, "programs", "orders", "generate.mjs"), data, "--orders", values.orders!]);
const facts = countFacts(data);
const replicas = readdirSync(data).filter((r) => !r.startsWith("."));
const server = await startNats();
process.stdout.write(`orders --orders ${values.orders}: ${facts} facts, ${replicas.length} replicas; nats-server ${execFileSync("nats-server", ["--version"]).toString().trim()}\n`);
try {
  const env = { ...process.env, XDG_CACHE_HOME: join(work, "cache") };
  const publishTimes: number[] = [];
  const streamTimes: Measured[] = [];
  const folderTimes: Measured[] = [];
  const firstBounds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const url = `${server.url}/orders${run}`;
    // Three replica processes at once, each publishing every epoch's files.
    const t0 = performance.now();
    await Promise.all(
      replicas.map(async (r) => {
        for (const e of readdirSync(join(data, r)).sort()) {
          const epoch = e.replace("epoch-", "");
          const files = readdirSync(join(data, r, e)).map((f) => join(data, r, e, f));
          await measure(["publish", PROGRAM, url, "--replica", r, "--epoch", epoch, ...files, "--done"], env);
        }
      }),
    );
    publishTimes.push((performance.now() - t0) / 1000);
    // The first lower bound: from starting `evaluate --follow` to its first report.
    const t1 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "evaluate", PROGRAM, url, "--follow", "--state", join(work, `follow${run}`)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
      child.stdout.once("data", () => {
        firstBounds.push((performance.now() - t1) / 1000);
        child.kill("SIGINT");
      });
      child.on("exit", () => resolve());
      child.on("error", reject);
    });
    streamTimes.push(await measure(["evaluate", PROGRAM, url, "--state", join(work, `state${run}`)], env));
    rmSync(join(data, ".calmlog"), { recursive: true, force: true });
    folderTimes.push(await measure(["evaluate", PROGRAM, data], env));
  }
  const stream = median(streamTimes.map((m) => m.seconds));
  const folder = median(folderTimes.map((m) => m.seconds));
  const rows = [
    ["publish, 3 replica processes at once", `${median(publishTimes).toFixed(2)} s`, `${Math.round(facts / median(publishTimes)).toLocaleString("en")} facts/s`, ""],
    ["first lower bound (`evaluate --follow`)", `${median(firstBounds).toFixed(2)} s`, "", ""],
    ["`evaluate` over JetStream", `${stream.toFixed(2)} s`, fmt(median(streamTimes.map((m) => m.mb ?? NaN))), `${(stream / folder).toFixed(2)}x folders (target <= 1.5x)`],
    ["`evaluate` over folders", `${folder.toFixed(2)} s`, fmt(median(folderTimes.map((m) => m.mb ?? NaN))), ""],
  ];
  process.stdout.write(`median of ${runs} run(s); load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}\n\n`);
  process.stdout.write("| step | wall | rate / peak memory | ratio |\n|---|---|---|---|\n");
  for (const r of rows) process.stdout.write(`| ${r.join(" | ")} |\n`);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
