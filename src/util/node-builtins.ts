// Node's built-in modules that only some runs need, loaded on first use: each costs milliseconds at
// start-up (crypto about 5, worker_threads and child_process 2-4 on a quiet machine), which a
// one-fact `calmlog run` should not pay for a seal digest, a Z3 worker or a `#include` it never uses.
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}

/** `node:crypto`, loaded on first call. */
export const nodeCrypto = lazy<typeof import("node:crypto")>("node:crypto");
/** `node:child_process`, loaded on first call. */
export const nodeChildProcess = lazy<typeof import("node:child_process")>("node:child_process");
/** `node:worker_threads`, loaded on first call. */
export const nodeWorkerThreads = lazy<typeof import("node:worker_threads")>("node:worker_threads");
