// The set of rows of any relation as an open-addressing hash table of one number per slot: the row
// number in the low bits (below the table's size) and the row's hash bits above them as a tag, so a
// probe compares tags in one cache line and reads the row only when they match. Growing re-hashes
// the rows in order from the relation's data.
import { EMPTY, finish, mix, rowArray } from "./hash.js";

const NO_TABLE = new Int32Array(0);

/** How slots are laid out (kept tables record it): 2 = one number per slot, the row below the mask and a hash tag above it. */
export const SLOT_LAYOUT = 2;

/**
 * A hash table of row numbers into a relation's `data`; the relation writes a row after `add*` says
 * it is new. A set restored from kept slots (`fromSlots`) looks its kept rows up in them as they
 * are, never written, and puts rows added since in a table of its own: adding a few rows to a
 * large kept set copies nothing of it.
 */
export class HashSet {
  /** Rows `base` on, as `row - base` (all rows when nothing was kept). */
  private table: Int32Array = NO_TABLE;
  /** Slots - 1: a slot's row number (less `base`) is `entry & mask` (rows stay below the slot count at 70% load). */
  private mask = -1;
  /** The tag bits of an entry and of a hash: every bit above the mask but the sign. */
  private tag = 0;
  /** The kept slots of rows below `base` (read only), or null. */
  private kept: Int32Array | null = null;
  private keptMask = 0;
  private keptTag = 0;
  private base = 0;

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

  /** Whether `rows` rows (of the relation, kept ones too) fit within 70% load. */
  fits(rows: number): boolean {
    return (rows - this.base) * 10 <= (this.mask + 1) * 7;
  }

  /**
   * Room for `rows` rows within 70% load, re-hashing the `size` rows of `data` when the table grows:
   * one number per slot keeps the largest relations' sets at 6-11 bytes per row.
   */
  reserve(rows: number, data: Int32Array, arity: number, size: number): void {
    if (this.fits(rows)) return;
    this.make(rows - this.base);
    this.fill(data, arity, size);
  }

  /** Puts row `row` with hash `h` (known to be absent). */
  private put(row: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
    table[slot] = (h & this.tag) | (row - this.base);
  }

  /** Adds the rows from `from` to `size` of `data` (all distinct, none in the set): a set leaving its bitsets, or a table that grew. */
  fill(data: Int32Array, arity: number, size: number, from = this.base): void {
    if (arity === 2) for (let row = from; row < size; row++) this.put(row, finish(mix(mix(0, data[2 * row]!), data[2 * row + 1]!)));
    else for (let row = from; row < size; row++) this.put(row, this.hashAt(data, row * arity, arity));
  }

