// Registers Z3 for every test file, as `bin/calmlog.js` (through the CLI) and `calmlog/node` do.
import { useSmtSolver } from "../src/invariant/solver.js";
import { runZ3, z3Unavailable } from "../src/invariant/z3.js";

useSmtSolver({ run: runZ3, unavailable: z3Unavailable });
