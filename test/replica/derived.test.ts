// The derived state kept between runs (derived.bin) and the log's compaction: a run with new facts
// continues from the kept engines and store, any damage or another program falls back to a full
// evaluation with the same results, and a log whose superseded commit records outweigh the facts
// is written anew, atomically, holding the same state.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { readDerived } from "../../src/replica/derived.js";
import { readLog } from "../../src/replica/log.js";
import { DirectorySource } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { unitOf } from "./programs.js";

const PROGRAM = `
.decl e(a: symbol, b: symbol)
.decl reach(a: symbol, b: symbol)
.decl lonely(a: symbol)
.input e
.output reach
reach(x, y) :- e(x, y).
reach(x, z) :- reach(x, y), e(y, z).
lonely(x) :- e(x, _), !e(_, x).
`;

function put(dir: string, rel: string, text: string): void {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

async function run(dir: string, text = PROGRAM) {
  const diags = new Diagnostics();
  const ws = (await openReplicas(new DirectorySource(dir), { unit: unitOf(text), programText: text, diagnostics: diags }))!;
  try {
    expect(await ws.reconcile()).toBe(true);
    const report = ws.evaluate();
    await ws.commit();
    return { report, continued: ws.continuedDerived, reused: ws.reusedReport, codes: diags.items.map((d) => d.code), set: ws.snapshot() };
  } finally {
    ws.close();
  }
}

/** The results, without what is relative to the previous run. */
function results(r: Awaited<ReturnType<typeof run>>, mergedTuples = true) {
  return {
    replicas: r.report.replicas.map((x) => [x.name, x.facts, x.relations.map((y) => [y.relation, y.size])]),
    // A report reused from the last run (nothing new) keeps merged sizes and the tuples of outputs only.
    merged: mergedTuples ? r.report.merged : r.report.merged.map((m) => [m.relation, m.size]),
    sealed: r.report.sealed,
    withheld: r.report.withheld,
  };
}

function chain(from: number, to: number, prefix = "n"): string {
  let out = "";
  for (let i = from; i < to; i++) out += `${prefix}${i}\t${prefix}${i + 1}\n`;
  return out;
}

function stateDir(dir: string): string {
  return join(dir, ".calmlog", "state");
}

describe("derived state across runs", () => {
  it("continues from the kept engines and store, and ends where one clean run ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 30));
    put(dir, "b/epoch-1/e.facts", chain(100, 130));
    const first = await run(dir);
    expect(first.continued).toBe(false);
    const file = readDerived(join(stateDir(dir), "derived.bin"));
    expect(file).not.toBeNull();
    expect(Object.keys(file!.header.replicas).sort()).toEqual(["a", "b"]);

    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(30, 35) + "n130\tn0\n");
    const second = await run(dir);
    expect(second.continued).toBe(true);
    expect(second.report.replicas.find((r) => r.name === "a")!.newFacts).toBe(6);
    expect(second.report.replicas.find((r) => r.name === "b")!.newFacts).toBe(0);

    const clean = mkdtempSync(join(tmpdir(), "calmlog-derived-clean-"));
    put(clean, "a/epoch-1/e.facts", readFileSync(join(dir, "a/epoch-1/e.facts"), "utf8"));
    put(clean, "b/epoch-1/e.facts", readFileSync(join(dir, "b/epoch-1/e.facts"), "utf8"));
    const once = await run(clean);
    expect(results(second)).toEqual(results(once));
    expect(second.set.equals(once.set)).toBe(true);
  });

  it("falls back to a full evaluation, with no finding, for a damaged file, an older format or another program", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-bad-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    await run(dir);
    const path = join(stateDir(dir), "derived.bin");
    const damages: [string, () => void][] = [
      ["a flipped byte", () => {
        const b = readFileSync(path);
        b[100]! ^= 1;
        writeFileSync(path, b);
      }],
      ["an older format", () => {
        const b = readFileSync(path);
        b.write("CLDERIV0", 0, "latin1");
        writeFileSync(path, b);
      }],
      ["a cut file", () => writeFileSync(path, readFileSync(path).subarray(0, 64))],
    ];
    let n = 20;
    for (const [, damage] of damages) {
      damage();
      appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(n, n + 1));
      n++;
      const r = await run(dir);
      expect(r.continued).toBe(false);
      expect(r.codes).toEqual([]);
      expect(r.report.merged.find((m) => m.relation === "reach")!.size).toBe((n * (n + 1)) / 2);
    }
    // Another program's derived state is not used by this one.
    await run(dir, PROGRAM + "\n.decl other(a: symbol)\nother(x) :- e(x, _).\n");
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(n, n + 1));
    n++;
    const r = await run(dir);
    expect(r.continued).toBe(false);
    expect(r.report.merged.find((m) => m.relation === "reach")!.size).toBe((n * (n + 1)) / 2);
    // And the next run continues again.
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(n, n + 1));
    expect((await run(dir)).continued).toBe(true);
  });
});

describe("log compaction", () => {
  it("writes the log anew once superseded commit records outweigh the rest, keeping the state", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-compact-"));
    // Many small files: each commit records every file, so commit records soon outweigh the facts.
    for (let f = 0; f < 12; f++) put(dir, `r${f}/epoch-1/e.facts`, chain(f * 10, f * 10 + 2, `r${f}x`));
    await run(dir);
    const log = join(stateDir(dir), "state.log");
    const sizes: number[] = [statSync(log).size];
    let compacted = false;
    for (let i = 0; i < 12; i++) {
      appendFileSync(join(dir, "r0/epoch-1/e.facts"), `m${i}\tm${i + 1}\n`);
      const r = await run(dir);
      expect(r.codes).toEqual([]);
      const size = statSync(log).size;
      if (size < sizes[sizes.length - 1]!) {
        compacted = true;
        // One commit record is left, and the derived state follows the new log.
        expect(readLog(log)!.commits.size).toBe(1);
        expect(readdirSync(stateDir(dir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
        appendFileSync(join(dir, "r0/epoch-1/e.facts"), `z${i}\tz${i + 1}\n`);
        expect((await run(dir)).continued).toBe(true);
        break;
      }
      sizes.push(size);
    }
    expect(compacted).toBe(true);
    const clean = mkdtempSync(join(tmpdir(), "calmlog-compact-clean-"));
    for (let f = 0; f < 12; f++) put(clean, `r${f}/epoch-1/e.facts`, readFileSync(join(dir, `r${f}/epoch-1/e.facts`), "utf8"));
    const once = await run(clean);
    const last = await run(dir);
    expect(last.set.equals(once.set)).toBe(true);
    expect(results(last, false)).toEqual(results(once, false));
    expect(last.report.merged.find((m) => m.relation === "reach")).toEqual(once.report.merged.find((m) => m.relation === "reach"));
  });
});