  /** Adds (a) as row `row` of one-column `data` unless present; true when added. */
  add1(data: Int32Array, a: number, row: number): boolean {
    const h = finish(mix(0, a));
    if (this.kept !== null && this.keptFind1(data, a, h)) return false;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t && data[(e & mask) + base] === a) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = t | (row - base);
    return true;
  }

  /** Adds (a, b) as row `row` of two-column `data` unless present; true when added. */
  add2(data: Int32Array, a: number, b: number, row: number): boolean {
    const h = finish(mix(mix(0, a), b));
    if (this.kept !== null && this.keptFind2(data, a, b, h)) return false;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t) {
        const r = 2 * ((e & mask) + base);
        if (data[r] === a && data[r + 1] === b) return false;
      }
      slot = (slot + 1) & mask;
    }
    table[slot] = t | (row - base);
    return true;
  }

  /** Adds the row src[at, at + arity) as row `row` unless present; true when added. */
  addAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number, row: number): boolean {
    const h = this.hashAt(src, at, arity);
    if (this.kept !== null && this.keptFindAt(data, arity, src, at, h)) return false;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) break;
      if ((e & tag) === t && same(data, ((e & mask) + base) * arity, src, at, arity)) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = t | (row - base);
    return true;
  }

  /** Whether the row src[at, at + arity) is among `data`'s rows. */
  hasAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number): boolean {
    const h = this.hashAt(src, at, arity);
    if (this.kept !== null && this.keptFindAt(data, arity, src, at, h)) return true;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && same(data, ((e & mask) + base) * arity, src, at, arity)) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a) is among one-column `data`'s rows. */
  has1(data: Int32Array, a: number): boolean {
    const h = finish(mix(0, a));
    if (this.kept !== null && this.keptFind1(data, a, h)) return true;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && data[(e & mask) + base] === a) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a, b) is among two-column `data`'s rows. */
  has2(data: Int32Array, a: number, b: number): boolean {
    const h = finish(mix(mix(0, a), b));
    if (this.kept !== null && this.keptFind2(data, a, b, h)) return true;
    const table = this.table;
    const mask = this.mask;
    const tag = this.tag;
    const base = this.base;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t) {
        const r = 2 * ((e & mask) + base);
        if (data[r] === a && data[r + 1] === b) return true;
      }
      slot = (slot + 1) & mask;
    }
  }

  private keptFind1(data: Int32Array, a: number, h: number): boolean {
    const kept = this.kept!;
    const mask = this.keptMask;
    const tag = this.keptTag;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = kept[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && data[e & mask] === a) return true;
      slot = (slot + 1) & mask;
    }
  }

  private keptFind2(data: Int32Array, a: number, b: number, h: number): boolean {
    const kept = this.kept!;
    const mask = this.keptMask;
    const tag = this.keptTag;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = kept[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t) {
        const r = 2 * (e & mask);
        if (data[r] === a && data[r + 1] === b) return true;
      }
      slot = (slot + 1) & mask;
    }
  }

  private keptFindAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number, h: number): boolean {
    const kept = this.kept!;
    const mask = this.keptMask;
    const tag = this.keptTag;
    const t = h & tag;
    let slot = h & mask;
    for (;;) {
      const e = kept[slot]!;
      if (e === EMPTY) return false;
      if ((e & tag) === t && same(data, (e & mask) * arity, src, at, arity)) return true;
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
    if (this.kept !== null) {
      this.kept = null;
      this.base = 0;
      this.make(16);
    } else this.table.fill(EMPTY);
  }

  /** Bytes the set's own table takes (kept slots belong to the file they came from). */
  bytes(): number {
    return this.table.byteLength;
  }

  /**
   * The slots of all `size` rows of `data` in one table (one number each, a power of two of them;
   * see SLOT_LAYOUT): what `fromSlots` restores. The set's own table, or the kept slots when no
   * row was added to them, else a table made of both.
   */
  slots(data: Int32Array, arity: number, size: number): Int32Array {
    if (this.kept === null) return this.table;
    if (size === this.base) return this.kept;
    const all = new HashSet(0);
    all.table = this.kept;
    all.mask = this.keptMask;
    all.tag = this.keptTag;
    // Into a copy of the kept slots when they have room for the rows added since, else all of them again.
    if (all.fits(size)) {
      all.table = rowArray(this.kept.length);
      all.table.set(this.kept);
      all.fill(data, arity, size, this.base);
    } else {
      all.make(size);
      all.fill(data, arity, size);
    }
    return all.table;
  }

  /**
   * A set over rows whose slots `slots` exported: no row is hashed again. The slots are used as they
   * are and never written (they may be views of a kept file's bytes); rows added later go to a
   * table of their own. Null when `table` cannot be such slots, or is too full for `rows` rows.
   */
  static fromSlots(table: Int32Array, rows: number): HashSet | null {
    const n = table.length;
    if (n < 16 || (n & (n - 1)) !== 0 || rows * 10 > n * 7) return null;
    const c = new HashSet(16);
    c.kept = table;
    c.keptMask = n - 1;
    c.keptTag = 0x7fffffff & ~c.keptMask;
    c.base = rows;
    return c;
  }

  copy(): HashSet {
    const c = new HashSet(0);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.tag = this.tag;
    // Kept slots are never written: the copy reads them too.
    c.kept = this.kept;
    c.keptMask = this.keptMask;
    c.keptTag = this.keptTag;
    c.base = this.base;
    return c;
  }
}

function same(data: Int32Array, base: number, src: Int32Array | readonly number[], at: number, arity: number): boolean {
  for (let c = 0; c < arity; c++) if (data[base + c] !== src[at + c]) return false;
  return true;
}
