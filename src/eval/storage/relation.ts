// A relation is an append-only array of rows (codes in an Int32Array, `arity` per row) plus the set
// of its rows, bitsets (`bitset-set.ts`) or a hash table (`hash-set.ts`). Rows never move or
// change, so "the rows below n" is a stable version of the relation: semi-naive `total` / `delta`
// are row ranges, not copies.
import { BitsetSet } from "./bitset-set.js";
import { ChainIndex, type ChainIndexState } from "./chain-index.js";
import { storageEvents } from "./events.js";
import { grownLength, roomFor, rowArray } from "./hash.js";
import { HashSet } from "./hash-set.js";
import { PairIndex, type PairIndexState } from "./pair-index.js";
import type { Rows } from "./types.js";

/**
 * One relation's rows, its set of rows, and the indexes its join plans asked for. The set of a
 * relation of one or two columns starts as bitsets and moves, once, to a hash table when a code
 * does not fit or the bitsets would outgrow a few words per row; wider relations use the hash table
 * from the start.
 */
export class Relation implements Rows {
  data: Int32Array;
  size = 0;
  /** The set while in bitsets, else null. */
  private bits: BitsetSet | null;
  /** The set once in a hash table, else null (both null: dropped by `dropSet`, rebuilt on next use). */
  private hash: HashSet | null;
  /** Every index the join plans asked for, in the order asked. */
  readonly indexes: (ChainIndex | PairIndex)[] = [];
  /** `data` is a kept array (`restore`): never written; the first row added copies it, with some room. */
  private keptRows = false;

  constructor(
    readonly name: string,
    readonly arity: number,
    capacity = 16,
  ) {
    this.data = new Int32Array(Math.max(1, capacity * arity));
    this.bits = arity === 1 || arity === 2 ? new BitsetSet(arity) : null;
    this.hash = null;
    if (this.bits === null) {
      storageEvents.hashTables++;
      this.hash = new HashSet(capacity);
    }
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
    const need = (this.size + n) * this.arity;
    if (need > this.data.length) {
      const grown = rowArray(this.keptRows ? need + this.room() : need);
      this.keptRows = false;
      grown.set(this.data);
      this.data = grown;
    }
    this.hash?.reserve(this.size + n, this.data, this.arity, this.size);
    // Leaving the bitsets sizes the hash table for every row reserved.
    if (codes !== undefined && this.bits !== null && this.arity === 2 && !this.bits.fits(codes)) this.leaveBits();
  }

  /** Room (in codes) a kept relation gets when it is first written: a continuing run usually adds a little. */
  private room(): number {
    return roomFor(this.size) * this.arity;
  }

  private growData(): Int32Array {
    const grown = rowArray(this.keptRows ? this.size * this.arity + this.room() : grownLength(this.data.length, this.arity));
    this.keptRows = false;
    grown.set(this.data);
    return (this.data = grown);
  }

  /** Room for one more row in the rows and the hash table; returns its row number. */
  private reserveRow(): number {
    if ((this.size + 1) * this.arity > this.data.length) this.growData();
    (this.hash ?? this.rebuildSet()).reserve(this.size + 1, this.data, this.arity, this.size);
    return this.size;
  }

  /** Moves the set of rows from the bitsets to the hash table. */
  private leaveBits(): HashSet {
    storageEvents.leftBits++;
    this.bits = null;
    // Room for the rows reserved (a bulk insert), so the table does not grow again while they arrive.
    const hash = new HashSet(Math.max(this.size + 1, Math.floor(this.data.length / this.arity)));
    hash.fill(this.data, this.arity, this.size);
    return (this.hash = hash);
  }

  /**
   * Gives back the set's memory while keeping the rows: for a relation that its rules have finished
   * inserting into and that is only scanned or indexed from now on. An insert or a probe rebuilds it.
   * Returns about how many bytes were given back.
   */
  dropSet(): number {
    const bytes = (this.bits?.bytes() ?? 0) + (this.hash?.bytes() ?? 0);
    this.bits = null;
    this.hash = null;
    return bytes;
  }

