// The derived state kept between runs (derived.json and its part files) and the log's compaction: a run with new facts
// continues from the kept engines and store, any damage or another program falls back to a full
// evaluation with the same results, and a log whose superseded commit records outweigh the facts
// is written anew, atomically, holding the same state.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { crc32 } from "node:zlib";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { dropReadAhead, partBytesRead, readAheadPaths, readDerived, readDerivedSet } from "../../src/replica/derived.js";
import { fileMark } from "../../src/util/file-mark.js";
import { readLog } from "../../src/replica/log.js";
import { DirectorySource } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { unitOf } from "./programs.js";

const PROGRAM = `
.decl e(a: symbol, b: symbol)
.decl reach(a: symbol, b: symbol)
.decl lonely(a: symbol)
.decl x(a: symbol, b: symbol)
.input e
.input x
.output reach, lonely
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
    // Many facts in a relation the rules do not read much: the store's part is large next to a few new facts.
    put(dir, "b/epoch-1/x.facts", chain(0, 3000, "x"));
    const first = await run(dir);
    expect(first.continued).toBe(false);
    const file = readDerivedSet(stateDir(dir));
    expect(file).not.toBeNull();
    const h1 = file!.header;
    expect(Object.keys(h1.replicas).sort()).toEqual(["a", "b"]);
    const bPart = join(stateDir(dir), h1.replicas["b"]!.state.file);
    const bWritten = statSync(bPart, { bigint: true }).mtimeNs;

    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(30, 35) + "n130\tn0\n");
    const second = await run(dir);
    expect(second.continued).toBe(true);
    // Replica `b` got nothing new: its engine's part file is kept by name, not written again.
    const h2 = readDerivedSet(stateDir(dir))!.header;
    expect(h2.replicas["b"]!.state.file).toBe(h1.replicas["b"]!.state.file);
    expect(statSync(bPart, { bigint: true }).mtimeNs).toBe(bWritten);
    expect(h2.replicas["a"]!.state.file).not.toBe(h1.replicas["a"]!.state.file);
    // The store's part is not written again for a few new facts: it keeps the commit it reflects,
    // and the log's frames after it are replayed.
    expect(h2.store!.file).toBe(h1.store!.file);
    expect(h2.store!.log).toEqual(h1.log);
    expect(h2.log.length).toBeGreaterThan(h1.log.length);
    // Parts the manifest no longer names are gone.
    const named = new Set([...Object.values(h2.replicas).map((r) => r.state.file), h2.merged!.file, h2.store!.file]);
    expect(readdirSync(stateDir(dir)).filter((f) => f.startsWith("derived-")).sort()).toEqual([...named].sort());
    expect(second.report.replicas.find((r) => r.name === "a")!.newFacts).toBe(6);
    expect(second.report.replicas.find((r) => r.name === "b")!.newFacts).toBe(0);

    const clean = mkdtempSync(join(tmpdir(), "calmlog-derived-clean-"));
    put(clean, "a/epoch-1/e.facts", readFileSync(join(dir, "a/epoch-1/e.facts"), "utf8"));
    put(clean, "b/epoch-1/e.facts", readFileSync(join(dir, "b/epoch-1/e.facts"), "utf8"));
    put(clean, "b/epoch-1/x.facts", readFileSync(join(dir, "b/epoch-1/x.facts"), "utf8"));
    const once = await run(clean);
    expect(results(second)).toEqual(results(once));
    expect(second.set.equals(once.set)).toBe(true);

    // Once the log after the store's commit outgrows a share of the part, the part is written anew at the newest commit.
    appendFileSync(join(dir, "b/epoch-1/x.facts"), chain(3000, 6000, "x"));
    const third = await run(dir);
    expect(third.continued).toBe(true);
    const h3 = readDerivedSet(stateDir(dir))!.header;
    expect(h3.store!.file).not.toBe(h1.store!.file);
    expect(h3.store!.log).toEqual(h3.log);
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(35, 40));
    const fourth = await run(dir);
    expect(fourth.continued).toBe(true);
    for (const f of ["a/epoch-1/e.facts", "b/epoch-1/x.facts"]) put(clean, f, readFileSync(join(dir, f), "utf8"));
    const again = await run(clean);
    expect(results(fourth)).toEqual(results(again));
    expect(fourth.set.equals(again.set)).toBe(true);
  });

  it("writes a continuing engine's new rows as a delta part, folds it once it grows, and never reads an untouched replica's part", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-delta-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 10));
    put(dir, "a/epoch-1/x.facts", chain(0, 4000, "x"));
    put(dir, "b/epoch-1/e.facts", chain(100, 110));
    await run(dir);
    const h1 = readDerivedSet(stateDir(dir))!.header;
    expect(h1.format).toBe("calmlog-derived/4");
    expect(h1.replicas["a"]!.state.delta).toBeUndefined();
    // Damage replica `b`'s part: a run that read it would find the damage and evaluate in full.
    const bPart = join(stateDir(dir), h1.replicas["b"]!.state.file);
    const bytes = readFileSync(bPart);
    bytes[Math.floor(bytes.length / 2)]! ^= 1;
    writeFileSync(bPart, bytes);
    const bWritten = statSync(bPart, { bigint: true }).mtimeNs;

    const clean = mkdtempSync(join(tmpdir(), "calmlog-derived-delta-clean-"));
    const same = async (r: Awaited<ReturnType<typeof run>>): Promise<void> => {
      for (const f of ["a/epoch-1/e.facts", "a/epoch-1/x.facts", "b/epoch-1/e.facts"]) put(clean, f, readFileSync(join(dir, f), "utf8"));
      const once = await run(clean);
      expect(results(r)).toEqual(results(once));
    };
    const deltas: string[] = [];
    for (let i = 0; i < 2; i++) {
      appendFileSync(join(dir, "a/epoch-1/x.facts"), chain(4000 + 20 * i, 4020 + 20 * i, "x"));
      appendFileSync(join(dir, "a/epoch-1/e.facts"), `n${10 + i}\tn${11 + i}\n`);
      const r = await run(dir);
      expect(r.continued).toBe(true);
      const h = readDerivedSet(stateDir(dir))!.header;
      // The whole parts stay; the new rows since go to a delta part, replaced by the next one.
      expect(h.replicas["a"]!.state.file).toBe(h1.replicas["a"]!.state.file);
      expect(h.merged!.file).toBe(h1.merged!.file);
      const delta = h.replicas["a"]!.state.delta!;
      expect(delta.relations.find((x) => x.name === "x")).toMatchObject({ from: 4000, size: 4000 + 20 * (i + 1) });
      expect(h.merged!.delta).toBeDefined();
      deltas.push(delta.file);
      expect(readdirSync(stateDir(dir)).filter((f) => f.includes("-delta-")).sort()).toEqual([delta.file, h.merged!.delta!.file].sort());
      expect(statSync(bPart, { bigint: true }).mtimeNs).toBe(bWritten);
      expect(h.replicas["b"]!.state.file).toBe(h1.replicas["b"]!.state.file);
      await same(r);
    }
    expect(new Set(deltas).size).toBe(2);
    // Past 1/8 of the whole part, the engine is written whole again.
    appendFileSync(join(dir, "a/epoch-1/x.facts"), chain(5000, 6000, "x"));
    const folded = await run(dir);
    expect(folded.continued).toBe(true);
    const h3 = readDerivedSet(stateDir(dir))!.header;
    expect(h3.replicas["a"]!.state.file).not.toBe(h1.replicas["a"]!.state.file);
    expect(h3.replicas["a"]!.state.delta).toBeUndefined();
    // Only the manifest's deltas are left (the merged view's part, larger, may still take one).
    expect(readdirSync(stateDir(dir)).filter((f) => f.includes("-delta-"))).toEqual(h3.merged!.delta === undefined ? [] : [h3.merged!.delta.file]);
    expect(deltas.every((f) => !existsSync(join(stateDir(dir), f)))).toBe(true);
    await same(folded);
  });

  it("keeps the open facts per relation and adds only what new rows change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-open-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    put(dir, "b/epoch-1/e.facts", chain(10, 30));
    await run(dir);
    const h1 = readDerivedSet(stateDir(dir))!.header;
    expect(h1.open?.counts["e"]).toEqual({ count: 30, epochs: [1] });
    // New rows: some another replica holds already, some this replica holds in another epoch, some new to all.
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(25, 28) + chain(40, 42));
    put(dir, "a/epoch-2/e.facts", chain(0, 3) + chain(50, 52));
    put(dir, "b/epoch-2/e.facts", chain(50, 51) + chain(60, 61));
    const second = await run(dir);
    expect(second.continued).toBe(true);
    const h2 = readDerivedSet(stateDir(dir))!.header;
    expect(h2.open?.key).toBe(h1.open?.key);
    expect(h2.open?.counts["e"]).toEqual({ count: 35, epochs: [1, 2] });
    const clean = mkdtempSync(join(tmpdir(), "calmlog-derived-open-clean-"));
    for (const f of ["a/epoch-1/e.facts", "a/epoch-2/e.facts", "b/epoch-1/e.facts", "b/epoch-2/e.facts"]) put(clean, f, readFileSync(join(dir, f), "utf8"));
    const once = await run(clean);
    expect(second.report.withheld).toEqual(once.report.withheld);
    expect(second.report.withheld.find((w) => w.relation === "lonely")!.openFacts).toBe(35);
  });

  it("marks each part it writes, reads a part that keeps its mark without its CRC, and marks an older state's parts once checked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-marks-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    put(dir, "b/epoch-1/e.facts", chain(100, 110));
    await run(dir);
    const named = (h: NonNullable<ReturnType<typeof readDerivedSet>>["header"]): string[] =>
      [h.store!.file, ...(h.merged === null ? [] : [h.merged.file]), ...Object.values(h.replicas).map((x) => x.state.file)].sort();
    let h = readDerivedSet(stateDir(dir))!.header;
    // Every part the manifest names is marked with what the file has now.
    expect(Object.keys(h.marks ?? {}).sort()).toEqual(named(h));
    for (const [f, m] of Object.entries(h.marks!)) expect(m, f).toBe(fileMark(join(stateDir(dir), f)));
    // Written a minute back: a write right after, however soon, changes the mark.
    const merged = join(stateDir(dir), h.merged!.file);
    expect(Date.now() - statSync(merged).mtimeMs).toBeGreaterThan(30_000);
    const bytes = readFileSync(merged);
    const crcAt = bytes.length - 4;
    bytes[crcAt]! ^= 1;
    writeFileSync(merged, bytes);
    expect(fileMark(merged)).not.toBe(h.marks![h.merged!.file]);
    // A wrong CRC is found without a mark or with a stale one, and not looked at under the file's own mark.
    expect(readDerived(merged)).toBeNull();
    expect(readDerived(merged, h.marks![h.merged!.file])).toBeNull();
    expect(readDerived(merged, fileMark(merged))).not.toBeNull();
    bytes[crcAt]! ^= 1;
    writeFileSync(merged, bytes);

    // A manifest without marks (as an older release wrote it): a continuing run marks the parts it
    // writes and those it read and checked whose time is past the timestamp's granularity; not
    // replica b's, which it did not read, nor the merged view's, just written again above.
    const manifest = join(stateDir(dir), "derived.json");
    const { check: _check, marks: _marks, ...rest } = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
    writeFileSync(manifest, JSON.stringify({ ...rest, check: crc32(JSON.stringify(rest)) }));
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(20, 21));
    expect((await run(dir)).continued).toBe(true);
    h = readDerivedSet(stateDir(dir))!.header;
    const a = h.replicas["a"]!.state;
    expect(a.delta).toBeDefined();
    expect(h.merged!.delta).toBeDefined();
    expect(Object.keys(h.marks ?? {}).sort()).toEqual([h.store!.file, a.file, a.delta!.file, h.merged!.delta!.file].sort());
    for (const [f, m] of Object.entries(h.marks!)) expect(m, f).toBe(fileMark(join(stateDir(dir), f)));
  });

  it("reads the store's, the merged view's and the changed replicas' parts, and no other, in a continuing run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-readahead-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    put(dir, "b/epoch-1/e.facts", chain(100, 110));
    // Written a minute ago: a file changed within its timestamp's granularity is read again (and its replica's part with it).
    const earlier = new Date(Date.now() - 60_000);
    for (const f of ["a/epoch-1/e.facts", "b/epoch-1/e.facts"]) utimesSync(join(dir, f), earlier, earlier);
    const first = await run(dir);
    const h = readDerivedSet(stateDir(dir))!.header;
    const wanted = [h.store!.file, h.merged!.file, h.replicas["a"]!.state.file].reduce((n, f) => n + statSync(join(stateDir(dir), f)).size, 0);
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(20, 21));
    const before = partBytesRead();
    const r = await run(dir);
    expect(r.continued).toBe(true);
    // b's engine stays unread; what was read ahead is used, none left over.
    expect(partBytesRead() - before).toBe(wanted);
    expect(readAheadPaths()).toEqual([]);
    expect(r.report.merged.find((m) => m.relation === "reach")!.size).toBe(first.report.merged.find((m) => m.relation === "reach")!.size + 21);
    // Another program's state: nothing is read ahead, and nothing is left over.
    appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(21, 22));
    await run(dir, PROGRAM + "\n.decl other(a: symbol)\nother(x) :- e(x, _).\n");
    expect(readAheadPaths()).toEqual([]);
    dropReadAhead();
  });

  it("falls back to a full evaluation, with no finding, for a damaged file, an older format or another program", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-derived-bad-"));
    put(dir, "a/epoch-1/e.facts", chain(0, 20));
    await run(dir);
    const manifest = join(stateDir(dir), "derived.json");
    const part = (which: "a" | "merged" | "store"): string => {
      const h = readDerivedSet(stateDir(dir))!.header;
      return join(stateDir(dir), which === "a" ? h.replicas["a"]!.state.file : which === "merged" ? h.merged!.file : h.store!.file);
    };
    const flip = (path: string): void => {
      const b = readFileSync(path);
      b[Math.floor(b.length / 2)]! ^= 1;
      writeFileSync(path, b);
    };
    // The engines continue over a store read from the log alone when only the store's part is damaged.
    const damages: [string, () => void, boolean][] = [
      ["a flipped byte in an engine's part", () => flip(part("a")), false],
      ["a flipped byte in the merged view's part", () => flip(part("merged")), false],
      ["an older format", () => writeFileSync(manifest, readFileSync(manifest, "utf8").replace("calmlog-derived/4", "calmlog-derived/1")), false],
      // A damaged key still parses as JSON; the manifest's check finds it.
      ["a damaged key in the manifest", () => writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"sizes"', '"3izes"')), false],
      // A manifest of format /2 (no check), as the previous release wrote it, is still read.
      [
        "a format /2 manifest",
        () => {
          const { check: _check, ...rest } = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
          writeFileSync(manifest, JSON.stringify({ ...rest, format: "calmlog-derived/2" }));
        },
        true,
      ],
      // A /3 manifest, as the previous release wrote it (no delta parts), is still read.
      [
        "a format /3 manifest",
        () => {
          const { check: _check, ...rest } = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
          const v3 = { ...rest, format: "calmlog-derived/3" };
          writeFileSync(manifest, JSON.stringify({ ...v3, check: crc32(JSON.stringify(v3)) }));
        },
        true,
      ],
      ["a cut store part", () => writeFileSync(part("store"), readFileSync(part("store")).subarray(0, 64)), true],
      ["a removed engine part", () => rmSync(part("a")), false],
      ["a cut manifest", () => writeFileSync(manifest, readFileSync(manifest).subarray(0, 30)), false],
    ];
    let n = 20;
    for (const [what, damage, continues] of damages) {
      damage();
      appendFileSync(join(dir, "a/epoch-1/e.facts"), chain(n, n + 1));
      n++;
      const r = await run(dir);
      expect(r.continued, what).toBe(continues);
      // The state kept now is whole again: every part it names reads back.
      const h = readDerivedSet(stateDir(dir))!;
      for (const f of [h.header.store!.file, h.header.merged!.file, ...Object.values(h.header.replicas).map((x) => x.state.file)]) expect(h.part(f), what).not.toBeNull();
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
