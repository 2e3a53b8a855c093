// The interfaces between a relation's rows, its indexes and the join code generated over them.
// Generated code reads only what these name: a relation's `data` and `size`, a chain index's
// `first*` and `next`, a pair index's `find` and `pool`.

/** Rows in one Int32Array, `arity` codes each; rows never move or change, so rows below n are a stable version. */
export interface Rows {
  readonly data: Int32Array;
  readonly size: number;
  readonly arity: number;
}

/** What every index offers the engine: its columns, how many keys and rows it holds, and catching up. */
export interface KeyIndex {
  /** The key columns, sorted. */
  readonly cols: readonly number[];
  /** Distinct keys indexed so far. */
  readonly keys: number;
  /** Rows indexed so far (rows 0..indexed-1). */
  readonly indexed: number;
  /** Adds the relation's rows below `limit` (default: all) that are not yet indexed. */
  catchUp(limit?: number): void;
  /** Empties the index (it refills from row 0 on the next catch-up). */
  reset(): void;
  /** Empties the index and gives back its arrays, for a relation no longer read. */
  release(): void;
  /** Bytes its arrays take. */
  bytes(): number;
}
