// A relation is an append-only array of rows (codes in an Int32Array, `arity` per row) plus an
// open-addressing hash set over whole rows. Rows never move or change, so "the rows below n" is
// a stable version of the relation: semi-naive `total` / `delta` are row ranges, not copies.

const EMPTY = -1;
/** Direct tables (index heads, row bitsets) hold codes below this, and stay within a few words per row. */
const DIRECT_MAX = 1 << 26;
const DIRECT_SLACK = 1 << 16;
/** A catch-up of at least this many rows fills per-key lists in bulk (count, size once, fill). */
const BULK_ROWS = 4096;
/** Per-key lists and bitsets cost an array each: kept while there are at most this many. */
const MAX_LISTS = 1 << 15;
/** Past this many bitsets, a relation whose bitsets are tiny and hold under two rows each moves to the hash table. */
const SPARSE_BITSETS = 1 << 12;
/** Bitsets may take this many words (16 MB) beyond 8 per row before the set moves to a hash table. */
const BITS_SLACK = 1 << 22;

/**
 * How often each storage representation and join path was entered, process-wide: tests use it to
 * check that they reach every one (only cold paths and one check per join call count).
 */
export const storageEvents = {
  /** A one- or two-column relation moved from bitsets to the hash table. */
  leftBits: 0,
  /** A relation of three or more columns made its hash table. */
  hashTables: 0,
  /** Rows went into a two-column relation's per-first-column bitsets (second column >= 32). */
  wideBitsets: 0,
  /** A one-column index moved from its direct table to a hash table. */
  leftDirect: 0,
  /** A direct index dropped its per-key lists (too many keys). */
  droppedLists: 0,
  /** A join ran on per-key lists, or on `next` chains because an index it could read as lists had none. */
  listJoins: 0,
  chainJoins: 0,
};

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
function rowArray(n: number): Int32Array {
  if (largeArray !== null && n * 4 >= LARGE_ARRAY) largeArray();
  return new Int32Array(n);
}

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

/**
 * A hash index on some columns: for each distinct key, the newest row with that key; `next[row]`
 * is the previous row with the same key. Chains therefore list rows in descending order, so a
 * row range [lo, hi) is read by skipping rows >= hi and stopping at the first row < lo.
 * Rows are added in order up to `indexed`; a join calls `catchUp(end)` before it reads, so an index
 * never holds rows derived in the current iteration and is never built for plans that do not run.
 */
export class Index {
  heads: Int32Array;
  next: Int32Array;
  mask: number;
  keys = 0;
  indexed = 0;
  /**
   * One key column whose values so far are small non-negative codes: `heads[key]` directly, no
   * hashing or probing. Left for the hash table (once, keeping the chains) when a key does not fit.
   */
  direct: boolean;
  /**
   * For a direct index of a two-column relation, while keys are few: per key, its (row, other
   * column) pairs in row order, so a join reads one key's rows as one sequential run instead of
   * chasing `next` through the whole relation. `lens[key]` counts the list's numbers. Null otherwise.
   */
  lists: Int32Array[] | null;
  lens: Int32Array;
  private readonly c0: number;
  private readonly c1: number;

