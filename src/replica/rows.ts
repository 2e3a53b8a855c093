// Replica facts on compact storage: each relation's distinct rows are interned once (codes in an
// Int32Array, as the engine stores them), and what a replica holds in an epoch is a list of row ids
// with a bitmap. Rows and memberships only grow, so "the first n ids" is a stable earlier version.
// Tuples exist only at the edges, and a fact's key text only where a digest is computed.
import { createHash } from "../util/sha256.js";
import { makeDiagnostic, UserError } from "../diagnostics/diagnostic.js";
import type { PrimitiveType } from "../syntax/ast.js";
import { wholeFile } from "../diagnostics/span.js";
import { finish, mix } from "../eval/relation.js";
import { showValue, ValueTable } from "../eval/values.js";
import { slotsWhole, symbolRoom, SymbolTable } from "../eval/symbols.js";
import { roomFor } from "../eval/storage/hash.js";
import { compareKeys, tupleKey, type Tuple } from "./tuple-keys.js";
import type { Value } from "../eval/values.js";

/** How a relation's values become codes: the engine's typed codes, or (untyped) strings and numbers tagged apart. */
export type ColumnTypes = readonly PrimitiveType[] | { readonly untyped: number };

/** The least room, in rows, a row table's rows get when first copied or kept (`roomFor`). */
const ROW_ROOM = 64;

/**
 * A relation's distinct rows: append-only codes and an open-addressing set of row ids. A table
 * restored from kept arrays (`fromParts`) looks rows up in the kept hash table as it is, never
 * written, and puts rows added since in a table of their own: adding a few rows to a large kept
 * table copies its rows at most once (with room; not at all when given the room after them) and
 * never its hash table.
 */
export class RowTable {
  data: Int32Array;
  size = 0;
  /** Rows `keptRows` on (all rows when nothing was kept), by hash; at most half full. */
  private table: Int32Array;
  private mask: number;
  /** The kept hash table of rows below `keptRows` (read only), or null. */
  private kept: Int32Array | null = null;
  private keptMask = 0;
  private keptRows = 0;
  /** `data` is a kept array (`fromParts`): never written; the first new row copies it. */
  private shared = false;

  constructor(readonly arity: number) {
    this.data = new Int32Array(Math.max(16, arity * 64));
    this.table = new Int32Array(256).fill(-1);
    this.mask = 255;
  }

  /** The id of the row at `src[at..at+arity)`, added when new. */
  intern(src: Int32Array | readonly number[], at = 0): number {
    const arity = this.arity;
    let h = 0x9747b28c;
    for (let c = 0; c < arity; c++) h = mix(h, src[at + c]!);
    h = finish(h);
    const data = this.data;
    const kept = this.kept;
    if (kept !== null) {
      const found = probe(kept, this.keptMask, h, data, arity, src, at);
      if (found >= 0) return kept[found]!;
    }
    const slot = probe(this.table, this.mask, h, data, arity, src, at);
    if (slot >= 0) return this.table[slot]!;
    if (this.shared) this.own();
    const id = this.size++;
    if ((id + 1) * arity > this.data.length) {
      const grown = new Int32Array(Math.max(this.data.length * 2, (id + 1) * arity));
      grown.set(this.data);
      this.data = grown;
    }
    for (let c = 0; c < arity; c++) this.data[id * arity + c] = src[at + c]!;
    this.table[-slot - 1] = id;
    if ((this.size - this.keptRows) * 2 > this.table.length) this.rehash();
    return id;
  }

  /** The rows and one hash table of them all (views, or made when rows were added to a kept table), for `fromParts`. */
  parts(): { readonly data: Int32Array; readonly table: Int32Array } {
    const data = this.data.subarray(0, this.size * this.arity);
    if (this.kept === null) return { data, table: this.table };
    if (this.size === this.keptRows) return { data, table: this.kept };
    let cap = this.kept.length;
    while (this.size * 2 > cap) cap *= 2;
    const table = new Int32Array(cap).fill(-1);
    if (cap === this.kept.length) table.set(this.kept);
    this.fill(table, cap === this.kept.length ? this.keptRows : 0);
    return { data, table };
  }

