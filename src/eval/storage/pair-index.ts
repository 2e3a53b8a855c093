// An index of a two-column relation on one column, for joins that read the other column: per key,
// its (row, other column) pairs in blocks of one shared pool, newest block first. A join reads one
// key's rows as a few sequential runs (blocks double in size per key), with no array per key, so
// it serves any number of keys with the same generated loop.
import { storageEvents } from "./events.js";
import { directLength, EMPTY, finish, grownLength, keptCopy, mix, roomFor, rowArray } from "./hash.js";
import type { KeyIndex, Rows } from "./types.js";

/** A key's first block holds one pair (2^1 numbers); each next one twice the last, up to 2^8 numbers. */
const FIRST_LOG = 1;
const MAX_LOG = 8;
/** A catch-up of at least this many rows sizes the pool for them first. */
const BULK_ROWS = 4096;
/** The low bits of a block's second number: how many numbers of the block are used. */
const USED = 0xffff;
/** Pairs in one block of a bulk catch-up (its used count fits USED). */
const SEALED_PAIRS = USED >> 1;

/**
 * Per-key runs of (row, other column) pairs. A block at offset `o` of `pool` is
 * `[older block or -1, used | log2(room) << 16, row, other, row, other, ...]` (used and room count
 * numbers, two per pair; a key of one row costs four numbers); rows ascend
 * within a block and blocks are linked newest first, so a join reads `find(key)`, then each block's
 * pairs from its last (at `o + used`) down to `o + 2`, following `pool[o]`: rows in descending order, as a chain index gives them.
 * Heads sit in a direct table while keys are small non-negative codes, and move, once, to a hash
 * table of (key, block) pairs when one is not. Rows are added in order by `catchUp`.
 */
export class PairIndex implements KeyIndex {
  pool: Int32Array;
  private top = 0;
  /** Direct: `heads[key]`, the key's newest block. Hashed: (key, newest block) pairs, block -1 when free. */
  private heads: Int32Array;
  private mask: number;
  keys = 0;
  indexed = 0;
  direct = true;
  readonly cols: readonly number[];
  private readonly other: number;
  /** `heads` and `pool` are kept arrays (`restoreState`): never written; the first catch-up that adds rows copies them. */
  private shared = false;

  constructor(
    readonly relation: Rows,
    private readonly col: number,
  ) {
    if (relation.arity !== 2 || (col !== 0 && col !== 1)) throw new Error(`a pair index needs two columns and a key column 0 or 1`);
    this.cols = [col];
    this.other = 1 - col;
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.pool = new Int32Array(64);
  }

  catchUp(limit = this.relation.size): void {
    storageEvents.pairJoins++;
    const rel = this.relation;
    const n = Math.min(limit, rel.size);
    if (this.indexed >= n) return;
    if (this.shared) this.own(n);
    const data = rel.data;
    const c0 = this.col;
    const other = this.other;
    // A first catch-up of many rows (a relation read whole, usually once complete) is laid out exactly.
    if (this.indexed === 0 && n >= BULK_ROWS) return this.bulk(n);
    // Room for every new row to start a key (four numbers) at once: a bulk catch-up grows the pool
    // once rather than by half again several times, and by at least half, so a relation that grows
    // over many iterations does not copy its whole pool in each.
    const room = this.top + 4 * (n - this.indexed);
    if (room > this.pool.length && n - this.indexed >= BULK_ROWS) this.growPool(Math.max(room, grownLength(this.pool.length, 1)));
    let heads = this.heads;
    let pool = this.pool;
    for (let row = this.indexed; row < n; row++) {
      const base = row * 2;
      const k = data[base + c0]!;
      let slot = k;
      if (!this.direct || k < 0 || k >= heads.length) {
        slot = this.slot(k, n);
        heads = this.heads;
      }
      let o = heads[slot]!;
      if (o === EMPTY || (pool[o + 1]! & USED) >= 1 << (pool[o + 1]! >>> 16)) {
        if (o === EMPTY) this.keys++;
        o = this.block(o);
        heads[slot] = o;
        pool = this.pool;
      }
      const h = pool[o + 1]!;
      const at = o + 2 + (h & USED);
      pool[at] = row;
      pool[at + 1] = data[base + other]!;
      pool[o + 1] = h + 2;
    }
    this.indexed = n;
  }

