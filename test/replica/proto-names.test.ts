// Names users choose (a replica directory, a relation) are entries of the kept state and of seal
// records like any other, `__proto__` included: on a plain object that key would set the prototype
// instead, losing the entry, and an absent one would read as Object.prototype.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { DirectorySource } from "../../src/replica/source.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { unitOf } from "./programs.js";

const PROGRAM = `
.decl __proto__(a: symbol, b: symbol)
.decl lonely(a: symbol)
.input __proto__
.output lonely
lonely(x) :- __proto__(x, _), !__proto__(_, x).
`;
const AT = "2026-01-01T00:00:00.000Z";

function put(dir: string, rel: string, text: string): void {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

async function run(dir: string, seal?: number) {
  const diags = new Diagnostics();
  const ws = (await openReplicas(new DirectorySource(dir), { unit: unitOf(PROGRAM), programText: PROGRAM, diagnostics: diags }))!;
  try {
    const ok = await ws.reconcile();
    if (ok && seal !== undefined) expect((await ws.seal(seal, { sealedAt: AT, reason: "test" })).ok).toBe(true);
    const report = ok ? ws.evaluate() : null;
    if (ok) await ws.commit();
    return { report, continued: ws.continuedDerived, codes: diags.items.map((d) => d.code) };
  } finally {
    ws.close();
  }
}

describe("a replica and a relation named `__proto__`", () => {
  it("continue across runs with the open counts and lower bounds of one clean run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-proto-"));
    put(dir, "__proto__/epoch-1/__proto__.facts", "a\tb\nb\tc\n");
    put(dir, "other/epoch-1/__proto__.facts", "x\ty\n");
    const first = await run(dir);
    expect(first.codes).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dir, ".calmlog/state/derived.json"), "utf8")) as { replicas: object; open: { counts: object } };
    expect(Object.keys(manifest.replicas)).toContain("__proto__");
    expect(Object.keys(manifest.open.counts)).toContain("__proto__");
    put(dir, "__proto__/epoch-1/__proto__.facts", "a\tb\nb\tc\nc\td\n");
    const second = await run(dir);
    expect(second.continued).toBe(true);
    const clean = mkdtempSync(join(tmpdir(), "calmlog-proto-clean-"));
    put(clean, "__proto__/epoch-1/__proto__.facts", "a\tb\nb\tc\nc\td\n");
    put(clean, "other/epoch-1/__proto__.facts", "x\ty\n");
    const once = await run(clean);
    expect(second.report!.withheld).toEqual(once.report!.withheld);
    expect(second.report!.withheld[0]!.openFacts).toBe(4);
    const sizes = (r: NonNullable<typeof once.report>) => r.replicas.map((x) => [x.name, x.facts, x.relations.map((y) => [y.relation, y.size])]);
    expect(sizes(second.report!)).toEqual(sizes(once.report!));
  });

  it("are covered by a seal: the record names them, and a changed sealed file is found", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-proto-seal-"));
    put(dir, "__proto__/epoch-1/__proto__.facts", "a\tb\nb\tc\n");
    const sealed = await run(dir, 1);
    expect(sealed.codes).toEqual([]);
    const record = JSON.parse(readFileSync(join(dir, "seals", "epoch-1.json"), "utf8")) as { replicas: Record<string, { relations: object }> };
    expect(Object.keys(record.replicas)).toEqual(["__proto__"]);
    expect(Object.keys(record.replicas["__proto__"]!.relations)).toEqual(["__proto__"]);
    const after = (await run(dir)).report!;
    expect(after.sealedEpoch).toBe(1);
    expect(after.sealed!.relations.map((r) => r.relation)).toContain("lonely");
    put(dir, "__proto__/epoch-1/__proto__.facts", "a\tb\nb\tz\n");
    expect((await run(dir)).codes).toContain("CL503");
  });
});
