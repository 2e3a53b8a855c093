import { fc, test } from "@fast-check/vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { stateOf } from "../../src/eval/snapshot.js";
import { DerivedSet, DerivedWriter, partBytesMapped, readDerived, type DerivedHeader } from "../../src/replica/derived.js";
import { canMapFiles } from "../../src/util/map-file.js";
import { compileText } from "../eval/helpers.js";

// An engine that takes a kept part's bytes as its own (a writable state) appends its new rows and
// index entries into the room the writer left, in the part's memory: it must end where an engine
// evaluated from nothing ends, and a second hand-out of the same part must not see those writes.
// Both ways a part's bytes come: mapped (copy-on-write, where the addon is built) and read.

const PROGRAM = `
.decl e(x: number, y: number)
.decl w(x: number, y: number, z: number)
.input e, w
.decl t(x: number, y: number)
t(x, y) :- e(x, y).
t(x, z) :- t(x, y), e(y, z).
.decl r(x: number, z: number)
r(x, z) :- w(x, y, z), t(y, x).
.output t, r
`;

const { checked, analysis } = compileText(PROGRAM);
const edge = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }));
const triple = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }));

function results(e: Engine): Record<string, string[]> {
  return Object.fromEntries(["t", "r"].map((r) => [r, e.tuples(r).map((t) => JSON.stringify(t)).sort()]));
}

function evaluated(edges: readonly (readonly number[])[], triples: readonly (readonly number[])[]): Engine {
  const e = new Engine(checked, analysis);
  e.insert("e", edges.map((x) => [...x]));
  e.insert("w", triples.map((x) => [...x]));
  e.run();
  return e;
}

describe.each([
  { how: "mapped", off: undefined },
  { how: "read", off: "1" },
])("writable kept states, $how", ({ how, off }) => {
  const was = process.env["CALMLOG_NO_MMAP"];
  let mappedBefore = 0;
  beforeAll(() => {
    if (off === undefined) delete process.env["CALMLOG_NO_MMAP"];
    else process.env["CALMLOG_NO_MMAP"] = off;
    mappedBefore = partBytesMapped();
  });
  afterAll(() => {
    if (was === undefined) delete process.env["CALMLOG_NO_MMAP"];
    else process.env["CALMLOG_NO_MMAP"] = was;
    // Mapped where the platform maps (the addon is built at install on Linux), and never when turned off.
    if (how === "read" || process.platform === "linux") expect(partBytesMapped() > mappedBefore).toBe(how === "mapped");
  });
  test("mapping is on exactly when not turned off, on Linux", () => {
    if (process.platform === "linux") expect(canMapFiles()).toBe(how === "mapped");
    else expect(canMapFiles() && how === "read").toBe(false);
  });

  test.prop([fc.array(edge, { maxLength: 60 }), fc.array(triple, { maxLength: 40 }), fc.array(edge, { minLength: 1, maxLength: 30 }), fc.array(triple, { maxLength: 20 })], { numRuns: 40 })(
    "an engine continuing in a part's memory ends as one clean run, and the part handed out again is as written",
    (edges, triples, moreEdges, moreTriples) => {
      const dir = mkdtempSync(join(tmpdir(), "calmlog-writable-"));
      try {
        const file = "derived-engine-0123456789abcdef.bin";
        const writer = new DerivedWriter(join(dir, file));
        const layout = writer.putState(evaluated(edges, triples).exportState());
        writer.finish();
        const clean = results(evaluated([...edges, ...moreEdges], [...triples, ...moreTriples]));

        const continueFrom = (state: ReturnType<typeof stateOf>): Record<string, string[]> => {
          const e = new Engine(checked, analysis);
          e.importState(state);
          e.insert("e", moreEdges.map((x) => [...x]));
          e.insert("w", moreTriples.map((x) => [...x]));
          e.run();
          return results(e);
        };
        const part = readDerived(join(dir, file))!;
        expect(continueFrom(stateOf(layout, (i) => part.section(i), (i) => part.writableSection(i)))).toEqual(clean);

        // Through the set: the second hand-out reads the file again, since the first engine wrote into the bytes it had.
        const set = new DerivedSet(dir, { marks: {} } as unknown as DerivedHeader);
        expect(set.whole({ ...layout, file })).toBe(true);
        expect(continueFrom(set.state({ ...layout, file }, { writable: true }))).toEqual(clean);
        // Compared array by array first: a join over index heads the first engine moved could loop.
        const again = set.state({ ...layout, file }, { writable: true });
        const fresh = readDerived(join(dir, file))!;
        const asWritten = stateOf(layout, (i) => fresh.section(i));
        const arrays = (s: typeof again): number[][] =>
          s.relations.flatMap((r) => [
            [...r.data.subarray(0, asWritten.relations.find((x) => x.name === r.name)!.data.length)],
            ...(r.indexes ?? []).map((x) => [...x.heads]),
          ]);
        expect(arrays(again)).toEqual(arrays(asWritten));
        expect(continueFrom(again)).toEqual(clean);
        expect(continueFrom(set.state({ ...layout, file }))).toEqual(clean);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
