// Across runs: random facts arrive over several runs, a run may be killed at any point of its
// commit, the derived state kept between runs may be damaged or written by another program, and
// the state and results after a last clean run equal one clean run over all the facts.
import { fc, test } from "@fast-check/vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { DirectorySource } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { factArb, programArb, unitOf, type GenFact } from "./programs.js";

const AT = "2026-01-01T00:00:00.000Z";
const NAMES = ["r0", "r1", "r2"];

interface Placed {
  readonly fact: GenFact;
  readonly replica: number;
  readonly epoch: number;
  readonly run: number;
}

/** Writes the facts of runs 0..upTo as files (each file rewritten whole, as a replica would). */
function writeFiles(dir: string, placed: readonly Placed[], upTo: number): void {
  const files = new Map<string, string[]>();
  for (const name of NAMES) mkdirSync(join(dir, name, "epoch-1"), { recursive: true });
  for (const p of placed) {
    if (p.run > upTo) continue;
    const path = join(dir, NAMES[p.replica]!, `epoch-${p.epoch}`, `${p.fact.relation}.facts`);
    if (!files.has(path)) files.set(path, []);
    files.get(path)!.push(p.fact.tuple.join("\t"));
  }
  for (const [path, lines] of files) {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, lines.join("\n") + "\n");
  }
}

/** One run as `calmlog evaluate` does it, with an optional seal of epoch 1 first; returns the report and diagnostics. */
async function run(dir: string, text: string, seal: boolean) {
  const unit = unitOf(text);
  const diags = new Diagnostics();
  const ws = (await openReplicas(new DirectorySource(dir), { unit, programText: text, diagnostics: diags }))!;
  expect(ws).not.toBeNull();
  try {
    expect(await ws.reconcile()).toBe(true);
    if (seal) expect((await ws.seal(1, { sealedAt: AT, reason: "test" })).ok).toBe(true);
    const report = ws.evaluate();
    await ws.commit();
    return { report, diags: diags.items.map((d) => d.code), set: ws.snapshot(), continued: ws.continuedDerived, reused: ws.reusedReport };
  } finally {
    ws.close();
  }
}

/** What a run's results are, without what is relative to the previous run (new facts, added tuples). */
function results(report: Awaited<ReturnType<typeof run>>["report"], mergedTuples = true) {
  return {
    sealedEpoch: report.sealedEpoch,
    openEpochs: report.openEpochs,
    replicas: report.replicas.map((r) => ({ name: r.name, facts: r.facts, sizes: r.relations.map((x) => [x.relation, x.size]) })),
    // A report reused from the last run keeps merged sizes (all it shows) and the tuples of outputs.
    merged: mergedTuples ? report.merged : report.merged.map((m) => [m.relation, m.size]),
    sealed: report.sealed,
    withheld: report.withheld,
    invariants: report.invariants,
  };
}

const placedArb = fc.record({ fact: factArb, replica: fc.integer({ min: 0, max: 2 }), epoch: fc.integer({ min: 1, max: 2 }), run: fc.integer({ min: 0, max: 3 }) });
/** Per run: no kill, or a kill after this fraction of the bytes the commit appends. */
const killArb = fc.option(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { nil: null });
/**
 * Per run, what happens to the kept derived state before it: nothing, a flipped byte or a cut in its
 * manifest, its removal, a run of another program, a flipped byte in or the removal of one part
 * file, the leftovers of a run killed while writing parts (a renamed part no manifest names and
 * a temporary file), or a flipped byte in the log frames after the commit the store's part reflects.
 */
const cacheArb = fc.constantFrom("keep", "keep", "keep", "flip", "cut", "remove", "other", "flip-part", "remove-part", "orphan", "flip-tail");

