// A fact file that is not UTF-8 is CL403 at its line and byte column, in `run` and `evaluate`:
// decoding Latin-1 bytes as U+FFFD would make three distinct names one fact.
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "../cli/replica-fixture.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const PROGRAM = ".decl n(x: symbol)\n.input n\n.output n\n";
const LATIN1 = Buffer.from([...Buffer.from("ok\ncaf"), 0xe9, 10, ...Buffer.from("caf"), 0xe8, 10, ...Buffer.from("caf"), 0xea, 10]);

describe("fact files that are not UTF-8", () => {
  for (const [name, file] of [["tsv", "n.facts"], ["JSON Lines", "n.jsonl"]] as const) {
    it(`are CL403 with line and byte column (${name}), in run and evaluate`, async () => {
      const w = workspace();
      w.put("p.dl", PROGRAM);
      const bytes = file.endsWith(".jsonl") ? Buffer.from([...Buffer.from('["ok"]\n["caf'), 0xe9, ...Buffer.from('"]\n')]) : LATIN1;
      w.put(`f/${file}`, "");
      writeFileSync(join(w.root, "f", file), bytes);
      const run = await calmlog(w.root, "run", "p.dl", "-F", "f", "-D", "-");
      expect(run.code).toBe(1);
      const col = file.endsWith(".jsonl") ? 6 : 4;
      expect(run.stdout + run.stderr).toContain(`f/${file}:2:${col}: error CL403: byte 0xE9 at line 2, byte ${col} is not valid UTF-8`);
      w.put(`data/a/epoch-1/${file}`, "");
      writeFileSync(join(w.root, "data/a/epoch-1", file), bytes);
      const ev = await calmlog(w.root, "evaluate", "p.dl", "data");
      expect(ev.code).toBe(1);
      expect(ev.stderr).toContain(`error CL403: byte 0xE9 at line 2, byte ${col} is not valid UTF-8`);
      expect(ev.stderr).toContain("iconv -f latin1 -t utf-8");
    });
  }

  it("keep distinct UTF-8 names distinct", async () => {
    const w = workspace();
    w.put("p.dl", PROGRAM);
    w.put("f/n.facts", "café\ncafè\ncafê\n");
    const run = await calmlog(w.root, "run", "p.dl", "-F", "f", "-D", "-");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("cafè\ncafé\ncafê");
  });
});