  constructor(
    readonly relation: Relation,
    readonly cols: readonly number[],
  ) {
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.next = new Int32Array(Math.max(16, relation.size));
    this.c0 = cols[0] ?? 0;
    this.c1 = cols[1] ?? 0;
    this.direct = cols.length === 1;
    this.lists = this.direct && relation.arity === 2 ? [] : null;
    this.lens = NO_LENS;
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

  /** Adds the relation's rows below `limit` (default: all) that are not yet indexed. */
  catchUp(limit = this.relation.size): void {
    const rel = this.relation;
    const n = Math.min(limit, rel.size);
    if (this.indexed >= n) return;
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
      const other = 1 - c0;
      const from = row;
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
      // Lists once the keys are counted, so a batch with too many keys never builds (and drops) them.
      if (this.lists !== null && this.keys > MAX_LISTS) {
        storageEvents.droppedLists++;
        this.lists = null;
        this.lens = NO_LENS;
      }
      if (this.lists !== null) {
        if (row - from >= BULK_ROWS) this.appendAll(from, row);
        else for (let r = from; r < row; r++) this.append(data[r * arity + c0]!, r, data[r * arity + other]!);
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
   * Adds rows [from, to) to their keys' lists at once: counts each key's rows, grows each list once
   * to hold them, then fills. (`keys` is already counted and within `MAX_LISTS`.)
   */
  private appendAll(from: number, to: number): void {
    const rel = this.relation;
    const data = rel.data;
    const arity = rel.arity;
    const c0 = this.c0;
    const other = 1 - c0;
    let maxKey = this.lens.length - 1;
    for (let r = from; r < to; r++) {
      const k = data[r * arity + c0]!;
      if (k > maxKey) maxKey = k;
    }
    const lists = this.lists!;
    if (maxKey >= this.lens.length) this.growLens(maxKey);
    const lens = this.lens;
    const adding = new Int32Array(lens.length);
    for (let r = from; r < to; r++) adding[data[r * arity + c0]!]! += 2;
    for (let k = 0; k < adding.length; k++) {
      const more = adding[k]!;
      if (more === 0) continue;
      const list = lists[k]!;
      const need = lens[k]! + more;
      if (need > list.length) {
        // A quarter more than needed, so the rows that follow in later iterations rarely regrow it.
        const grown = new Int32Array(Math.max(4, need + (need >> 2)));
        grown.set(list.subarray(0, lens[k]!));
        lists[k] = grown;
      }
    }
    for (let r = from; r < to; r++) {
      const base = r * arity;
      const k = data[base + c0]!;
      const len = lens[k]!;
      const list = lists[k]!;
      list[len] = r;
      list[len + 1] = data[base + other]!;
      lens[k] = len + 2;
    }
  }

  /** Makes room in `lens` and `lists` for keys up to `key`. */
  private growLens(key: number): void {
    let size = Math.max(16, this.lens.length);
    while (size <= key) size *= 2;
    const lens = new Int32Array(size);
    lens.set(this.lens);
    this.lens = lens;
    const lists = this.lists!;
    while (lists.length < size) lists.push(NO_LIST);
  }

  /** Adds (row, value) to key `k`'s list; drops every list once keys are too many for one array each. */
  private append(k: number, row: number, value: number): void {
    const lists = this.lists!;
    if (k >= this.lens.length) {
      if (this.keys > MAX_LISTS) {
        storageEvents.droppedLists++;
        this.lists = null;
        this.lens = NO_LENS;
        return;
      }
      this.growLens(k);
    }
    const len = this.lens[k]!;
    let list = lists[k]!;
    if (len + 2 > list.length) {
      if (list.length === 0 && this.keys > MAX_LISTS) {
        storageEvents.droppedLists++;
        this.lists = null;
        this.lens = NO_LENS;
        return;
      }
      const grown = new Int32Array(Math.max(4, list.length * 2));
      grown.set(list);
      lists[k] = list = grown;
    }
    list[len] = row;
    list[len + 1] = value;
    this.lens[k] = len + 2;
  }

  /** Grows the direct table to hold `key`, if it stays within a few slots per row; false when it cannot. */
  private widen(key: number, rows: number): boolean {
    if (key < 0 || key >= DIRECT_MAX || key >= DIRECT_SLACK + 8 * rows) return false;
    let size = this.heads.length;
    while (size <= key) size *= 2;
    const heads = rowArray(size).fill(EMPTY);
    heads.set(this.heads);
    this.heads = heads;
    this.mask = size - 1;
    return true;
  }

  /** Moves the direct table's heads into a hash table; the chains stay as they are. */
  private leaveDirect(): void {
    storageEvents.leftDirect++;
    const old = this.heads;
    this.direct = false;
    this.lists = null;
    this.lens = NO_LENS;
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

  /** Empties the index (it refills from row 0 on the next catch-up). */
  reset(): void {
    this.heads = new Int32Array(16).fill(EMPTY);
    this.mask = 15;
    this.keys = 0;
    this.indexed = 0;
    this.direct = this.cols.length === 1;
    this.lists = this.direct && this.relation.arity === 2 ? [] : null;
    this.lens = NO_LENS;
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

  /** Whether a join may read this index's per-key lists (counted, for `storageEvents`). */
  listsReady(): boolean {
    if (this.lists !== null) {
      storageEvents.listJoins++;
      return true;
    }
    storageEvents.chainJoins++;
    return false;
  }

  /** The newest row whose first key column is `a` (one-column index), or -1. */
  lookup1(a: number): number {
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
  lookup2(a: number, b: number): number {
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
  lookupN(key: Int32Array | readonly number[]): number {
    if (this.direct) return this.lookup1(key[0]!);
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

/**
 * One relation's rows, its set of rows, and the indexes its join plans asked for.
 * The set of a relation of one or two columns whose codes are small non-negative integers is a
 * bitset per first column (a probe touches one word, near the last one for the same first column);
 * it moves, once, to a hash table when a code does not fit or the bitsets would outgrow a few words
 * per row. The hash table's slots hold (row, hash) pairs side by side: a probe compares hashes in one
 * cache line and reads the row only when they match, and growing never rehashes.
 */
export class Relation {
  data: Int32Array;
  size = 0;
  private table: Int32Array;
  private mask: number;
  /** Bitsets by first column (the only column's bitset at 0 for one column), or null for the hash table. */
  private bits: Uint32Array[] | null;
  /**
   * Of a two-column relation in bitsets, word 0 of every first column's set (second columns below
   * 32: counts, flags, early symbols) side by side, indexed by the first column: no array per key.
   */
  private low: Uint32Array = NO_BITS;
  private words = 0;
  private bitsets = 0;
  readonly indexes: Index[] = [];

  constructor(
    readonly name: string,
    readonly arity: number,
    capacity = 16,
  ) {
    this.data = new Int32Array(Math.max(1, capacity * arity));
    this.bits = arity === 1 || arity === 2 ? [] : null;
    this.table = NO_TABLE;
    this.mask = -1;
    if (this.bits === null) {
      storageEvents.hashTables++;
      this.makeTable(capacity);
    }
  }

  private makeTable(capacity: number): void {
    let t = 16;
    while (t * 7 < capacity * 10) t *= 2;
    this.table = rowArray(2 * t).fill(EMPTY);
    this.mask = t - 1;
  }

  /** The index on `cols` (sorted column numbers), created on first request; rows are added by `catchUp`. */
  index(cols: readonly number[]): Index {
    const key = cols.join(",");
    let idx = this.indexes.find((i) => i.cols.join(",") === key);
    if (idx === undefined) {
      idx = new Index(this, cols);
      this.indexes.push(idx);
    }
    return idx;
  }

  /**
   * Makes room for `n` more rows at once (a bulk insert). Given the rows' codes, a two-column
   * relation whose rows have more distinct first columns than bitsets may be kept moves to the hash
   * table now, rather than after building (and dropping) a bitset per first column.
   */
  reserve(n: number, codes?: Int32Array): void {
    this.reserveData(n);
    // Leaving the bitsets sizes the hash table for every row reserved.
    if (codes !== undefined && this.bits !== null && this.arity === 2 && !this.bitsFit(codes)) this.leaveBits();
  }

  /**
   * Whether the bitsets could take rows with these (first, second) codes as well as the rows they
   * hold: every code in range, and no more first columns with a second column past the low word
   * than bitsets may be kept. Stops at the first row that decides it.
   */
  private bitsFit(codes: Int32Array): boolean {
    const bits = this.bits!;
    let seen = new Uint8Array(Math.max(1024, bits.length));
    let firsts = 0;
    for (let a = 0; a < bits.length; a++) {
      if (bits[a]!.length > 0) {
        seen[a] = 1;
        firsts++;
      }
    }
    for (let i = 0; i < codes.length; i += 2) {
      const a = codes[i]!;
      const b = codes[i + 1]!;
      if (a < 0 || b < 0 || a >= DIRECT_MAX || b >= DIRECT_MAX) return false;
      if (b < 32) continue;
      if (a >= seen.length) {
        const grown = new Uint8Array(Math.max(a + 1, seen.length * 2));
        grown.set(seen);
        seen = grown;
      }
      if (seen[a] === 0) {
        seen[a] = 1;
        if (++firsts > MAX_LISTS) return false;
      }
    }
    return true;
  }

  private reserveData(n: number): void {
    const need = (this.size + n) * this.arity;
    if (need > this.data.length) {
      const grown = rowArray(need);
      grown.set(this.data);
      this.data = grown;
    }
    if (this.bits === null && (this.size + n) * 10 > (this.mask + 1) * 7) {
      const old = this.table;
      const size = this.size;
      this.makeTable(size + n);
      this.rehash(old);
    }
  }

  private growData(): Int32Array {
    const grown = rowArray(grownLength(this.data.length, this.arity));
    grown.set(this.data);
    return (this.data = grown);
  }

  private reserveRow(): number {
    const arity = this.arity;
    if ((this.size + 1) * arity > this.data.length) {
      const grown = rowArray(grownLength(this.data.length, arity));
      grown.set(this.data);
      this.data = grown;
    }
    // Grow at 70% load: probes compare hashes side by side in one cache line, so a fuller table costs
    // little time and saves the memory of the largest relations.
    if (this.bits === null && (this.size + 1) * 10 > (this.mask + 1) * 7) this.growTable();
    return this.size;
  }

  private growTable(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    this.table = rowArray(2 * slots).fill(EMPTY);
    this.mask = slots - 1;
    this.rehash(old);
  }

  private rehash(old: Int32Array): void {
    const table = this.table;
    const mask = this.mask;
    for (let i = 0; i < old.length; i += 2) {
      const row = old[i]!;
      if (row === EMPTY) continue;
      const h = old[i + 1]!;
      let slot = h & mask;
      while (table[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
      table[2 * slot] = row;
      table[2 * slot + 1] = h;
    }
  }

  /**
   * Sets bit `b` of first column `a`'s bitset: 1 when it was clear, 0 when set, -1 when the
   * bitsets cannot hold it (the caller then moves to the hash table).
   */
  private setBit(a: number, b: number): number {
    const bits = this.bits!;
    if (a < 0 || b < 0 || a >= DIRECT_MAX || b >= DIRECT_MAX) return -1;
    if (b < 32 && this.arity === 2) {
      let low = this.low;
      if (a >= low.length) {
        let n = Math.max(64, low.length);
        while (n <= a) n *= 2;
        const added = n - low.length;
        if (this.words + added > BITS_SLACK + 8 * this.size) return -1;
        this.words += added;
        const grown = new Uint32Array(n);
        grown.set(low);
        this.low = low = grown;
      }
      const m = 1 << b;
      const x = low[a]!;
      if ((x & m) !== 0) return 0;
      low[a] = x | m;
      return 1;
    }
    const w = b >>> 5;
    let set = a < bits.length ? bits[a]! : NO_BITS;
    if (w >= set.length) {
      let n = Math.max(2, set.length);
      while (n <= w) n *= 2;
      // First-column slots and each bitset's own overhead count too.
      // A typed array costs about 48 words of its own; many small ones also slow the collector.
      const added = n - set.length + (set.length === 0 ? 48 : 0) + (a >= bits.length ? 2 * (a + 1 - bits.length) : 0);
      if (this.words + added > BITS_SLACK + 8 * this.size) return -1;
      if (set.length === 0 && (++this.bitsets > MAX_LISTS || this.sparse(bits.length))) return -1;
      if (set.length === 0) storageEvents.wideBitsets++;
      this.words += added;
      while (bits.length <= a) bits.push(NO_BITS);
      const grown = new Uint32Array(n);
      grown.set(set);
      bits[a] = set = grown;
    }
    const m = 1 << (b & 31);
    const x = set[w]!;
    if ((x & m) !== 0) return 0;
    set[w] = x | m;
    return 1;
  }

  /**
   * Many bitsets, under two rows each, of a few words each (counts, flags): per-key arrays cost more
   * than they save, and a hash table holds such rows without an object per key.
   */
  private sparse(slots: number): boolean {
    const b = this.bitsets;
    return b > SPARSE_BITSETS && this.size < 2 * b && this.words < 52 * b + 2 * slots;
  }

  private hasBit(a: number, b: number): boolean {
    const bits = this.bits!;
    if (a < 0 || b < 0) return false;
    if (b < 32 && this.arity === 2) return a < this.low.length && (this.low[a]! & (1 << b)) !== 0;
    if (a >= bits.length) return false;
    const set = bits[a]!;
    const w = b >>> 5;
    return w < set.length && (set[w]! & (1 << (b & 31))) !== 0;
  }

  /** Moves the set of rows from the bitsets to the hash table. */
  private leaveBits(): void {
    storageEvents.leftBits++;
    this.bits = null;
    this.low = NO_BITS;
    this.words = 0;
    this.bitsets = 0;
    // Room for the rows reserved (a bulk insert), so the table does not grow again while they arrive.
    this.makeTable(Math.max(this.size + 1, Math.floor(this.data.length / this.arity)));
    const table = this.table;
    const mask = this.mask;
    const data = this.data;
    const arity = this.arity;
    for (let row = 0; row < this.size; row++) {
      const h = arity === 1 ? finish(mix(0, data[row]!)) : finish(mix(mix(0, data[2 * row]!), data[2 * row + 1]!));
      let slot = h & mask;
      while (table[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
      table[2 * slot] = row;
      table[2 * slot + 1] = h;
    }
  }

  /** Adds (a) to a one-column relation; true when it was new. */
  insert1(a: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      // The common case inline: the bitset already reaches a.
      const set = bits.length > 0 ? bits[0]! : NO_BITS;
      const w = a >>> 5;
      let r: number;
      if (a >= 0 && w < set.length) {
        const m = 1 << (a & 31);
        const x = set[w]!;
        if ((x & m) !== 0) return false;
        set[w] = x | m;
        r = 1;
      } else r = this.setBit(0, a);
      if (r === 0) return false;
      if (r === 1) {
        const row = this.size;
        let data = this.data;
        if (row + 1 > data.length) data = this.growData();
        data[row] = a;
        this.size = row + 1;
        return true;
      }
      this.leaveBits();
    }
    const row = this.reserveRow();
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    const h = finish(mix(0, a));
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) break;
      if (table[2 * slot + 1] === h && data[r] === a) return false;
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
    data[row] = a;
    this.size = row + 1;
    return true;
  }

  /** Adds (a, b) to a two-column relation; true when it was new. */
  insert2(a: number, b: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      let r: number;
      // The common cases inline: b in the low words, or a's bitset exists and already reaches b.
      const low = this.low;
      const set = b >= 32 && a >= 0 && a < bits.length ? bits[a]! : NO_BITS;
      const w = b >>> 5;
      if (b >= 0 && b < 32 && a >= 0 && a < low.length) {
        const m = 1 << b;
        const x = low[a]!;
        if ((x & m) !== 0) return false;
        low[a] = x | m;
        r = 1;
      } else if (w < set.length) {
        const m = 1 << (b & 31);
        const x = set[w]!;
        if ((x & m) !== 0) return false;
        set[w] = x | m;
        r = 1;
      } else r = this.setBit(a, b);
      if (r === 0) return false;
      if (r === 1) {
        const row = this.size;
        let data = this.data;
        if (2 * row + 2 > data.length) data = this.growData();
        data[2 * row] = a;
        data[2 * row + 1] = b;
        this.size = row + 1;
        return true;
      }
      this.leaveBits();
    }
    const row = this.reserveRow();
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    const h = finish(mix(mix(0, a), b));
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) break;
      if (table[2 * slot + 1] === h && data[2 * r] === a && data[2 * r + 1] === b) return false;
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
    data[2 * row] = a;
    data[2 * row + 1] = b;
    this.size = row + 1;
    return true;
  }

  /** Adds rows given as (a, b) code pairs to a two-column relation (a bulk load, after `reserve`); returns how many were new. */
  insertPairs(codes: Int32Array): number {
    let added = 0;
    for (let i = 0; i < codes.length; i += 2) if (this.insert2(codes[i]!, codes[i + 1]!)) added++;
    return added;
  }

  /** Adds a row given as `arity` codes; true when it was new. */
  insertRow(values: Int32Array | readonly number[]): boolean {
    const arity = this.arity;
    if (arity === 2) return this.insert2(values[0]!, values[1]!);
    if (arity === 1) return this.insert1(values[0]!);
    const row = this.reserveRow();
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    const h = this.hashValues(values);
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) break;
      if (table[2 * slot + 1] === h && this.rowEquals(r, values)) return false;
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
    for (let c = 0; c < arity; c++) data[row * arity + c] = values[c]!;
    this.size = row + 1;
    return true;
  }

  /** Adds the row src[at, at + arity); true when it was new. */
  insertRowAt(src: Int32Array, at: number): boolean {
    const arity = this.arity;
    if (arity === 2) return this.insert2(src[at]!, src[at + 1]!);
    if (arity === 1) return this.insert1(src[at]!);
    const row = this.reserveRow();
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    let h = 0;
    for (let c = 0; c < arity; c++) h = mix(h, src[at + c]!);
    h = finish(h);
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) break;
      if (table[2 * slot + 1] === h) {
        let same = true;
        for (let c = 0; c < arity; c++) {
          if (data[r * arity + c] !== src[at + c]) {
            same = false;
            break;
          }
        }
        if (same) return false;
      }
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
    for (let c = 0; c < arity; c++) data[row * arity + c] = src[at + c]!;
    this.size = row + 1;
    return true;
  }

  /** Whether (a) is in a one-column relation. */
  has1(a: number): boolean {
    if (this.bits !== null) return this.hasBit(0, a);
    const table = this.table;
    const h = finish(mix(0, a));
    let slot = h & this.mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && this.data[r] === a) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Whether (a, b) is in a two-column relation. */
  has2(a: number, b: number): boolean {
    if (this.bits !== null) return this.hasBit(a, b);
    const table = this.table;
    const data = this.data;
    const h = finish(mix(mix(0, a), b));
    let slot = h & this.mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && data[2 * r] === a && data[2 * r + 1] === b) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Whether the row given as codes is present. */
  hasRow(values: Int32Array | readonly number[]): boolean {
    if (this.bits !== null) return this.arity === 1 ? this.hasBit(0, values[0]!) : this.hasBit(values[0]!, values[1]!);
    const table = this.table;
    const h = this.hashValues(values);
    let slot = h & this.mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && this.rowEquals(r, values)) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The set's hash of a row: the function `insert1` and `insert2` inline. */
  private hashValues(values: Int32Array | readonly number[]): number {
    let h = 0;
    for (let c = 0; c < this.arity; c++) h = mix(h, values[c]!);
    return finish(h);
  }

  private rowEquals(r: number, values: Int32Array | readonly number[]): boolean {
    const arity = this.arity;
    const data = this.data;
    for (let c = 0; c < arity; c++) if (data[r * arity + c] !== values[c]) return false;
    return true;
  }

  /** Drops every row and index entry (indexes stay registered and refill as rows arrive). */
  clear(): void {
    this.size = 0;
    if (this.arity === 1 || this.arity === 2) {
      this.bits = [];
      this.low = NO_BITS;
      this.words = 0;
      this.bitsets = 0;
      this.table = NO_TABLE;
      this.mask = -1;
    } else this.table.fill(EMPTY);
    for (const idx of this.indexes) idx.reset();
  }

  /** A deep copy without indexes (they are rebuilt on demand). */
  copy(): Relation {
    const r = new Relation(this.name, this.arity, 1);
    r.data = this.data.slice(0, Math.max(1, this.size * this.arity));
    r.size = this.size;
    r.table = this.table.slice();
    r.mask = this.mask;
    r.bits = this.bits === null ? null : this.bits.map((b) => (b.length === 0 ? b : b.slice()));
    r.low = this.low.length === 0 ? NO_BITS : this.low.slice();
    r.words = this.words;
    r.bitsets = this.bitsets;
    return r;
  }
}

/**
 * The next length of a growing row array: half as much again, in whole rows. Doubling left the
 * largest relations up to half empty, and the old and new arrays are both alive while copying.
 */
function grownLength(length: number, arity: number): number {
  const rows = Math.floor(length / arity);
  return Math.max(arity, (rows + Math.max(16, rows >> 1)) * arity);
}

const NO_TABLE = new Int32Array(0);
const NO_LIST = new Int32Array(0);
const NO_LENS = new Int32Array(0);
const NO_BITS = new Uint32Array(0);
