// `run` honours `.pragma "magic-transform"` and `--magic-transform`: the same outputs, computed
// through adorned relations (their names show in `--stats`).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { cli } from "./in-process.js";

const TC = `.decl e(x: number, y: number)
.input e
.decl tc(x: number, y: number)
tc(x, y) :- e(x, y).
tc(x, z) :- tc(x, y), e(y, z).
.decl q(y: number)
.output q
q(y) :- tc(2, y).
`;

test("the pragma and the flag give the outputs of the plain run, through `tc@bf`", async () => {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-magic-"));
  writeFileSync(join(dir, "e.facts"), "1\t2\n2\t3\n3\t4\n4\t2\n5\t1\n");
  writeFileSync(join(dir, "plain.dl"), TC);
  writeFileSync(join(dir, "pragma.dl"), `.pragma "magic-transform" "*"\n${TC}`);
  const plain = await cli(["run", "plain.dl", "-D", "-", "--stats"], dir);
  const pragma = await cli(["run", "pragma.dl", "-D", "-", "--stats"], dir);
  const flag = await cli(["run", "plain.dl", "-D", "-", "--stats", "--magic-transform", "tc"], dir);
  for (const r of [plain, pragma, flag]) expect(r.code, r.stderr).toBe(0);
  expect(plain.stdout).toContain("2\n3\n4\n");
  expect(pragma.stdout).toBe(plain.stdout);
  expect(flag.stdout).toBe(plain.stdout);
  expect(plain.stderr).not.toContain("tc@bf");
  expect(pragma.stderr).toContain("tc@bf");
  expect(flag.stderr).toContain("tc@bf");
  expect(flag.stderr).not.toContain("has no effect");
});

test("`magic-transform-exclude`, as a pragma or a flag, keeps the named relations stored in full", async () => {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-magic-"));
  writeFileSync(join(dir, "e.facts"), "1\t2\n2\t3\n3\t4\n4\t2\n5\t1\n");
  writeFileSync(join(dir, "plain.dl"), TC);
  writeFileSync(join(dir, "excluded.dl"), `.pragma "magic-transform" "*"\n.pragma "magic-transform-exclude" "tc"\n${TC}`);
  const plain = await cli(["run", "plain.dl", "-D", "-"], dir);
  const pragma = await cli(["run", "excluded.dl", "-D", "-", "--stats"], dir);
  const flag = await cli(["run", "plain.dl", "-D", "-", "--stats", "--magic-transform", "*", "--magic-transform-exclude", "tc"], dir);
  const onlyMagic = await cli(["run", "plain.dl", "-D", "-", "--stats", "--magic-transform", "*"], dir);
  for (const r of [plain, pragma, flag, onlyMagic]) expect(r.code, r.stderr).toBe(0);
  expect(pragma.stdout).toBe(plain.stdout);
  expect(flag.stdout).toBe(plain.stdout);
  expect(onlyMagic.stderr).toContain("tc@bf");
  expect(pragma.stderr).not.toContain("tc@bf");
  expect(flag.stderr).not.toContain("tc@bf");
});
