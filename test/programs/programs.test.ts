// Every example in programs/ runs here: `calmlog check` is clean; the `lint` (text, JSON) and
// `evaluate` (text, JSON, `-D` files; on a fresh copy with its committed seal, and before it) outputs match the golden
// files under test/programs/golden/<example>/, so any change in behaviour shows up as a diff; and
// every `calmlog` console block in an example's README replays to the output it shows.
//
// To accept a change on purpose, rewrite the golden files and the README outputs, then review the diff:
//   UPDATE_GOLDEN=1 npx vitest run test/programs
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { copyCommitted } from "../committed.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const PROGRAMS = join(ROOT, "programs");
const GOLDEN = join(ROOT, "test/programs/golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

/** Every folder in programs/ that holds `<folder>/<folder>.dl`. */
const EXAMPLES = readdirSync(PROGRAMS)
  .filter((name) => statSync(join(PROGRAMS, name)).isDirectory() && existsSync(join(PROGRAMS, name, `${name}.dl`)))
  .sort();

/** Examples that held kept state before these tests ran (e.g. after the README's quick start). */
const keptBefore = new Set(EXAMPLES.filter((e) => existsSync(join(PROGRAMS, e, "replicas", ".calmlog"))));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `calmlog ARGS` in-process, in `cwd`, without colour. */
async function calmlog(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    env: { NO_COLOR: "1" },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** Compares `actual` with the golden file, or rewrites it under UPDATE_GOLDEN=1. */
function golden(example: string, file: string, actual: string): void {
  const path = join(GOLDEN, example, file);
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden file test/programs/golden/${example}/${file}; run UPDATE_GOLDEN=1 npx vitest run test/programs`);
  expect(actual, `test/programs/golden/${example}/${file}`).toBe(readFileSync(path, "utf8"));
}

/** Seal times in a report. */
function masked(text: string): string {
  return text.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
}

/** Search timings vary run to run; everything else in a report must not. */
function stable(text: string): string {
  return text.replace(/("ms":\s*)[0-9.]+/g, "$10").replace(/\b[0-9]+(\.[0-9]+)? ?ms\b/g, "<ms>");
}

/**
 * A temporary copy of the example laid out as in the repository (so reports show the same relative
 * paths), with its replica folders, never kept state, and the committed seal records only when
 * `seals` is set: with them it is a fresh clone; without, a replica set before its first seal.
 */
function workspace(example: string, seals: boolean): string {
  const root = mkdtempSync(join(tmpdir(), `calmlog-${example}-`));
  const to = join(root, "programs", example);
  mkdirSync(to, { recursive: true });
  cpSync(join(PROGRAMS, example, `${example}.dl`), join(to, `${example}.dl`));
  copyCommitted(`programs/${example}/replicas`, join(to, "replicas"), seals ? {} : { skip: /^seals\// });
  return root;
}

function sealed(example: string): boolean {
  return existsSync(join(PROGRAMS, example, "replicas", "seals", "epoch-1.json"));
}

/** Every file `-D` wrote, in one text: `== name.csv ==` then its lines. */
function outputs(dir: string): string {
  if (!existsSync(dir)) return "";
  return readdirSync(dir)
    .sort()
    .map((f) => `== ${f} ==\n${readFileSync(join(dir, f), "utf8")}`)
    .join("");
}

/** `evaluate` as text, then as JSON with `-D`, each compared with its golden file. */
async function evaluateGolden(example: string, root: string, suffix: string): Promise<void> {
  const dl = `programs/${example}/${example}.dl`;
  const replicas = `programs/${example}/replicas`;
  const text = await calmlog(root, "evaluate", dl, replicas);
  expect(text.stderr).toBe("");
  expect(text.code).toBe(0);
  golden(example, `evaluate${suffix}.txt`, stable(text.stdout));
  const out = `out${suffix}`;
  const json = await calmlog(root, "evaluate", dl, replicas, "--format", "json", "-D", out);
  expect(json.code).toBe(0);
  expect(json.stdout).not.toContain(root);
  JSON.parse(json.stdout);
  golden(example, `evaluate${suffix}.json`, stable(json.stdout));
  golden(example, `outputs${suffix}.txt`, outputs(join(root, out)));
}

describe.each(EXAMPLES)("programs/%s", (example) => {
  const dl = `programs/${example}/${example}.dl`;
  const replicas = `programs/${example}/replicas`;

  it("opens with a comment saying what it shows, and has a README without TODO", () => {
    const text = readFileSync(join(ROOT, dl), "utf8");
    expect(text.startsWith("// Shows ")).toBe(true);
    const readme = readFileSync(join(PROGRAMS, example, "README.md"), "utf8");
    expect(readme).not.toMatch(/TODO/);
    expect(readme).toContain("calmlog lint");
    expect(readme).toContain("calmlog evaluate");
  });

  it("shows real output in its README: every `calmlog` console block, replayed in order in a scratch copy", async () => {
    // The README runs its commands inside a copy of the example without the seal record, so the
    // reports name `<example>.dl` and `replicas`; seal times differ run to run and are masked.
    const path = join(PROGRAMS, example, "README.md");
    const readme = readFileSync(path, "utf8");
    const root = mkdtempSync(join(tmpdir(), `calmlog-readme-${example}-`));
    try {
      copyCommitted(`programs/${example}`, root, { skip: /(^|\/)seals\/|^README\.md$/ });
      const blocks = [...readme.matchAll(/```console\n\$ (calmlog [^\n]*)\n([\s\S]*?)```/g)];
      expect(blocks.length).toBeGreaterThan(1);
      let updated = readme;
      for (const block of blocks) {
        const [, command, shown] = block as unknown as [string, string, string];
        const args = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(1);
        const r = await calmlog(root, ...args);
        const actual = (r.stdout + r.stderr).replace(/\n*$/, "\n");
        if (UPDATE) updated = updated.replace(`$ ${command}\n${shown}`, `$ ${command}\n${actual}`);
        else expect(masked(actual), `programs/${example}/README.md: \`${command}\` (UPDATE_GOLDEN=1 rewrites it)`).toBe(masked(shown));
      }
      if (UPDATE && updated !== readme) writeFileSync(path, updated);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("has at least two replicas with tab-separated fact files", () => {
    const names = readdirSync(join(ROOT, replicas)).filter((n) => n !== "seals" && !n.startsWith("."));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const epochs = readdirSync(join(ROOT, replicas, name));
      expect(epochs.every((e) => /^epoch-[1-9][0-9]*$/.test(e))).toBe(true);
    }
  });

  it("passes `calmlog check` with no errors", async () => {
    const r = await calmlog(ROOT, "check", dl);
    expect(r.stderr + r.stdout).not.toMatch(/\berror\b/);
    expect(r.code).toBe(0);
  });

  it("lints to the golden text and JSON reports", async () => {
    const text = await calmlog(ROOT, "lint", dl);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    golden(example, "lint.txt", stable(text.stdout));
    const json = await calmlog(ROOT, "lint", dl, "--format", "json");
    expect(json.code).toBe(0);
    JSON.parse(json.stdout);
    expect(json.stdout).not.toContain(ROOT);
    golden(example, "lint.json", stable(json.stdout));
  });

  it("has a seal record for epoch 1 exactly when lint says some relation needs one", async () => {
    const json = await calmlog(ROOT, "lint", dl, "--format", "json");
    const needs = (JSON.parse(json.stdout) as { files: { summary: { relationsNeedingSeal: number } }[] }).files[0]!.summary.relationsNeedingSeal;
    expect(sealed(example)).toBe(needs > 0);
  });

  it("evaluates a fresh copy (with its committed seal) and a copy before the seal to the golden reports", async () => {
    const roots: string[] = [];
    try {
      // A fresh clone: the seal record is there, the kept state is not; the sealed files are
      // adopted because their digests match the record.
      const fresh = workspace(example, true);
      roots.push(fresh);
      await evaluateGolden(example, fresh, "");
      if (!sealed(example)) return;
      const before = workspace(example, false);
      roots.push(before);
      await evaluateGolden(example, before, "-unsealed");
      // The seal record reaching a copy after its facts gives the same results as the fresh clone.
      copyCommitted(`programs/${example}/replicas/seals`, join(before, replicas, "seals"));
      const late = JSON.parse((await calmlog(before, "evaluate", dl, replicas, "--format", "json")).stdout) as Record<string, unknown>;
      const direct = JSON.parse((await calmlog(fresh, "evaluate", dl, replicas, "--format", "json")).stdout) as Record<string, unknown>;
      for (const key of ["sealedEpoch", "openEpochs", "seals", "merged", "sealed", "withheld", "invariants", "diagnostics"]) {
        expect(late[key], `${example}: ${key}`).toEqual(direct[key]);
      }
    } finally {
      for (const root of roots) rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the examples", () => {
  it("are all here", () => {
    expect(EXAMPLES).toEqual(["audit-feed", "inventory", "inventory-escrow", "orders", "reactions", "release", "usernames", "wishlist", "workshop"]);
  });

  it("are listed in programs/README.md with the coordination points and invariant verdicts lint reports", async () => {
    const index = readFileSync(join(PROGRAMS, "README.md"), "utf8");
    for (const example of EXAMPLES) {
      const row = index.split("\n").find((l) => l.startsWith(`| [${example}](${example}/) |`));
      expect(row, `programs/README.md lists ${example}`).toBeDefined();
      const [, , , lintCell, invariantCell] = row!.split("|").map((c) => c.trim());
      const json = await calmlog(ROOT, "lint", `programs/${example}/${example}.dl`, "--format", "json");
      const file = (JSON.parse(json.stdout) as { files: { summary: { coordinationPoints: number }; invariants: { verdict: string }[] }[] }).files[0]!;
      const points = file.summary.coordinationPoints;
      expect(lintCell, example).toMatch(points === 0 ? /^coordination-free/ : new RegExp(`^${points} coordination points?\\b`));
      for (const inv of file.invariants) expect(invariantCell, example).toContain(inv.verdict);
    }
  });

  // The README's quick start: a plain copy of an example, seal record included, evaluates cleanly.
  it("evaluate a fresh copy that already holds its committed seal record", async () => {
    const root = mkdtempSync(join(tmpdir(), "calmlog-fresh-release-"));
    try {
      copyCommitted("programs/release", join(root, "release"));
      expect(existsSync(join(root, "release/replicas/seals/epoch-1.json"))).toBe(true);
      const r = await calmlog(root, "evaluate", "release/release.dl", "release/replicas");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("epoch 1 sealed; open: epoch 2");
      expect(r.stdout).toContain("sealed results (final as of epoch 1");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // Running the quick start in the repository itself leaves kept state there; only these tests must not add any.
  it("never get kept state written into the repository by these tests", () => {
    for (const example of EXAMPLES) expect(keptBefore.has(example) || !existsSync(join(PROGRAMS, example, "replicas", ".calmlog")), example).toBe(true);
  });
});