  /** The set of a relation whose set was dropped, rebuilt from its rows as a hash table. */
  private rebuildSet(): HashSet {
    storageEvents.hashTables++;
    const hash = new HashSet(this.size + 1);
    hash.fill(this.data, this.arity, this.size);
    return (this.hash = hash);
  }

  /** Adds (a) to a one-column relation; true when it was new. */
  insert1(a: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      const r = bits.add1(a, this.size);
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
    // A kept relation is copied by its first new row only.
    if (this.keptRows && (this.hash ?? this.rebuildSet()).has1(this.data, a)) return false;
    const row = this.reserveRow();
    const data = this.data;
    if (!this.hash!.add1(data, a, row)) return false;
    data[row] = a;
    this.size = row + 1;
    return true;
  }

  /** Adds (a, b) to a two-column relation; true when it was new. */
  insert2(a: number, b: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      const r = bits.add2(a, b, this.size);
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
    if (this.keptRows && (this.hash ?? this.rebuildSet()).has2(this.data, a, b)) return false;
    const row = this.reserveRow();
    const data = this.data;
    if (!this.hash!.add2(data, a, b, row)) return false;
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
    return this.insertRowAt(values, 0);
  }

  /** Adds the row src[at, at + arity); true when it was new. */
  insertRowAt(src: Int32Array | readonly number[], at: number): boolean {
    const arity = this.arity;
    if (arity === 2) return this.insert2(src[at]!, src[at + 1]!);
    if (arity === 1) return this.insert1(src[at]!);
    if (this.keptRows && (this.hash ?? this.rebuildSet()).hasAt(this.data, arity, src, at)) return false;
    const row = this.reserveRow();
    const data = this.data;
    if (!this.hash!.addAt(data, arity, src, at, row)) return false;
    for (let c = 0; c < arity; c++) data[row * arity + c] = src[at + c]!;
    this.size = row + 1;
    return true;
  }

  /** Whether (a) is in a one-column relation. */
  has1(a: number): boolean {
    return this.bits !== null ? this.bits.has(0, a) : (this.hash ?? this.rebuildSet()).has1(this.data, a);
  }

  /** Whether (a, b) is in a two-column relation. */
  has2(a: number, b: number): boolean {
    return this.bits !== null ? this.bits.has(a, b) : (this.hash ?? this.rebuildSet()).has2(this.data, a, b);
  }

  /** Whether the row given as codes is present. */
  hasRow(values: Int32Array | readonly number[]): boolean {
    if (this.bits !== null) return this.arity === 1 ? this.bits.has(0, values[0]!) : this.bits.has(values[0]!, values[1]!);
    return (this.hash ?? this.rebuildSet()).hasAt(this.data, this.arity, values, 0);
  }

  /** Drops every row and index entry (indexes stay registered and refill as rows arrive). */
  clear(): void {
    this.size = 0;
    // A kept array is never written: the rows start over in a new one.
    if (this.keptRows) (this.data = new Int32Array(Math.max(1, 16 * this.arity))), (this.keptRows = false);
    if (this.arity === 1 || this.arity === 2) {
      this.bits = new BitsetSet(this.arity);
      this.hash = null;
    } else if (this.hash !== null) this.hash.clear();
    else this.hash = new HashSet(16);
    for (const idx of this.indexes) idx.reset();
  }

  /** Every index as it stands (views, valid until the next insert): what `keepIndexes` takes back. */
  exportIndexes(): (ChainIndexState | PairIndexState)[] {
    return this.indexes.map((idx) => idx.exportState());
  }

  /**
   * Takes back indexes exported by `exportIndexes` over this relation's rows as they are now (same
   * rows, same order), so joins find them (and plans count their keys) instead of indexing from row
   * 0. An index that cannot be taken back is left to be built when a join asks for it.
   */
  keepIndexes(states: readonly (ChainIndexState | PairIndexState)[], writable = false): void {
    for (const state of states) {
      if (state.indexed > this.size) continue;
      if (state.kind === "chain") this.chains(state.cols).restoreState(state, writable);
      else if (this.arity === 2 && state.cols.length === 1 && (state.cols[0] === 0 || state.cols[0] === 1)) this.pairs(state.cols[0]).restoreState(state, writable);
    }
  }

