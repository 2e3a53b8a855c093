// A hash index on any columns as chains: per key its newest row, and `next[row]`, the previous row
// with the same key. Chains list rows newest first, so a join reads a row range [lo, hi) by skipping
// rows >= hi and stopping at the first row < lo. Costs one number per row.
import { storageEvents } from "./events.js";
import { directLength, EMPTY, finish, grownLength, keptCopy, mix, roomFor, rowArray } from "./hash.js";
import type { KeyIndex, Rows } from "./types.js";

/**
 * Chains of rows by key. One key column whose values so far are small non-negative codes keeps its
 * heads in a direct table (`heads[key]`, no hashing or probing), and moves them, once, to a hash
 * table (keeping the chains) when a key does not fit. Generated joins read `first1`/`first2`/
 * `firstN` and `next` only; rows are added in order by `catchUp`, which a join calls with its range
 * end before it reads, so an index never holds rows of the current iteration.
 */
export class ChainIndex implements KeyIndex {
  heads: Int32Array;
  /** `next[row]`: the previous row with the same key, or -1. */
  next: Int32Array;
  mask: number;
  keys = 0;
  indexed = 0;
  /** Heads by key code (one key column, small codes) rather than hashed. */
  direct: boolean;
  private readonly c0: number;
  private readonly c1: number;
  /** `heads` and `next` are kept arrays (`restoreState`): never written; the first catch-up that adds rows copies them. */
  private shared = false;

  constructor(
    readonly relation: Rows,
    readonly cols: readonly number[],
  ) {
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.next = new Int32Array(Math.max(16, relation.size));
    this.c0 = cols[0] ?? 0;
    this.c1 = cols[1] ?? 0;
    this.direct = cols.length === 1;
  }

  private hashRow(data: Int32Array, base: number): number {
    let h = 0;
    for (const c of this.cols) h = mix(h, data[base + c]!);
    return finish(h);
  }

  private sameKey(data: Int32Array, a: number, b: number): boolean {
    for (const c of this.cols) if (data[a + c] !== data[b + c]) return false;
    return true;
  }

  catchUp(limit = this.relation.size): void {
    storageEvents.chainJoins++;
    const rel = this.relation;
    const n = Math.min(limit, rel.size);
    if (this.indexed >= n) return;
    if (this.shared) this.own(n);
    if (this.next.length < n) {
      const grown = rowArray(Math.max(n, grownLength(this.next.length, 1)));
      grown.set(this.next);
      this.next = grown;
    }
    const data = rel.data;
    const arity = rel.arity;
    let row = this.indexed;
    if (this.direct) {
      const c0 = this.c0;
      const next = this.next;
      let heads = this.heads;
      for (; row < n; row++) {
        const k = data[row * arity + c0]!;
        if (k >= heads.length || k < 0) {
          if (!this.widen(k, n)) break;
          heads = this.heads;
        }
        const head = heads[k]!;
        if (head === EMPTY) this.keys++;
        next[row] = head;
        heads[k] = row;
      }
      this.indexed = row;
      if (row === n) return;
      this.leaveDirect();
    }
    for (; row < n; row++) {
      if ((this.keys + 1) * 2 > this.mask + 1) this.grow();
      const base = row * arity;
      let slot = this.hashRow(data, base) & this.mask;
      for (;;) {
        const head = this.heads[slot]!;
        if (head === EMPTY) {
          this.heads[slot] = row;
          this.next[row] = EMPTY;
          this.keys++;
          break;
        }
        if (this.sameKey(data, head * arity, base)) {
          this.heads[slot] = row;
          this.next[row] = head;
          break;
        }
        slot = (slot + 1) & this.mask;
      }
    }
    this.indexed = n;
  }

  /**
   * Copies kept arrays before rows up to `n` are added: `next` with room for a sixteenth more rows,
   * and a direct table already wide enough for the new rows' keys, so it is not copied twice.
   */
  private own(n: number): void {
    this.shared = false;
    this.next = keptCopy(this.next, Math.max(n, this.indexed + roomFor(this.indexed)), true);
    let size = this.heads.length;
    if (this.direct) {
      const data = this.relation.data;
      const arity = this.relation.arity;
      let top = -1;
      for (let row = this.indexed; row < n; row++) top = Math.max(top, data[row * arity + this.c0]!);
      if (top >= size) size = Math.max(size, directLength(size, top, n));
    }
    const heads = rowArray(size);
    if (size > this.heads.length) heads.fill(EMPTY, this.heads.length);
    heads.set(this.heads);
    this.heads = heads;
    this.mask = size - 1;
  }

  /** Grows the direct table to hold `key`, if it stays within a few slots per row; false when it cannot. */
  private widen(key: number, rows: number): boolean {
    const size = directLength(this.heads.length, key, rows);
    if (size < 0) return false;
    const heads = rowArray(size).fill(EMPTY);
    heads.set(this.heads);
    this.heads = heads;
    this.mask = size - 1;
    return true;
  }

