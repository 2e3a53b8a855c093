// Mutation fuzzing of the example programs and their fact files: every `check`, `lint` and `run` on a
// mutated input ends with exit 0 or 1 and, on 1, a `file:line:column` message, never exit 2 or a
// stack trace; and what `run` rejects in the program, `check` rejects with the same code.
// Inputs that once crashed are kept in `regressions/` and replayed first.
import { fc, test } from "@fast-check/vitest";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REGRESSIONS = join(dirname(fileURLToPath(import.meta.url)), "regressions");

/** Each example program with one fact folder to run it on (its first replica's first epoch). */
const EXAMPLES = readdirSync(join(ROOT, "programs"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => {
    const dir = join(ROOT, "programs", d.name);
    const program = readdirSync(dir).find((f) => f.endsWith(".dl"));
    if (program === undefined) return [];
    const replicas = join(dir, "replicas");
    let facts: string | null = null;
    try {
      const first = readdirSync(replicas).filter((r) => r !== "seals" && !r.startsWith(".")).sort()[0];
      if (first !== undefined) facts = join(replicas, first, "epoch-1");
    } catch {
      // No replicas: run reads no facts.
    }
    return [{ name: d.name, program: join(dir, program), facts }];
  });

type Op = { kind: "delete" | "duplicate" | "swap" | "insert"; unit: "char" | "token"; at: number; len: number; other: number; text: string };

const TOKEN = /"(?:[^"\\\n]|\\.)*"|\w+|\s+|./gs;

/** Applies one mutation; positions are taken modulo the input's length so any integers fit. */
function mutate(text: string, op: Op): string {
  const parts = op.unit === "char" ? [...text] : (text.match(TOKEN) ?? []);
  if (parts.length === 0) return op.text;
  const at = op.at % parts.length;
  const len = 1 + (op.len % Math.min(8, parts.length - at));
  const other = op.other % parts.length;
  const out = [...parts];
  switch (op.kind) {
    case "delete":
      out.splice(at, len);
      break;
    case "duplicate":
      out.splice(at, 0, ...parts.slice(at, at + len));
      break;
    case "swap":
      [out[at], out[other]] = [out[other]!, out[at]!];
      break;
    case "insert":
      out.splice(at, 0, op.text);
      break;
  }
  return out.join("");
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("delete", "duplicate", "swap", "insert"),
  unit: fc.constantFrom("char", "token"),
  at: fc.nat(),
  len: fc.nat(),
  other: fc.nat(),
  text: fc.constantFrom(".", ",", "(", ")", "!", "_", "\"", "\r", "\t", "\\", "0", "-1", "1e999", "NaN", ":-", "count", "sum _ :", "{", "}", ".decl", ".input", "é", "\u0000", "//"),
});

async function cli(cwd: string, args: string[]) {
  let out = "";
  const code = await main(args, { cwd, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env: {} });
  return { code, out };
}

/** The rules every command must keep on any input. */
function expectWellBehaved(what: string, r: { code: number; out: string }): void {
  expect([0, 1], `${what} exited ${r.code}:\n${r.out}`).toContain(r.code);
  expect(r.out, what).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n/);
  if (r.code === 1) expect(r.out, what).toMatch(/[^\s:]+:\d+:\d+: error CL\d{3}|cannot read|too many warnings/);
}

/** Runs check, lint and run on one (possibly mutated) program and fact folder in a fresh copy. */
async function exercise(programText: string, programName: string, facts: { dir: string | null; file: string | null; text: string | null }): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "calmlog-fuzz-"));
  writeFileSync(join(work, programName), programText);
  mkdirSync(join(work, "facts"));
  if (facts.dir !== null) cpSync(facts.dir, join(work, "facts"), { recursive: true });
  if (facts.file !== null && facts.text !== null) writeFileSync(join(work, "facts", facts.file), facts.text);
  const check = await cli(work, ["check", programName]);
  expectWellBehaved(`check ${programName}`, check);
  expectWellBehaved(`lint ${programName}`, await cli(work, ["lint", "--trials", "5", programName]));
  const run = await cli(work, ["run", programName, "-F", "facts", "-D", "out"]);
  expectWellBehaved(`run ${programName}`, run);
  // One checker: a program error `run` reports (syntax, checks, strata; not facts) is one `check` reports too.
  const programError = new RegExp(`^${programName.replace(/\./g, "\\.")}:\\d+:\\d+: error (CL[123]\\d\\d)`, "m").exec(run.out);
  if (programError !== null) {
    expect(check.code, `run rejected the program with ${programError[1]} but check passed it:\n${run.out}`).toBe(1);
    expect(check.out).toContain(`error ${programError[1]}`);
  }
}

describe("fuzzing check, lint and run", () => {
  it("replays every kept crasher", async () => {
    let cases: string[] = [];
    try {
      cases = readdirSync(REGRESSIONS).filter((f) => f.endsWith(".dl"));
    } catch {
      // None kept yet.
    }
    for (const c of cases) await exercise(readFileSync(join(REGRESSIONS, c), "utf8"), c, { dir: null, file: null, text: null });
  });

  test.prop([fc.constantFrom(...EXAMPLES), fc.array(opArb, { minLength: 1, maxLength: 3 })], { numRuns: Number(process.env["CALMLOG_FUZZ_RUNS"] ?? 25), seed: Number(process.env["CALMLOG_FUZZ_SEED"] ?? 21) })(
    "mutated example programs",
    async (example, ops) => {
      const text = ops.reduce(mutate, readFileSync(example.program, "utf8"));
      await exercise(text, basename(example.program), { dir: example.facts, file: null, text: null });
    },
  );

  const WITH_FACTS = EXAMPLES.filter((e) => e.facts !== null);
  test.prop([fc.constantFrom(...WITH_FACTS), fc.nat(), fc.array(opArb, { minLength: 1, maxLength: 3 })], { numRuns: Number(process.env["CALMLOG_FUZZ_RUNS"] ?? 25), seed: Number(process.env["CALMLOG_FUZZ_SEED"] ?? 21) })(
    "mutated fact files",
    async (example, pick, ops) => {
      const files = readdirSync(example.facts!).filter((f) => f.endsWith(".facts")).sort();
      const file = files[pick % files.length]!;
      const text = ops.reduce(mutate, readFileSync(join(example.facts!, file), "utf8"));
      await exercise(readFileSync(example.program, "utf8"), basename(example.program), { dir: example.facts, file, text });
    },
  );
});
