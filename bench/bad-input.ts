// Times `check` and `lint` on hostile input, as a user starts them (a child `node` on dist/): a file of
// stray tokens (error recovery, capped at 100 reported errors) and a chain of N relations (the
// analysis). Both must grow about linearly. Not a test: it prints numbers.
// Run: npx tsx bench/bad-input.ts   (after `npm run build`)
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = pathToFileURL(join(ROOT, "dist/cli/main.js")).href;
const dir = mkdtempSync(join(tmpdir(), "calmlog-bad-input-"));

/** CPU time and peak memory of one CLI run in a fresh process. */
function measure(args: string[]): { wallMs: number; cpuMs: number; rssMb: number; code: number } {
  const script = `import { main } from ${JSON.stringify(MAIN)};
const code = await main(${JSON.stringify(args)}, { stdout: { write() {} }, stderr: { write() {} }, cwd: ${JSON.stringify(dir)} });
const u = process.cpuUsage();
process.stderr.write("BENCH " + JSON.stringify({ code, cpuMs: (u.user + u.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024 }) + "\\n");`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  const wallMs = performance.now() - t0;
  const line = r.stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (line === undefined) throw new Error(`run failed: ${r.stderr}`);
  return { wallMs, ...(JSON.parse(line.slice(6)) as { code: number; cpuMs: number; rssMb: number }) };
}

function chain(n: number): string {
  const out = [".decl r0(x: number)", ".input r0"];
  for (let i = 1; i < n; i++) out.push(`.decl r${i}(x: number)`, `r${i}(x) :- r${i - 1}(x).`);
  out.push(`.output r${n - 1}`);
  return out.join("\n") + "\n";
}

console.log(`load average ${loadavg()[0]!.toFixed(1)}; times are whole processes (Node start included)`);
console.log("\nerror recovery: a file of `.` repeated (stray tokens)");
console.log("  chars      command  wall ms   cpu ms   peak MB  exit");
const stray: Record<number, number> = {};
for (const n of [1_000, 4_000, 16_000, 100_000]) {
  writeFileSync(join(dir, `stray-${n}.dl`), ".".repeat(n));
  const m = measure(["check", `stray-${n}.dl`]);
  stray[n] = m.cpuMs;
  console.log(`  ${String(n).padStart(7)}  check  ${m.wallMs.toFixed(0).padStart(8)} ${m.cpuMs.toFixed(0).padStart(8)} ${m.rssMb.toFixed(0).padStart(8)}  ${m.code}`);
}
console.log(`  cpu 100,000 / 16,000 chars: ${(stray[100_000]! / stray[16_000]!).toFixed(2)}x for 6.25x the input (target: well under 6.25x, i.e. linear or better)`);

console.log("\nanalysis: a chain of N relations, r_i(x) :- r_{i-1}(x)");
console.log("  relations  command  wall ms   cpu ms   peak MB  exit");
const cpu: Record<string, number> = {};
for (const n of [5_000, 20_000]) {
  writeFileSync(join(dir, `chain-${n}.dl`), chain(n));
  for (const cmd of ["check", "lint"]) {
    const m = measure([cmd, `chain-${n}.dl`]);
    cpu[`${cmd}-${n}`] = m.cpuMs;
    console.log(`  ${String(n).padStart(9)}  ${cmd.padEnd(6)} ${m.wallMs.toFixed(0).padStart(8)} ${m.cpuMs.toFixed(0).padStart(8)} ${m.rssMb.toFixed(0).padStart(8)}  ${m.code}`);
  }
}
console.log(`  lint / check cpu at 20,000: ${(cpu["lint-20000"]! / cpu["check-20000"]!).toFixed(2)}x (target: under 2x)`);
console.log(`  lint cpu 20,000 / 5,000 relations: ${(cpu["lint-20000"]! / cpu["lint-5000"]!).toFixed(2)}x for 4x the input (target: under 6x, near-linear)`);
