// The evaluator's public face: the Engine (semi-naive, incremental for monotonic strata) and its value types.
export { Engine, evaluate } from "./engine.js";
export type { EngineOptions, RunOptions, RuleStats, RunStats, StratumStats, Tuple, Value } from "./engine.js";
export { compareSymbols, compareValues } from "./values.js";