  /**
   * A bulk catch-up (rows `indexed..n-1`, at least BULK_ROWS, none indexed before; the pass
   * handles any starting point): each key's new rows go into blocks
   * sized exactly for them (one block per key unless it has over SEALED_PAIRS new rows), counted
   * first, so the pool holds two numbers per row and two per key, with no empty room. A sealed
   * block's room is recorded as at most its used count, so a later row of that key starts a new block.
   */
  private bulk(n: number): void {
    const data = this.relation.data;
    const c0 = this.col;
    const other = this.other;
    // Pass 1: a group per key with new rows; meanwhile its head holds -2 - group, `older` its newest
    // block before (or -1) and `count` its new rows.
    let older = new Int32Array(1024);
    let count = new Int32Array(1024);
    let groups = 0;
    for (let row = this.indexed; row < n; row++) {
      const k = data[2 * row + c0]!;
      const slot = this.direct && k >= 0 && k < this.heads.length ? k : this.slot(k, n);
      const heads = this.heads;
      const o = heads[slot]!;
      if (o <= -2) {
        count[-2 - o]!++;
        continue;
      }
      if (o === EMPTY) this.keys++;
      if (groups === older.length) {
        const o2 = new Int32Array(2 * groups);
        o2.set(older);
        older = o2;
        const c2 = new Int32Array(2 * groups);
        c2.set(count);
        count = c2;
      }
      older[groups] = o;
      count[groups] = 1;
      heads[slot] = -2 - groups;
      groups++;
    }
    // Pass 2: blocks laid out group after group, headers written; `older` becomes each group's first block.
    const span = 2 + 2 * SEALED_PAIRS;
    let total = 0;
    for (let g = 0; g < groups; g++) total += 2 * Math.ceil(count[g]! / SEALED_PAIRS) + 2 * count[g]!;
    if (this.top + total > this.pool.length) this.growPool(this.top + total);
    const pool = this.pool;
    let top = this.top;
    for (let g = 0; g < groups; g++) {
      const c = count[g]!;
      let prev = older[g]!;
      older[g] = top;
      for (let b = 0; b * SEALED_PAIRS < c; b++) {
        const used = 2 * Math.min(SEALED_PAIRS, c - b * SEALED_PAIRS);
        pool[top] = prev;
        pool[top + 1] = used | ((31 - Math.clz32(used)) << 16);
        prev = top;
        top += 2 + used;
      }
      count[g] = 0;
    }
    this.top = top;
    // Pass 3: each row into its group's blocks, in row order (rows ascend within a block).
    for (let row = this.indexed; row < n; row++) {
      const k = data[2 * row + c0]!;
      const g = -2 - this.heads[this.position(k)]!;
      const i = count[g]!++;
      const b = i < SEALED_PAIRS ? 0 : Math.floor(i / SEALED_PAIRS);
      const at = older[g]! + b * span + 2 + 2 * (i - b * SEALED_PAIRS);
      pool[at] = row;
      pool[at + 1] = data[2 * row + other]!;
    }
    // Pass 4: each head to its group's newest (last) block.
    const heads = this.heads;
    const step = this.direct ? 1 : 2;
    for (let p = this.direct ? 0 : 1; p < heads.length; p += step) {
      const v = heads[p]!;
      if (v > -2) continue;
      const g = -2 - v;
      heads[p] = older[g]! + Math.floor((count[g]! - 1) / SEALED_PAIRS) * span;
    }
    this.indexed = n;
  }

  /** The position in `heads` of key `k`, which has one. */
  private position(k: number): number {
    const heads = this.heads;
    if (this.direct) return k;
    const mask = this.mask;
    let s = finish(mix(0, k)) & mask;
    while (heads[2 * s] !== k || heads[2 * s + 1] === EMPTY) s = (s + 1) & mask;
    return 2 * s + 1;
  }

  /** The position in `heads` of key `k`'s newest block, made (holding -1) when `k` is new. */
  private slot(k: number, rows: number): number {
    if (this.direct) {
      const size = directLength(this.heads.length, k, rows);
      if (size >= 0) {
        const heads = rowArray(size).fill(EMPTY);
        heads.set(this.heads);
        this.heads = heads;
        this.mask = size - 1;
        return k;
      }
      this.leaveDirect();
    }
    if ((this.keys + 1) * 2 > this.mask + 1) this.rehash(2 * (this.mask + 1));
    const heads = this.heads;
    const mask = this.mask;
    let s = finish(mix(0, k)) & mask;
    while (heads[2 * s + 1] !== EMPTY && heads[2 * s] !== k) s = (s + 1) & mask;
    heads[2 * s] = k;
    return 2 * s + 1;
  }

  /** A new block for a key whose newest block is `older` (-1: none), twice its room. */
  private block(older: number): number {
    let log = FIRST_LOG;
    if (older !== EMPTY) {
      storageEvents.pairBlocks++;
      log = Math.min(MAX_LOG, (this.pool[older + 1]! >>> 16) + 1);
    }
    const o = this.top;
    const end = o + 2 + (1 << log);
    if (end > this.pool.length) this.growPool(Math.max(end, grownLength(this.pool.length, 1)));
    const pool = this.pool;
    pool[o] = older;
    pool[o + 1] = log << 16;
    this.top = end;
    return o;
  }

