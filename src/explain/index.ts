// Explain's public API: derivations of minimal height, why-not per rule, withheld facts over
// replicas, the fact a user asks about, and the text and JSON renderers.
export {
  Explainer,
  SearchLimit,
  type AggregateInfo,
  type Binding,
  type Derivation,
  type ExplainOptions,
  type ExplainUnit,
  type FactOrigin,
  type FactRef,
  type InputFacts,
  type RuleFailure,
  type RuleRef,
  type StepLiteral,
  type WhyNot,
} from "./explain.js";
export { EngineModel, InputIndex, LazyInputs, recordLines, type ReadInput } from "./model.js";
export type { FactModel } from "./solve.js";
export { parseFactQuery, type FactQuery } from "./query.js";
export { explainReplicas, type OpenFact, type ReplicaAnswer, type Withheld } from "./replica.js";
export { renderExplainJson, renderExplainText, type ExplainReport } from "./render.js";