  /** Moves the direct table's heads into a hash table; the chains stay as they are. */
  private leaveDirect(): void {
    storageEvents.chainsLeftDirect++;
    const old = this.heads;
    this.direct = false;
    let size = 16;
    while (size < this.keys * 4) size *= 2;
    this.heads = rowArray(size).fill(EMPTY);
    this.mask = size - 1;
    for (let k = 0; k < old.length; k++) {
      const head = old[k]!;
      if (head === EMPTY) continue;
      let slot = finish(mix(0, k)) & this.mask;
      while (this.heads[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.heads[slot] = head;
    }
  }

  reset(): void {
    if (this.shared) (this.next = new Int32Array(16)), (this.shared = false);
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.keys = 0;
    this.indexed = 0;
    this.direct = this.cols.length === 1;
  }

  /** The index as it stands (views, valid until the next catch-up): what `restoreState` takes back. */
  exportState(): ChainIndexState {
    return { kind: "chain", cols: this.cols, direct: this.direct, mask: this.mask, keys: this.keys, indexed: this.indexed, heads: this.heads, next: this.next.subarray(0, this.indexed) };
  }

  /**
   * Takes back an index exported over the same first `state.indexed` rows of this relation; rows
   * past them are added by the next catch-up. The arrays are used as they are and never written
   * (they may be views of a kept file's bytes): an index only read costs no copy. `writable`: they
   * are this index's to write, and `next` may be longer than `indexed`, its room. False, with
   * nothing changed, when `state` cannot be such an index.
   */
  restoreState(state: ChainIndexState, writable = false): boolean {
    const { heads, next, indexed } = state;
    const n = heads.length;
    if (state.cols.join(",") !== this.cols.join(",") || n < 16 || (n & (n - 1)) !== 0 || state.mask !== n - 1) return false;
    if (indexed > this.relation.size || (writable ? next.length < indexed : next.length !== indexed) || state.keys > indexed || (state.direct && this.cols.length !== 1)) return false;
    this.heads = heads;
    this.next = next;
    this.shared = !writable;
    this.mask = state.mask;
    this.keys = state.keys;
    this.indexed = indexed;
    this.direct = state.direct;
    return true;
  }

  bytes(): number {
    return this.heads.byteLength + this.next.byteLength;
  }

  /** Empties the index and gives back its arrays: its relation will not be read again. */
  release(): void {
    this.reset();
    this.next = new Int32Array(16);
  }

  private grow(): void {
    const old = this.heads;
    const size = old.length * 2;
    this.heads = rowArray(size).fill(EMPTY);
    this.mask = size - 1;
    const data = this.relation.data;
    const arity = this.relation.arity;
    for (const head of old) {
      if (head === EMPTY) continue;
      let slot = this.hashRow(data, head * arity) & this.mask;
      while (this.heads[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.heads[slot] = head;
    }
  }

  /** The newest row whose key column is `a` (one-column index), or -1. */
  first1(a: number): number {
    if (this.direct) return a >= 0 && a < this.heads.length ? this.heads[a]! : EMPTY;
    const data = this.relation.data;
    const arity = this.relation.arity;
    const c0 = this.c0;
    let slot = finish(mix(0, a)) & this.mask;
    for (;;) {
      const head = this.heads[slot]!;
      if (head === EMPTY || data[head * arity + c0] === a) return head;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The newest row with key (a, b) (two-column index), or -1. */
  first2(a: number, b: number): number {
    const data = this.relation.data;
    const arity = this.relation.arity;
    const c0 = this.c0;
    const c1 = this.c1;
    let slot = finish(mix(mix(0, a), b)) & this.mask;
    for (;;) {
      const head = this.heads[slot]!;
      if (head === EMPTY) return head;
      const base = head * arity;
      if (data[base + c0] === a && data[base + c1] === b) return head;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The newest row whose key columns equal `key` (in `cols` order), or -1. */
  firstN(key: Int32Array | readonly number[]): number {
    if (this.direct) return this.first1(key[0]!);
    const data = this.relation.data;
    const arity = this.relation.arity;
    const cols = this.cols;
    let h = 0;
    for (let i = 0; i < cols.length; i++) h = mix(h, key[i]!);
    let slot = finish(h) & this.mask;
    for (;;) {
      const head = this.heads[slot]!;
      if (head === EMPTY) return head;
      const base = head * arity;
      let same = true;
      for (let i = 0; i < cols.length; i++) {
        if (data[base + cols[i]!] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return head;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A chain index as exported (`ChainIndex.exportState`). */
export interface ChainIndexState {
  readonly kind: "chain";
  readonly cols: readonly number[];
  readonly direct: boolean;
  readonly mask: number;
  readonly keys: number;
  readonly indexed: number;
  readonly heads: Int32Array;
  readonly next: Int32Array;
}
