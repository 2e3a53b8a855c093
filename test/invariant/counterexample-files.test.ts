import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { Engine } from "../../src/eval/engine.js";
import { counterexampleAsReplicaFacts, writeCounterexample } from "../../src/invariant/counterexample-files.js";
import { readFactFile } from "../../src/io/read-facts.js";
import { checkFixture } from "./load.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("counterexamples as loadable facts", () => {
  test("each replica holds the base and its own inserts, and their union derives the violation", () => {
    const { results, compiled } = checkFixture("sales.dl");
    const c = results[0]!.counterexample!;
    const { base, A, B } = counterexampleAsReplicaFacts(c);
    expect(base).toEqual(c.base);
    const merged = new Engine(compiled.checked, compiled.analysis);
    for (const side of [A, B]) for (const [rel, tuples] of Object.entries(side)) merged.insert(rel, tuples);
    merged.run();
    expect(merged.has(c.violation.relation, c.violation.tuple)).toBe(true);
    for (const side of [A, B]) {
      const one = new Engine(compiled.checked, compiled.analysis);
      for (const [rel, tuples] of Object.entries(side)) one.insert(rel, tuples);
      one.run();
      expect(one.size(c.violation.relation)).toBe(0);
    }
  });

  test("writes DIR/a/epoch-1 and DIR/b/epoch-1 with a file for every input relation", () => {
    const { results, compiled } = checkFixture("usernames.dl");
    const c = results[0]!.counterexample!;
    const dir = mkdtempSync(join(tmpdir(), "calmlog-cx-"));
    dirs.push(dir);
    const written = writeCounterexample(dir, c, compiled.checked.relations);
    expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual(["a/epoch-1/account.facts", "b/epoch-1/account.facts"]);
    const schema = compiled.checked.relations.get("account")!;
    const a = readFactFile(join(dir, "a", "epoch-1", "account.facts"), schema);
    const b = readFactFile(join(dir, "b", "epoch-1", "account.facts"), schema);
    expect(a).toEqual(c.replicaA["account"]);
    expect(b).toEqual(c.replicaB["account"]);
    expect(readdirSync(join(dir, "a", "epoch-1"))).toEqual(["account.facts"]);
  });

  test("`calmlog evaluate` loads the written replicas and its merged view holds the violation", async () => {
    const { results, compiled } = checkFixture("usernames.dl");
    const dir = mkdtempSync(join(tmpdir(), "calmlog-cx-"));
    dirs.push(dir);
    writeCounterexample(dir, results[0]!.counterexample!, compiled.checked.relations);
    let out = "";
    const sink = { write: (t: string) => (out += t) };
    const code = await main(["evaluate", join(import.meta.dirname, "fixtures", "usernames.dl"), dir], { stdout: sink, stderr: sink, cwd: process.cwd() });
    expect(code).toBe(0);
    const merged = out.slice(out.indexOf("merged view"));
    expect(merged).toMatch(/name_clash\s+2/);
  });
});
