// Start-up benchmark: whole processes of `calmlog run|check|lint|evaluate` on a one-fact program and
// a two-replica directory, beside `node -e 0`, and each command again with its bundle compiled from
// source (no code cache), interleaved so that the ratios come from the same moments. Not a test.
//   npx tsx bench/startup.ts [--runs 5]     (also `npm run bench -- --only startup`)
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildIfStale, dropExtraCaCerts } from "./build.js";

const caNote = dropExtraCaCerts();

const ROOT = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } }, strict: true });
const runs = Math.max(1, Number(values.runs));

buildIfStale();
const work = mkdtempSync(join(tmpdir(), "calmlog-startup-"));
const write = (path: string, text: string): void => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
};
write(join(work, "t.dl"), ".decl e(x: number, y: number)\n.input e\n.decl p(x: number, y: number)\n.output p\np(x, y) :- e(x, y).\np(x, z) :- p(x, y), e(y, z).\n");
write(join(work, "f", "e.facts"), "1\t2\n");
write(join(work, "reps", "a", "epoch-1", "e.facts"), "1\t2\n");
write(join(work, "reps", "b", "epoch-1", "e.facts"), "2\t3\n");

// The same bundles, compiled from source each time: a copy without the cache, loaded by a driver that
// writes none. The copy sits under node_modules so that the bundles' own `require`s still resolve.
const bare = join(ROOT, "node_modules", ".cache", `calmlog-startup-${process.pid}`);
mkdirSync(bare, { recursive: true });
const driver = join(work, "bare.mjs");
writeFileSync(
  driver,
  `const { bundleName, loadBundle } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "bin", "load.js")).href)});
const argv = process.argv.slice(2);
const b = loadBundle(bundleName(argv), ${JSON.stringify(bare)});
process.exitCode = await b.exports.main(argv, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });\n`,
);

const COMMANDS: Record<string, string[]> = {
  run: ["run", "t.dl", "-F", "f", "-D", "out"],
  check: ["check", "t.dl"],
  lint: ["lint", "t.dl"],
  evaluate: ["evaluate", "t.dl", "reps"],
};
for (const name of Object.keys(COMMANDS)) copyFileSync(join(ROOT, "dist", "bin", `${name}.cjs`), join(bare, `${name}.cjs`));

interface Sample {
  wall: number;
  cpu: number;
  rss: number;
}
const rows: { label: string; args: string[]; samples: Sample[] }[] = [{ label: "node -e 0", args: ["-e", "0"], samples: [] }];
for (const [name, args] of Object.entries(COMMANDS)) {
  rows.push({ label: `calmlog ${name}`, args: [join(ROOT, "bin", "calmlog.js"), ...args], samples: [] });
  rows.push({ label: `calmlog ${name}, no code cache`, args: [driver, ...args], samples: [] });
}

function once(args: string[]): Sample {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "maxrss-kb %M cpu-s %U %S", process.execPath, ...args], { cwd: work, encoding: "utf8" });
  const wall = performance.now() - t0;
  const m = /maxrss-kb (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`node ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return { wall, cpu: (Number(m[2]) + Number(m[3])) * 1000, rss: Number(m[1]) / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

try {
  const before = loadavg()[0]!;
  for (const row of rows) once(row.args); // warm-up: file cache
  for (let i = 0; i < runs; i++) for (const row of rows) row.samples.push(once(row.args));
  console.log(`start-up, median of ${runs} interleaved runs (one fact; evaluate: two replicas, its second run)`);
  console.log(`${"process".padEnd(34)}${"wall ms".padStart(9)}${"cpu ms".padStart(9)}${"peak MB".padStart(9)}`);
  for (const row of rows) {
    const f = (k: keyof Sample): string => median(row.samples.map((s) => s[k])).toFixed(k === "rss" ? 1 : 0).padStart(9);
    console.log(`${row.label.padEnd(34)}${f("wall")}${f("cpu")}${f("rss")}`);
  }
  console.log(`load average: ${before.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
  if (caNote !== null) console.log(caNote);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}
