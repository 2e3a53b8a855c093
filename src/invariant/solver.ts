// Which SMT solver the prover asks, if any. The core runs in browsers too, so it names no solver
// of its own: the CLI and `calmlog/node` register Z3 (a worker thread around z3-solver); with none
// registered, the prover says so and the random search decides.

/** Runs an SMT-LIB script; null when no answer came in time. */
export type SmtRunner = (script: string, timeoutMs: number) => string | null;

/** A solver: how to run a script, and why it cannot run (null when it can). */
export interface SmtSolver {
  readonly run: SmtRunner;
  readonly unavailable: () => string | null;
}

let solver: SmtSolver | null = null;

/** Registers the solver the prover uses from now on. */
export function useSmtSolver(s: SmtSolver): void {
  solver = s;
}

/** Runs a script on the registered solver (null without one). */
export const runSolver: SmtRunner = (script, timeoutMs) => (solver === null ? null : solver.run(script, timeoutMs));

/** Why no answer can come: no solver registered, or the solver's own reason. */
export function solverUnavailable(): string | null {
  return solver === null ? "no SMT solver in this runtime (the CLI and `calmlog/node` load Z3)" : solver.unavailable();
}
