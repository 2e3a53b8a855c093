// Tuples cross the replica boundary as canonical keys (their JSON text), so two equal tuples are
// one key everywhere: in immutable sets, in kept state and in seal digests.
import { createHash } from "../util/sha256.js";

import type { Value } from "../eval/values.js";
/** One fact's arguments. */
export type Tuple = readonly Value[];

/** The canonical key of a tuple: its JSON text (`["a",1]`). Equal tuples have equal keys. */
export function tupleKey(tuple: Tuple): string {
  return JSON.stringify(tuple);
}

/** The tuple a key stands for. */
export function keyTuple(key: string): Tuple {
  return JSON.parse(key) as Tuple;
}

/** Code-unit order on keys: the one order used for digests and kept state. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The digest of one relation's facts: sha256 over the lines `relation TAB key LF`, keys sorted
 * in code-unit order. Empty input digests the empty string.
 */
export function relationDigest(relation: string, keys: Iterable<string>): string {
  const hash = createHash("sha256");
  for (const key of [...keys].sort(compareKeys)) hash.update(`${relation}\t${key}\n`);
  return `sha256:${hash.digest("hex")}`;
}

/** The digest of a replica's facts in one epoch: the same lines for every relation, relations sorted by name. */
export function epochDigest(relations: Iterable<readonly [string, Iterable<string>]>): string {
  const hash = createHash("sha256");
  const sorted = [...relations].sort((a, b) => compareKeys(a[0], b[0]));
  for (const [relation, keys] of sorted) {
    for (const key of [...keys].sort(compareKeys)) hash.update(`${relation}\t${key}\n`);
  }
  return `sha256:${hash.digest("hex")}`;
}
