// The set of rows of a relation of one or two columns whose codes are small non-negative integers:
// a bitset per first column (a probe touches one word, near the last one for the same first
// column), and for two columns, word 0 of every first column's set side by side in one array.
import { storageEvents } from "./events.js";
import { DIRECT_MAX, MAX_LISTS } from "./hash.js";

/** Past this many bitsets, a relation whose bitsets are tiny and hold under two rows each moves to the hash table. */
const SPARSE_BITSETS = 1 << 12;
/** Bitsets may take this many words (16 MB) beyond 8 per row before the set moves to a hash table. */
const BITS_SLACK = 1 << 22;
const NO_BITS = new Uint32Array(0);

/**
 * Bitsets of rows. `add1`/`add2` answer 1 (added), 0 (present) or -1 (the bitsets cannot hold it:
 * a code out of range, or more words than a few per row); on -1 the relation moves its set to a
 * hash table, once.
 */
export class BitsetSet {
  /** Bitsets by first column (the only column's bitset at 0 for one column). */
  private readonly bits: Uint32Array[] = [];
  /**
   * Of two columns, word 0 of every first column's set (second columns below 32: counts, flags,
   * early symbols) side by side, indexed by the first column: no array per key.
   */
  private low: Uint32Array = NO_BITS;
  private words = 0;
  private bitsets = 0;

  constructor(private readonly arity: 1 | 2) {}

  /** Bytes its bitsets take (about: the low words and the words counted as they were added). */
  bytes(): number {
    return this.low.byteLength + 4 * this.words;
  }

  /** Adds (a) to a one-column set holding `size` rows. */
  add1(a: number, size: number): number {
    // The common case inline: the bitset already reaches a.
    const bits = this.bits;
    const set = bits.length > 0 ? bits[0]! : NO_BITS;
    const w = a >>> 5;
    if (a >= 0 && w < set.length) {
      const m = 1 << (a & 31);
      const x = set[w]!;
      if ((x & m) !== 0) return 0;
      set[w] = x | m;
      return 1;
    }
    return this.setBit(0, a, size);
  }

  /** Adds (a, b) to a two-column set holding `size` rows. */
  add2(a: number, b: number, size: number): number {
    // The common cases inline: b in the low words, or a's bitset exists and already reaches b.
    const low = this.low;
    if (b >= 0 && b < 32 && a >= 0 && a < low.length) {
      const m = 1 << b;
      const x = low[a]!;
      if ((x & m) !== 0) return 0;
      low[a] = x | m;
      return 1;
    }
    const bits = this.bits;
    const set = b >= 32 && a >= 0 && a < bits.length ? bits[a]! : NO_BITS;
    const w = b >>> 5;
    if (w < set.length) {
      const m = 1 << (b & 31);
      const x = set[w]!;
      if ((x & m) !== 0) return 0;
      set[w] = x | m;
      return 1;
    }
    return this.setBit(a, b, size);
  }

  /** Sets bit `b` of first column `a`'s bitset: 1 when it was clear, 0 when set, -1 when the bitsets cannot hold it. */
  private setBit(a: number, b: number, size: number): number {
    const bits = this.bits;
    if (a < 0 || b < 0 || a >= DIRECT_MAX || b >= DIRECT_MAX) return -1;
    if (b < 32 && this.arity === 2) {
      let low = this.low;
      if (a >= low.length) {
        let n = Math.max(64, low.length);
        while (n <= a) n *= 2;
        const added = n - low.length;
        if (this.words + added > BITS_SLACK + 8 * size) return -1;
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
      if (this.words + added > BITS_SLACK + 8 * size) return -1;
      if (set.length === 0 && (++this.bitsets > MAX_LISTS || this.sparse(bits.length, size))) return -1;
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
  private sparse(slots: number, size: number): boolean {
    const b = this.bitsets;
    return b > SPARSE_BITSETS && size < 2 * b && this.words < 52 * b + 2 * slots;
  }

  /** Whether (a, b) is in the set ((0, a) for one column). */
  has(a: number, b: number): boolean {
    const bits = this.bits;
    if (a < 0 || b < 0) return false;
    if (b < 32 && this.arity === 2) return a < this.low.length && (this.low[a]! & (1 << b)) !== 0;
    if (a >= bits.length) return false;
    const set = bits[a]!;
    const w = b >>> 5;
    return w < set.length && (set[w]! & (1 << (b & 31))) !== 0;
  }

  /**
   * Whether the bitsets could take rows with these (first, second) codes as well as the rows they
   * hold: every code in range, and no more first columns with a second column past the low word
   * than bitsets may be kept. Stops at the first row that decides it.
   */
  fits(codes: Int32Array): boolean {
    const bits = this.bits;
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

  /**
   * The set of a one-column relation's rows `codes` (distinct), built in one pass rather than a
   * probe per row; null when bitsets would not take them (a negative or too large code, or too
   * sparse), where adding them one by one would have left the bitsets too.
   */
  static ofColumn(codes: Int32Array): BitsetSet | null {
    const s = new BitsetSet(1);
    const n = codes.length;
    if (n === 0) return s;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c < 0) return null;
      if (c > max) max = c;
    }
    if (max >= DIRECT_MAX) return null;
    let size = 2;
    while (size <= max >>> 5) size *= 2;
    // As `setBit` counts it: the words, a typed array's own cost and the one first-column slot.
    const words = size + 48 + 2;
    if (words > BITS_SLACK + 8 * n) return null;
    const set = new Uint32Array(size);
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      set[c >>> 5] = set[c >>> 5]! | (1 << (c & 31));
    }
    storageEvents.wideBitsets++;
    s.bits.push(set);
    s.words = words;
    s.bitsets = 1;
    return s;
  }

  copy(): BitsetSet {
    const c = new BitsetSet(this.arity);
    for (const b of this.bits) c.bits.push(b.length === 0 ? b : b.slice());
    c.low = this.low.length === 0 ? NO_BITS : this.low.slice();
    c.words = this.words;
    c.bitsets = this.bitsets;
    return c;
  }
}