describe("property 6: runs split and killed at random end where one clean run ends", () => {
  test.prop(
    [
      programArb,
      fc.array(placedArb, { maxLength: 14 }),
      fc.array(killArb, { minLength: 4, maxLength: 4 }),
      fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
      fc.array(cacheArb, { minLength: 4, maxLength: 4 }),
      programArb,
    ],
    { numRuns: 15 },
  )(
    "random runs, kill points and damaged derived state equal one clean run",
    async (text, placedRaw, kills, sealAfter, caches, other) => {
      // Epoch 1's facts all arrive by the run after which it is sealed (later ones would be late).
      const placed = placedRaw.map((p) => (sealAfter !== null && p.epoch === 1 && p.run > sealAfter ? { ...p, run: sealAfter } : p));
      const dir = mkdtempSync(join(tmpdir(), "calmlog-runs-"));
      const log = join(dir, ".calmlog", "state", "state.log");
      const derived = join(dir, ".calmlog", "state", "derived.json");
      const parts = (): string[] => readdirSync(join(dir, ".calmlog", "state")).filter((f) => /^derived-.*\.bin$/.test(f)).sort().map((f) => join(dir, ".calmlog", "state", f));
      // Whether the derived state the last run kept is whole and reflects the log as it stands.
      let intact = false;
      // A damaged part no run has looked for since: a run that reused its report read no part, and
      // the next run may not read that part either (its names are random, so which part a step
      // damages is too: a replica's engine with nothing new stays unread), so it may rightly continue.
      let partDamageUnread = false;
      for (let i = 0; i < 4; i++) {
        writeFiles(dir, placed, i);
        const cache = caches[i]!;
        // A damaged part is found only by a run that reads it, so whether the run continues is not asserted then.
        let asserted = true;
        // Whether this step changed anything: a part or a log tail to damage may not exist.
        let damaged = true;
        if (existsSync(derived) && cache !== "keep") {
          const bytes = readFileSync(derived);
          const part = parts()[i % Math.max(1, parts().length)];
          if (cache === "flip") (bytes[Math.floor(bytes.length / 2)]! ^= 0x40, writeFileSync(derived, bytes));
          else if (cache === "cut") writeFileSync(derived, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
          else if (cache === "remove") rmSync(derived);
          else if (cache === "flip-part" || cache === "remove-part") {
            damaged = part !== undefined;
            if (part !== undefined && cache === "remove-part") rmSync(part);
            else if (part !== undefined) {
              const b = readFileSync(part);
              b[Math.floor(b.length / 2)]! ^= 0x40;
              writeFileSync(part, b);
            }
            asserted = false;
          } else if (cache === "flip-tail") {
            // A flipped byte in the log the store's part does not reflect (the frames a run replays).
            // A manifest an earlier step cut and no run wrote again since (nothing was new) names no tail.
            let h: { log: { length: number }; store?: { log?: { length: number } } } | null = null;
            try {
              h = JSON.parse(bytes.toString("utf8")) as { log: { length: number }; store?: { log?: { length: number } } };
            } catch {
              h = null;
            }
            const from = h === null ? Infinity : h.store?.log?.length ?? h.log.length;
            const lb = existsSync(log) ? readFileSync(log) : Buffer.alloc(0);
            damaged = lb.length > from;
            if (damaged) (lb[from + Math.floor((lb.length - from) / 2)]! ^= 0x40, writeFileSync(log, lb));
            asserted = false;
          } else if (cache === "orphan") {
            writeFileSync(join(dir, ".calmlog", "state", "derived-engine-00ff00ff00ff00ff.bin"), "renamed, never named by a manifest");
            writeFileSync(join(dir, ".calmlog", "state", "derived-engine-0123456789abcdef.bin.tmp-1-00ff00ff"), "partial");
          } else await run(dir, other, false);
          if (cache !== "orphan" && damaged) intact = cache === "other" && other === text;
        }
        if ((cache === "flip-part" || cache === "remove-part") && damaged) partDamageUnread = true;
        else if (partDamageUnread) asserted = false;
        const before = existsSize(log);
        const saved = before > 0 ? readFileSync(log) : null;
        const now = await run(dir, text, sealAfter === i);
        // A run that evaluates continues from an intact derived state, and never from a damaged or foreign one.
        if (!now.reused && asserted) expect(now.continued).toBe(intact);
        intact = !now.reused || intact;
        if (!now.reused) partDamageUnread = false;
        const kill = kills[i];
        if (kill === null || kill === undefined) continue;
        // Killed while appending: only a prefix of this run's bytes reached the disk.
        const after = existsSize(log);
        // A run that appended nothing (nothing new to commit) leaves nothing to cut.
        if (before > 0 && after === before) continue;
        intact = false;
        if (before === 0) {
          // The first commit writes a new log and renames it; killed before the rename.
          rmSync(log, { force: true });
          writeFileSync(`${log}.tmp-1-00ff00ff`, "partial");
        } else if (!readFileSync(log).subarray(0, before).equals(saved!)) {
          // A compacting commit writes the log anew and renames it; killed before the rename.
          writeFileSync(log, saved!);
          writeFileSync(`${log}.tmp-1-00ff00ff`, "partial");
        } else truncateSync(log, before + Math.floor((after - before) * kill));
      }
      const last = await run(dir, text, false);
      expect(last.diags.filter((c) => c !== "CL501")).toEqual([]);
      expect(readdirSync(join(dir, ".calmlog", "state")).filter((f) => f.includes(".tmp-"))).toEqual([]);
      // Every part file left is one the manifest names.
      if (existsSync(derived) && !last.reused) {
        type Kept = { file: string; delta?: { file: string } };
        const h = JSON.parse(readFileSync(derived, "utf8")) as { replicas: Record<string, { state: Kept }>; merged: Kept | null; sealed: { file: string } | null; store?: { file: string } };
        const named = [...Object.values(h.replicas).map((r) => r.state), h.merged]
          .flatMap((k) => (k === null ? [] : [k.file, k.delta?.file]))
          .concat(h.sealed?.file, h.store?.file)
          .filter((f): f is string => f !== undefined);
        expect(parts().map((p) => p.slice(p.lastIndexOf("/") + 1)).sort()).toEqual([...new Set(named)].sort());
      }

      const clean = mkdtempSync(join(tmpdir(), "calmlog-clean-"));
      if (sealAfter !== null) {
        writeFiles(clean, placed.filter((p) => p.epoch === 1), 3);
        await run(clean, text, true);
      }
      writeFiles(clean, placed, 3);
      const once = await run(clean, text, false);
      expect(results(last.report)).toEqual(results(once.report));
      expect(last.set.equals(once.set)).toBe(true);
      // And a rerun with nothing new reports the same.
      const again = await run(dir, text, false);
      expect(results(again.report, false)).toEqual(results(once.report, false));
    },
  );
});

function existsSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
