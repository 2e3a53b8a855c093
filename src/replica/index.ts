// The replica layer's public API: immutable replica values and seals, their evaluation, the
// on-disk layout, and the report renderers.
export { compareKeys, epochDigest, keyTuple, relationDigest, tupleKey, type Tuple } from "./tuple-keys.js";
export {
  findingKey,
  Replica,
  ReplicaSet,
  sealText,
  type InsertResult,
  type RelationSeal,
  type ReplicaSeal,
  type SealedVerification,
  type SealMismatch,
  type SealOutcome,
  type SealRecord,
} from "./replica.js";
export {
  coordinationFreeRelations,
  coordinationFreeStrata,
  engineOver,
  evaluateReplicas,
  mergeEngines,
  ReplicaEvaluator,
  type EvaluateOptions,
  type InvariantStatus,
  type ProgramUnit,
  type RelationResult,
  type ReplicaRelation,
  type ReplicaReport,
  type ReplicaResult,
  type SealedResult,
  type WithheldRelation,
} from "./evaluate.js";
export {
  readLayout,
  readSeals,
  readState,
  reconcile,
  scanLayout,
  sealJson,
  sealPath,
  SEALS_DIR,
  STATE_DIR,
  writeSeal,
  writeState,
  type FactFile,
  type FileFacts,
  type KeptState,
  type Layout,
  type ReadFacts,
} from "./store.js";
export {
  createOnce,
  DirectorySource,
  fingerprint,
  FolderSetSource,
  type FactUnit,
  type KeySealEntry,
  type ListOptions,
  type ReplicaSource,
  type SealWrite,
  type SourceListing,
} from "./source.js";
export { openReplicas, ReplicaWorkspace, type OpenReplicasOptions, type WorkflowProgress, type WorkspaceSeal } from "./workflow.js";
