#!/usr/bin/env node
// Crash safety of `calmlog evaluate` with real kills: facts arrive over several runs, each run is
// killed with SIGKILL after a random delay (or left to finish), and the final state and report
// must equal one clean run over all the facts. Uses the built CLI (`npm run build` first).
//
//   node bench/replica-crash.mjs [--rounds N] [--orders N] [--seed N]
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "12" }, orders: { type: "string", default: "20000" }, seed: { type: "string", default: "1" } } });
const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin", "calmlog.js");
const program = join(root, "programs/orders/orders.dl");
let seed = Number(values.seed) >>> 0;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

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

function evaluate(dir, killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "evaluate", program, dir, "--format", "json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

const rounds = Number(values.rounds);
let kills = 0;
for (let i = 0; i < rounds; i++) {
  for (const f of files) {
    const lines = rest.get(f);
    const n = Math.ceil(lines.length / (rounds - i));
    if (n > 0) appendFileSync(join(work, f), lines.splice(0, n).map((l) => l + "\n").join(""));
  }
  const kill = rand() < 0.7 ? Math.floor(rand() * 3000) : null;
  const r = await evaluate(work, kill);
  if (r.signal === "SIGKILL") kills++;
  else if (r.code !== 0) throw new Error(`round ${i}: evaluate exited ${r.code}`);
}
const last = await evaluate(work, null);
const clean = join(base, "clean");
cpSync(full, clean, { recursive: true });
const once = await evaluate(clean, null);
const strip = (doc) => {
  const j = JSON.parse(doc);
  return JSON.stringify({ merged: j.merged, sealed: j.sealed, withheld: j.withheld, replicas: j.replicas.map((r) => [r.name, r.facts]) });
};
const same = last.code === 0 && once.code === 0 && strip(last.out) === strip(once.out);
const leftovers = readdirSync(join(work, ".calmlog", "state")).filter((f) => f.includes(".tmp-") || f === "lock");
process.stdout.write(`${rounds} rounds, ${kills} killed with SIGKILL; final state ${same ? "equals" : "DIFFERS FROM"} one clean run; leftover files: ${leftovers.length === 0 ? "none" : leftovers.join(", ")}\n`);
rmSync(base, { recursive: true, force: true });
process.exitCode = same && leftovers.length === 0 ? 0 : 1;
