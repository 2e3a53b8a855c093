// `calmlog/node`: everything in `calmlog` plus what needs Node: reading rule and fact files,
// writing relation files and counterexamples, SARIF with paths relative to a folder, and the CLI.
export * from "./index.js";
export { compileFile } from "./pipeline.js";
export { readFactFile, writeRelationFile } from "./io/index.js";
export { writeCounterexample } from "./invariant/counterexample-files.js";
import { main } from "./cli/main.js"; // also makes seal digests use node:crypto's SHA-256 and gives the prover Z3
import type { LintResult } from "./lint.js";
import { renderLintSarif as sarif } from "./report/sarif.js";

/**
 * `calmlog lint --format sarif` as text (SARIF 2.1.0); `baseDir` makes file locations relative.
 * Typed here so the `.d.ts` needs no SARIF type package.
 */
export const renderLintSarif: (result: LintResult, sources?: unknown, options?: { readonly baseDir?: string; readonly version?: string }) => string = sarif;

/** Where `runCli` writes and what it reads: the same shape as `process.stdout` and friends. */
export interface CliStreams {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `calmlog ARGS...` in-process and returns its exit code (typed here so the `.d.ts` needs no Node types). */
export const runCli: (argv: readonly string[], streams: CliStreams) => Promise<number> = main;
export { openReplicas, ReplicaWorkspace, DirectorySource, FolderSetSource, type ReplicaSource, type FactUnit, type SourceListing, type SealWrite, type KeySealEntry, type WorkflowProgress } from "./replica/index.js";
export { sealKeys, parseKeySpec, readKeySeals, keyGroups, type KeySpec, type KeySealRecord, type KeySealOutcome, type KeyStatus, type KeyGroup } from "./replica/keyseal.js";
export { keySealsToRelease, type KeySealsToRelease, type KeySealToMake } from "./replica/keyrelease.js";