  private growPool(length: number): void {
    const grown = rowArray(length);
    grown.set(this.pool.subarray(0, this.top));
    this.pool = grown;
  }

  /** Moves the direct table's heads into a hash table of (key, block) pairs. */
  private leaveDirect(): void {
    storageEvents.pairsLeftDirect++;
    const old = this.heads;
    this.direct = false;
    let size = 16;
    while (size < this.keys * 4) size *= 2;
    this.heads = rowArray(2 * size).fill(EMPTY);
    this.mask = size - 1;
    for (let k = 0; k < old.length; k++) if (old[k] !== EMPTY) this.put(k, old[k]!);
  }

  private rehash(size: number): void {
    const old = this.heads;
    this.heads = rowArray(2 * size).fill(EMPTY);
    this.mask = size - 1;
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== EMPTY) this.put(old[s]!, old[s + 1]!);
  }

  private put(k: number, block: number): void {
    const heads = this.heads;
    let s = finish(mix(0, k)) & this.mask;
    while (heads[2 * s + 1] !== EMPTY) s = (s + 1) & this.mask;
    heads[2 * s] = k;
    heads[2 * s + 1] = block;
  }

  /** Copies kept arrays before rows up to `n` are added: the pool with room for them and some more. */
  private own(n: number): void {
    this.shared = false;
    this.heads = keptCopy(this.heads, 0, true);
    this.pool = keptCopy(this.pool, this.top + Math.max(roomFor(this.top, 64), 4 * (n - this.indexed)), true);
  }

  reset(): void {
    this.shared = false;
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.pool = new Int32Array(64);
    this.top = 0;
    this.keys = 0;
    this.indexed = 0;
    this.direct = true;
  }

  /** The index as it stands (views, valid until the next catch-up): what `restoreState` takes back. */
  exportState(): PairIndexState {
    return { kind: "pair", cols: this.cols, direct: this.direct, mask: this.mask, keys: this.keys, indexed: this.indexed, heads: this.heads, pool: this.pool.subarray(0, this.top) };
  }

  /**
   * Takes back an index exported over the same first `state.indexed` rows of this relation; rows
   * past them are added by the next catch-up. The arrays are used as they are and never written
   * (they may be views of a kept file's bytes): an index only read costs no copy. `writable`: they
   * are this index's to write, and the pool grows into its room. False, with nothing changed, when
   * `state` cannot be such an index.
   */
  restoreState(state: PairIndexState, writable = false): boolean {
    const { heads, pool, indexed } = state;
    const top = state.top ?? pool.length;
    if (top > pool.length || (!writable && top !== pool.length)) return false;
    const n = heads.length;
    if (state.cols.length !== 1 || state.cols[0] !== this.col || n < 16 || indexed > this.relation.size || state.keys > indexed) return false;
    // Direct: a power-of-two table of heads; hashed: (key, block) pairs, `mask + 1` of them.
    if (state.direct ? (n & (n - 1)) !== 0 || state.mask !== n - 1 : n !== 2 * (state.mask + 1) || (state.mask & (state.mask + 1)) !== 0) return false;
    this.heads = heads;
    this.pool = pool;
    this.shared = !writable;
    this.top = top;
    this.mask = state.mask;
    this.keys = state.keys;
    this.indexed = indexed;
    this.direct = state.direct;
    return true;
  }

  bytes(): number {
    return this.heads.byteLength + this.pool.byteLength;
  }

  /** Empties the index (its arrays go with `reset`'s fresh ones): its relation will not be read again. */
  release(): void {
    this.reset();
  }

  /** The newest block of key `a`, or -1 when no indexed row has it. */
  find(a: number): number {
    const heads = this.heads;
    if (this.direct) return a >= 0 && a < heads.length ? heads[a]! : EMPTY;
    const mask = this.mask;
    let s = finish(mix(0, a)) & mask;
    for (;;) {
      const o = heads[2 * s + 1]!;
      if (o === EMPTY || heads[2 * s] === a) return o;
      s = (s + 1) & mask;
    }
  }
}

/** A pair index as exported (`PairIndex.exportState`). */
export interface PairIndexState {
  readonly kind: "pair";
  readonly cols: readonly number[];
  readonly direct: boolean;
  readonly mask: number;
  readonly keys: number;
  readonly indexed: number;
  readonly heads: Int32Array;
  readonly pool: Int32Array;
  /** How much of `pool` is used, when it has room past that (a writable state): all of it when absent. */
  readonly top?: number;
}