  /**
   * A table of `size` rows holding what `parts` gave. The arrays are used as they are and never
   * written (they may be views of a kept file's bytes), except `room`: `data` with the room after
   * it, the table's own to write, which rows added later grow into (else the first is a copy).
   */
  static fromParts(arity: number, size: number, data: Int32Array, table: Int32Array, room?: Int32Array): RowTable {
    const t = new RowTable(arity);
    if (data.length !== size * arity || table.length < 2 * size || (table.length & (table.length - 1)) !== 0) throw new Error("replica store: a kept row table does not fit");
    if (size === 0) return t;
    // At least the room `storeLayout` leaves: a part written without room (before it left any) has
    // only its padding after the rows, and growing out of that would double the rows at once.
    const roomy = room !== undefined && room.length - data.length >= ROW_ROOM * arity;
    t.data = roomy ? room : data;
    t.size = size;
    t.kept = table;
    t.keptMask = table.length - 1;
    t.keptRows = size;
    t.shared = !roomy;
    return t;
  }

  /** Copies kept rows before the first new row, with room for a sixteenth more: a continuing run adds a little. */
  private own(): void {
    this.shared = false;
    const data = new Int32Array((this.size + roomFor(this.size, ROW_ROOM)) * this.arity);
    data.set(this.data);
    this.data = data;
  }

  /** Doubles the table of rows `keptRows` on. */
  private rehash(): void {
    const cap = this.table.length * 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.fill(this.table, this.keptRows);
  }

  /** Puts rows `from` to `size` in `table` (a power of two of slots, holding none of them). */
  private fill(table: Int32Array, from: number): void {
    const mask = table.length - 1;
    const arity = this.arity;
    for (let id = from; id < this.size; id++) {
      let h = 0x9747b28c;
      for (let c = 0; c < arity; c++) h = mix(h, this.data[id * arity + c]!);
      let slot = finish(h) & mask;
      while (table[slot] !== -1) slot = (slot + 1) & mask;
      table[slot] = id;
    }
  }
}

/** The slot of the row src[at, at + arity) in `table` (hash `h`) when there, else -(the free slot it would take) - 1. */
function probe(table: Int32Array, mask: number, h: number, data: Int32Array, arity: number, src: Int32Array | readonly number[], at: number): number {
  let slot = h & mask;
  for (;;) {
    const id = table[slot]!;
    if (id === -1) return -slot - 1;
    const base = id * arity;
    let c = 0;
    while (c < arity && data[base + c] === src[at + c]) c++;
    if (c === arity) return slot;
    slot = (slot + 1) & mask;
  }
}

/** A set of row ids in the order they were added, with a bitmap for membership. */
export class RowSet {
  ids: Int32Array = new Int32Array(16);
  size = 0;
  private bits: Uint32Array = new Uint32Array(4);
  /** `ids` and `bits` are kept arrays (`fromParts`): never written; the first new id copies them. */
  private shared = false;

