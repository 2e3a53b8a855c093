// An engine's state laid out as int32 sections plus a small JSON description: the arrays are
// written as they are and read back as views, so a later process continues a fixpoint without
// deriving again or parsing anything but the description.
//
// Hash tables are kept too (`slots`), so a continuing engine takes them as they are instead of
// inserting every row again. They are valid only under the same hash function: `hash` records what
// that function gives a fixed row, and tables kept under another one are ignored (rows are inserted).
// Join indexes are kept the same way (`indexes`), so a continuing engine indexes only the rows added
// since; `index` records their layout, and indexes kept under another one are rebuilt.
import type { EngineState, IndexState } from "./engine.js";
import { finish, mix, roomFor } from "./storage/hash.js";
import { SLOT_LAYOUT } from "./storage/hash-set.js";

/** Where an engine state's arrays went (section numbers) and its per-stratum progress. */
export interface StateLayout {
  readonly relations: readonly {
    readonly name: string;
    readonly size: number;
    readonly data: number;
    readonly base: number | null;
    readonly baseSize: number;
    /** Sections of the hash tables of the rows and of `base` (absent in older states, or when the set is in bitsets). */
    readonly slots?: number | null;
    readonly baseSlots?: number | null;
    /** The join indexes: their numbers, and sections of their heads and of their chains or pool (absent in older states). */
    readonly indexes?: readonly KeptIndex[];
  }[];
  readonly strata: EngineState["strata"];
  readonly epochs: EngineState["epochs"];
  /** The hash function's value on a fixed row when the tables were kept (absent: no tables kept). */
  readonly hash?: number;
  /** The layout of the kept join indexes (`INDEX_LAYOUT`; absent: none kept). */
  readonly index?: number;
}

/** A join index as laid out: `heads` and `rest` (a chain index's `next`, a pair index's pool) are section numbers. */
export interface KeptIndex {
  readonly kind: "chain" | "pair";
  readonly cols: readonly number[];
  readonly direct: boolean;
  readonly mask: number;
  readonly keys: number;
  readonly indexed: number;
  readonly heads: number;
  readonly rest: number;
}

/** The layout of kept chain and pair indexes: changed whenever either class lays its arrays out otherwise. */
const INDEX_LAYOUT = 1;

/** The row hash tables are laid out by, on a fixed row, with the slot layout: a change of either shows here. */
function hashProbe(): number {
  return finish(mix(mix(mix(mix(0, 1), -2), 0x7fffffff), SLOT_LAYOUT));
}

/**
 * Hands `state`'s arrays to `put` (which stores one, with `room` numbers of room after it when
 * given, and returns its section number) and returns the layout. The rows and the indexes' chains
 * and pools get the room (`roomFor`) they would take when first copied: a continuing run that
 * takes its state to write (`stateOf` with `room`) appends into it in place.
 */
export function layoutOf(state: EngineState, put: (codes: Int32Array, room?: number) => number): StateLayout {
  return {
    relations: state.relations.map((r) => ({
      name: r.name,
      size: r.size,
      data: put(r.data, roomFor(r.size) * rowsOf(r.data, r.size)),
      base: r.base === null ? null : put(r.base, roomFor(r.baseSize) * rowsOf(r.base, r.baseSize)),
      baseSize: r.baseSize,
      slots: r.slots == null ? null : put(r.slots),
      baseSlots: r.baseSlots == null ? null : put(r.baseSlots),
      indexes: (r.indexes ?? []).map((x) => ({
        kind: x.kind,
        cols: x.cols,
        direct: x.direct,
        mask: x.mask,
        keys: x.keys,
        indexed: x.indexed,
        heads: put(x.heads),
        rest: x.kind === "chain" ? put(x.next, roomFor(x.indexed)) : put(x.pool, roomFor(x.pool.length, 64)),
      })),
    })),
    strata: state.strata,
    epochs: state.epochs,
    hash: hashProbe(),
    index: INDEX_LAYOUT,
  };
}

/**
 * The engine state a layout describes, its arrays taken from `get` (by section number). Given
 * `room` (a section with the room after it, which the caller may write), the state is `writable`:
 * the rows, chains and pools come with their room, and the heads are written in place.
 */
