#!/usr/bin/env node
// Crash safety of `calmlog evaluate` and `calmlog seal` with real kills: facts arrive over several
// runs, each `evaluate` is killed with SIGKILL after a random delay (or left to finish); halfway,
// epoch 1 is completed and sealed, each `seal` attempt again killed at random until one finishes.
// After every kill the next run must succeed, and at the end the state, the report and the seal
// must equal one clean run over all the facts, with no temporary file or lock left behind.
//
//   node bench/replica-crash.mjs [--rounds N] [--orders N] [--seed N] [--max-kill-ms N] [--from-source]
//
// It runs the built CLI (`npm run build` first), or with --from-source the TypeScript sources
// through tsx (what the test suite does, with a small count). CRASH_KEEP=1 keeps the folders of a
// run that differs, with both reports, for a look.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "12" },
    orders: { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
    "max-kill-ms": { type: "string", default: "3000" },
    "from-source": { type: "boolean", default: false },
  },
});
const root = new URL("..", import.meta.url).pathname;
const cli = values["from-source"]
  ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, join(root, "test/cli/run-cli.mjs")]
  : [join(root, "bin", "calmlog.js")];
const program = join(root, "programs/orders/orders.dl");
const maxKill = Number(values["max-kill-ms"]);
let seed = Number(values.seed) >>> 0;
const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

const base = mkdtempSync(join(tmpdir(), "calmlog-crash-"));
const full = join(base, "full");
spawnSync(process.execPath, [join(root, "programs/orders/generate.mjs"), full, "--orders", values.orders], { stdio: "ignore" });
// The working copy starts with every file's first half; each round appends a slice of the rest.
const work = join(base, "work");
cpSync(full, work, { recursive: true });
const files = [];
for (const r of readdirSync(full)) for (const e of readdirSync(join(full, r))) for (const f of readdirSync(join(full, r, e))) files.push(join(r, e, f));
const rest = new Map();
for (const f of files) {
  const lines = readFileSync(join(full, f), "utf8").split("\n").filter((l) => l !== "");
  const half = Math.floor(lines.length / 2);
  writeFileSync(join(work, f), lines.slice(0, half).map((l) => l + "\n").join(""));
  rest.set(f, lines.slice(half));
}
const inEpoch1 = (f) => f.split(/[\\/]/)[1] === "epoch-1";

/** One CLI run, killed with SIGKILL after `killAfterMs` unless it ends first (null: never killed). */
function calmlog(args, killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}
const evaluate = (dir, kill) => calmlog(["evaluate", program, dir, "--format", "json"], kill);
const seal = (dir, kill) => calmlog(["seal", dir, "--epoch", "1", "--reason", "crash test", "--program", program], kill);
// Kill points spread over a run's length: the first run is timed, not killed.
let typical = null;
const killTime = () => (typical === null ? null : rand() < 0.7 ? Math.floor(rand() * Math.min(maxKill, typical * 1.2)) : null);

const rounds = Number(values.rounds);
const sealRound = Math.floor(rounds / 2);
let kills = 0;
let sealKills = 0;
for (let i = 0; i < rounds; i++) {
  for (const f of files) {
    const lines = rest.get(f);
    if (i === sealRound && inEpoch1(f)) {
      // Epoch 1 is complete before it is sealed; sealed files never grow again.
      if (lines.length > 0) appendFileSync(join(work, f), lines.splice(0).map((l) => l + "\n").join(""));
      continue;
    }
    if (i > sealRound && inEpoch1(f)) continue;
    const n = Math.ceil(lines.length / (rounds - i));
    if (n > 0) appendFileSync(join(work, f), lines.splice(0, n).map((l) => l + "\n").join(""));
  }
  const started = performance.now();
  const r = await evaluate(work, killTime());
  typical ??= performance.now() - started;
  if (r.signal === "SIGKILL") kills++;
  else if (r.code !== 0) throw new Error(`round ${i}: evaluate exited ${r.code}\n${r.err}${r.out.slice(-3000)}`);
  if (i === sealRound) {
    // Seal epoch 1, killed at random points, until one attempt finishes (the last is never killed).
    for (let attempt = 0; ; attempt++) {
      const s = await seal(work, attempt < 6 ? killTime() : null);
      if (s.signal === "SIGKILL") {
        sealKills++;
        continue;
      }
      // A killed attempt may have finished its write just before the kill: then "already sealed" is right.
      if (s.code === 0 || (attempt > 0 && /CL505/.test(s.err) && /already sealed/.test(s.err))) break;
      throw new Error(`seal attempt ${attempt} exited ${s.code}\n${s.err}`);
    }
  }
}
const last = await evaluate(work, null);
const clean = join(base, "clean");
cpSync(full, clean, { recursive: true });
const cleanSeal = await seal(clean, null);
const once = await evaluate(clean, null);
const strip = (doc) => {
  const j = JSON.parse(doc);
  return JSON.stringify({
    merged: j.merged,
    sealed: j.sealed === null ? null : { epoch: j.sealed.epoch, relations: j.sealed.relations },
    withheld: j.withheld,
    replicas: j.replicas.map((r) => [r.name, r.facts]),
  });
};
const sealOf = (dir) => {
  const j = JSON.parse(readFileSync(join(dir, "seals", "epoch-1.json"), "utf8"));
  return JSON.stringify(j.replicas);
};
const same = last.code === 0 && once.code === 0 && cleanSeal.code === 0 && strip(last.out) === strip(once.out) && sealOf(work) === sealOf(clean);
// calmlog's own temporary files (`*.tmp`, `*.tmp-*`) and the lock must not outlive the runs.
const leftover = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.tmp(-|$)/.test(f) || f === "lock").map((f) => join(dir, f)) : []);
const leftovers = [...leftover(join(work, ".calmlog", "state")), ...leftover(join(work, ".calmlog")), ...leftover(join(work, "seals"))];
process.stdout.write(
  `${rounds} rounds, ${kills} evaluate run(s) and ${sealKills} seal attempt(s) killed with SIGKILL; final state ${same ? "equals" : "DIFFERS FROM"} one clean run; leftover files: ${leftovers.length === 0 ? "none" : leftovers.join(", ")}\n`,
);
if (!same && last.code !== 0) process.stdout.write(last.err);
if (!same && process.env.CRASH_KEEP) { writeFileSync(join(base, "last.json"), last.out); writeFileSync(join(base, "once.json"), once.out); process.stdout.write(`kept ${base}\n`); } else rmSync(base, { recursive: true, force: true });
process.exitCode = same && leftovers.length === 0 ? 0 : 1;
