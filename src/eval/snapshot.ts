// An engine's state laid out as int32 sections plus a small JSON description: the arrays are
// written as they are and read back as views, so a later process continues a fixpoint without
// deriving again or parsing anything but the description.
import type { EngineState } from "./engine.js";

/** Where an engine state's arrays went (section numbers) and its per-stratum progress. */
export interface StateLayout {
  readonly relations: readonly { readonly name: string; readonly size: number; readonly data: number; readonly base: number | null; readonly baseSize: number }[];
  readonly strata: EngineState["strata"];
  readonly epochs: EngineState["epochs"];
}

/** Hands `state`'s arrays to `put` (which stores one and returns its section number) and returns the layout. */
export function layoutOf(state: EngineState, put: (codes: Int32Array) => number): StateLayout {
  return {
    relations: state.relations.map((r) => ({ name: r.name, size: r.size, data: put(r.data), base: r.base === null ? null : put(r.base), baseSize: r.baseSize })),
    strata: state.strata,
    epochs: state.epochs,
  };
}

/** The engine state a layout describes, its arrays taken from `get` (by section number). */
export function stateOf(layout: StateLayout, get: (section: number) => Int32Array): EngineState {
  return {
    relations: layout.relations.map((r) => ({ name: r.name, size: r.size, data: get(r.data), base: r.base === null ? null : get(r.base), baseSize: r.baseSize })),
    strata: layout.strata,
    epochs: layout.epochs,
  };
}

/** The section numbers a layout uses (to copy a kept state on unchanged). */
export function sectionsOf(layout: StateLayout): number[] {
  const out: number[] = [];
  for (const r of layout.relations) {
    out.push(r.data);
    if (r.base !== null) out.push(r.base);
  }
  return out;
}

/** The layout with its section numbers renumbered by `map`. */
export function renumber(layout: StateLayout, map: (section: number) => number): StateLayout {
  return { ...layout, relations: layout.relations.map((r) => ({ ...r, data: map(r.data), base: r.base === null ? null : map(r.base) })) };
}
