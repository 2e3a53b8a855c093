// The set of rows of any relation as an open-addressing hash table. Its slots hold (row, hash)
// pairs side by side: a probe compares hashes in one cache line and reads the row only when they
// match, and growing never rehashes a row.
import { EMPTY, finish, mix, rowArray } from "./hash.js";

const NO_TABLE = new Int32Array(0);

/** A hash table of row numbers into a relation's `data`; the relation writes a row after `add*` says it is new. */
export class HashSet {
  private table: Int32Array = NO_TABLE;
  private mask = -1;

  constructor(capacity: number) {
    this.make(capacity);
  }

  private make(capacity: number): void {
    let t = 16;
    while (t * 7 < capacity * 10) t *= 2;
    this.table = rowArray(2 * t).fill(EMPTY);
    this.mask = t - 1;
  }

  /**
   * Room for `rows` rows within 70% load: probes compare hashes side by side in one cache line, so
   * a fuller table costs little time and saves the memory of the largest relations.
   */
  reserve(rows: number): void {
    if (rows * 10 <= (this.mask + 1) * 7) return;
    const old = this.table;
    this.make(rows);
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

  /** Puts row `row` with hash `h` (known to be absent). */
  private put(row: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    while (table[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
  }

  /** Adds the first `size` rows of `data` (all distinct), as a set of one or two columns leaving its bitsets does. */
  fill(data: Int32Array, arity: number, size: number): void {
    for (let row = 0; row < size; row++) this.put(row, this.hashAt(data, row * arity, arity));
  }

  /** Adds (a) as row `row` of one-column `data` unless present; true when added. */
  add1(data: Int32Array, a: number, row: number): boolean {
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
    return true;
  }

  /** Adds (a, b) as row `row` of two-column `data` unless present; true when added. */
  add2(data: Int32Array, a: number, b: number, row: number): boolean {
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
    return true;
  }

  /** Adds the row src[at, at + arity) as row `row` unless present; true when added. */
  addAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number, row: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const h = this.hashAt(src, at, arity);
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) break;
      if (table[2 * slot + 1] === h && same(data, r * arity, src, at, arity)) return false;
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = row;
    table[2 * slot + 1] = h;
    return true;
  }

  /** Whether the row src[at, at + arity) is among `data`'s rows. */
  hasAt(data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const h = this.hashAt(src, at, arity);
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && same(data, r * arity, src, at, arity)) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a) is among one-column `data`'s rows. */
  has1(data: Int32Array, a: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const h = finish(mix(0, a));
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && data[r] === a) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Whether (a, b) is among two-column `data`'s rows. */
  has2(data: Int32Array, a: number, b: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const h = finish(mix(mix(0, a), b));
    let slot = h & mask;
    for (;;) {
      const r = table[2 * slot]!;
      if (r === EMPTY) return false;
      if (table[2 * slot + 1] === h && data[2 * r] === a && data[2 * r + 1] === b) return true;
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
    this.table.fill(EMPTY);
  }

  /** The slots as they are ((row, hash) pairs, a power of two of them): what `fromTable` restores. */
  slots(): Int32Array {
    return this.table;
  }

  /**
   * A set over rows whose slots `slots` exported (copied, so the caller's array stays untouched):
   * no row is hashed again. Null when `table` cannot be such slots, or is too full for `rows` rows.
   */
  static fromSlots(table: Int32Array, rows: number): HashSet | null {
    const n = table.length / 2;
    if (n < 16 || (n & (n - 1)) !== 0 || rows * 10 > n * 7) return null;
    const c = new HashSet(0);
    c.table = rowArray(table.length);
    c.table.set(table);
    c.mask = n - 1;
    return c;
  }

  copy(): HashSet {
    const c = new HashSet(0);
    c.table = this.table.slice();
    c.mask = this.mask;
    return c;
  }
}

function same(data: Int32Array, base: number, src: Int32Array | readonly number[], at: number, arity: number): boolean {
  for (let c = 0; c < arity; c++) if (data[base + c] !== src[at + c]) return false;
  return true;
}