  /**
   * Drops every row and gives back the arrays of the rows, the set and the indexes (indexes stay
   * registered, empty): for a relation that nothing reads any more, so a long run's peak memory does
   * not carry it. Returns about how many bytes were given back.
   */
  release(): number {
    const bytes = this.data.byteLength + this.dropSet() + this.indexes.reduce((n, idx) => n + idx.bytes(), 0);
    this.size = 0;
    this.data = new Int32Array(Math.max(1, this.arity));
    this.keptRows = false;
    if (this.arity === 1 || this.arity === 2) {
      this.bits = new BitsetSet(this.arity);
      this.hash = null;
    } else this.hash = new HashSet(16);
    for (const idx of this.indexes) idx.release();
    return bytes;
  }

  /** The hash table's slots when the set is in one (what `restore` takes back), else null. */
  hashSlots(): Int32Array | null {
    if (this.bits === null && this.hash === null) this.rebuildSet();
    return this.hash === null ? null : this.hash.slots(this.data, this.arity, this.size);
  }

  /**
   * Replaces the rows with `size` rows of `codes`, all distinct, and the set with the hash table
   * `slots` exported over exactly those rows (no row is hashed again). Both arrays are used as they
   * are, and never written (they may be views of a kept file's bytes): a relation only read costs
   * no copy, and the first row added copies what it writes to. `writable`: `codes` is this
   * relation's to write, and may be longer than its rows, room for rows added in place. False when
   * `slots` cannot be used (this relation keeps its set in bitsets, or the table does not fit):
   * nothing changed then, and the caller inserts the rows instead. Indexes refill on their next catch-up.
   */
  restore(size: number, codes: Int32Array, slots: Int32Array, writable = false): boolean {
    if (this.arity === 0 || (writable ? codes.length < size * this.arity : codes.length !== size * this.arity)) return false;
    const hash = HashSet.fromSlots(slots, size);
    if (hash === null) return false;
    this.data = codes;
    this.keptRows = !writable;
    this.size = size;
    this.bits = null;
    if (this.hash === null) storageEvents.hashTables++;
    this.hash = hash;
    for (const idx of this.indexes) idx.reset();
    return true;
  }

  /**
   * Replaces the rows with `size` rows of `codes`, all distinct (a kept relation whose set was not
   * kept). The rows are used as they are and never written, as by `restore`; the set is built
   * from them: bitsets in one pass for one column, else by adding each row to the set alone (the
   * rows are not copied or inserted one by one). `writable` as for `restore`. Indexes refill on
   * their next catch-up.
   */
  restoreRows(size: number, codes: Int32Array, writable = false): boolean {
    if (this.arity === 0 || (writable ? codes.length < size * this.arity : codes.length !== size * this.arity)) return false;
    this.data = codes;
    this.keptRows = !writable;
    this.size = size;
    this.bits = null;
    this.hash = null;
    if (this.arity === 1) this.bits = BitsetSet.ofColumn(codes.subarray(0, size));
    else if (this.arity === 2) {
      const bits = new BitsetSet(2);
      let row = 0;
      while (row < size && bits.add2(codes[2 * row]!, codes[2 * row + 1]!, row) === 1) row++;
      if (row === size) this.bits = bits;
    }
    if (this.bits === null) this.rebuildSet();
    for (const idx of this.indexes) idx.reset();
    return true;
  }

  /** A deep copy without indexes (they are rebuilt on demand). */
  copy(): Relation {
    const r = new Relation(this.name, this.arity, 1);
    r.data = this.data.slice(0, Math.max(1, this.size * this.arity));
    r.size = this.size;
    r.bits = this.bits === null ? null : this.bits.copy();
    r.hash = this.hash === null ? null : this.hash.copy();
    return r;
  }
}