export function stateOf(layout: StateLayout, get: (section: number) => Int32Array, room?: (section: number) => Int32Array): EngineState {
  const tables = layout.hash === hashProbe();
  const indexes = tables && layout.index === INDEX_LAYOUT;
  const grows = room ?? get;
  const indexOf = (x: KeptIndex): IndexState => {
    const common = { cols: x.cols, direct: x.direct, mask: x.mask, keys: x.keys, indexed: x.indexed, heads: get(x.heads) };
    if (x.kind === "chain") return { kind: "chain", ...common, next: grows(x.rest) };
    return { kind: "pair", ...common, pool: grows(x.rest), top: get(x.rest).length };
  };
  return {
    ...(room === undefined ? {} : { writable: true }),
    relations: layout.relations.map((r) => ({
      name: r.name,
      size: r.size,
      data: grows(r.data),
      base: r.base === null ? null : grows(r.base),
      baseSize: r.baseSize,
      slots: tables && r.slots != null ? get(r.slots) : null,
      baseSlots: tables && r.baseSlots != null ? get(r.baseSlots) : null,
      indexes: indexes && r.indexes !== undefined ? r.indexes.map(indexOf) : null,
    })),
    strata: layout.strata,
    epochs: layout.epochs,
  };
}

/**
 * The rows an engine added to a kept state since it was laid out, and its progress now: what a
 * delta part holds (`data`/`base`: sections of the rows past `from`/`baseFrom`, null when none).
 */
export interface DeltaLayout {
  readonly relations: readonly {
    readonly name: string;
    readonly from: number;
    readonly size: number;
    readonly data: number | null;
    readonly baseFrom: number;
    readonly baseSize: number;
    readonly base: number | null;
  }[];
  readonly strata: EngineState["strata"];
  readonly epochs: EngineState["epochs"];
}

/** How many codes a relation's rows take (0 for no rows). */
function rowsOf(data: Int32Array | null, size: number): number {
  return data === null || size === 0 ? 0 : data.length / size;
}

/**
 * Hands `put` the rows `state` holds past the kept state `since` and returns their layout, when
 * `state` extends `since`: the engine continued from it, no relation was emptied and evaluated
 * again since (their reset counts are unchanged), and every relation holds at least its rows. Null
 * otherwise (the whole state must be laid out again); `put` is not called then.
 */
export function deltaOf(state: EngineState, since: StateLayout, put: (codes: Int32Array) => number): DeltaLayout | null {
  const resets = (epochs: EngineState["epochs"]): string => JSON.stringify([...epochs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  if (resets(state.epochs) !== resets(since.epochs) || state.relations.length !== since.relations.length) return null;
  const was = new Map(since.relations.map((r) => [r.name, r] as const));
  for (const r of state.relations) {
    const s = was.get(r.name);
    if (s === undefined || r.size < s.size || r.baseSize < s.baseSize) return null;
    // A relation of no columns holds one row or none: nothing to append.
    if ((r.size > 0 && r.data.length === 0 && r.size !== s.size) || (r.baseSize > 0 && (r.base?.length ?? 0) === 0 && r.baseSize !== s.baseSize)) return null;
  }
  return {
    relations: state.relations.map((r) => {
      const s = was.get(r.name)!;
      const arity = rowsOf(r.data, r.size);
      const baseArity = rowsOf(r.base, r.baseSize);
      return {
        name: r.name,
        from: s.size,
        size: r.size,
        data: r.size > s.size ? put(r.data.subarray(s.size * arity, r.size * arity)) : null,
        baseFrom: s.baseSize,
        baseSize: r.baseSize,
        base: r.baseSize > s.baseSize ? put(r.base!.subarray(s.baseSize * baseArity, r.baseSize * baseArity)) : null,
      };
    }),
    strata: state.strata,
    epochs: state.epochs,
  };
}

/** The kept state `layout` (arrays from `get`) with the rows of `delta` (arrays from `getDelta`) to append, and its progress. */
export function stateWithDelta(layout: StateLayout, get: (section: number) => Int32Array, delta: DeltaLayout, getDelta: (section: number) => Int32Array, room?: (section: number) => Int32Array): EngineState {
  const base = stateOf(layout, get, room);
  const more = new Map(delta.relations.map((r) => [r.name, r] as const));
  return {
    ...(base.writable === true ? { writable: true } : {}),
    relations: base.relations.map((r) => {
      const d = more.get(r.name);
      if (d === undefined || d.from !== r.size || d.baseFrom !== r.baseSize) throw new Error(`derived state: the delta of \`${r.name}\` does not follow its kept rows`);
      return { ...r, more: d.data === null ? null : getDelta(d.data), moreBase: d.base === null ? null : getDelta(d.base) };
    }),
    strata: delta.strata,
    epochs: delta.epochs,
  };
}