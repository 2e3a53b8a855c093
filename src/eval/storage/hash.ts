// Hashing and array helpers shared by every storage representation: a murmur3 round per 32-bit
// code, and typed arrays that grow in whole rows and announce themselves when large.

/** The empty mark of every slot, head and chain link (row numbers and offsets are never negative). */
export const EMPTY = -1;

/** Mixes one more 32-bit code into a hash (murmur3 round). */
export function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche, so low bits (the slot) depend on every input bit. */
export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Direct tables (index heads, row bitsets) hold codes below this, and stay within a few words per row. */
export const DIRECT_MAX = 1 << 26;
export const DIRECT_SLACK = 1 << 16;
/** Per-key arrays (bitsets) cost an array each: kept while there are at most this many. */
export const MAX_LISTS = 1 << 15;

/** Arrays of at least this many bytes are announced to `onLargeArray`'s listener before they are made. */
const LARGE_ARRAY = 1 << 20;
let largeArray: (() => void) | null = null;

/**
 * Sets a function called before a relation or index makes an array of 1 MB or more (null: none).
 * Such an array usually replaces a smaller one that has just died; a command-line run collects the
 * dead ones there rather than hold them until V8 gets round to it (see `cli/run.ts`).
 */
export function onLargeArray(listener: (() => void) | null): void {
  largeArray = listener;
}

/** A new Int32Array of `n` zeros, announced first when it is large. */
export function rowArray(n: number): Int32Array {
  if (largeArray !== null && n * 4 >= LARGE_ARRAY) largeArray();
  return new Int32Array(n);
}

/** A copy of a kept array in a new one of at least `min` numbers, with room for 1/32 more unless `exact`: a continuing run usually adds a little. */
export function keptCopy(kept: Int32Array, min: number, exact = false): Int32Array {
  const out = rowArray(Math.max(min, exact ? kept.length : kept.length + (kept.length >> 5)));
  out.set(kept);
  return out;
}

/**
 * Room (in numbers) a kept array of `length` gets when a continuing run first writes to it: a
 * sixteenth more, at least `min`, as a continuing run usually adds a little. Kept parts are written
 * with as much room after these arrays (eval/snapshot.ts), so a writable state grows into it.
 */
export function roomFor(length: number, min = 16): number {
  return Math.max(min, length >> 4);
}

/**
 * The next length of a growing row array: half as much again, in whole rows. Doubling left the
 * largest relations up to half empty, and the old and new arrays are both alive while copying.
 */
export function grownLength(length: number, arity: number): number {
  const rows = Math.floor(length / arity);
  return Math.max(arity, (rows + Math.max(16, rows >> 1)) * arity);
}

/** A direct table's length to hold `key`, or -1 when `key` does not fit one (negative, too large, too sparse for `rows` rows). */
export function directLength(length: number, key: number, rows: number): number {
  if (key < 0 || key >= DIRECT_MAX || key >= DIRECT_SLACK + 8 * rows) return -1;
  let size = length;
  while (size <= key) size *= 2;
  return size;
}
