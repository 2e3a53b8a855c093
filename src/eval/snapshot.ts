// An engine's state laid out as int32 sections plus a small JSON description: the arrays are
// written as they are and read back as views, so a later process continues a fixpoint without
// deriving again or parsing anything but the description.
//
// Hash tables are kept too (`slots`), so a continuing engine takes them as they are instead of
// inserting every row again. They are valid only under the same hash function: `hash` records what
// that function gives a fixed row, and tables kept under another one are ignored (rows are inserted).
import type { EngineState } from "./engine.js";
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
  }[];
  readonly strata: EngineState["strata"];
  readonly epochs: EngineState["epochs"];
  /** The hash function's value on a fixed row when the tables were kept (absent: no tables kept). */
  readonly hash?: number;
}

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
    })),
    strata: state.strata,
    epochs: state.epochs,
    hash: hashProbe(),
  };
}

/** The engine state a layout describes, its arrays taken from `get` (by section number). */
export function stateOf(layout: StateLayout, get: (section: number) => Int32Array): EngineState {
  const tables = layout.hash === hashProbe();
  return {
    relations: layout.relations.map((r) => ({
      name: r.name,
      size: r.size,
      data: get(r.data),
      base: r.base === null ? null : get(r.base),
      baseSize: r.baseSize,
      slots: tables && r.slots != null ? get(r.slots) : null,
      baseSlots: tables && r.baseSlots != null ? get(r.baseSlots) : null,
    })),
    strata: layout.strata,
    epochs: layout.epochs,
  };
}

