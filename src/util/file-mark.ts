// A file's mark: its size, modification time (ns) and inode. Any write through the file system
// changes one of them, except a write within the timestamp's granularity of the last one, which
// `trustedSince` tells apart.
import { statSync, type BigIntStats } from "node:fs";

/** The mark of a file's stats. */
export function markOf(s: BigIntStats): string {
  return `${s.size}:${s.mtimeNs}:${s.ino}`;
}

/** The mark of the file at `path` ("missing" when it cannot be stat'ed). */
export function fileMark(path: string): string {
  try {
    return markOf(statSync(path, { bigint: true }));
  } catch {
    return "missing";
  }
}

/**
 * From when (ms since 1970) a mark taken of these stats can be trusted: past the modification time
 * plus the timestamp's granularity (2 s when it counts whole seconds), a later write gives the file
 * a later time; before that, a write may leave the mark as it was.
 */
export function trustedSince(s: BigIntStats): number {
  const coarse = s.mtimeNs % 1_000_000_000n === 0n;
  return Number(s.mtimeNs / 1_000_000n) + (coarse ? 2000 : 100);
}
