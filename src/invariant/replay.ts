// The last word on a counterexample: evaluate S0, S0 ∪ A, S0 ∪ B and their merge with `evaluate`, the
// same engine run `calmlog evaluate` does, over the whole program. Only a case that replays is reported.
import type { Analysis } from "../analysis/types.js";
import type { CheckedProgram } from "../check/types.js";
import { evaluate, type Engine, type Tuple } from "../eval/engine.js";
import type { Case } from "./search.js";
import { showFact } from "./show.js";
import type { Fact } from "./types.js";

/** Whether the case is a counterexample for `relation` with validity over all `invariants`; why not otherwise. */
export type Replay = { readonly ok: true } | { readonly ok: false; readonly why: string };

function run(checked: CheckedProgram, analysis: Analysis, facts: readonly Fact[]): Engine | string {
  const byRel: Record<string, Tuple[]> = {};
  for (const f of facts) (byRel[f.relation] ??= []).push([...f.tuple]);
  try {
    return evaluate(checked, analysis, byRel);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Replays S0, S1 = S0 ∪ A, S2 = S0 ∪ B and S1 ∪ S2 through the engine. */
export function replay(checked: CheckedProgram, analysis: Analysis, c: Case, relation: string, invariants: readonly string[]): Replay {
  const states: [string, readonly Fact[]][] = [["S0", c.base], ["S0 ∪ A", [...c.base, ...c.a]], ["S0 ∪ B", [...c.base, ...c.b]]];
  for (const [name, facts] of states) {
    const e = run(checked, analysis, facts);
    if (typeof e === "string") return { ok: false, why: `evaluating ${name} fails: ${e}` };
    for (const r of invariants) {
      const t = e.tuples(r)[0];
      if (t !== undefined) return { ok: false, why: `${name} is not valid: it derives ${showFact({ relation: r, tuple: [...t] })}` };
    }
  }
  const m = run(checked, analysis, [...c.base, ...c.a, ...c.b]);
  if (typeof m === "string") return { ok: false, why: `evaluating the merge fails: ${m}` };
  if (m.size(relation) === 0) return { ok: false, why: `the merge derives no \`${relation}\`` };
  return { ok: true };
}
