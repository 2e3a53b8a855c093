// The set of rows of any relation as an open-addressing hash table of one number per slot: the row
// number in the low bits (below the table's size) and the row's hash bits above them as a tag, so a
// probe compares tags in one cache line and reads the row only when they match. Growing re-hashes
// the rows in order from the relation's data.
import { EMPTY, finish, mix, rowArray } from "./hash.js";

const NO_TABLE = new Int32Array(0);

/** How slots are laid out (kept tables record it): 2 = one number per slot, the row below the mask and a hash tag above it. */
export const SLOT_LAYOUT = 2;

/** A hash table of row numbers into a relation's `data`; the relation writes a row after `add*` says it is new. */
export class HashSet {
  private table: Int32Array = NO_TABLE;
  /** Slots - 1: a slot's row number is `entry & mask` (rows stay below the slot count at 70% load). */
  private mask = -1;
  /** The tag bits of an entry and of a hash: every bit above the mask but the sign. */
  private tag = 0;
  /** `table` is a kept array (a view of a kept file's bytes): never written, copied before the first add. */
  private shared = false;

  constructor(capacity: number) {
    this.make(capacity);
  }

  private make(capacity: number): void {
    let t = 16;
    while (t * 7 < capacity * 10) t *= 2;
    this.table = rowArray(t).fill(EMPTY);
    this.mask = t - 1;
    this.tag = 0x7fffffff & ~this.mask;
  }

  /**
   * Room for `rows` rows within 70% load, re-hashing the `size` rows of `data` when the table grows:
   * one number per slot keeps the largest relations' sets at 6-11 bytes per row.
   */
  reserve(rows: number, data: Int32Array, arity: number, size: number): void {
    if (this.shared) return this.own(rows, data, arity, size);
    if (rows * 10 <= (this.mask + 1) * 7) return;
    this.make(rows);
    this.fill(data, arity, size);
  }

  /** Whether `rows` rows fit within 70% load. */
  fits(rows: number): boolean {
    return rows * 10 <= (this.mask + 1) * 7;
  }

  /**
   * Leaves a kept table before its first add: copies it when `rows` fit, else re-hashes into a
   * table with some room beyond them (it is copied once either way).
   */
  private own(rows: number, data: Int32Array, arity: number, size: number): void {
    this.shared = false;
    if (this.fits(rows)) {
      const table = rowArray(this.table.length);
      table.set(this.table);
      this.table = table;
      return;
    }
    this.make(rows + Math.max(16, size >> 4));
    this.fill(data, arity, size);
  }

  /** Puts row `row` with hash `h` (known to be absent). */
  private put(row: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
    table[slot] = (h & this.tag) | row;
  }

  /** Adds the first `size` rows of `data` (all distinct): a set leaving its bitsets, or a table that grew. */
  fill(data: Int32Array, arity: number, size: number): void {
    if (arity === 2) for (let row = 0; row < size; row++) this.put(row, finish(mix(mix(0, data[2 * row]!), data[2 * row + 1]!)));
    else for (let row = 0; row < size; row++) this.put(row, this.hashAt(data, row * arity, arity));
  }

  /** Adds (a) as row `row` of one-column `data` unless present; true when added. */
  add1(data: Int32Array, a: number, row: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = finish(mix(0, a));
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t && data[e & mask] === a) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = t | row;
    return true;
  }

  /** Adds (a, b) as row `row` of two-column `data` unless present; true when added. */
  add2(data: Int32Array, a: number, b: number, row: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = finish(mix(mix(0, a), b));
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t) {
        const r = 2 * (e & mask);
        if (data[r] === a && data[r + 1] === b) return false;
      }
      slot = (slot + 1) & mask;
    }
    table[slot] = t | row;
    return true;
  }

  /** Adds the row src[at, at + arity) as row `row` unless present; true when added. */
  addAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number, row: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = this.hashAt(src, at, arity);
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t && same(data, (e & mask) * arity, src, at, arity)) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = t | row;
    return true;
  }

  /** Whether the row src[at, at + arity) is among `data`'s rows. */
  hasAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = this.hashAt(src, at, arity);
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && same(data, (e & mask) * arity, src, at, arity)) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a) is among one-column `data`'s rows. */
  has1(data: Int32Array, a: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = finish(mix(0, a));
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && data[e & mask] === a) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a, b) is among two-column `data`'s rows. */
  has2(data: Int32Array, a: number, b: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const h = finish(mix(mix(0, a), b));
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t) {
        const r = 2 * (e & mask);
        if (data[r] === a && data[r + 1] === b) return true;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The set's hash of a row: the function `add1` and `add2` inline. */
  private hashAt(src: Int32Array | readonly number[], at: number, arity: number): number {
    let h = 0;
    for (let c = 0; c < arity; c++) h = mix(h, src[at + c]!);
    return finish(h);
  }

  clear(): void {
    if (this.shared) (this.table = rowArray(this.table.length)), (this.shared = false);
    this.table.fill(EMPTY);
  }

  /** The slots as they are (one number each, a power of two of them; see SLOT_LAYOUT): what `fromSlots` restores. */
  slots(): Int32Array {
    return this.table;
  }

  /**
   * A set over rows whose slots `slots` exported: no row is hashed again. The table is used as it is
   * and never written (it may be a view of a kept file's bytes): the first `reserve` copies it.
   * Null when `table` cannot be such slots, or is too full for `rows` rows.
   */
  static fromSlots(table: Int32Array, rows: number): HashSet | null {
    const n = table.length;
    if (n < 16 || (n & (n - 1)) !== 0 || rows * 10 > n * 7) return null;
    const c = new HashSet(0);
    c.table = table;
    c.shared = true;
    c.mask = n - 1;
    c.tag = 0x7fffffff & ~c.mask;
    return c;
  }

  copy(): HashSet {
    const c = new HashSet(0);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.tag = this.tag;
    return c;
  }
}

function same(data: Int32Array, base: number, src: Int32Array | readonly number[], at: number, arity: number): boolean {
  for (let c = 0; c < arity; c++) if (data[base + c] !== src[at + c]) return false;
  return true;
}
