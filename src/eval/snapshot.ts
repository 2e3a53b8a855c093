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
import { finish, mix } from "./storage/hash.js";
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

/** Hands `state`'s arrays to `put` (which stores one and returns its section number) and returns the layout. */
export function layoutOf(state: EngineState, put: (codes: Int32Array) => number): StateLayout {
  return {
    relations: state.relations.map((r) => ({
      name: r.name,
      size: r.size,
      data: put(r.data),
      base: r.base === null ? null : put(r.base),
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
        rest: put(x.kind === "chain" ? x.next : x.pool),
      })),
    })),
    strata: state.strata,
    epochs: state.epochs,
    hash: hashProbe(),
    index: INDEX_LAYOUT,
  };
}

/** The engine state a layout describes, its arrays taken from `get` (by section number). */
export function stateOf(layout: StateLayout, get: (section: number) => Int32Array): EngineState {
  const tables = layout.hash === hashProbe();
  const indexes = tables && layout.index === INDEX_LAYOUT;
  const indexOf = (x: KeptIndex): IndexState => {
    const common = { cols: x.cols, direct: x.direct, mask: x.mask, keys: x.keys, indexed: x.indexed, heads: get(x.heads) };
    return x.kind === "chain" ? { kind: "chain", ...common, next: get(x.rest) } : { kind: "pair", ...common, pool: get(x.rest) };
  };
  return {
    relations: layout.relations.map((r) => ({
      name: r.name,
      size: r.size,
      data: get(r.data),
      base: r.base === null ? null : get(r.base),
      baseSize: r.baseSize,
      slots: tables && r.slots != null ? get(r.slots) : null,
      baseSlots: tables && r.baseSlots != null ? get(r.baseSlots) : null,
      indexes: indexes && r.indexes !== undefined ? r.indexes.map(indexOf) : null,
    })),
    strata: layout.strata,
    epochs: layout.epochs,
  };
}

