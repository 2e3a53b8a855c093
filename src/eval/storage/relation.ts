// A relation is an append-only array of rows (codes in an Int32Array, `arity` per row) plus a set
// of its rows, in bitsets or a hash table. Rows never move or change, so "the rows below n" is a
// stable version of the relation: semi-naive `total` / `delta` are row ranges, not copies.
import { ChainIndex } from "./chain-index.js";
import { storageEvents } from "./events.js";
import { DIRECT_MAX, EMPTY, finish, grownLength, MAX_LISTS, mix, rowArray } from "./hash.js";
import { PairIndex } from "./pair-index.js";
import type { Rows } from "./types.js";

/** Past this many bitsets, a relation whose bitsets are tiny and hold under two rows each moves to the hash table. */
const SPARSE_BITSETS = 1 << 12;
/** Bitsets may take this many words (16 MB) beyond 8 per row before the set moves to a hash table. */
const BITS_SLACK = 1 << 22;

/**
 * One relation's rows, its set of rows, and the indexes its join plans asked for.
 * The set of a relation of one or two columns whose codes are small non-negative integers is a
 * bitset per first column (a probe touches one word, near the last one for the same first column);
 * it moves, once, to a hash table when a code does not fit or the bitsets would outgrow a few words
 * per row. The hash table's slots hold (row, hash) pairs side by side: a probe compares hashes in one
 * cache line and reads the row only when they match, and growing never rehashes.
 */
export class Relation implements Rows {
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
  /** Every index the join plans asked for, in the order asked. */
  readonly indexes: (ChainIndex | PairIndex)[] = [];

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

  /** The chain index on `cols` (sorted column numbers), made on first request; rows are added by `catchUp`. */
  chains(cols: readonly number[]): ChainIndex {
    const key = cols.join(",");
    for (const idx of this.indexes) if (idx instanceof ChainIndex && idx.cols.join(",") === key) return idx;
    const idx = new ChainIndex(this, cols);
    this.indexes.push(idx);
    return idx;
  }

  /** The pair index of a two-column relation on column `col`, made on first request. */
  pairs(col: number): PairIndex {
    for (const idx of this.indexes) if (idx instanceof PairIndex && idx.cols[0] === col) return idx;
    const idx = new PairIndex(this, col);
    this.indexes.push(idx);
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

const NO_TABLE = new Int32Array(0);
const NO_BITS = new Uint32Array(0);
