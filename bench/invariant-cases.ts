// The invariant benchmark's cases: bench/invariants/*.dl, each opening with its source (paper and
// application), the verdict that source gives, and the verdict calmlog must give, per invariant.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/pipeline.js";
import { checkInvariants } from "../src/invariant/check.js";
import { replay } from "../src/invariant/replay.js";
import type { Fact, FactSet, InvariantResult } from "../src/invariant/types.js";
import { Diagnostics } from "../src/diagnostics/diagnostic.js";

export const CASES_DIR = join(import.meta.dirname, "invariants");

/** One expected verdict: `proved`, `counterexample`, `unknown`, or `escrow:<kind>`. */
export interface Expected {
  readonly verdict: InvariantResult["verdict"];
  readonly escrowKind: "split" | "authority" | "backed" | null;
}

export interface BenchCase {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly source: string;
  readonly sourceVerdict: string;
  /** By invariant relation; `null` key stands for "the program's only invariant". */
  readonly expected: ReadonlyMap<string | null, Expected>;
}

function parseExpected(s: string): Expected {
  const [verdict, kind] = s.split(":");
  if (verdict !== "proved" && verdict !== "counterexample" && verdict !== "escrow" && verdict !== "unknown") throw new Error(`bad expected verdict \`${s}\``);
  if (kind !== undefined && kind !== "split" && kind !== "authority" && kind !== "backed") throw new Error(`bad escrow kind \`${s}\``);
  return { verdict, escrowKind: kind ?? null };
}

/** Every case, by file name. */
export function loadCases(): BenchCase[] {
  return readdirSync(CASES_DIR).filter((f) => f.endsWith(".dl")).sort().map((f) => {
    const text = readFileSync(join(CASES_DIR, f), "utf8");
    const header = (key: string): string => {
      const m = new RegExp(`^// ${key}: (.*)$`, "m").exec(text);
      if (m === null) throw new Error(`${f}: no \`// ${key}:\` line`);
      return m[1]!.trim();
    };
    const exp = header("expected");
    const expected = new Map<string | null, Expected>();
    if (exp.includes("=")) for (const part of exp.split(/\s+/)) {
      const [rel, v] = part.split("=");
      expected.set(rel!, parseExpected(v!));
    }
    else expected.set(null, parseExpected(exp));
    return { name: f.replace(/\.dl$/, ""), file: `bench/invariants/${f}`, text, source: header("source"), sourceVerdict: header("source verdict"), expected };
  });
}

/** What one invariant of a case got, checked against what it should get. */
export interface CaseOutcome {
  readonly name: string;
  readonly relation: string;
  readonly expected: Expected;
  readonly result: InvariantResult;
  /** The verdict (and escrow kind) matches. */
  readonly right: boolean;
  /** For a counterexample or escrow: whether `evaluate` replays it (null when there is none). */
  readonly replays: boolean | null;
  /** Lint time of the whole file, divided by its invariants. */
  readonly ms: number;
}

const facts = (set: FactSet): Fact[] => Object.entries(set).flatMap(([relation, tuples]) => tuples.map((tuple) => ({ relation, tuple })));

/** Checks every invariant of one case. */
export function runCase(c: BenchCase): CaseOutcome[] {
  const started = performance.now();
  const compiled = compile({ path: c.file, text: c.text });
  if (compiled.analysis === null) throw new Error(`${c.file} does not compile: ${compiled.diagnostics.items.map((d) => d.message).join("; ")}`);
  const results = checkInvariants(compiled.checked, compiled.analysis, new Diagnostics());
  const ms = (performance.now() - started) / Math.max(1, results.length);
  const invariants = results.map((r) => r.relation);
  return results.map((result) => {
    const expected = c.expected.get(result.relation) ?? (c.expected.size === 1 ? c.expected.get(null) : undefined);
    if (expected === undefined) throw new Error(`${c.file}: no expected verdict for \`${result.relation}\``);
    const right = result.verdict === expected.verdict && (expected.escrowKind === null || result.escrow?.kind === expected.escrowKind);
    const ce = result.counterexample;
    const replays = ce === null ? null
      : replay(compiled.checked, compiled.analysis!, { base: facts(ce.base), a: facts(ce.replicaA), b: facts(ce.replicaB) }, result.relation, invariants).ok;
    return { name: c.name, relation: result.relation, expected, result, right, replays, ms };
  });
}

/** `escrow (authority)` or the bare verdict. */
export function showVerdict(v: { verdict: string; escrowKind?: string | null; escrow?: { kind: string } | null }): string {
  const kind = v.escrowKind ?? v.escrow?.kind ?? null;
  return v.verdict === "escrow" && kind !== null ? `escrow (${kind})` : v.verdict;
}