  add(id: number): boolean {
    const w = id >>> 5;
    if (this.shared) {
      if (this.has(id)) return false;
      this.own(w);
    }
    if (w >= this.bits.length) {
      const grown = new Uint32Array(Math.max(this.bits.length * 2, w + 1));
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (id & 31);
    if ((this.bits[w]! & bit) !== 0) return false;
    this.bits[w] = this.bits[w]! | bit;
    if (this.size === this.ids.length) {
      const grown = new Int32Array(this.size * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.size++] = id;
    return true;
  }

  /** The ids and the bitmap (views), for `fromParts`. */
  parts(): { readonly ids: Int32Array; readonly bits: Uint32Array } {
    return { ids: this.ids.subarray(0, this.size), bits: this.bits };
  }

  /** Copies kept arrays before id word `w` is set: with room for a sixteenth more ids, as a continuing run adds a little. */
  private own(w: number): void {
    this.shared = false;
    const ids = new Int32Array(this.size + roomFor(this.size));
    ids.set(this.ids.subarray(0, this.size));
    this.ids = ids;
    const bits = new Uint32Array(Math.max(w + 1, this.bits.length + (this.bits.length >> 4)));
    bits.set(this.bits);
    this.bits = bits;
  }

  /**
   * A set holding what `parts` gave; the arrays are used as they are and never written (the first
   * new id copies them), except `room`: the same arrays with the room after them, the set's own to
   * write, which later ids grow into.
   */
  static fromParts(ids: Int32Array, bits: Uint32Array, room?: { readonly ids: Int32Array; readonly bits: Uint32Array }): RowSet {
    const s = new RowSet();
    s.size = ids.length;
    if (room !== undefined && room.ids.length - ids.length >= roomFor(0) && room.bits.length - bits.length >= roomFor(0)) {
      s.ids = room.ids;
      s.bits = room.bits;
      return s;
    }
    if (ids.length > 0) s.ids = ids;
    if (bits.length > 0) s.bits = bits;
    s.shared = ids.length > 0 || bits.length > 0;
    return s;
  }

  has(id: number): boolean {
    const w = id >>> 5;
    return w < this.bits.length && (this.bits[w]! & (1 << (id & 31))) !== 0;
  }

  /** Adds every id of `ids` (an indexed loop: a first run adds a million ids, often in cold code). */
  addAll(ids: Int32Array): void {
    for (let i = 0; i < ids.length; i++) this.add(ids[i]!);
  }

  /** The ids, in insertion order (a view; valid until the next add). */
  view(from = 0, to = this.size): Int32Array {
    return this.ids.subarray(from, to);
  }
}

/** One replica's facts of one relation in one epoch. `mark` ids were there before this run. */
export interface Membership {
  readonly rows: RowSet;
  /** How many of `rows` the kept state held when the run started. */
  mark: number;
  /** The digest of the first `digestAt` rows, once computed (rows only grow, so a size pins the content). */
  digest: string | null;
  digestAt: number;
}

/** Replica facts over interned rows: per relation a row table, per replica, epoch and relation a membership. */
export class FactStore {
  readonly tables = new Map<string, RowTable>();
  /** replica -> epoch -> relation -> membership. */
  readonly members = new Map<string, Map<number, Map<string, Membership>>>();
  private row = new Int32Array(8);
  /** Column types per relation (typed relations use the engine's codes). */
  readonly types: Map<string, ColumnTypes>;

  constructor(types: ReadonlyMap<string, ColumnTypes>, readonly values: ValueTable = new ValueTable()) {
    this.types = new Map(types);
  }

  /** The relation's row table (made on first use). */
  table(relation: string): RowTable {
    let t = this.tables.get(relation);
    if (t === undefined) {
      const types = this.types.get(relation);
      if (types === undefined) throw new Error(`replica store: unknown relation \`${relation}\``);
      this.tables.set(relation, (t = new RowTable(arityOf(types))));
    }
    return t;
  }

  /** Adds a replica with no facts (it still counts as a replica). */
  addReplica(replica: string): void {
    if (!this.members.has(replica)) this.members.set(replica, new Map());
  }

  /** The membership of a replica's relation in an epoch (made on first use). */
  membership(replica: string, epoch: number, relation: string): Membership {
    let epochs = this.members.get(replica);
    if (epochs === undefined) this.members.set(replica, (epochs = new Map()));
    let rels = epochs.get(epoch);
    if (rels === undefined) epochs.set(epoch, (rels = new Map()));
    let m = rels.get(relation);
    if (m === undefined) rels.set(relation, (m = { rows: new RowSet(), mark: 0, digest: null, digestAt: -1 }));
    return m;
  }

  /** The membership if it exists. */
  peek(replica: string, epoch: number, relation: string): Membership | undefined {
    return this.members.get(replica)?.get(epoch)?.get(relation);
  }

  /** The row id of a tuple (interned when new). Throws `UserError` CL401/CL402 when it does not fit the relation. */
  encode(relation: string, tuple: Tuple): number {
    let types = this.types.get(relation)!;
    // An untyped relation takes its arity from its first tuple.
    if (!Array.isArray(types) && !this.tables.has(relation) && arityOf(types) !== tuple.length) this.types.set(relation, (types = { untyped: tuple.length }));
    const arity = arityOf(types);
    if (tuple.length !== arity) {
      throw new UserError(makeDiagnostic("CL401", wholeFile("<generated>"), `\`${relation}\` has ${arity} column${arity === 1 ? "" : "s"}, but a tuple has ${tuple.length}`));
    }
    if (arity > this.row.length) this.row = new Int32Array(arity);
    const row = this.row;
    if (Array.isArray(types)) {
      for (let c = 0; c < arity; c++) {
        const code = this.values.encode(types[c]!, tuple[c]!);
        if (code === null) throw new UserError(makeDiagnostic("CL402", wholeFile("<generated>"), `${showValue(tuple[c]!)} is not a valid \`${types[c]}\` (column ${c + 1} of \`${relation}\`)`));
        row[c] = code;
      }
    } else {
      for (let c = 0; c < arity; c++) {
        const v = tuple[c]!;
        row[c] = typeof v === "string" ? this.values.symbol(v) * 2 : this.values.float(v) * 2 + 1;
      }
    }
    return this.table(relation).intern(row);
  }

  /**
   * Adds rows given as codes of this store's value table (`arity` per row, as `encode` makes them)
   * to `rows`; returns how many rows `codes` holds.
   */
  addCodes(relation: string, codes: Int32Array, rows: RowSet): number {
    const t = this.table(relation);
    const arity = t.arity;
    if (arity === 0 || codes.length % arity !== 0) throw new Error(`replica store: codes do not fit \`${relation}\``);
    for (let at = 0; at < codes.length; at += arity) rows.add(t.intern(codes, at));
    return codes.length / arity;
  }

  /** The tuple of a row id. */
  tuple(relation: string, id: number): Tuple {
    const types = this.types.get(relation)!;
    const t = this.table(relation);
    const arity = t.arity;
    const out: Value[] = new Array(arity);
    const base = id * arity;
    if (Array.isArray(types)) for (let c = 0; c < arity; c++) out[c] = this.values.decode(types[c]!, t.data[base + c]!);
    else {
      for (let c = 0; c < arity; c++) {
        const code = t.data[base + c]!;
        out[c] = (code & 1) === 0 ? this.values.symbols.text(code >>> 1) : this.values.floats[code >>> 1]!;
      }
    }
    return out;
  }

  /** The codes of the given rows, `arity` per row (what `Engine.insertEncoded` takes). */
  gather(relation: string, ids: Int32Array): Int32Array {
    const t = this.table(relation);
    const arity = t.arity;
    const data = t.data;
    const out = new Int32Array(ids.length * arity);
    // A loop per code: a subarray per row costs more than the copy.
    if (arity === 2) {
      for (let i = 0, o = 0; i < ids.length; i++, o += 2) {
        const at = ids[i]! * 2;
        out[o] = data[at]!;
        out[o + 1] = data[at + 1]!;
      }
      return out;
    }
    for (let i = 0, o = 0; i < ids.length; i++) {
      const at = ids[i]! * arity;
      for (let c = 0; c < arity; c++) out[o++] = data[at + c]!;
    }
    return out;
  }

  /** The digest of a membership's rows (the seal's per-relation digest), cached while the rows do not change. */
  digestOf(relation: string, m: Membership | undefined): string {
    if (m === undefined) return relationDigestOf(relation, []);
    if (m.digest !== null && m.digestAt === m.rows.size) return m.digest;
    m.digest = relationDigestOf(relation, this.keys(relation, m.rows.view()));
    m.digestAt = m.rows.size;
    return m.digest;
  }

  /** Key texts of rows: only for digests and messages. */
  keys(relation: string, ids: Int32Array): string[] {
    const out: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = tupleKey(this.tuple(relation, ids[i]!));
    return out;
  }

  /** Replica names, sorted. */
  get replicas(): string[] {
    return [...this.members.keys()].sort(compareKeys);
  }

  /** Epochs a replica holds facts in, ascending. */
  epochsOf(replica: string): number[] {
    const out: number[] = [];
    for (const [e, rels] of this.members.get(replica) ?? []) for (const m of rels.values()) if (m.rows.size > 0) { out.push(e); break; }
    return out.sort((a, b) => a - b);
  }

  /** Relations a replica holds facts of in an epoch, sorted. */
  relationsOf(replica: string, epoch: number): string[] {
    const out: string[] = [];
    for (const [r, m] of this.members.get(replica)?.get(epoch) ?? []) if (m.rows.size > 0) out.push(r);
    return out.sort(compareKeys);
  }
}

function arityOf(t: ColumnTypes): number {
  return Array.isArray(t) ? t.length : (t as { untyped: number }).untyped;
}

/** `relationDigest` over key texts already made (sorted here). */
export function relationDigestOf(relation: string, keys: string[]): string {
  const hash = createHash("sha256");
  keys.sort(compareKeys);
  // One update per batch of lines: hashing is fast, calls are not.
  let buf = "";
  for (const key of keys) {
    buf += `${relation}\t${key}\n`;
    if (buf.length > 65536) {
      hash.update(buf);
      buf = "";
    }
  }
  if (buf.length > 0) hash.update(buf);
  return `sha256:${hash.digest("hex")}`;
}

/** Where a store's arrays went (section numbers, see replica/derived.ts) and its shape. */
export interface StoreLayout {
  readonly types: readonly (readonly [string, ColumnTypes])[];
  /** `checked`: the slots were found whole when written (see `slotsWhole`); absent in older states. */
  readonly symbols: { readonly bytes: number; readonly starts: number; readonly hashes: number; readonly flags: number; readonly slots: number; readonly length: number; readonly lone: boolean; readonly checked?: boolean };
  readonly floats: number;
  readonly tables: readonly { readonly relation: string; readonly size: number; readonly data: number; readonly table: number }[];
  /** replica -> [epoch, relation, ids section, bits section][] */
  readonly members: readonly (readonly [string, readonly (readonly [number, string, number, number])[]])[];
}

/**
 * Hands the store's arrays to `put` (which keeps one, with `room` more elements of room after it,
 * and returns its section number) and returns the layout. The arrays a continuing run adds to get
 * room for a sixteenth more (symbols an eighth), as they would when first copied.
 */
export function storeLayout(store: FactStore, put: (a: Int32Array | Uint8Array | Float64Array, room?: number) => number): StoreLayout {
  const sym = store.values.symbols.parts();
  // Checked here, once, rather than by every run that reads the part back.
  const checked = slotsWhole(sym.slots, sym.hashes, sym.length);
  const codes = symbolRoom(sym.length);
  const symbols = { bytes: put(sym.bytes, symbolRoom(sym.bytes.length)), starts: put(sym.starts, codes), hashes: put(sym.hashes, codes), flags: put(sym.flags, codes), slots: put(sym.slots), length: sym.length, lone: sym.lone, checked };
  const floats = put(Float64Array.from(store.values.floats));
  const tables = [...store.tables].map(([relation, t]) => {
    const p = t.parts();
    return { relation, size: t.size, data: put(p.data, roomFor(t.size, ROW_ROOM) * t.arity), table: put(p.table) };
  });
  const members = [...store.members].map(([replica, epochs]) => {
    const list: [number, string, number, number][] = [];
    for (const [epoch, rels] of epochs) {
      for (const [relation, m] of rels) {
        const p = m.rows.parts();
        const bytes = new Uint8Array(p.bits.buffer, p.bits.byteOffset, p.bits.byteLength);
        list.push([epoch, relation, put(p.ids, roomFor(p.ids.length)), put(bytes, 4 * roomFor(p.bits.length))]);
      }
    }
    return [replica, list] as const;
  });
  return { types: [...store.types], symbols, floats, tables, members };
}

/** Sections of a kept file, by kind. */
export interface Sections {
  section(i: number): Int32Array;
  byteSection(i: number): Uint8Array;
  floatSection(i: number): Float64Array;
}

/** Sections with the room the writer left after each (up to the next), to be written by whoever asked for them. */
export interface RoomySections {
  writableSection(i: number): Int32Array;
  writableByteSection(i: number): Uint8Array;
}

/**
 * The store a layout describes, every mark at the full size. Its arrays are read in place from
 * `file` and never written (symbols are copied, and so is an array when first added to), unless
 * `room` is given: then `file`'s bytes are the store's own, and the arrays a continuing run adds
 * to (rows, ids, bitmaps and symbols) grow into the room after them.
 */
export function storeFromLayout(layout: StoreLayout, file: Sections, room?: RoomySections): FactStore {
  const l = layout.symbols;
  const parts = { bytes: file.byteSection(l.bytes), starts: file.section(l.starts), hashes: file.section(l.hashes), flags: file.byteSection(l.flags), slots: file.section(l.slots), length: l.length, lone: l.lone, slotsChecked: l.checked === true };
  const symbols = SymbolTable.fromParts(parts, room && { bytes: room.writableByteSection(l.bytes), starts: room.writableSection(l.starts), hashes: room.writableSection(l.hashes), flags: room.writableByteSection(l.flags) });
  const store = new FactStore(new Map(layout.types), ValueTable.of(symbols, Array.from(file.floatSection(layout.floats))));
  for (const t of layout.tables) {
    const arity = arityOf(store.types.get(t.relation)!);
    store.tables.set(t.relation, RowTable.fromParts(arity, t.size, file.section(t.data), file.section(t.table), room?.writableSection(t.data)));
  }
  const words = (b: Uint8Array): Uint32Array => new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  for (const [replica, list] of layout.members) {
    store.addReplica(replica);
    for (const [epoch, relation, ids, bits] of list) {
      const m = store.membership(replica, epoch, relation);
      (m as { rows: RowSet }).rows = RowSet.fromParts(file.section(ids), words(file.byteSection(bits)), room && { ids: room.writableSection(ids), bits: words(room.writableByteSection(bits)) });
      m.mark = m.rows.size;
    }
  }
  return store;
}
